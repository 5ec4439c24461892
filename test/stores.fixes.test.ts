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

const HOSTNAME = 'kubernetes.io/hostname';
describe.each(renderAll().map((p) => [p.config.name, p] as const))('%s: Kafka and Elasticsearch members spread across nodes', (_env, p) => {
  test.each(['db-kafka', 'db-elasticsearch'])('%s', (ns) => {
    const statefulSets = manifestsOf(p).filter((m) => m.kind === 'StatefulSet' && m.metadata.namespace === ns);
    expect(statefulSets.length).toBeGreaterThan(0);
    for (const sts of statefulSets) {
      const anti = sts.spec.template.spec.affinity?.podAntiAffinity ?? {};
      const podLabels: Record<string, string> = sts.spec.template.metadata.labels;
      // Required where the cluster has a node for every member (HA); preferred otherwise (dev's one node).
      const required = p.config.ha && sts.spec.replicas <= p.config.cluster.nodes;
      const terms: Manifest[] = required
        ? anti.requiredDuringSchedulingIgnoredDuringExecution ?? []
        : (anti.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((t: Manifest) => t.podAffinityTerm);
      expect({ sts: sts.metadata.name, required, terms: terms.length }).toEqual({ sts: sts.metadata.name, required, terms: 1 });
      expect(terms[0].topologyKey).toBe(HOSTNAME);
      // The term selects this StatefulSet's own members (not another role's), so two of them never share a node.
      expect(Object.entries(terms[0].labelSelector.matchLabels).every(([k, v]) => podLabels[k] === v)).toBe(true);
      expect(Object.entries(sts.spec.selector.matchLabels).every(([k, v]) => terms[0].labelSelector.matchLabels[k] === v)).toBe(true);
    }
  });
});

test('production requires anti-affinity for every Kafka and Elasticsearch StatefulSet', () => {
  const p = renderAll().find((x) => x.config.name === 'production')!;
  const sets = manifestsOf(p).filter((m) => m.kind === 'StatefulSet' && ['db-kafka', 'db-elasticsearch'].includes(m.metadata.namespace));
  expect(sets.length).toBeGreaterThanOrEqual(3);
  for (const sts of sets) expect(sts.spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution).toHaveLength(1);
});
