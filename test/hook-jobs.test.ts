/**
 * The PostSync Jobs (MinIO provisioning, Elasticsearch setup) also work under `kubectl apply` (installer, -k):
 * a Job's template is immutable and a finished Job never runs again, so each is named after its files and
 * template (a change is a new Job, an unchanged one is the same object) and finished ones are collected.
 */
import { App } from 'cdk8s';
import { loadEnvironment } from '../environments';
import type { EnvironmentConfig } from '../environments/schema';
import { storeRefs, type StoreRefs } from '../charts/data/refs';
import { ElasticsearchChart } from '../charts/data/elasticsearch/chart';
import { MinioChart } from '../charts/data/minio/chart';
import { DependencyGraph } from '../charts/lib/graph';
import { renderPlatform, type Manifest } from '../charts/platform';
import { plan } from '../scripts/install';
import { manifestsOf, renderAll } from './support/render';
import { withReceivablesStores } from './support/stores';

const HOOK_JOBS = [['storage-minio', 'minio-provisioning'], ['db-elasticsearch', 'elasticsearch-setup']] as const;
const production = loadEnvironment('production');

function jobs(config: EnvironmentConfig, refs: StoreRefs = storeRefs(config)): Manifest[] {
  const ctx = () => withReceivablesStores({ config, refs, graph: new DependencyGraph(), secrets: [] });
  return [new MinioChart(new App(), 'minio', ctx()), new ElasticsearchChart(new App(), 'es', ctx())]
    .flatMap((c) => c.toJson()).filter((m: Manifest) => m.kind === 'Job');
}
const nameOf = (ms: Manifest[], base: string) => ms.find((m) => m.metadata.name.startsWith(`${base}-`))?.metadata.name;

test.each(renderAll().map((p) => [p.config.name, manifestsOf(p)] as const))('%s: hook Jobs carry a content hash and a TTL', (_env, ms) => {
  for (const [ns, base] of HOOK_JOBS) {
    const job = ms.find((m) => m.kind === 'Job' && m.metadata.namespace === ns && m.metadata.name.startsWith(`${base}-`));
    expect(job?.metadata.name).toMatch(new RegExp(`^${base}-[0-9a-f]{10}$`));
    expect(job!.spec.ttlSecondsAfterFinished).toBeGreaterThan(0);
    expect(job!.metadata.annotations['argocd.argoproj.io/hook']).toBe('PostSync');
    // The ConfigMap the Job mounts keeps its plain name and exists.
    const cm = job!.spec.template.spec.volumes.find((v: Manifest) => v.configMap)?.configMap.name;
    expect(ms.some((m) => m.kind === 'ConfigMap' && m.metadata.namespace === ns && m.metadata.name === cm)).toBe(true);
  }
});

test('the name is deterministic: a second render gives the same Jobs', () => {
  const again = manifestsOf(renderPlatform(loadEnvironment('production'))).filter((m) => m.kind === 'Job').map((m) => m.metadata.name).sort();
  const first = manifestsOf(renderAll().find((p) => p.config.name === 'production')!).filter((m) => m.kind === 'Job').map((m) => m.metadata.name).sort();
  expect(again).toEqual(first);
});

test('a changed script or data file renames the Job (it runs again under kubectl apply)', () => {
  const before = jobs(production);
  // MinIO: another bucket list (only the ConfigMap's files change, not the pod template).
  const refs = storeRefs(production);
  const renamed = { ...refs, minio: { ...refs.minio!, buckets: { ...refs.minio!.buckets, documents: 'documents-v2' } } };
  expect(nameOf(jobs(production, renamed), 'minio-provisioning')).not.toBe(nameOf(before, 'minio-provisioning'));
  // Elasticsearch: index replicas follow the data nodes (only setup's JSON files change).
  const es = production.stores.elasticsearch;
  const oneData = { ...production, stores: { ...production.stores, elasticsearch: { ...es, data: 1 } } } as EnvironmentConfig;
  expect(nameOf(jobs(oneData), 'elasticsearch-setup')).not.toBe(nameOf(before, 'elasticsearch-setup'));
});

test('a changed pod template (image registry) renames both Jobs: no "field is immutable" on apply', () => {
  const before = jobs(production);
  const mirrored = { ...production, images: { ...production.images, registry: 'mirror.example.internal:5000' } } as EnvironmentConfig;
  const after = jobs(mirrored);
  for (const [, base] of HOOK_JOBS) expect(nameOf(after, base)).not.toBe(nameOf(before, base));
});

test('the installer runs each hook Job in its folder\'s step after the rest, as Argo CD would: re-created, then awaited (any hash works)', () => {
  const p = renderAll().find((x) => x.config.name === 'production')!;
  const folders = p.charts.map((c) => ({ name: c.folder, dir: `/dist/${c.folder}`, files: c.manifests.map((m) => `/dist/${c.folder}/${m.kind}.${m.metadata.name}.yaml`), objects: c.manifests }));
  const steps = plan(folders, { withoutArgoCd: false, timeout: '10m' });
  for (const [ns, base] of HOOK_JOBS) {
    const chart = p.charts.find((c) => c.manifests.some((m) => m.kind === 'Job' && m.metadata.namespace === ns && m.metadata.name.startsWith(`${base}-`)))!;
    const job = chart.manifests.find((m) => m.kind === 'Job' && m.metadata.name.startsWith(`${base}-`))!;
    const lines = steps.find((st) => st.folder === chart.folder)!.commands.map((c) => c.args.join(' '));
    const applyJob = lines.findIndex((l) => l.includes(`/dist/${chart.folder}/Job.${job.metadata.name}.yaml`));
    expect(applyJob).toBeGreaterThan(0);
    // The rest of the folder first, the Job file not with it; the name is the rendered one (read from dist/).
    expect(lines[0]).not.toContain(`Job.${job.metadata.name}`);
    expect(lines[applyJob - 1]).toBe(`delete --namespace ${ns} job/${job.metadata.name} --ignore-not-found --wait`);
    expect(lines[applyJob + 1]).toMatch(new RegExp(`^wait --namespace ${ns} job/${job.metadata.name} --for condition=complete`));
  }
});
