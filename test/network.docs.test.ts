/**
 * docs/network.md's enforcement check is a command an operator pastes into every cluster: its image must be one
 * the environment already runs (an air-gapped site has mirrored only dist/<env>/images.txt), and its pod must
 * pass the namespace's Pod Security `restricted` level, or the API server refuses it before it tests anything.
 * Not proven here: that nc in the image behaves as described (the image is Alpine's busybox, see
 * charts/lib/image-contracts.ts); the check itself needs a cluster.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ENVIRONMENTS } from '../environments';

const ROOT = path.join(__dirname, '..');
const doc = fs.readFileSync(path.join(ROOT, 'docs/network.md'), 'utf8');
const block = [...doc.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]).find((b) => b.includes('np-check'));

test('the enforcement check takes its image from the environment\'s images.txt', () => {
  expect(block).toBeDefined();
  // IMAGE=$(grep 'PATTERN' dist/<platform>/<env>/images.txt)
  const m = /IMAGE=\$\(grep '([^']+)' dist\/<platform>\/<env>\/images\.txt\)/.exec(block!);
  expect(m).not.toBeNull();
  const pattern = new RegExp(m![1]);
  for (const env of Object.keys(ENVIRONMENTS)) {
    const images = fs.readFileSync(path.join(ROOT, 'dist', 'receivables', env, 'images.txt'), 'utf8').split('\n').filter(Boolean);
    expect({ env, matches: images.filter((i) => pattern.test(i)).length }).toEqual({ env, matches: 1 });
  }
  // No image named outright: it would not be mirrored at an air-gapped site.
  expect(block!.match(/--image=[a-z0-9.-]+\.[a-z]+\//g) ?? []).toEqual([]);
});

test.each(Object.keys(ENVIRONMENTS))('%s: the enforcement check\'s pod passes Pod Security restricted and runs nc against PgBouncer', (env) => {
  // The block as an operator pastes it, through bash, with kubectl standing in to print its arguments as JSON.
  const fake = 'kubectl() { node -e \'console.log(JSON.stringify(process.argv.slice(1)))\' -- "$@"; }';
  const out = execFileSync('bash', ['-euc', `${fake}\n${block!.split('<platform>').join('receivables').split('<env>').join(env)}`], { cwd: ROOT, encoding: 'utf8' });
  const args: string[] = JSON.parse(out);
  const image = args.find((a) => a.startsWith('--image='))!.slice('--image='.length);
  expect(fs.readFileSync(path.join(ROOT, 'dist', 'receivables', env, 'images.txt'), 'utf8').split('\n')).toContain(image);
  const pod = JSON.parse(args.find((a) => a.startsWith('--overrides='))!.slice('--overrides='.length));
  expect(pod.spec.containers).toHaveLength(1);
  const [c] = pod.spec.containers;
  expect(c.image).toBe(image);
  const sc = { ...pod.spec.securityContext, ...c.securityContext };
  expect({ runAsNonRoot: sc.runAsNonRoot, ape: sc.allowPrivilegeEscalation, drop: sc.capabilities?.drop, seccomp: sc.seccompProfile?.type })
    .toEqual({ runAsNonRoot: true, ape: false, drop: ['ALL'], seccomp: 'RuntimeDefault' });
  expect(Number.isInteger(sc.runAsUser) && sc.runAsUser > 0).toBe(true);
  expect(c.command).toEqual(['nc', '-zv', '-w', '3', 'pgbouncer.db-postgres.svc.cluster.local', '6432']);
  expect(args.slice(0, 4)).toEqual(['-n', 'app-core', 'run', 'np-check']);
});
