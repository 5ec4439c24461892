/**
 * The add-ons' quota demand (charts/gitops/addons-demand.ts) against the fit check's record of their pods
 * (charts/capacity/addon-pods.ts): every add-on pod the fit check places must be admitted by its namespace's
 * ResourceQuota, at the most pods that run at once (a Deployment's rolling-update surge, a DaemonSet on every
 * declared node it tolerates, hook Jobs while the rest runs).
 */
import { eligible } from '../charts/capacity/binpack';
import { nodesOf } from '../charts/capacity/fit';
import { addonWorkloads } from '../charts/capacity/workloads';
import { addons as addonCatalog } from '../charts/gitops/addons-catalog';
import { addonDemand } from '../charts/gitops/addons-demand';
import { ENVIRONMENTS, loadEnvironment } from '../environments';
import { renderPlatform } from '../charts/platform';
import { parseCpu, parseMemory } from '../charts/lib/quantity';

describe.each(Object.keys(ENVIRONMENTS))('%s: add-on pods and their namespace quotas', (env) => {
  const config = loadEnvironment(env);
  const catalog = addonCatalog(config);
  const fitPods = addonWorkloads(config, catalog);
  const nodes = nodesOf(config);
  /** Pods of a workload at once, written from Kubernetes' rules, not from addons-demand.ts. */
  const atOnce = (w: (typeof fitPods)[number]) => (w.daemonSet ? nodes.filter((n) => eligible(w, n)).length
    : w.kind === 'Deployment' ? w.maxReplicas + Math.ceil(w.maxReplicas / 4) : w.maxReplicas);
  const quotaed = [...new Set(fitPods.map((w) => w.namespace))].filter((ns) => config.namespaces.some((n) => n.name === ns));

  it('counts in the quota every pod the fit check places, with its requests and limits', () => {
    const demand = addonDemand(config, catalog);
    expect(quotaed.length).toBeGreaterThan(0);
    for (const ns of quotaed) {
      const mine = fitPods.filter((w) => w.namespace === ns);
      const need = {
        pods: mine.reduce((s, w) => s + atOnce(w), 0),
        requestsCpu: mine.reduce((s, w) => s + atOnce(w) * w.requests.cpu, 0),
        requestsMemory: mine.reduce((s, w) => s + atOnce(w) * w.requests.memory, 0),
        limitsCpu: mine.reduce((s, w) => s + atOnce(w) * w.limits.cpu, 0),
        limitsMemory: mine.reduce((s, w) => s + atOnce(w) * w.limits.memory, 0),
        storage: mine.reduce((s, w) => s + atOnce(w) * w.storage, 0),
      };
      const got = demand.get(ns);
      const have = got && { pods: got.pods, requestsCpu: got.requestsCpu, requestsMemory: got.requestsMemory, limitsCpu: got.limitsCpu, limitsMemory: got.limitsMemory, storage: got.storage };
      // Exactly: more would size the quota for pods the fit check never places.
      expect({ ns, ...have }).toEqual({ ns, ...need });
    }
  });

  it('node exporter is counted on every node it runs on, GPU nodes included', () => {
    const exporter = fitPods.find((w) => w.id === 'monitoring/node-exporter');
    if (!config.addons.monitoring.enabled) { expect(exporter).toBeUndefined(); return; }
    expect(atOnce(exporter!)).toBe(config.cluster.nodePools.filter((p) => !p.taints.some((t) => t.effect === 'NoExecute')).reduce((n, p) => n + p.count, 0));
  });

  it('the rendered ResourceQuota admits the add-on pods on top of the rendered ones', () => {
    const demand = addonDemand(config, catalog);
    const quotas = renderPlatform(config).charts.flatMap((c) => c.manifests).filter((m) => m.kind === 'ResourceQuota');
    for (const ns of quotaed) {
      const hard = quotas.find((q) => q.metadata.namespace === ns)?.spec.hard;
      const d = demand.get(ns)!;
      expect({ ns, pods: Number(hard.pods) >= d.pods, cpu: parseCpu(hard['requests.cpu']) >= d.requestsCpu, memory: parseMemory(hard['requests.memory']) >= d.requestsMemory })
        .toEqual({ ns, pods: true, cpu: true, memory: true });
    }
  });
});
