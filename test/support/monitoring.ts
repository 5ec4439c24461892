/** Monitoring test helpers: which scrapes lack a graph flow, and promtool. */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';
import type { Manifest, RenderedPlatform } from '../../charts/platform';
import { PROMETHEUS, type DependencyGraph } from '../../charts/lib/graph';
import { podTemplates } from './render';

/** `namespace/monitor:port` of every PodMonitor endpoint that no Prometheus flow of the graph allows. */
export function undeclaredScrapes(manifests: readonly Manifest[], graph: DependencyGraph): string[] {
  const out: string[] = [];
  for (const pm of manifests.filter((m) => m.kind === 'PodMonitor')) {
    const ns = pm.metadata.namespace;
    const pods = podTemplates(manifests).filter(({ owner, template }) => owner.metadata.namespace === ns
      && Object.entries<string>(pm.spec.selector.matchLabels).every(([k, v]) => template.metadata.labels?.[k] === v));
    for (const ep of pm.spec.podMetricsEndpoints) {
      const numbers = pods.flatMap(({ template }) => template.spec.containers.flatMap((c: Manifest) => c.ports ?? []))
        .filter((cp: Manifest) => (ep.port !== undefined ? cp.name === ep.port : cp.containerPort === ep.targetPort)).map((cp: Manifest) => cp.containerPort);
      const allowed = numbers.length > 0 && numbers.every((n: number) => graph.flows.some((f) => {
        if (!('pods' in f.from) || !('pods' in f.to)) return false;
        const to = f.to.pods;
        return f.from.pods.namespace === PROMETHEUS.namespace && JSON.stringify(f.from.pods.selector) === JSON.stringify(PROMETHEUS.selector)
          && to.namespace === ns && pods.some(({ template }) => Object.entries(to.selector).every(([k, v]) => template.metadata.labels?.[k] === v))
          && f.ports.some((p) => p.port === n);
      }));
      if (!allowed) out.push(`${ns}/${pm.metadata.name}:${ep.port ?? ep.targetPort}`);
    }
  }
  return out;
}

export const rulesOf = (p: RenderedPlatform | { charts: { manifests: Manifest[] }[] }): Manifest[] =>
  p.charts.flatMap((c) => c.manifests).filter((m) => m.kind === 'PrometheusRule');

/** Runs promtool in a temporary folder with the given files; returns its output, throws on failure. */
export function promtool(args: string[], files: Record<string, unknown>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'promtool-'));
  try {
    for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), typeof content === 'string' ? content : stringify(content, { lineWidth: 0 }));
    const r = spawnSync('promtool', args, { cwd: dir, encoding: 'utf8' });
    const output = `${r.stdout ?? ''}${r.stderr ?? ''}`;
    if (r.status !== 0) throw new Error(`promtool ${args.join(' ')} failed:\n${output}${r.error?.message ?? ''}`);
    return output;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
