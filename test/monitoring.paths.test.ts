/**
 * Every rendered PodMonitor endpoint scrapes the path its target actually serves on that port. The expected
 * paths come from the programs (their documentation and defaults) or from the rendered configuration that sets
 * them (ClickHouse's <prometheus> section), never from the PodMonitors themselves.
 */
import { CATALOG } from '../environments/receivables/catalog';
import { PROMETHEUS } from '../charts/lib/graph';
import type { Manifest } from '../charts/platform';
import { manifestsOf, renderAll } from './support/render';

/** Program (image repository without its registry) → what it serves on its metrics port. */
const SERVED: Record<string, { path: string; port?: number }> = {
  'minio/minio': { path: '/minio/v2/metrics/cluster' }, // /metrics is a 404 on MinIO
  'zalando/spilo-17': { path: '/metrics', port: 8008 }, // Patroni's REST API
  'library/kong': { path: '/metrics' }, // the Status API with the prometheus plugin
  'oliver006/redis_exporter': { path: '/metrics' },
  'danielqsj/kafka-exporter': { path: '/metrics' },
  'prometheuscommunity/elasticsearch-exporter': { path: '/metrics' },
  'prometheuscommunity/pgbouncer-exporter': { path: '/metrics' },
};
/** Application kinds whose programs serve /metrics by the platform's application contract. */
const APP_KINDS_WITH_METRICS = ['node-api', 'python-agent', 'model-server'];
const WORKLOADS = ['Deployment', 'StatefulSet', 'DaemonSet'];

// The last two path segments without tag or digest (a mirror registry may carry a port).
const repository = (ref: string) => ref.split('/').slice(-2).join('/').replace(/[:@].*$/, '');
const sameLabels = (a: Record<string, string>, b: Record<string, string>) =>
  JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());

/** `<prometheus><endpoint>…</endpoint><port>…</port>` of ClickHouse configs in a namespace: port → path. */
function clickhouseEndpoints(ms: Manifest[], ns: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const cm of ms.filter((m) => m.kind === 'ConfigMap' && m.metadata.namespace === ns)) {
    for (const xml of Object.values<string>(cm.data ?? {})) {
      for (const [, body] of xml.matchAll(/<prometheus>([\s\S]*?)<\/prometheus>/g)) {
        const path = /<endpoint>([^<]+)<\/endpoint>/.exec(body)?.[1];
        const port = /<port>(\d+)<\/port>/.exec(body)?.[1];
        if (path && port) out.set(Number(port), path);
      }
    }
  }
  return out;
}

/** What the container behind the port serves there, or why nothing is served. */
function served(ms: Manifest[], w: Manifest, c: Manifest, port: number): string {
  const repo = repository(c.image);
  if (/^clickhouse\/clickhouse-(server|keeper)$/.test(repo)) {
    return clickhouseEndpoints(ms, w.metadata.namespace).get(port) ?? `no <prometheus> section on ${port}`;
  }
  const app = CATALOG.find((e) => e.namespace === w.metadata.namespace && e.name === w.metadata.name && e.kind !== 'gateway');
  if (app) return APP_KINDS_WITH_METRICS.includes(app.kind) ? '/metrics' : `a ${app.kind} serves no metrics`;
  const known = SERVED[repo];
  if (!known) return `no known metrics endpoint of ${repo}`;
  if (known.port !== undefined && known.port !== port) return `${repo} serves metrics on ${known.port}, not ${port}`;
  // An exporter may move its endpoint with --web.telemetry-path.
  const flag = [...(c.command ?? []), ...(c.args ?? [])].map((a: string) => /^--web\.telemetry-path=(.+)$/.exec(a)?.[1]).find(Boolean);
  return flag ?? known.path;
}

const rows = renderAll().flatMap((p) => {
  const ms = manifestsOf(p);
  return ms.filter((m) => m.kind === 'PodMonitor').flatMap((pm) => (pm.spec.podMetricsEndpoints as Manifest[])
    .map((ep): [string, string, Manifest, Manifest, Manifest[]] => [p.config.name, `${pm.metadata.namespace}/${pm.metadata.name}:${ep.port ?? ep.targetPort}`, pm, ep, ms]));
});

test('monitoring renders PodMonitors for MinIO, Patroni, ClickHouse, the exporters and the apps (the table below is exercised)', () => {
  const production = rows.filter(([env]) => env === 'production').map(([, id]) => id);
  expect(production).toEqual(expect.arrayContaining(['app-core/api-gateway:metrics', 'app-core/invoice-service:http', 'app-agents/model-server:http']));
  for (const id of ['storage-minio/minio-pool-0:s3', 'db-postgres/postgres-production:patroni', 'db-clickhouse/clickhouse-shard0:metrics',
    'db-clickhouse/clickhouse-keeper:metrics', 'db-redis/redis:metrics', 'db-kafka/kafka-exporter:metrics', 'db-elasticsearch/elasticsearch-exporter:metrics']) {
    expect(production).toContain(id);
  }
});

test('the static frontend (NGINX, no metrics endpoint) gets no PodMonitor and no Prometheus flow', () => {
  for (const p of renderAll()) {
    expect(rows.filter(([env, id]) => env === p.config.name && id.startsWith('app-frontend/web-frontend:'))).toEqual([]);
    expect(p.graph.flows.filter((f) => 'pods' in f.from && f.from.pods.namespace === PROMETHEUS.namespace && 'pods' in f.to
      && f.to.pods.namespace === 'app-frontend' && f.to.pods.selector['app.kubernetes.io/name'] === 'web-frontend')).toEqual([]);
  }
});

test.each(rows)('%s %s scrapes the path its target serves', (_env, _id, pm, ep, ms) => {
  const w = ms.find((m) => WORKLOADS.includes(m.kind) && m.metadata.namespace === pm.metadata.namespace
    && sameLabels(m.spec.selector.matchLabels, pm.spec.selector.matchLabels));
  expect(w).toBeDefined();
  const containers: Manifest[] = w!.spec.template.spec.containers;
  const c = containers.find((x) => (x.ports ?? []).some((p: Manifest) => p.name === ep.port || p.containerPort === ep.targetPort));
  expect(c).toBeDefined();
  const port = c!.ports.find((p: Manifest) => p.name === ep.port || p.containerPort === ep.targetPort).containerPort;
  expect(ep.path).toBe(served(ms, w!, c!, port));
});
