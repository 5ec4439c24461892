/**
 * 50-monitoring: PodMonitors for every metrics endpoint (from the graph's Prometheus flows and from ports named
 * `metrics`), each backed by a flow that lets the scrape through; store alerting rules that promtool accepts
 * and that fire on the failures they name (promtool test rules with synthetic series).
 */
import { App } from 'cdk8s';
import { loadEnvironment } from '../environments';
import { storeRefs } from '../charts/data/refs';
import { DependencyGraph, PROMETHEUS } from '../charts/lib/graph';
import type { Manifest, RenderedChart } from '../charts/platform';
import { MonitoringChart } from '../charts/monitoring/monitoring';
import { storeRules } from '../charts/monitoring/rules';
import { modelErrors } from './support/k8s-schema';
import { manifestsOf, nameOf, renderAll, renderEvery } from './support/render';
import { promtool, rulesOf, undeclaredScrapes } from './support/monitoring';

const production = loadEnvironment('production');
const labels = (name: string, component: string) => ({ 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': name, 'app.kubernetes.io/component': component });

function workload(kind: string, ns: string, name: string, component: string, replicas: number, ports: [string, number][], annotations?: Record<string, string>): Manifest {
  return {
    apiVersion: 'apps/v1', kind, metadata: { name, namespace: ns, labels: labels(name, component) },
    spec: {
      replicas,
      selector: { matchLabels: labels(name, component) },
      template: {
        metadata: { labels: labels(name, component), ...(annotations ? { annotations } : {}) },
        spec: { containers: [{ name, image: 'docker.io/library/x:1', ports: ports.map(([n, p]) => ({ name: n, containerPort: p })) }] },
      },
      ...(kind === 'StatefulSet' ? { serviceName: name, volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: {} }] } : {}),
    },
  };
}

function unnamedPort(w: Manifest, port: number): Manifest {
  w.spec.template.spec.containers[0].ports.push({ containerPort: port });
  return w;
}

/** Stores and an application in the shape their charts render, with and without declared scrape flows. */
function sample() {
  const graph = new DependencyGraph();
  const scrape = (ns: string, name: string, component: string, port: number) =>
    graph.connect({ pods: PROMETHEUS }, { pods: { namespace: ns, selector: labels(name, component), display: name } }, [{ port, name: 'metrics' }], `Prometheus scrapes ${name}`);
  scrape('db-postgres', 'postgres', 'database', 8008);
  scrape('app-core', 'api', 'api', 9464);
  scrape('app-core', 'web', 'web', 9100);
  const charts: RenderedChart[] = [
    { folder: '11-postgres', manifests: [workload('StatefulSet', 'db-postgres', 'postgres', 'database', 3, [['postgresql', 5432], ['patroni', 8008]])] },
    // The exporter port is named `metrics` but no flow is declared: found, and reported as blocked.
    { folder: '12-redis', manifests: [workload('StatefulSet', 'db-redis', 'redis', 'server', 3, [['redis', 6379], ['metrics', 9121]])] },
    { folder: '21-api', manifests: [
      workload('Deployment', 'app-core', 'api', 'api', 2, [['http', 8080], ['otel', 9464]], { 'prometheus.io/path': '/internal/metrics' }),
      unnamedPort(workload('Deployment', 'app-core', 'web', 'web', 2, [['http', 8080]]), 9100),
      workload('Deployment', 'app-core', 'idle', 'idle', 1, [['http', 8080]]),
    ] },
  ];
  const ctx = { config: production, refs: storeRefs(production), graph, secrets: [] };
  const manifests = new MonitoringChart(new App(), '50-monitoring', { ctx, charts }).toJson();
  return { graph, charts, manifests, all: [...charts.flatMap((c) => c.manifests), ...manifests] };
}

describe('scrape targets', () => {
  const { graph, manifests, all } = sample();
  const monitors = manifests.filter((m) => m.kind === 'PodMonitor');
  const endpoints = (name: string) => monitors.find((m) => m.metadata.name === name)?.spec.podMetricsEndpoints;

  test('one PodMonitor per scraped workload, on the named ports the graph or the port names point at', () => {
    expect(monitors.map((m) => `${m.metadata.namespace}/${m.metadata.name}`).sort()).toEqual(['app-core/api', 'app-core/web', 'db-postgres/postgres', 'db-redis/redis']);
    expect(endpoints('web')).toEqual([expect.objectContaining({ targetPort: 9100 })]);
    expect(endpoints('postgres')).toEqual([expect.objectContaining({ port: 'patroni', path: '/metrics', scheme: 'http' })]);
    expect(endpoints('redis')).toEqual([expect.objectContaining({ port: 'metrics' })]);
    expect(endpoints('api')).toEqual([expect.objectContaining({ port: 'otel', path: '/internal/metrics' })]);
    for (const m of monitors) expect(m.spec.selector.matchLabels['app.kubernetes.io/name']).toBe(m.metadata.name);
  });

  test('a metrics port without a Prometheus flow is reported (its NetworkPolicy would block the scrape)', () => {
    expect(undeclaredScrapes(all, graph)).toEqual(['db-redis/redis:metrics']);
  });

  test('monitors and rules validate against the Prometheus operator\'s schemas', () => {
    for (const m of manifests) expect(modelErrors(m)).toBeUndefined();
  });
});

describe('alerting rules', () => {
  const { manifests } = sample();
  const rules = rulesOf({ charts: [{ manifests }] });
  const alerts = (ns: string) => rules.find((r) => r.metadata.namespace === ns)!.spec.groups.flatMap((g: Manifest) => g.rules.map((r: Manifest) => r.alert));

  test('every data StatefulSet gets member, quorum and disk alerts; each store its own health alerts', () => {
    expect(alerts('db-postgres')).toEqual(expect.arrayContaining(['PostgresMembersNotReady', 'PostgresQuorumLost', 'PostgresVolumeFillingUp',
      'PostgresVolumeFullIn24h', 'PostgresNoPrimary', 'PostgresFailover', 'PostgresReplicationLag', 'PostgresNoSynchronousStandby']));
    expect(alerts('db-redis')).toEqual(expect.arrayContaining(['RedisQuorumLost', 'RedisNoMaster', 'RedisFailover', 'RedisSentinelQuorum']));
    expect(rules.map((r) => r.metadata.namespace).sort()).toEqual(['db-postgres', 'db-redis', 'monitoring']);
  });

  test('every store kind has rules for its health', () => {
    for (const store of ['postgres', 'redis', 'minio', 'elasticsearch', 'clickhouse', 'kafka'] as const) {
      expect({ store, n: storeRules(production, store).length > 2 }).toEqual({ store, n: true });
    }
  });

  test('promtool accepts every rule of the sample, of every rendered environment and of every store kind, without lint findings', () => {
    // One file per source: each is what one Prometheus loads.
    const files: Record<string, unknown> = {};
    [rules, ...renderEvery().map((p) => rulesOf(p))].forEach((rs, i) => { files[`rules-${i}.yaml`] = { groups: rs.flatMap((r) => r.spec.groups) }; });
    files['stores.yaml'] = { groups: (['postgres', 'redis', 'minio', 'elasticsearch', 'clickhouse', 'kafka'] as const).map((store) => (
      { name: store, rules: storeRules(production, store).map((r) => ({ alert: r.alert, expr: r.expr, for: r.for, labels: { severity: r.severity } })) })) };
    const out = promtool(['check', 'rules', ...Object.keys(files)], files);
    expect(out.match(/SUCCESS/g)).toHaveLength(Object.keys(files).length);
    expect(out).not.toMatch(/FAILED|lint/i);
  });

  test('exporters whose metrics carry the namespace of what they describe are scraped with their own labels (honorLabels)', () => {
    // Otherwise Prometheus keeps the target's namespace and renames the metric's to exported_namespace, and the rules
    // selecting or naming `namespace` (certificates, the ingress request metrics) would see the controller's.
    const values = (chart: string) => manifestsOf(renderEvery().find((p) => p.config.name === 'production' && p.config.platform.name === 'receivables')!)
      .find((m) => m.kind === 'Application' && m.spec.source?.chart === chart)!.spec.source.helm.valuesObject;
    expect(values('cert-manager').prometheus.servicemonitor).toEqual({ enabled: true, honorLabels: true });
    expect(values('ingress-nginx').controller.metrics.serviceMonitor).toEqual({ enabled: true, honorLabels: true });
  });

  test('delivery alerts: an unhealthy Argo CD Application, a certificate close to expiry (promtool test rules)', () => {
    const groups = rules.filter((r) => r.metadata.namespace === 'monitoring').flatMap((r) => r.spec.groups)
      .map((g: Manifest) => ({ ...g, rules: g.rules.map(({ annotations: _a, ...r }: Manifest) => r) }));
    const tests = {
      rule_files: ['rules.yaml'], evaluation_interval: '1m',
      tests: [{
        interval: '1m',
        input_series: [
          { series: 'argocd_app_info{name="receivables-production-11-postgres", health_status="Degraded", sync_status="Synced"}', values: '1x30' },
          { series: 'argocd_app_info{name="receivables-production-21-api", health_status="Healthy", sync_status="Synced"}', values: '1x30' },
          { series: 'argocd_app_info{name="fnb-production-21-api", health_status="Degraded", sync_status="Synced"}', values: '1x30' },
          // Expires 10 days after the start: inside the 14-day window from the first minute.
          { series: 'certmanager_certificate_expiration_timestamp_seconds{namespace="app-frontend", name="web"}', values: `${10 * 24 * 3600}x90` },
        ],
        alert_rule_test: [
          { eval_time: '10m', alertname: 'ArgoCdApplicationUnhealthy', exp_alerts: [] },
          { eval_time: '20m', alertname: 'ArgoCdApplicationUnhealthy', exp_alerts: [{ exp_labels: { severity: 'warning', namespace: 'monitoring', name: 'receivables-production-11-postgres', health_status: 'Degraded' } }] },
          { eval_time: '70m', alertname: 'CertificateExpiresSoon', exp_alerts: [{ exp_labels: { severity: 'warning', namespace: 'monitoring', name: 'web' } }] },
        ],
      }],
    };
    expect(promtool(['test', 'rules', 'tests.yaml'], { 'rules.yaml': { groups }, 'tests.yaml': tests })).toMatch(/SUCCESS/);
  });

  test('the alerts fire on the failures they name (promtool test rules)', () => {
    const pg = 'namespace="db-postgres"';
    const tests = {
      rule_files: ['rules.yaml'],
      evaluation_interval: '1m',
      tests: [{
        interval: '1m',
        input_series: [
          // Two of three members down from minute 2: quorum lost.
          { series: `kube_statefulset_replicas{${pg}, statefulset="postgres"}`, values: '3x20' },
          { series: `kube_statefulset_status_replicas_ready{${pg}, statefulset="postgres"}`, values: '3 3 1x18' },
          // The primary moves from postgres-0 to postgres-1 at minute 5 (timeline 1 → 2); no primary at all from minute 10.
          { series: `patroni_primary{${pg}, pod="postgres-0"}`, values: '1x4 0x15' },
          { series: `patroni_primary{${pg}, pod="postgres-1"}`, values: '0x4 1x4 0x10' },
          { series: `patroni_postgres_timeline{${pg}, pod="postgres-1"}`, values: '1x4 2x15' },
          // postgres-2 replays 100 MiB behind the primary.
          { series: `patroni_xlog_location{${pg}, pod="postgres-1"}`, values: '209715200x20' },
          { series: `patroni_xlog_replayed_location{${pg}, pod="postgres-2"}`, values: '104857600x20' },
          { series: `patroni_replica{${pg}, pod="postgres-2"}`, values: '1x20' },
          // A volume at 97 % full.
          { series: `kubelet_volume_stats_available_bytes{${pg}, persistentvolumeclaim="data-postgres-0"}`, values: '3x20' },
          { series: `kubelet_volume_stats_capacity_bytes{${pg}, persistentvolumeclaim="data-postgres-0"}`, values: '100x20' },
        ],
        alert_rule_test: [
          { eval_time: '1m', alertname: 'PostgresQuorumLost', exp_alerts: [] },
          { eval_time: '5m', alertname: 'PostgresQuorumLost', exp_alerts: [{ exp_labels: { severity: 'critical', namespace: 'db-postgres', statefulset: 'postgres' } }] },
          { eval_time: '6m', alertname: 'PostgresFailover', exp_alerts: [{ exp_labels: { severity: 'warning', namespace: 'db-postgres' } }] },
          { eval_time: '8m', alertname: 'PostgresNoPrimary', exp_alerts: [] },
          { eval_time: '12m', alertname: 'PostgresNoPrimary', exp_alerts: [{ exp_labels: { severity: 'critical', namespace: 'db-postgres' } }] },
          { eval_time: '10m', alertname: 'PostgresReplicationLag', exp_alerts: [{ exp_labels: { severity: 'warning', namespace: 'db-postgres', pod: 'postgres-2' } }] },
          { eval_time: '10m', alertname: 'PostgresVolumeAlmostFull', exp_alerts: [{ exp_labels: { severity: 'critical', namespace: 'db-postgres', persistentvolumeclaim: 'data-postgres-0' } }] },
        ],
      }],
    };
    // Only whether and with which labels the alerts fire: annotations are left out of the comparison.
    const groups = rules.filter((r) => r.metadata.namespace === 'db-postgres').flatMap((r) => r.spec.groups)
      .map((g: Manifest) => ({ ...g, rules: g.rules.map(({ annotations: _a, ...r }: Manifest) => r) }));
    expect(promtool(['test', 'rules', 'tests.yaml'], { 'rules.yaml': { groups }, 'tests.yaml': tests })).toMatch(/SUCCESS/);
  });
});

describe('dr: the Postgres alerts of a standby cluster (issue 13, defect 8)', () => {
  const dr = renderAll().find((p) => p.config.name === 'dr')!;
  const groups = rulesOf(dr).filter((r) => r.metadata.namespace === 'db-postgres').flatMap((r) => r.spec.groups)
    .map((g: Manifest) => ({ ...g, rules: g.rules.map(({ annotations: _a, ...r }: Manifest) => r) }));
  const pg = 'namespace="db-postgres"';
  const member = (pod: string) => `${pg}, pod="${pod}"`;
  const MiB = 1024 * 1024;
  /** Series as Patroni 4's /metrics reports them (patroni/patroni v4.0.4, patroni/api.py): a standby cluster following production. */
  const standbyCluster = (opts: { leaderStreaming: string; lagging: string }) => [
    { series: `patroni_primary{${member('postgres-dr-0')}}`, values: '0x20' },
    { series: `patroni_standby_leader{${member('postgres-dr-0')}}`, values: '1x20' },
    { series: `patroni_replica{${member('postgres-dr-0')}}`, values: '0x20' },
    { series: `patroni_postgres_streaming{${member('postgres-dr-0')}}`, values: opts.leaderStreaming },
    // The source wrote 300 MiB; the standby leader received all of it and replayed it.
    { series: `patroni_xlog_received_location{${member('postgres-dr-0')}}`, values: `${300 * MiB}x20` },
    { series: `patroni_xlog_replayed_location{${member('postgres-dr-0')}}`, values: `${300 * MiB}x20` },
    ...['postgres-dr-1', 'postgres-dr-2'].flatMap((pod) => [
      { series: `patroni_primary{${member(pod)}}`, values: '0x20' },
      { series: `patroni_standby_leader{${member(pod)}}`, values: '0x20' },
      { series: `patroni_replica{${member(pod)}}`, values: '1x20' },
      { series: `patroni_sync_standby{${member(pod)}}`, values: '0x20' },
      { series: `patroni_postgres_streaming{${member(pod)}}`, values: '1x20' },
      { series: `patroni_xlog_received_location{${member(pod)}}`, values: `${300 * MiB}x20` },
      { series: `patroni_xlog_replayed_location{${member(pod)}}`, values: pod === opts.lagging ? `${200 * MiB}x20` : `${300 * MiB}x20` },
    ]),
  ];

  test('a healthy standby cluster raises nothing about primaries or synchronous standbys; a lagging member is seen against what the site received', () => {
    const tests = {
      rule_files: ['rules.yaml'], evaluation_interval: '1m',
      tests: [{
        interval: '1m',
        input_series: standbyCluster({ leaderStreaming: '1x20', lagging: 'postgres-dr-2' }),
        alert_rule_test: [
          ...['PostgresNoPrimary', 'PostgresNoLeader', 'PostgresNoSynchronousStandby', 'PostgresStandbyNotStreaming', 'PostgresSeveralPrimaries']
            .map((alertname) => ({ eval_time: '15m', alertname, exp_alerts: [] })),
          { eval_time: '15m', alertname: 'PostgresReplicationLag', exp_alerts: [{ exp_labels: { severity: 'warning', namespace: 'db-postgres', pod: 'postgres-dr-2' } }] },
        ],
      }],
    };
    expect(promtool(['test', 'rules', 'tests.yaml'], { 'rules.yaml': { groups }, 'tests.yaml': tests })).toMatch(/SUCCESS/);
  });

  test('the standby leader losing its source, and the cluster losing its leader, are alerts', () => {
    const input = standbyCluster({ leaderStreaming: '1x4 0x15', lagging: 'none' })
      // From minute 12 no member holds the leader lock any more.
      .map((x) => (x.series.startsWith('patroni_standby_leader') && x.series.includes('postgres-dr-0') ? { ...x, values: '1x11 0x8' } : x));
    const tests = {
      rule_files: ['rules.yaml'], evaluation_interval: '1m',
      tests: [{
        interval: '1m',
        input_series: input,
        alert_rule_test: [
          { eval_time: '11m', alertname: 'PostgresStandbyNotStreaming', exp_alerts: [{ exp_labels: { severity: 'critical', namespace: 'db-postgres', pod: 'postgres-dr-0' } }] },
          { eval_time: '11m', alertname: 'PostgresNoLeader', exp_alerts: [] },
          { eval_time: '15m', alertname: 'PostgresNoLeader', exp_alerts: [{ exp_labels: { severity: 'critical', namespace: 'db-postgres' } }] },
          { eval_time: '15m', alertname: 'PostgresReplicationLag', exp_alerts: [] },
        ],
      }],
    };
    expect(promtool(['test', 'rules', 'tests.yaml'], { 'rules.yaml': { groups }, 'tests.yaml': tests })).toMatch(/SUCCESS/);
  });

  test('once promoted (a primary, no standby leader), the synchronous standby is required again', () => {
    const promoted = standbyCluster({ leaderStreaming: '0x20', lagging: 'none' }).map((x) => {
      if (x.series.includes('postgres-dr-0') && x.series.startsWith('patroni_primary')) return { ...x, values: '1x20' };
      if (x.series.includes('postgres-dr-0') && x.series.startsWith('patroni_standby_leader')) return { ...x, values: '0x20' };
      return x;
    });
    const tests = {
      rule_files: ['rules.yaml'], evaluation_interval: '1m',
      tests: [{
        interval: '1m',
        input_series: [...promoted, { series: `patroni_xlog_location{${member('postgres-dr-0')}}`, values: `${300 * MiB}x20` }],
        alert_rule_test: [
          { eval_time: '10m', alertname: 'PostgresNoLeader', exp_alerts: [] },
          { eval_time: '10m', alertname: 'PostgresNoSynchronousStandby', exp_alerts: [{ exp_labels: { severity: 'critical', namespace: 'db-postgres' } }] },
        ],
      }],
    };
    expect(promtool(['test', 'rules', 'tests.yaml'], { 'rules.yaml': { groups }, 'tests.yaml': tests })).toMatch(/SUCCESS/);
  });
});

describe('rendered environments', () => {
  test.each(renderEvery().map((p) => [nameOf(p), p] as const))('%s: every PodMonitor endpoint is allowed by a Prometheus flow; monitoring only where the stack runs', (_n, p) => {
    const ms = manifestsOf(p);
    expect(undeclaredScrapes(ms, p.graph)).toEqual([]);
    if (!p.config.addons.monitoring.enabled) expect(ms.filter((m) => /monitoring\.coreos\.com/.test(m.apiVersion))).toEqual([]);
  });
});
