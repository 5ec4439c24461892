/**
 * The store registry (charts/data/stores.ts for the sections and facts, charts/data/index.ts for the charts): one folder per
 * registered kind, each kind's chart rendered into its own folder and namespace, and every store Secret in its
 * store's namespace. The compile-time half (a kind missing from one registry) is tsc's: see charts/data/index.ts.
 */
import * as fs from 'fs';
import * as path from 'path';
import { STORE_KINDS } from '../charts/data';
import { externalKindsOf, NAMESPACES, STORE_NAMES, storeKindsOf, storeSecrets } from '../charts/data/refs';
import { STORE_REGISTRY } from '../charts/data/stores';
import { STORES } from '../environments/catalog';
import { nameOf, renderEvery } from './support/render';

const DATA = path.resolve(__dirname, '../charts/data');

test('charts/data/ holds exactly one folder per registered store kind, each with its section, refs, chart, client wiring and alerts', () => {
  const folders = fs.readdirSync(DATA, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  expect(folders).toEqual([...STORE_NAMES].sort());
  for (const kind of STORE_NAMES) {
    expect({ kind, files: ['alerts.ts', 'chart.ts', 'client.ts', 'config.ts', 'refs.ts'].filter((f) => fs.existsSync(path.join(DATA, kind, f))) }).toEqual({ kind, files: ['alerts.ts', 'chart.ts', 'client.ts', 'config.ts', 'refs.ts'] });
  }
});

test('the catalog\'s stores are the registered kinds, and every namespace is a store\'s own', () => {
  expect([...STORES].sort()).toEqual([...STORE_NAMES].sort());
  expect(new Set(Object.values(NAMESPACES)).size).toBe(STORE_NAMES.length);
});

describe.each(renderEvery().map((p) => [nameOf(p), p] as const))('%s', (_env, p) => {
  test('has exactly its platform\'s store kinds, and renders a folder for each and none for the others', () => {
    // The platform's kinds, less the optional ones an environment leaves out (pcf-builder's development: no PostgreSQL).
    // And less those it uses as managed services (external.<kind>: eks-platform's production runs none in the cluster).
    const optional = p.config.platform.optionalStores;
    const external = externalKindsOf(p.config);
    expect(storeKindsOf(p.config)).toEqual(STORE_NAMES.filter((k) => p.config.platform.stores.includes(k) && !external.includes(k) && (!optional.includes(k) || p.config.stores[k] !== undefined)));
    for (const k of p.config.platform.stores.filter((x) => !optional.includes(x) && !external.includes(x))) expect(storeKindsOf(p.config)).toContain(k);
    for (const kind of STORE_NAMES) {
      expect({ kind, folder: p.charts.some((c) => c.folder === STORE_KINDS[kind].folder) }).toEqual({ kind, folder: storeKindsOf(p.config).includes(kind) });
    }
  });

  // An environment whose stores are all managed services renders no store folder (the row NONE says so).
  const NONE = '(no store in the cluster)';
  test.each<string>(storeKindsOf(p.config).length ? storeKindsOf(p.config) : [NONE])('%s renders into its own folder, its objects in its own namespace', (name) => {
    if (name === NONE) {
      expect(p.charts.filter((c) => STORE_NAMES.some((k) => STORE_KINDS[k].folder === c.folder)).map((c) => c.folder)).toEqual([]);
      return;
    }
    const kind = name as typeof STORE_NAMES[number];
    const folder = STORE_KINDS[kind].folder;
    const chart = p.charts.find((c) => c.folder === folder);
    expect(chart?.manifests.length).toBeGreaterThan(0);
    const elsewhere = chart!.manifests.filter((m) => m.metadata?.namespace !== undefined && m.metadata.namespace !== NAMESPACES[kind]);
    expect(elsewhere.map((m) => `${m.kind} ${m.metadata.namespace}/${m.metadata.name}`)).toEqual([]);
  });

  test('what each kind requires is exactly the other stores its pods reach', () => {
    const kindOf = new Map(STORE_NAMES.map((k) => [NAMESPACES[k], k]));
    const reached = new Map(STORE_NAMES.map((k) => [k, new Set<string>()]));
    for (const f of p.graph.flows) {
      if (!('pods' in f.from) || !('pods' in f.to)) continue;
      const from = kindOf.get(f.from.pods.namespace);
      const to = kindOf.get(f.to.pods.namespace);
      if (from && to && from !== to) reached.get(from)!.add(to);
    }
    for (const kind of storeKindsOf(p.config)) {
      expect({ kind, requires: [...STORE_REGISTRY[kind].requires].sort() }).toEqual({ kind, requires: [...reached.get(kind)!].sort() });
    }
  });

  test('every Secret a store reads is declared in its namespace', () => {
    const secrets = storeSecrets(p.refs, p.config);
    const kinds = storeKindsOf(p.config);
    expect(secrets.length).toBeGreaterThanOrEqual(kinds.length);
    const namespaces = new Set<string>(kinds.map((k) => NAMESPACES[k]));
    expect(secrets.filter((s) => !namespaces.has(s.namespace))).toEqual([]);
    for (const kind of kinds) expect(secrets.some((s) => s.namespace === NAMESPACES[kind])).toBe(true);
  });
});
