/**
 * Refuses a render that changes what the API server never lets change on an existing StatefulSet: its claim
 * templates (size, storage class, …), selector, serviceName and podManagementPolicy. kubectl apply and Argo CD's
 * sync of such a change fail with "spec: Forbidden: updates to statefulset spec for fields other than 'replicas',
 * 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are
 * forbidden" (kubernetes/kubernetes v1.27.0, pkg/apis/apps/validation/validation.go ValidateStatefulSetUpdate).
 * The configuration alone cannot tell a change from a first render, so this compares with the previous render in
 * `dist/<platform>/<env>/`, the folder Argo CD applies, i.e. what the cluster runs. MinIO's pools have their own guard
 * (charts/data/minio/guard.ts) and are skipped here.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import type { ConfigProblem } from '../../environments/schema';
import { NAMESPACES } from '../data/refs';
import { fileName, type Manifest } from '../lib/manifest';
import { toYaml } from './render';
import type { RenderedPlatform } from '../platform';

const IMMUTABLE = ['volumeClaimTemplates', 'selector', 'serviceName', 'podManagementPolicy'] as const;

/** JSON with sorted keys: the same data compares equal whatever the order of its keys. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** `stores.kafka.volume.size` where the store's configuration holds `{ size }` equal to `size`. */
function sizeField(store: Record<string, unknown>, at: string, size: string): string | undefined {
  for (const [k, v] of Object.entries(store)) {
    if (!v || typeof v !== 'object' || Array.isArray(v)) continue;
    if ((v as { size?: unknown }).size === size) return `${at}.${k}.size`;
    const inner = sizeField(v as Record<string, unknown>, `${at}.${k}`, size);
    if (inner) return inner;
  }
  return undefined;
}

/** Problems (in the configuration's terms where it can tell) with the StatefulSets of `p` against `envDir`. */
export function statefulSetChanges(p: RenderedPlatform, envDir: string): ConfigProblem[] {
  const c = p.config;
  // `dist/receivables/staging` inside the project, the absolute path of an --out folder elsewhere: a path the user can delete in.
  const relative = path.relative(process.cwd(), envDir);
  const where = relative.startsWith('..') || path.isAbsolute(relative) ? envDir : relative;
  const problems: ConfigProblem[] = [];
  for (const chart of p.charts) {
    for (const m of chart.manifests.filter((x) => x.kind === 'StatefulSet' && x.metadata.namespace !== NAMESPACES.minio)) {
      const file = path.join(envDir, chart.folder, fileName(m));
      if (!fs.existsSync(file)) continue;
      const text = fs.readFileSync(file, 'utf8');
      // The same bytes as this render writes: nothing changed, and parsing the previous render (the dearest part
      // of this guard) is skipped. The emitter round-trips through the parser (test/yaml.test.ts).
      if (text === toYaml(m)) continue;
      const before = parse(text) as Manifest;
      const changed = IMMUTABLE.filter((f) => canonical(before?.spec?.[f]) !== canonical(m.spec?.[f]));
      if (!changed.length) continue;
      const id = `StatefulSet ${m.metadata.namespace}/${m.metadata.name}`;
      const storeKey = (Object.keys(NAMESPACES) as (keyof typeof NAMESPACES)[]).find((k) => NAMESPACES[k] === m.metadata.namespace);
      const store = storeKey ? `stores.${storeKey}` : '';
      const claims = (s: Manifest | undefined) => new Map<string, Manifest>((s?.spec?.volumeClaimTemplates ?? []).map((t: Manifest) => [t.metadata?.name, t.spec]));
      const [old, now] = [claims(before), claims(m)];
      const forbidden = `the API server refuses any change to its ${changed.join(', ')} (every sync would fail)`;
      // The way through once the cluster side is done (or where no cluster runs this render yet).
      const done = ` Once done (or if no cluster runs ${where} yet), delete ${path.join(where, chart.folder, fileName(m))} and render again`;
      const resized = [...now].filter(([n, s]) => old.has(n) && old.get(n)?.resources?.requests?.storage !== s?.resources?.requests?.storage);
      const reclassed = [...now].filter(([n, s]) => old.has(n) && old.get(n)?.storageClassName !== s?.storageClassName);
      if (changed.length === 1 && changed[0] === 'volumeClaimTemplates' && resized.length && !reclassed.length) {
        for (const [claim, s] of resized) {
          const size = String(s.resources.requests.storage);
          problems.push({
            environment: c.name, path: (storeKey && sizeField(c.stores[storeKey] as unknown as Record<string, unknown>, store, size)) || store || 'stores', value: size,
            message: `${id} has claims "${claim}" of ${old.get(claim)!.resources.requests.storage} in ${where}: ${forbidden}. Keep that size, or expand the existing `
              + `claims (kubectl patch pvc, where the storage class allows expansion), then delete the StatefulSet with --cascade=orphan and let Argo CD recreate it with the new template.${done}`,
          });
        }
        continue;
      }
      problems.push({
        environment: c.name, path: reclassed.length ? 'storageClass' : store || 'stores', value: reclassed.length ? c.storageClass : m.metadata.name,
        message: `${id} in ${where} differs in ${changed.join(', ')}: ${forbidden}. Keep them as rendered, or migrate: `
          + `a new StatefulSet beside the old one (or a backup and restore), since an existing one cannot take the change.${done}`,
      });
    }
  }
  return problems;
}
