/**
 * The import structure (DESIGN.md "Shape of the code"): no module imports itself through others, and no lower
 * layer imports a higher one. Type-only imports count: a type that a lower module needs from a higher one is
 * a type in the wrong layer.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

const ROOT = path.resolve(__dirname, '..');
const SOURCES = ['charts', 'environments', 'scripts'];

/** Every project module (relative path) and the project modules it imports. */
function importGraph(root: string = ROOT): Map<string, string[]> {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) files.push(p);
    }
  };
  for (const d of SOURCES) walk(path.join(root, d));
  files.push(path.join(root, 'main.ts'));
  const graph = new Map<string, string[]>();
  for (const f of files) {
    const imported = ts.preProcessFile(fs.readFileSync(f, 'utf8'), true, true).importedFiles
      .filter((i) => i.fileName.startsWith('.'))
      .map((i) => {
        const base = path.resolve(path.dirname(f), i.fileName);
        const hit = [`${base}.ts`, path.join(base, 'index.ts')].find((c) => fs.existsSync(c));
        return hit ? path.relative(root, hit) : undefined;
      })
      .filter((x): x is string => x !== undefined && !x.startsWith('imports/'));
    graph.set(path.relative(root, f), [...new Set(imported)]);
  }
  return graph;
}

/** Strongly connected components of more than one module, or a module importing itself (Tarjan). */
function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next); low.set(v, next); next++;
    stack.push(v); onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) { visit(w); low.set(v, Math.min(low.get(v)!, low.get(w)!)); }
      else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do { w = stack.pop()!; onStack.delete(w); component.push(w); } while (w !== v);
      if (component.length > 1 || graph.get(v)?.includes(v)) out.push(component.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return out;
}

/**
 * Layers, lowest first: what each group of modules may import besides itself. A module belongs to the first
 * group that owns it.
 */
const SHAPE = ['environments/values.ts', 'environments/cron.ts', 'environments/merge.ts', 'environments/service.ts', 'environments/schema.ts'];
/** The store kinds' facts: configuration sections, rules and refs, below the environment shape that includes them. */
let pureData = new Set<string>();
const isFacts = (t: string): boolean => ['charts/data/stores.ts', 'charts/data/kind.ts'].includes(t) || /^charts\/data\/[^/]+\/(config|refs)\.ts$/.test(t)
  || pureData.has(t);
const isLib = (t: string): boolean => t.startsWith('charts/lib/');
const isConfig = (t: string): boolean => t.startsWith('environments/') && !isEnvironmentData(t);
const under = (prefix: string) => (f: string): boolean => f.startsWith(prefix);
const LAYERS: readonly { readonly group: string; readonly owns: (f: string) => boolean; readonly why: string; readonly mayImport: (target: string) => boolean }[] = [
  { group: 'charts/lib/', owns: isLib, why: 'shared types and helpers only', mayImport: (t) => isLib(t) || SHAPE.includes(t) },
  {
    group: 'store facts', owns: isFacts, why: 'a store kind\'s section and refs sit below the environment shape',
    mayImport: (t) => isLib(t) || isFacts(t) || ['environments/values.ts', 'environments/cron.ts'].includes(t),
  },
  ...SHAPE.map((group) => ({
    group, owns: (f: string) => f === group, why: 'the environment shape is below every chart',
    mayImport: (t: string) => isLib(t) || isFacts(t) || SHAPE.includes(t),
  })),
  {
    group: 'charts/output/', owns: under('charts/output/'), why: 'output writing sits above the charts and below the programs',
    mayImport: (t) => t.startsWith('charts/') || isConfig(t),
  },
  {
    // The capacity model (nodes, workloads, packing, the fit check) sizes quotas for the charts; its report
    // (dist/<env>/capacity.md and the pictures) reads the whole rendered platform, beside the output layer.
    group: 'charts/capacity/report.ts', owns: (f) => f === 'charts/capacity/report.ts', why: 'the capacity report reads a rendered platform',
    mayImport: (t) => t.startsWith('charts/') && !t.startsWith('charts/output/') || isConfig(t),
  },
  {
    group: 'charts/platform.ts', owns: (f) => f === 'charts/platform.ts', why: 'the composer sits above every chart',
    mayImport: (t) => t.startsWith('charts/') && !t.startsWith('charts/output/') && t !== 'charts/capacity/report.ts' || isConfig(t),
  },
  {
    group: 'charts/', owns: under('charts/'), why: 'a chart knows the configuration, never the composer, the output layer or the programs',
    mayImport: (t) => t.startsWith('charts/') && t !== 'charts/platform.ts' && !t.startsWith('charts/output/') && t !== 'charts/capacity/report.ts'
      || isConfig(t),
  },
  {
    group: 'environments/', owns: under('environments/'), why: 'configuration never reaches into the charts above the data tier',
    mayImport: (t) => t.startsWith('environments/') || isLib(t) || t.startsWith('charts/data/'),
  },
];

/** The environments' data and loader (index, base, one file per environment): read only by the programs. */
function isEnvironmentData(t: string): boolean {
  return t.startsWith('environments/') && !SHAPE.includes(t) && !['environments/rules.ts', 'environments/catalog.ts'].includes(t);
}

function layerViolations(graph: ReadonlyMap<string, readonly string[]>): string[] {
  // A store kind's helper that imports nothing of the project (MinIO's erasure arithmetic) may serve its rules.
  pureData = new Set([...graph].filter(([f, targets]) => f.startsWith('charts/data/') && targets.length === 0).map(([f]) => f));
  const out: string[] = [];
  for (const [from, targets] of graph) {
    const layer = LAYERS.find((l) => l.owns(from));
    if (!layer) continue; // main.ts and scripts/: the programs, on top
    for (const t of targets) {
      if (t !== from && !layer.mayImport(t)) out.push(`${from} imports ${t} (${layer.group}: ${layer.why})`);
    }
  }
  return out.sort();
}

describe('import structure', () => {
  const graph = importGraph();

  test('finds the project\'s modules and their imports', () => {
    expect(graph.get('charts/platform.ts')).toContain('charts/lib/manifest.ts');
    expect(graph.size).toBeGreaterThan(50);
  });

  test('has no import cycle', () => {
    expect(cycles(graph)).toEqual([]);
  });

  test('no lower layer imports a higher one', () => {
    expect(layerViolations(graph)).toEqual([]);
  });

  test('the checks catch a cycle and an upward import', () => {
    const bad = new Map(graph);
    bad.set('charts/lib/labels.ts', [...graph.get('charts/lib/labels.ts')!, 'charts/data/refs.ts']);
    expect(cycles(bad).some((c) => c.includes('charts/lib/labels.ts') && c.includes('charts/data/refs.ts'))).toBe(true);
    expect(layerViolations(bad)).toContain('charts/lib/labels.ts imports charts/data/refs.ts (charts/lib/: shared types and helpers only)');
    bad.set('charts/data/redis/config.ts', ['charts/data/redis/chart.ts']);
    expect(layerViolations(bad)).toContain('charts/data/redis/config.ts imports charts/data/redis/chart.ts (store facts: a store kind\'s section and refs sit below the environment shape)');
    bad.set('charts/monitoring/rules.ts', ['charts/platform.ts']);
    expect(layerViolations(bad).some((v) => v.startsWith('charts/monitoring/rules.ts imports charts/platform.ts'))).toBe(true);
  });
});
