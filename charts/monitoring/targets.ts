/**
 * What Prometheus scrapes, derived from what is rendered. A workload is a scrape target on a port when either
 *  - the dependency graph has a flow from Prometheus to its pods on that port (the declaration every chart
 *    makes so that NetworkPolicies let the scrape through), or
 *  - one of its containers declares a port named `metrics` or `*-metrics` (so an exporter cannot be forgotten;
 *    the monitoring tests then insist on the matching graph flow, without which the scrape would be blocked).
 * Path and scheme default to `/metrics` over HTTP; a pod template overrides them with the conventional
 * `prometheus.io/path` and `prometheus.io/scheme` annotations.
 */
import type { Manifest, RenderedChart } from '../lib/manifest';
import { PROMETHEUS, type DependencyGraph } from '../lib/graph';

export interface ScrapeTarget {
  readonly namespace: string;
  /** The workload whose pods are scraped (its selector selects them). */
  readonly workload: { readonly kind: string; readonly name: string };
  readonly selector: Record<string, string>;
  /** Container ports by name, or by number where the container leaves the port unnamed; sorted. */
  readonly ports: readonly (string | number)[];
  readonly path: string;
  readonly scheme: 'http' | 'https';
}

const METRICS_PORT = /(^|-)metrics$/;
const WORKLOADS = ['Deployment', 'StatefulSet', 'DaemonSet'];

const matches = (selector: Record<string, string>, labels: Record<string, string> | undefined) =>
  Object.entries(selector).every(([k, v]) => labels?.[k] === v);

export function scrapeTargets(charts: readonly RenderedChart[], graph: DependencyGraph): ScrapeTarget[] {
  const workloads = charts.flatMap((c) => c.manifests).filter((m) => WORKLOADS.includes(m.kind) && m.spec?.selector?.matchLabels);
  const scraped = graph.flows.filter((f) => 'pods' in f.from && samePods(f.from.pods, PROMETHEUS));
  const out: ScrapeTarget[] = [];
  for (const w of workloads) {
    const ns: string = w.metadata.namespace;
    const pod: Manifest = w.spec.template;
    const containerPorts: Manifest[] = (pod.spec.containers ?? []).flatMap((c: Manifest) => c.ports ?? []);
    const ports = new Set<string | number>();
    for (const cp of containerPorts) if (cp.name && METRICS_PORT.test(cp.name)) ports.add(cp.name);
    for (const f of scraped) {
      if (!('pods' in f.to) || f.to.pods.namespace !== ns || !matches(f.to.pods.selector, pod.metadata?.labels)) continue;
      for (const p of f.ports) {
        const cp = containerPorts.find((x) => x.containerPort === p.port && (x.protocol ?? 'TCP') === (p.protocol ?? 'TCP'));
        if (!cp) continue; // a port of another workload behind the same labels
        ports.add(cp.name ?? cp.containerPort);
      }
    }
    if (!ports.size) continue;
    const annotations: Record<string, string> = pod.metadata?.annotations ?? {};
    out.push({
      namespace: ns,
      workload: { kind: w.kind, name: w.metadata.name },
      selector: w.spec.selector.matchLabels,
      ports: [...ports].sort((a, b) => String(a).localeCompare(String(b))),
      path: annotations['prometheus.io/path'] ?? '/metrics',
      scheme: annotations['prometheus.io/scheme'] === 'https' ? 'https' : 'http',
    });
  }
  return out.sort((a, b) => `${a.namespace}/${a.workload.name}`.localeCompare(`${b.namespace}/${b.workload.name}`));
}

function samePods(a: { namespace: string; selector: Record<string, string> }, b: { namespace: string; selector: Record<string, string> }): boolean {
  return a.namespace === b.namespace && JSON.stringify(a.selector) === JSON.stringify(b.selector);
}
