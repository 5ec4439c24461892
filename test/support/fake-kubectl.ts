/** A fake kubectl on PATH for installer and secret-generator tests: its call log and its stored Secrets. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export interface FakeKubectl {
  readonly dir: string;
  /** PATH with the fake first, as `kubectl`. */
  readonly env: NodeJS.ProcessEnv;
  readonly bin: string;
  calls(): string[];
  /** Stored Secrets, `namespace/name` → decoded values. */
  secrets(): Map<string, Record<string, string>>;
  /** Stores a Secret in this cluster, or in the cluster of another kube `context` (a standby's source). */
  store(namespace: string, name: string, values: Record<string, string>, context?: string): void;
  cleanup(): void;
}

/**
 * @param fail regex of calls that fail
 * @param cluster the recorded bare cluster the read-only calls answer from (`k3s`, `kubeadm`, or a file's path)
 * @param helm put a fake helm on PATH too
 */
export function fakeKubectl(fail?: string, cluster?: string, helm = false): FakeKubectl {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-kubectl-'));
  const binDir = path.join(dir, 'bin');
  const state = path.join(dir, 'state');
  fs.mkdirSync(binDir);
  fs.mkdirSync(state);
  const bin = path.join(binDir, 'kubectl');
  fs.copyFileSync(path.join(__dirname, 'fake-kubectl.sh'), bin);
  fs.chmodSync(bin, 0o755);
  if (helm) { fs.copyFileSync(bin, path.join(binDir, 'helm')); fs.chmodSync(path.join(binDir, 'helm'), 0o755); }
  const log = path.join(dir, 'calls.log');
  fs.writeFileSync(log, '');
  const env: NodeJS.ProcessEnv = {
    ...process.env, PATH: `${binDir}${path.delimiter}${process.env.PATH}`,
    FAKE_KUBECTL_LOG: log, FAKE_KUBECTL_STATE: state, ...(fail ? { FAKE_KUBECTL_FAIL: fail } : {}),
    ...(cluster ? { FAKE_CLUSTER: cluster.includes('/') ? cluster : path.join(__dirname, 'fake-kubectl-clusters', `${cluster}.json`) } : {}),
  };
  return {
    dir, env, bin,
    calls: () => fs.readFileSync(log, 'utf8').split('\n').filter(Boolean),
    secrets: () => new Map(fs.readdirSync(state).map((f) => {
      const s = JSON.parse(fs.readFileSync(path.join(state, f), 'utf8'));
      const values = Object.fromEntries(Object.entries<string>(s.data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
      return [`${s.metadata.namespace}/${s.metadata.name}`, values];
    })),
    store: (namespace, name, values, context) => {
      const dir = context ? `${state}.${context}` : state;
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, `${namespace}_${name}.json`), JSON.stringify({
        apiVersion: 'v1', kind: 'Secret', metadata: { namespace, name },
        data: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
      }));
    },
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
