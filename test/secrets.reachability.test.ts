/**
 * `npm run secrets -- --apply` without a reachable cluster (issue 15): it stops before reading or creating
 * anything, says so in one line without client-go's log noise, and never claims a Secret it did not create.
 * Run as `npm run secrets` runs it, against the fake kubectl (test/support/fake-kubectl.sh) and against the
 * real kubectl pointed at a kubeconfig whose server refuses connections. What this leaves unproven: the
 * behaviour against a real API server that answers `version` but refuses Secrets (RBAC); the fake covers that
 * path in test/secrets.test.ts.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { kubectlError } from '../scripts/secrets';
import { fakeKubectl } from './support/fake-kubectl';

const ROOT = path.resolve(__dirname, '..');
const BUNDLE = path.join(ROOT, '.build', 'test-secrets-reach.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-reach-'));
beforeAll(() => {
  execFileSync(path.join(ROOT, 'node_modules/.bin/esbuild'), ['scripts/secrets.ts', '--bundle', '--platform=node', '--target=node20',
    '--packages=external', '--log-level=warning', `--outfile=${BUNDLE}`], { cwd: ROOT, stdio: 'pipe' });
});
afterAll(() => { fs.rmSync(BUNDLE, { force: true }); fs.rmSync(tmp, { recursive: true, force: true }); });

const run = (env: NodeJS.ProcessEnv, ...args: string[]) => spawnSync(process.execPath, [BUNDLE, ...args], { cwd: ROOT, env, encoding: 'utf8' });

test('an unreachable cluster (fake kubectl): stops before any get or create, and creates nothing', () => {
  const k = fakeKubectl('^version');
  try {
    const r = run(k.env, '--env', 'staging', '--apply');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error: cannot reach the cluster of the current kube context: error: simulated failure of: version --output json\nnothing was created\./);
    expect(r.stdout).not.toMatch(/created/);
    expect(k.calls()).toEqual(['version --output json']);
    expect(k.secrets().size).toBe(0);
  } finally {
    k.cleanup();
  }
});

test('an unreachable cluster (real kubectl, a server that refuses connections): one clear line, no log noise', () => {
  const which = spawnSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' });
  expect(which.status).toBe(0); // as test/gitops.test.ts, which runs kubectl kustomize
  // A port nobody listens on: bind one, note it, close it.
  const port = (() => {
    const out = execFileSync(process.execPath, ['-e', 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'], { encoding: 'utf8' });
    return Number(out.trim());
  })();
  const kubeconfig = path.join(tmp, 'kubeconfig');
  fs.writeFileSync(kubeconfig, [
    'apiVersion: v1', 'kind: Config', 'current-context: down',
    'clusters: [{name: down, cluster: {server: "http://127.0.0.1:' + port + '"}}]',
    'contexts: [{name: down, context: {cluster: down, user: nobody}}]',
    'users: [{name: nobody, user: {}}]', '',
  ].join('\n'));
  const r = run({ ...process.env, KUBECONFIG: kubeconfig }, '--env', 'staging', '--apply', '--context', 'down');
  expect(r.status).toBe(1);
  const lines = r.stderr.trim().split('\n');
  expect(lines[0]).toMatch(/^error: cannot reach the cluster of context "down": .*127\.0\.0\.1:[0-9]+.*refused/);
  expect(lines.slice(1)).toEqual(['nothing was created. Check `kubectl cluster-info` (or pass --context), then run again.']);
  expect(r.stdout).toBe('');
});

test('kubectlError keeps the line meant for a person', () => {
  const stderr = 'E1204 20:59:42.582155   13922 memcache.go:265] "Unhandled Error" err="couldn\'t get current server API group list"\n'
    + 'E1204 20:59:42.583410   13922 memcache.go:265] "Unhandled Error" err="again"\n'
    + 'The connection to the server localhost:8080 was refused - did you specify the right host or port?\n';
  expect(kubectlError(stderr)).toBe('The connection to the server localhost:8080 was refused - did you specify the right host or port?');
});
