/**
 * Store details found in review: Elasticsearch does not try the internet for GeoIP databases, and the platform
 * pins one MinIO client image.
 */
import { parse } from 'yaml';
import type { Manifest } from '../charts/platform';
import { podTemplates, manifestsOf, renderAll } from './support/render';

const byEnv = renderAll().map((p) => [p.config.name, manifestsOf(p)] as const);

test.each(byEnv)('%s: every Elasticsearch node has the GeoIP downloader off (no internet egress)', (_env, ms) => {
  const configs = ms.filter((m) => m.kind === 'ConfigMap' && m.metadata.namespace === 'db-elasticsearch' && m.data?.['elasticsearch.yml']);
  const statefulSets = ms.filter((m) => m.kind === 'StatefulSet' && m.metadata.namespace === 'db-elasticsearch');
  expect(statefulSets.length).toBeGreaterThan(0);
  for (const sts of statefulSets) {
    const cm = sts.spec.template.spec.volumes.find((v: Manifest) => v.name === 'settings').configMap.name;
    const yml = parse(configs.find((c) => c.metadata.name === cm)!.data['elasticsearch.yml']);
    expect({ sts: sts.metadata.name, geoip: yml['ingest.geoip.downloader.enabled'] }).toEqual({ sts: sts.metadata.name, geoip: false });
  }
});

test.each(byEnv)('%s: one mc image for every MinIO client container (provisioning, Redis backup)', (_env, ms) => {
  const mc = podTemplates(ms).flatMap(({ template }) => [...(template.spec.initContainers ?? []), ...template.spec.containers])
    .map((c: Manifest) => c.image as string).filter((i) => /\/minio\/mc[:@]/.test(i));
  // The Redis backup and the MinIO provisioning both use it.
  expect(podTemplates(ms).filter(({ template }) => [...(template.spec.initContainers ?? []), ...template.spec.containers]
    .some((c: Manifest) => /\/minio\/mc[:@]/.test(c.image))).length).toBeGreaterThanOrEqual(2);
  expect(new Set(mc).size).toBe(1);
});
