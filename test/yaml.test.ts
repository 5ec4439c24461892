/**
 * The manifest YAML emitter: everything it writes reads back as exactly the data it was given, under YAML 1.1
 * (what Kubernetes parses) and YAML 1.2, for every rendered object and for strings built to be awkward.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse, parseAllDocuments } from 'yaml';
import { emitYaml, scalarString } from '../charts/lib/yaml';
import { everyObject } from './support/render';

const readBack = (text: string, version: '1.1' | '1.2') => parse(text, { version, uniqueKeys: true });

describe('emitYaml', () => {
  test('every rendered object of every environment reads back identically under YAML 1.1 and 1.2', () => {
    let checked = 0;
    for (const [env, m] of everyObject()) {
      const text = emitYaml(m);
      for (const version of ['1.1', '1.2'] as const) {
        const back = readBack(text, version);
        if (JSON.stringify(back) !== JSON.stringify(m)) expect({ env, name: m.metadata?.name, version, back }).toEqual({ env, name: m.metadata?.name, version, back: m });
      }
      checked++;
    }
    expect(checked).toBeGreaterThan(1000);
  });

  test('strings that YAML 1.1 or 1.2 would read as something else are quoted', () => {
    const tricky = ['yes', 'No', 'on', 'OFF', 'y', 'n', '~', 'null', 'true', '0755', '0x1F', '1:30', '1_000', '.5', '-1', '+1',
      '1e3', '.inf', '-.inf', '.NaN', '2001-12-14', '10.0.0.0/8', '500m', '', ' lead', 'trail ', 'a: b', 'a #b', 'key:',
      '- item', '? x', '[a]', '{a: 1}', '*ref', '&anchor', '!tag', '%dir', '@at', '`tick', '"q"', "'q'", '|', '>', '<<', '='];
    for (const s of tricky) {
      expect({ s, out: scalarString(s) }).toEqual({ s, out: JSON.stringify(s) });
      for (const version of ['1.1', '1.2'] as const) expect(readBack(emitYaml({ [s]: s, list: [s] }), version)).toEqual({ [s]: s, list: [s] });
    }
    for (const s of ['nginx', 'docker.io/library/redis:7.2.5', 'http://minio.storage-minio.svc:9000', 'app.kubernetes.io/name', '-Xmx2g', 'a, b']) {
      expect(scalarString(s)).toBe(s);
    }
  });

  test('random strings over an awkward alphabet round-trip as keys, values and sequence items', () => {
    const alphabet = ['a', 'Z', '0', '1', ' ', '-', ':', '#', '\n', '\t', '"', "'", '\\', '.', 'y', 'e', 's', 'n', 'o', '|', '>', '{',
      '}', '[', ']', ',', '&', '*', '!', '%', '@', '`', '\u2028', '\u0085', 'é', '\r', '~', '=', '<', '?', '\u0000', '\ufeff'];
    let seed = 42;
    const next = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
    for (let i = 0; i < 3000; i++) {
      const s = Array.from({ length: Math.floor(next() * 9) }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
      const data = { [s]: s, list: [s, { k: s }], nested: { v: s } };
      for (const version of ['1.1', '1.2'] as const) {
        const back = readBack(emitYaml(data), version);
        if (JSON.stringify(back) !== JSON.stringify(data)) expect({ s, version, back }).toEqual({ s, version, back: data });
      }
    }
  });

  test('multi-line strings are literal blocks with the right chomping; other shapes keep their structure', () => {
    const data = { script: 'set -e\necho hi\n', strip: 'a\nb', keep: 'a\n\n', empty: {}, none: [], nested: [[1, 2], [], [{ a: null }]], n: 0.25, b: false };
    const text = emitYaml(data);
    expect(text).toContain('script: |\n  set -e\n  echo hi\n');
    expect(text).toContain('strip: |-\n  a\n  b\n');
    expect(text).toContain('keep: |+\n  a\n\n');
    for (const version of ['1.1', '1.2'] as const) expect(readBack(text, version)).toEqual(data);
  });
});

describe('read by Kubernetes\' own YAML parser', () => {
  test('kubectl kustomize (Go, sigs.k8s.io/yaml) reads every object of dev and production exactly as rendered', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yaml-go-'));
    try {
      for (const env of ['dev', 'production']) {
        const objects = everyObject().filter(([e]) => e === env).map(([, m]) => m);
        const files = objects.map((m, i) => {
          fs.writeFileSync(path.join(dir, `${i}.yaml`), emitYaml(m));
          return `${i}.yaml`;
        });
        fs.writeFileSync(path.join(dir, 'kustomization.yaml'), emitYaml({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: files }));
        const built = parseAllDocuments(execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 })).map((d) => d.toJS());
        const key = (m: Record<string, any>) => `${m.apiVersion}/${m.kind}/${m.metadata.namespace ?? ''}/${m.metadata.name}`;
        const byKey = new Map(built.map((m) => [key(m), m]));
        expect(byKey.size).toBe(objects.length);
        for (const m of objects) expect(byKey.get(key(m))).toEqual(m);
        for (const f of fs.readdirSync(dir)) fs.rmSync(path.join(dir, f));
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
