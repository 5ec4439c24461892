/**
 * MinIO settings that would lose data or never start are refused, each naming the field: drive counts that
 * cannot form an erasure set, pools that lose write quorum with one server down, parity out of range, and a
 * pool resized in place (compared with the previously rendered dist/<env>/10-minio).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { poolShapeChanges, recordedPools } from '../charts/data/minio/guard';
import { toFileTree, writeDist } from '../charts/output/render';
import { renderPlatform } from '../charts/platform';
import { formatProblem, validateEnvironment } from '../environments';
import { input, problemsOf, type Input } from './support/config';
import { main } from '../main';
import { receivablesConfig } from './support/stores';

function expectProblem(env: string, cfg: Input, at: string, ...fragments: string[]): void {
  const problems = problemsOf(env, cfg);
  const here = problems.filter((p) => p.path === at);
  expect({ at, all: problems.map(formatProblem) }).toEqual({ at, all: expect.arrayContaining([expect.stringContaining(at)]) });
  const text = formatProblem(here[0]);
  expect(text).toContain(`environment "${env}"`);
  for (const f of fragments) expect(text).toContain(f);
}

describe('pool shapes', () => {
  test('3 drives cannot form an erasure-coded pool', () => {
    const cfg = input('staging');
    cfg.stores.minio.pools[0] = { name: 'pool-0', servers: 3, drivesPerServer: 1, volume: { size: '10Gi' } };
    expectProblem('staging', cfg, 'stores.minio.pools[0].drivesPerServer', 'gives 3 drives (3 × 1)', 'at least 4 drives');
  });

  test('a drive count with no erasure set size (17 servers × 1 drive)', () => {
    const cfg = input('production');
    cfg.cluster.nodes = 20;
    cfg.stores.minio.pools[0] = { name: 'pool-0', servers: 17, drivesPerServer: 1, volume: { size: '10Gi' } };
    expectProblem('production', cfg, 'stores.minio.pools[0].drivesPerServer', 'pool "pool-0" (17 servers × 1 drives)', 'not divisible by any erasure set size');
  });

  test('a pool that loses write quorum with one server down in an HA environment (2 servers × 2 drives)', () => {
    const cfg = input('staging');
    cfg.stores.minio.pools[0] = { name: 'pool-0', servers: 2, drivesPerServer: 2, volume: { size: '10Gi' } };
    expectProblem('staging', cfg, 'stores.minio.pools[0].servers', 'loses write quorum', 'ha is true');
  });

  test('a single-drive server in an HA environment', () => {
    const cfg = input('production');
    cfg.stores.minio.pools[0] = { name: 'pool-0', servers: 1, drivesPerServer: 1, volume: { size: '10Gi' } };
    expectProblem('production', cfg, 'stores.minio.pools[0].servers', 'single-drive mode');
  });

  test('more servers in a pool than nodes in an HA environment', () => {
    const cfg = input('staging');
    cfg.stores.minio.pools[0] = { name: 'pool-0', servers: 4, drivesPerServer: 4, volume: { size: '10Gi' } };
    expectProblem('staging', cfg, 'stores.minio.pools[0].servers', 'at most cluster.nodes (3)');
  });

  test('parity above half the erasure set', () => {
    const cfg = input('production');
    cfg.stores.minio.parity = 9;
    expectProblem('production', cfg, 'stores.minio.parity', 'EC:9', 'allowed: 0 to 8');
  });

  test('too little parity to survive a server in HA (EC:2 over 4 × 4)', () => {
    const cfg = input('production');
    cfg.stores.minio.parity = 2;
    expectProblem('production', cfg, 'stores.minio.pools[0].servers', 'EC:2', 'loses write quorum (14 of 16)');
  });

  test('two pools with the same name', () => {
    const cfg = input('production');
    cfg.stores.minio.pools.push({ ...cfg.stores.minio.pools[0] });
    expectProblem('production', cfg, 'stores.minio.pools[1].name', 'duplicates pool name "pool-0"');
  });

  test('an added pool is accepted (the way to grow)', () => {
    const cfg = input('production');
    cfg.stores.minio.pools.push({ name: 'pool-1', servers: 4, drivesPerServer: 2, volume: { size: '1Ti' } });
    expect(validateEnvironment('production', cfg).stores.minio!.pools).toHaveLength(2);
  });
});

describe('resizing a pool in place is refused against the previous render', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'minio-guard-'));
  const dist = path.join(tmp, 'dist');
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const render = (cfg: Input) => {
    const config = validateEnvironment('production', cfg);
    writeDist(dist, new Map([['receivables/production', toFileTree(renderPlatform(config))]]), false);
    return config;
  };

  test('the previous render records each pool\'s shape', () => {
    const config = render(input('production'));
    expect(recordedPools(receivablesConfig(config), path.join(dist, 'receivables', 'production'))).toEqual([
      { name: 'pool-0', position: 0, servers: 4, drivesPerServer: 4, volume: '500Gi', file: '10-minio/statefulset.storage-minio.minio-pool-0.yaml' },
    ]);
  });

  test('more servers, more drives or another volume size for the same pool: one problem per field', () => {
    const cfg = input('production');
    cfg.cluster.nodes = 8;
    cfg.cluster.nodePools[0].count = 8;
    cfg.stores.minio.pools[0] = { name: 'pool-0', servers: 8, drivesPerServer: 2, volume: { size: '1Ti' } };
    const problems = poolShapeChanges(receivablesConfig(validateEnvironment('production', cfg)), path.join(dist, 'receivables', 'production'));
    expect(problems.map((p) => p.path)).toEqual([
      'stores.minio.pools[0].servers', 'stores.minio.pools[0].drivesPerServer', 'stores.minio.pools[0].volume.size',
    ]);
    expect(formatProblem(problems[0])).toMatch(/pool "pool-0" has 4 servers in dist\/receivables\/production\/10-minio: MinIO cannot resize a pool in place.*add a new pool/);
  });

  test('adding a pool is fine; removing one asks for decommissioning first', () => {
    const grown = input('production');
    grown.stores.minio.pools.push({ name: 'pool-1', servers: 4, drivesPerServer: 2, volume: { size: '1Ti' } });
    expect(poolShapeChanges(receivablesConfig(validateEnvironment('production', grown)), path.join(dist, 'receivables', 'production'))).toEqual([]);
    render(grown);
    const shrunk = input('production');
    const problems = poolShapeChanges(receivablesConfig(validateEnvironment('production', shrunk)), path.join(dist, 'receivables', 'production'));
    expect(problems).toHaveLength(1);
    expect(formatProblem(problems[0])).toMatch(/stores\.minio\.pools = \["pool-0"\]: pool "pool-1".*is missing.*decommission/);
  });

  test('pools keep their order; a new pool goes last', () => {
    const swapped = input('production');
    swapped.stores.minio.pools = [{ name: 'pool-1', servers: 4, drivesPerServer: 2, volume: { size: '1Ti' } }, ...swapped.stores.minio.pools];
    const problems = poolShapeChanges(receivablesConfig(validateEnvironment('production', swapped)), path.join(dist, 'receivables', 'production'));
    expect(problems.map(formatProblem)).toEqual([expect.stringMatching(/stores\.minio\.pools = \["pool-1","pool-0"\]: changes the order of the pools .*append new pools at the end/)]);
    const inserted = input('production');
    inserted.stores.minio.pools = [{ name: 'pool-new', servers: 4, drivesPerServer: 2, volume: { size: '1Ti' } }, ...inserted.stores.minio.pools,
      { name: 'pool-1', servers: 4, drivesPerServer: 2, volume: { size: '1Ti' } }];
    expect(poolShapeChanges(receivablesConfig(validateEnvironment('production', inserted)), path.join(dist, 'receivables', 'production')).map((p) => p.path)).toEqual(['stores.minio.pools']);
  });

  test('a first render (no previous folder) has nothing to compare with', () => {
    expect(poolShapeChanges(receivablesConfig(validateEnvironment('production', input('production'))), path.join(tmp, 'nowhere', 'production'))).toEqual([]);
  });

  test('the synth program refuses and writes nothing', () => {
    const out = path.join(tmp, 'synth');
    const quiet = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    const errors: string[] = [];
    const err = jest.spyOn(console, 'error').mockImplementation((m: string) => { errors.push(m); });
    try {
      expect(main(['--env', 'production', '--out', out])).toBe(0);
      const file = path.join(out, 'receivables', 'production', '10-minio', 'statefulset.storage-minio.minio-pool-0.yaml');
      const before = fs.readFileSync(file, 'utf8');
      // Someone hand-edits the recorded shape (any YAML spelling of the annotation must be read).
      fs.writeFileSync(file, before.replace('\\"servers\\":4', '\\"servers\\":2'));
      expect(fs.readFileSync(file, 'utf8')).not.toBe(before);
      const edited = fs.readFileSync(file, 'utf8');
      expect(main(['--env', 'production', '--out', out])).toBe(1);
      expect(errors.join('\n')).toMatch(/stores\.minio\.pools\[0\]\.servers = 4: pool "pool-0" has 2 servers.*\n?.*nothing was written/s);
      expect(fs.readFileSync(file, 'utf8')).toBe(edited);
    } finally {
      quiet.mockRestore();
      err.mockRestore();
    }
  });
});
