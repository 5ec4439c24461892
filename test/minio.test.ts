/**
 * MinIO: the erasure arithmetic against MinIO's own test cases, and the rendered servers proven against it —
 * the server argument expands to exactly the rendered pods and drives, every erasure set keeps write quorum
 * through the disruptions its PDB allows, and the provisioning Job's script passes shellcheck and sh -n.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { defaultParity, erasureLayout, erasureSetSize, erasureSets, expandEllipses, quorums } from '../charts/data/minio/erasure';
import { MINIO_CLIENTS, minioClientsOf } from '../charts/data/refs';
import type { Manifest } from '../charts/platform';
import { manifestsOf, renderAll } from './support/render';

const NS = 'storage-minio';

describe("erasure arithmetic, against MinIO's own test cases (cmd/endpoint-ellipses_test.go)", () => {
  // [servers, drives per server, expected set size, expected sets]
  test.each([
    [3, 180, 15, 36], // http://host{1...3}/data{1...180}
    [2, 180, 12, 30], // http://host{1...2}/data{1...180}
    [16, 2, 16, 2], // http://minio{0...15}.mydomain.net/data{0...1}
    [64, 1, 16, 4], // http://minio{1...64}.mydomain.net/data
    [1, 32, 16, 2], // http://server1/data{1...32}
    [1, 27, 9, 3], // data{1...27}
    [1, 24, 12, 2], // data{1...24}
    [10, 10, 10, 10], // /export{1...10}/disk{1...10}
    [1, 4, 4, 1], // data{1...4}
  ])('%i servers × %i drives → sets of %i, %i sets', (servers, drivesPerServer, size, sets) => {
    expect(erasureSetSize({ servers, drivesPerServer })).toBe(size);
    const layout = erasureLayout({ servers, drivesPerServer });
    expect('error' in layout ? layout.error : layout.sets).toBe(sets);
  });

  test('a layout MinIO refuses is refused (data{1...17}/export{1...52}: no symmetric set size)', () => {
    expect(erasureSetSize({ servers: 17, drivesPerServer: 52 })).toEqual({ error: expect.stringMatching(/symmetric/) });
    expect(erasureSetSize({ servers: 17, drivesPerServer: 1 })).toEqual({ error: expect.stringMatching(/not divisible/) });
  });

  test('expansion is drive-major, zero padding kept, as minio/pkg ellipses expands', () => {
    expect(expandEllipses('http://minio{2...3}/export/set{1...3}')).toEqual([
      'http://minio2/export/set1', 'http://minio3/export/set1',
      'http://minio2/export/set2', 'http://minio3/export/set2',
      'http://minio2/export/set3', 'http://minio3/export/set3',
    ]);
    expect(expandEllipses('/data{01...03}')).toEqual(['/data01', '/data02', '/data03']);
    expect(expandEllipses('/data0')).toEqual(['/data0']);
  });

  test('default parity and quorums (storage class defaults; write quorum +1 at half parity)', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 16].map(defaultParity)).toEqual([0, 1, 1, 2, 2, 3, 3, 4, 4]);
    expect(quorums(16, 4)).toEqual({ read: 12, write: 12 });
    expect(quorums(6, 3)).toEqual({ read: 3, write: 4 });
    expect(erasureLayout({ servers: 4, drivesPerServer: 4 }, 9)).toEqual({ error: expect.stringMatching(/EC:9.*0 to 8/) });
  });
});

/** What the rendered StatefulSets of one environment say about MinIO. */
function minioOf(ms: Manifest[]) {
  const sts = ms.filter((m) => m.kind === 'StatefulSet' && m.metadata.namespace === NS);
  const container = (s: Manifest) => s.spec.template.spec.containers.find((c: Manifest) => c.name === 'minio');
  return { sts, container };
}

/** Bash's own brace expansion (`..`) as an independent check of which endpoints an argument names. */
function bashExpand(arg: string): string[] {
  const braces = arg.replace(/\{([0-9]+)\.\.\.([0-9]+)\}/g, '{$1..$2}');
  return execFileSync('bash', ['-c', `printf '%s\\n' ${braces}`], { encoding: 'utf8' }).trim().split('\n');
}

describe.each(renderAll().map((p) => [p.config.name, p] as const))('%s: rendered MinIO', (_env, p) => {
  const ms = manifestsOf(p);
  const { sts, container } = minioOf(ms);
  const headless = ms.find((m) => m.kind === 'Service' && m.metadata.namespace === NS && m.spec.clusterIP === 'None')!;
  const domain = p.config.cluster.clusterDomain;
  const pools = p.config.stores.minio!.pools;
  const args: string[] = container(sts[0]).args.slice(container(sts[0]).args.indexOf('/tmp/certs') + 1);

  test('one StatefulSet per pool, each Parallel, behind the one headless Service that publishes not-ready pods', () => {
    expect(sts.map((s) => s.metadata.name).sort()).toEqual(pools.map((pl) => `minio-${pl.name}`).sort());
    expect(headless.spec.publishNotReadyAddresses).toBe(true);
    for (const s of sts) {
      expect(s.spec.podManagementPolicy).toBe('Parallel');
      expect(s.spec.updateStrategy.type).toBe('OnDelete');
      expect(s.spec.serviceName).toBe(headless.metadata.name);
      const podLabels = s.spec.template.metadata.labels;
      expect(Object.entries(headless.spec.selector).every(([k, v]) => podLabels[k] === v)).toBe(true);
      // Every server of every pool runs the very same server arguments.
      expect(container(s).args).toEqual(container(sts[0]).args);
    }
  });

  test('the server arguments name exactly the rendered pods and their mounted drives', () => {
    const rendered = new Set<string>();
    for (const s of sts) {
      const mounts: string[] = container(s).volumeMounts.filter((v: Manifest) => /^data[0-9]+$/.test(v.name)).map((v: Manifest) => v.mountPath);
      expect(mounts).toHaveLength(s.spec.volumeClaimTemplates.length);
      for (let i = 0; i < s.spec.replicas; i++) {
        for (const mount of mounts) {
          rendered.add(args[0].startsWith('http')
            ? `http://${s.metadata.name}-${i}.${headless.metadata.name}.${NS}.svc.${domain}:9000${mount}`
            : mount);
        }
      }
    }
    const named = args.flatMap(bashExpand);
    expect(new Set(named).size).toBe(named.length);
    expect([...named].sort()).toEqual([...rendered].sort());
    // MinIO's expansion agrees with bash's on the set of endpoints (only the order differs).
    expect(args.flatMap(expandEllipses).sort()).toEqual([...named].sort());
  });

  test('every erasure set keeps write quorum through the disruptions each pool\'s PDB allows', () => {
    const parityEnv = container(sts[0]).env.find((e: Manifest) => e.name === 'MINIO_STORAGE_CLASS_STANDARD');
    const single = args.length === 1 && !args[0].startsWith('http');
    if (single) {
      expect(p.config.ha).toBe(false);
      expect(parityEnv).toBeUndefined();
      return;
    }
    const parity = Number(/^EC:([0-9]+)$/.exec(parityEnv.value)![1]);
    for (const [i, arg] of args.entries()) {
      const s = sts.find((x) => x.metadata.name === `minio-${pools[i].name}`)!;
      const pdb = ms.find((m) => m.kind === 'PodDisruptionBudget' && m.metadata.namespace === NS && m.metadata.name === s.metadata.name)!;
      expect(pdb.spec.selector.matchLabels).toEqual(s.spec.selector.matchLabels);
      const size = erasureSetSize(pools[i]) as number;
      expect(size).toBeGreaterThanOrEqual(4);
      expect(parity).toBeLessThanOrEqual(size / 2);
      const { write } = quorums(size, parity);
      const sets = erasureSets(arg, size);
      const hostOf = (endpoint: string) => new URL(endpoint).host;
      const hosts = [...new Set(sets.flat().map(hostOf))];
      const down = pdb.spec.maxUnavailable;
      // Every combination of `down` servers of this pool: each set keeps at least write quorum drives.
      const combos = (from: string[], k: number): string[][] => (k === 0 ? [[]] : from.flatMap((h, j) => combos(from.slice(j + 1), k - 1).map((c) => [h, ...c])));
      for (const gone of combos(hosts, Math.min(down, hosts.length))) {
        for (const set of sets) expect(set.filter((e) => !gone.includes(hostOf(e))).length).toBeGreaterThanOrEqual(write);
      }
      if (p.config.ha) {
        expect(down).toBeGreaterThanOrEqual(1);
        expect(s.spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution).toHaveLength(1);
      }
    }
  });

  test('probes use MinIO\'s health endpoints; metrics are public to Prometheus only through the graph', () => {
    for (const s of sts) {
      const c = container(s);
      expect(c.livenessProbe.httpGet.path).toBe('/minio/health/live');
      expect(c.readinessProbe.httpGet.path).toBe('/minio/health/ready');
      expect(c.env.find((e: Manifest) => e.name === 'MINIO_PROMETHEUS_AUTH_TYPE').value).toBe('public');
      expect(c.image).toMatch(/minio\/minio:RELEASE\.[0-9T-]+Z$/);
    }
    const flows = p.graph.flows.filter((f) => 'pods' in f.to && f.to.pods.namespace === NS);
    // Only where Prometheus is installed (the graph drops the flow otherwise).
    expect(flows.some((f) => 'pods' in f.from && f.from.pods.namespace === 'monitoring' && f.ports.some((x) => x.port === 9000))).toBe(p.config.addons.monitoring.enabled);
    expect(flows.some((f) => 'pods' in f.from && f.from.pods.namespace === NS && f.from.pods.selector['app.kubernetes.io/component'] === 'server')).toBe(true);
  });

  test('the provisioning Job mounts every client\'s Secret, each declared in storage-minio, and creates every bucket', () => {
    const job = ms.find((m) => m.kind === 'Job' && m.metadata.namespace === NS)!;
    const cm = ms.find((m) => m.kind === 'ConfigMap' && m.metadata.name === job.spec.template.spec.volumes.find((v: Manifest) => v.configMap).configMap.name)!;
    const sources = job.spec.template.spec.volumes.find((v: Manifest) => v.projected).projected.sources;
    // The application buckets' clients and each store kind of the platform that backs up here (not the others).
    const clients = minioClientsOf(p.config.stores);
    expect(clients).toEqual(MINIO_CLIENTS.filter((c) => ['documents', 'logs', ...p.config.platform.stores].includes(c)));
    expect(sources.map((s: Manifest) => s.secret.name).sort()).toEqual(clients.map((c) => `minio-${c}`).sort());
    for (const c of clients) {
      expect(p.secrets.filter((s) => s.namespace === NS && s.name === `minio-${c}` && !s.copyOf)).toHaveLength(1);
    }
    const buckets = cm.data['buckets.txt'].trim().split('\n').map((l: string) => l.split(' ')[0]);
    const b = p.refs.minio!.buckets;
    expect(buckets.sort()).toEqual([b.documents, b.logs, ...clients.filter((c) => c in b.backups).map((c) => b.backups[c as keyof typeof b.backups])].sort());
    // Each client's policy names its own bucket and no other.
    for (const line of cm.data['clients.txt'].trim().split('\n')) {
      const [client, bucket] = line.split(' ');
      expect(bucket).toBe(p.refs.minio!.bucketOf(client as typeof MINIO_CLIENTS[number]));
      const policy = JSON.parse(cm.data[`policy-${bucket}.json`]);
      const resources: string[] = policy.Statement.flatMap((st: Manifest) => st.Resource);
      expect(resources.every((r) => r === `arn:aws:s3:::${bucket}` || r === `arn:aws:s3:::${bucket}/*`)).toBe(true);
      expect(policy.Statement.flatMap((st: Manifest) => st.Action)).not.toContain('s3:DeleteObjectVersion');
    }
    for (const bucket of buckets) expect(JSON.parse(cm.data[`lifecycle-${bucket}.json`]).Rules.length).toBeGreaterThan(0);
  });
});

describe('the provisioning script', () => {
  const cm = manifestsOf(renderAll()[0]).find((m) => m.kind === 'ConfigMap' && m.metadata.name === 'minio-provisioning')!;
  const clients = minioClientsOf(renderAll()[0].config.stores);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'minio-script-'));
  const file = path.join(dir, 'provision.sh');
  fs.writeFileSync(file, cm.data['provision.sh']);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('passes shellcheck as POSIX sh', () => {
    expect(execFileSync('shellcheck', ['-s', 'sh', '-S', 'style', file], { encoding: 'utf8' })).toBe('');
  });

  test('parses with dash and bash (-n)', () => {
    execFileSync('dash', ['-n', file]);
    execFileSync('bash', ['-n', file]);
  });

  test('runs against a stand-in mc and provisions every bucket and client idempotently', () => {
    // A fake `mc` records its calls; the script must make the same calls on a second run (idempotent) and
    // attach a policy only when the user does not have it yet.
    const bin = path.join(dir, 'bin');
    const root = path.join(dir, 'root');
    fs.mkdirSync(bin, { recursive: true });
    fs.mkdirSync(path.join(root, 'config'), { recursive: true });
    for (const [k, v] of Object.entries(cm.data as Record<string, string>)) fs.writeFileSync(path.join(root, 'config', k), v);
    for (const c of clients) {
      fs.mkdirSync(path.join(root, 'clients', c), { recursive: true });
      fs.writeFileSync(path.join(root, 'clients', c, 'accessKey'), c);
      fs.writeFileSync(path.join(root, 'clients', c, 'secretKey'), `secret-${c}`);
    }
    const log = path.join(dir, 'calls.log');
    const state = path.join(dir, 'attached');
    fs.writeFileSync(path.join(bin, 'mc'), `#!/bin/sh
echo "$*" >> "${log}"
case "$1 $2 $3" in
  "admin user info") /usr/bin/grep -q "^$5 " "${state}" 2>/dev/null && /usr/bin/grep "^$5 " "${state}" | /usr/bin/sed 's/^[^ ]* /"/; s/$/"/' ;;
  "admin policy attach") echo "$7 $5" >> "${state}" ;;
esac
exit 0
`, { mode: 0o755 });
    const script = cm.data['provision.sh'].replace(/\/config\//g, `${root}/config/`).replace('conf=/config', `conf=${root}/config`)
      .replace(/\/clients\//g, `${root}/clients/`);
    fs.writeFileSync(path.join(dir, 'run.sh'), script);
    // Only what the mc image (UBI micro) has besides the shell's builtins: coreutils such as cat and sleep,
    // and no grep or sed (see its contract in charts/lib/image-contracts.ts).
    for (const tool of ['cat', 'sleep']) fs.symlinkSync(execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim(), path.join(bin, tool));
    const dash = execFileSync('sh', ['-c', 'command -v dash'], { encoding: 'utf8' }).trim();
    const env = { PATH: bin, MINIO_URL: 'http://minio:9000', MINIO_ROOT_USER: 'root', MINIO_ROOT_PASSWORD: 'pw' };
    execFileSync(dash, [path.join(dir, 'run.sh')], { env });
    const first = fs.readFileSync(log, 'utf8').trim().split('\n');
    fs.writeFileSync(log, '');
    execFileSync(dash, [path.join(dir, 'run.sh')], { env });
    const second = fs.readFileSync(log, 'utf8').trim().split('\n');

    const buckets = cm.data['buckets.txt'].trim().split('\n').map((l: string) => l.split(' '));
    for (const [bucket, versioning] of buckets) {
      expect(first).toContain(`mb --ignore-existing platform/${bucket}`);
      expect(first.includes(`version enable platform/${bucket}`)).toBe(versioning === 'on');
      expect(first).toContain(`ilm import platform/${bucket}`);
    }
    for (const c of clients) {
      expect(first).toContain(`admin user add platform ${c} secret-${c}`);
      expect(first.filter((l) => l.startsWith('admin policy attach') && l.endsWith(`--user ${c}`))).toHaveLength(1);
    }
    // Second run: the same calls except the attachments, which are already there.
    expect(second.filter((l) => l.startsWith('admin policy attach'))).toEqual([]);
    expect(second).toEqual(first.filter((l) => !l.startsWith('admin policy attach')));
  });
});
