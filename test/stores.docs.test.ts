/**
 * The store docs name the images dist/ runs (issue 13, defect 12): every image reference in a store's doc is one
 * that some environment's images.txt lists, and each store's doc names each image its pods run.
 */
import * as fs from 'fs';
import * as path from 'path';
import { CLICKHOUSE_IMAGES } from '../charts/data/clickhouse/chart';
import { ES_IMAGE, EXPORTER_IMAGE } from '../charts/data/elasticsearch/chart';
import { KAFKA_IMAGES } from '../charts/data/kafka/chart';
import { MC_IMAGE, MINIO_IMAGE } from '../charts/data/minio/chart';
import { SPILO_IMAGE } from '../charts/data/postgres/patroni';
import { PGBOUNCER_EXPORTER_IMAGE, PGBOUNCER_IMAGE } from '../charts/data/postgres/pgbouncer';
import { podTemplates, manifestsOf, renderAll } from './support/render';

const ROOT = path.join(__dirname, '..');
const DOCS: Record<string, readonly string[]> = {
  'docs/elasticsearch.md': [ES_IMAGE, EXPORTER_IMAGE],
  'docs/kafka.md': Object.values(KAFKA_IMAGES),
  'docs/clickhouse.md': Object.values(CLICKHOUSE_IMAGES),
  'docs/postgres.md': [SPILO_IMAGE, PGBOUNCER_IMAGE, PGBOUNCER_EXPORTER_IMAGE],
  'docs/minio.md': [MINIO_IMAGE, MC_IMAGE],
};
/** `registry/path:tag` as written in the docs. */
const IMAGE_REF = /\b[a-z0-9.-]+\.[a-z]+(?::\d+)?\/[a-z0-9._/-]+:[A-Za-z0-9._-]+/g;

const rendered = renderAll();
const used = new Set(rendered.flatMap((p) => podTemplates(manifestsOf(p)).flatMap(({ template }) =>
  [...(template.spec.initContainers ?? []), ...template.spec.containers].map((c: { image: string }) => c.image))));
// Every environment's images.txt, derived from the environments (onprem's was left out when they were listed by hand).
const listed = new Set(rendered.map((p) => p.config.name).flatMap((env) =>
  fs.readFileSync(path.join(ROOT, 'dist', 'receivables', env, 'images.txt'), 'utf8').split('\n').filter(Boolean)));

test.each(Object.entries(DOCS))('%s names only images dist/ uses, and every image of its store', (doc, storeImages) => {
  const text = fs.readFileSync(path.join(ROOT, doc), 'utf8');
  const named = [...new Set(text.match(IMAGE_REF) ?? [])];
  expect(named.filter((i) => !listed.has(i))).toEqual([]);
  for (const i of storeImages) {
    expect({ image: i, runs: used.has(i) }).toEqual({ image: i, runs: true });
    expect({ image: i, named: named.includes(i) }).toEqual({ image: i, named: true });
  }
});
