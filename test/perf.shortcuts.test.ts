/**
 * The shortcuts synth takes to stay fast read and write exactly what the full work would: the kustomization
 * printed without the `yaml` package, the MinIO guard parsing only a StatefulSet's metadata, and the StatefulSet
 * guard skipping the parse of a previous file whose bytes are this render's, endpoints.md reading the gateway's
 * routes from the value kong.yml was printed from, and the fit check packing each render once.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse, stringify } from 'yaml';
import { checkFit } from '../charts/capacity/fit';
import { metadataBlock } from '../charts/data/minio/guard';
import { kustomization } from '../charts/output/kustomize';
import { renderEnvironments } from '../charts/output/prepare';
import { printedValue } from '../charts/lib/yaml';
import { environmentInput, loadEnvironments, validateEnvironment } from '../environments';
import { renderAll } from './support/render';

const DIST = path.resolve(__dirname, '..', 'dist', 'receivables');
const platforms = renderAll();

test.each(platforms.map((p) => [p.config.name, p] as const))('%s: the kustomization is what the yaml package printed, byte for byte', (_env, p) => {
  const text = kustomization(p);
  const data = parse(text) as { resources: string[] };
  expect(data.resources.length).toBeGreaterThan(100);
  expect(text).toBe(stringify(data, { lineWidth: 0 }));
});

test.each(platforms.map((p) => [p.config.name, p] as const))('%s: the value recorded for kong.yml is what parsing it gives', (_env, p) => {
  const texts = p.charts.flatMap((c) => c.manifests).filter((m) => m.kind === 'ConfigMap' && typeof m.data?.['kong.yml'] === 'string').map((m) => m.data['kong.yml'] as string);
  expect(texts.length).toBe(1);
  expect(printedValue(texts[0])).toBeDefined();
  expect(JSON.parse(JSON.stringify(printedValue(texts[0])))).toEqual(parse(texts[0]));
});

test('the fit report is computed once per render (synth and capacity.md share it), and afresh for another configuration', () => {
  const p = platforms[0];
  const first = checkFit(p);
  expect(checkFit(p)).toBe(first);
  const other = checkFit({ charts: p.charts, config: { ...p.config } });
  expect(other).not.toBe(first);
  expect(other.scenarios).toEqual(first.scenarios);
});

test('every StatefulSet\'s metadata block parses to its metadata, whatever the folder', () => {
  let n = 0;
  for (const env of fs.readdirSync(DIST).filter((d) => fs.statSync(path.join(DIST, d)).isDirectory())) {
    for (const folder of fs.readdirSync(path.join(DIST, env)).filter((d) => fs.statSync(path.join(DIST, env, d)).isDirectory())) {
      for (const f of fs.readdirSync(path.join(DIST, env, folder)).filter((x) => x.startsWith('statefulset.'))) {
        const text = fs.readFileSync(path.join(DIST, env, folder, f), 'utf8');
        const block = metadataBlock(text);
        expect(block.length).toBeLessThan(text.length);
        expect(parse(block)).toEqual({ metadata: parse(text).metadata });
        n++;
      }
    }
  }
  expect(n).toBeGreaterThan(20);
});

test('a metadata block with a multi-line annotation (blank line inside) ends only at the next top-level key', () => {
  const text = 'apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  annotations:\n    note: |\n      one\n\n      two\n  name: x\nspec:\n  replicas: 1\n';
  expect(parse(metadataBlock(text))).toEqual({ metadata: { annotations: { note: 'one\n\ntwo\n' }, name: 'x' } });
});

describe('the StatefulSet guard against a previous render written differently', () => {
  let out: string;
  beforeAll(() => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'perf-guard-'));
    fs.cpSync(path.join(DIST, 'staging'), path.join(out, 'receivables', 'staging'), { recursive: true });
  });
  afterAll(() => fs.rmSync(out, { recursive: true, force: true }));
  const kafka = () => path.join(out, 'receivables', 'staging', '13-kafka', 'statefulset.db-kafka.kafka.yaml');

  test('the same data in other bytes (so the file is parsed) is accepted', () => {
    fs.writeFileSync(kafka(), stringify(parse(fs.readFileSync(kafka(), 'utf8')), { indentSeq: false }));
    expect(renderEnvironments(loadEnvironments(['staging']), out).problems).toEqual([]);
  });

  test('a previous claim size that differs is still refused', () => {
    const before = parse(fs.readFileSync(kafka(), 'utf8'));
    before.spec.volumeClaimTemplates[0].spec.resources.requests.storage = '19Gi';
    fs.writeFileSync(kafka(), stringify(before));
    const cfg = validateEnvironment('staging', environmentInput('staging'));
    expect(renderEnvironments([cfg], out).problems.map((p) => p.path)).toEqual(['stores.kafka.volume.size']);
  });
});
