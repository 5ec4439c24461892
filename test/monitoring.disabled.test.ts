/**
 * Where the monitoring stack is not installed (`addons.monitoring.enabled: false`), nothing may refer to its
 * Prometheus: no flow in the dependency graph (charts/lib/graph.ts drops them, whichever chart declares them),
 * hence no NetworkPolicy rule admitting it and no arrow in the architecture diagram; and no monitoring.coreos.com
 * object, whose CRDs would not exist (the install simulator refuses one).
 */
import { architecture } from '../charts/capacity/report';
import { DependencyGraph, PROMETHEUS, pods } from '../charts/lib/graph';
import { renderPlatform, type RenderedPlatform } from '../charts/platform';
import { deepMerge } from '../environments/merge';
import { environmentInput, validateEnvironment } from '../environments';
import { simulate } from '../scripts/lib/simulator';

const metrics = [{ port: 9121, name: 'metrics' }];
const redis = pods('db-redis', { name: 'redis', component: 'server' });

describe('the dependency graph', () => {
  test('drops flows from or to the monitoring namespace where monitoring is not installed', () => {
    const g = new DependencyGraph({ monitoring: false });
    g.connect({ pods: PROMETHEUS }, { pods: redis }, metrics, 'Prometheus scrapes redis');
    g.connect({ pods: redis }, { pods: PROMETHEUS }, metrics, 'towards monitoring');
    g.connect({ pods: redis }, { pods: redis }, [{ port: 6379, name: 'redis' }], 'replication');
    expect(g.flows.map((f) => f.why)).toEqual(['replication']);
  });

  test('keeps them by default and where monitoring is installed', () => {
    for (const g of [new DependencyGraph(), new DependencyGraph({ monitoring: true })]) {
      g.connect({ pods: PROMETHEUS }, { pods: redis }, metrics, 'Prometheus scrapes redis');
      expect(g.flows.map((f) => f.why)).toEqual(['Prometheus scrapes redis']);
    }
  });
});

const withoutMonitoring: [string, RenderedPlatform][] = [
  // dev as declared, and staging (kubeadm, ingress-nginx, the most charts) with monitoring switched off.
  ['dev', renderPlatform(validateEnvironment('dev', environmentInput('dev')))],
  ['staging', renderPlatform(validateEnvironment('staging', deepMerge(environmentInput('staging'), { addons: { monitoring: { enabled: false } } })))],
];

describe.each(withoutMonitoring)('%s without monitoring', (env, p) => {
  const all = p.charts.flatMap((c) => c.manifests);

  test('the environment has monitoring off', () => {
    expect(p.config.addons.monitoring.enabled).toBe(false);
  });

  test('no flow, NetworkPolicy rule or diagram arrow refers to the monitoring namespace', () => {
    const inMonitoring = p.graph.flows.filter((f) => [f.from, f.to].some((x) => 'pods' in x && x.pods.namespace === PROMETHEUS.namespace));
    expect(inMonitoring.map((f) => f.why)).toEqual([]);
    const policies = all.filter((m) => m.kind === 'NetworkPolicy');
    expect(policies.length).toBeGreaterThan(0);
    const peers = policies.flatMap((np) => [...(np.spec.ingress ?? []).flatMap((r: any) => r.from ?? []), ...(np.spec.egress ?? []).flatMap((r: any) => r.to ?? [])]);
    const admitsMonitoring = peers.filter((x: any) => x.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === PROMETHEUS.namespace);
    expect({ env, admitsMonitoring }).toEqual({ env, admitsMonitoring: [] });
    // The namespace's own baseline (default deny, DNS) stays; no policy is made for Prometheus's pods.
    const forPrometheus = policies.filter((np) => np.metadata.namespace === PROMETHEUS.namespace && np.spec.podSelector?.matchLabels?.['app.kubernetes.io/name'] === 'prometheus');
    expect(forPrometheus.map((np) => np.metadata.name)).toEqual([]);
    expect(architecture(p)).not.toMatch(/prometheus/i);
  });

  test('no monitoring.coreos.com object is rendered, and the install simulator would refuse one', () => {
    expect(all.filter((m) => String(m.apiVersion).startsWith('monitoring.coreos.com/')).map((m) => m.kind)).toEqual([]);
    const input = { config: p.config, charts: p.charts, secrets: p.secrets };
    expect(simulate(input, 'installer').failed).toBeUndefined();
    const monitor = { apiVersion: 'monitoring.coreos.com/v1', kind: 'PodMonitor', metadata: { name: 'redis', namespace: 'db-redis' }, spec: {} };
    const withMonitor = p.charts.map((c) => (c.folder === p.charts.at(-1)!.folder ? { ...c, manifests: [...c.manifests, monitor] } : c));
    for (const path of ['installer', 'argocd'] as const) {
      const sim = simulate({ ...input, charts: withMonitor }, path);
      expect(sim.failed?.problems.join('\n')).toMatch(/does not serve monitoring\.coreos\.com\/PodMonitor/);
    }
  });
});
