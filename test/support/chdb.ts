/**
 * A real ClickHouse engine for the tests: chDB (the `chdb` npm package, ClickHouse built as a library, run like
 * `clickhouse local`). It loads the generated config.d and users.d exactly as a server merges them, with the
 * pod's environment for `from_env`, and answers queries on system tables. Each run is a separate Node process:
 * chDB binds one configuration per process, and a failed start must not take the test runner with it.
 *
 * Where chDB comes from: scripts/test-deps.sh installs it into .build/test-deps (the folder named by
 * CHDB_MODULE overrides that). Without it the engine tests fail: they are part of the suite, never skipped.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { tmpDir } from './clickhouse-kafka';

export function chdbModule(): string | undefined {
  const installed = path.join(__dirname, '..', '..', '.build', 'test-deps', 'node_modules', 'chdb');
  const candidates = [process.env.CHDB_MODULE, installed, 'chdb'].filter((c): c is string => !!c);
  for (const c of candidates) {
    try {
      return require.resolve(c);
    } catch {
      // not here
    }
  }
  return undefined;
}

export interface QueryResult {
  readonly query: string;
  readonly ok: boolean;
  /** TSV output, or the error message. */
  readonly out: string;
}

export interface EngineRun {
  /** Whether the engine started with this configuration. */
  readonly started: boolean;
  /** Why it did not start (the engine's own log lines at error level). */
  readonly error: string;
  readonly results: readonly QueryResult[];
}

const RUNNER = `
const spec = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8'));
const { Session } = require(spec.module);
let s;
try {
  s = new Session(spec.dataDir, { connectionArgs: ['--config-file=' + spec.configFile, '--logger.level=error'] });
} catch (e) {
  console.log('@@' + JSON.stringify({ started: false, error: String(e && e.message) }));
  process.exit(0);
}
const results = spec.queries.map((query) => {
  try { return { query, ok: true, out: s.query(query, 'TSV') }; }
  catch (e) { return { query, ok: false, out: String(e && e.message) }; }
});
s.close();
console.log('@@' + JSON.stringify({ started: true, error: '', results }));
`;

/** The files a ClickHouse image brings and a server pod mounts over. */
export interface EngineConfig {
  /** config.d/<name>: the generated server configuration. */
  readonly configD: Record<string, string>;
  /** users.d/<name>: the generated users, plus anything the test adds. */
  readonly usersD: Record<string, string>;
}

/**
 * The base users.xml of the server image: a `default` user, the `default` profile and quota (our users.d
 * removes that user, and inherits the profile and quota).
 */
const IMAGE_USERS = `<clickhouse>
  <profiles><default/></profiles>
  <users><default><password/><networks><ip>::/0</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default/></quotas>
</clickhouse>
`;

/**
 * The embedded engine always opens its session as `default`; this overlay (test only, never rendered) gives it
 * that user with the admin's privileges, on loopback only.
 */
export const SESSION_USER_OVERLAY = `<clickhouse><users><default>
  <no_password/><networks><ip>::1</ip><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota>
  <access_management>1</access_management><named_collection_control>1</named_collection_control><show_named_collections>1</show_named_collections>
</default></users></clickhouse>
`;

export function runEngine(module: string, cfg: EngineConfig, env: Record<string, string>, queries: readonly string[]): EngineRun {
  const dir = tmpDir();
  const confDir = path.join(dir, 'etc');
  fs.mkdirSync(path.join(confDir, 'config.d'), { recursive: true });
  fs.mkdirSync(path.join(confDir, 'users.d'), { recursive: true });
  // The image's config.xml is the engine's built-in default; only the users file needs naming.
  fs.writeFileSync(path.join(confDir, 'config.xml'), `<clickhouse><users_config>${path.join(confDir, 'users.xml')}</users_config></clickhouse>\n`);
  fs.writeFileSync(path.join(confDir, 'users.xml'), IMAGE_USERS);
  for (const [name, xml] of Object.entries(cfg.configD)) fs.writeFileSync(path.join(confDir, 'config.d', name), xml);
  for (const [name, xml] of Object.entries(cfg.usersD)) fs.writeFileSync(path.join(confDir, 'users.d', name), xml);
  const runner = path.join(dir, 'runner.js');
  fs.writeFileSync(runner, RUNNER);
  const specFile = path.join(dir, 'spec.json');
  fs.writeFileSync(specFile, JSON.stringify({ module, dataDir: path.join(dir, 'data'), configFile: path.join(confDir, 'config.xml'), queries }));
  const r = spawnSync(process.execPath, [runner, specFile], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, encoding: 'utf8', timeout: 120000, maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  const line = r.stdout.split('\n').find((l) => l.startsWith('@@'));
  if (!line) throw new Error(`chDB runner produced no result (exit ${r.status}): ${r.stderr.slice(-2000)}`);
  const parsed = JSON.parse(line.slice(2)) as { started: boolean; error: string; results?: QueryResult[] };
  // On a failed start, the reason is in the engine's log (stderr), not in the exception.
  const reason = parsed.started ? '' : `${parsed.error}\n${r.stderr.split('\n').filter((l) => /Exception|Error/.test(l)).join('\n')}`;
  return { started: parsed.started, error: reason, results: parsed.results ?? [] };
}

/** TSV → rows of cells. */
export function tsv(out: string): string[][] {
  return out.split('\n').filter((l) => l.length > 0).map((l) => l.split('\t'));
}
