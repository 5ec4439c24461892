/**
 * The Redis chart per environment: topology and quorum, the configuration that protects acknowledged writes,
 * secrets by reference, pod identity and DNS names, scheduling, disruption budgets, metrics and network flows.
 * The behaviour of the same files with the real programs is in redis.server.test.ts.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { renderPlatform, type Manifest, type RenderedPlatform } from '../charts/platform';
import { REDIS_IMAGE, sentinelQuorum, useRedis } from '../charts/data/redis/chart';
import { DependencyGraph, pods } from '../charts/lib/graph';
import { selectorLabels } from '../charts/lib/labels';
import { parseMemory } from '../charts/lib/quantity';
import { environmentInput, loadEnvironment, validateEnvironment } from '../environments';
import { renderAll } from './support/render';

const NS = 'db-redis';
const byEnv = renderAll();
const platform = (env: string) => byEnv.find((p) => p.config.name === env)!;
const objects = (p: RenderedPlatform) => p.charts.find((c) => c.folder === '12-redis')!.manifests;
const find = (p: RenderedPlatform, kind: string, name: string): Manifest => {
  const m = objects(p).find((o) => o.kind === kind && o.metadata.name === name);
  if (!m) throw new Error(`${p.config.name}: no ${kind} ${name}`);
  return m;
};
const files = (p: RenderedPlatform): Record<string, string> => find(p, 'ConfigMap', 'redis-config').data;
const directive = (conf: string, name: string): string | undefined => new RegExp(`^${name} (.*)$`, 'm').exec(conf)?.[1];
const container = (sts: Manifest, name: string): Manifest => sts.spec.template.spec.containers.find((c: Manifest) => c.name === name);

describe.each(byEnv.map((p) => [p.config.name, p] as const))('%s', (env, p) => {
  const r = p.config.stores.redis;
  const ref = p.refs.redis;
  const servers = find(p, 'StatefulSet', 'redis');
  const sentinels = find(p, 'StatefulSet', 'redis-sentinel');
  const f = files(p);

  test('everything lives in db-redis, the chart folder is 12-redis', () => {
    expect(new Set(objects(p).map((o) => o.metadata.namespace))).toEqual(new Set([NS]));
    expect(ref!.server.namespace).toBe(NS);
    expect(ref!.sentinel.namespace).toBe(NS);
  });

  test('servers and Sentinels as configured; Sentinel quorum is their majority', () => {
    expect(servers.spec.replicas).toBe(r!.replicas);
    expect(sentinels.spec.replicas).toBe(r!.sentinels);
    const quorum = Number(/^sentinel monitor (\S+) @MASTER_HOST@ @MASTER_PORT@ (\d+)$/m.exec(f['sentinel.conf'])![2]);
    expect(quorum).toBe(sentinelQuorum(r!.sentinels));
    expect(quorum).toBeGreaterThan(r!.sentinels / 2);
    if (p.config.ha) expect([r!.replicas, r!.sentinels, quorum]).toEqual([3, 3, 2]);
    else expect([r!.replicas, r!.sentinels, quorum]).toEqual([1, 1, 1]);
    expect(f['sentinel.conf']).toMatch(new RegExp(`^sentinel monitor ${ref!.masterSet} `, 'm'));
  });

  test('a master cut off from its replicas stops taking writes (min-replicas-to-write), except with no replica at all', () => {
    const conf = f['redis.conf'];
    expect(Number(directive(conf, 'min-replicas-to-write'))).toBe(r!.minReplicasToWrite);
    expect(Number(directive(conf, 'min-replicas-max-lag'))).toBe(r!.minReplicasMaxLagSeconds);
    if (p.config.ha) expect(r!.minReplicasToWrite).toBeGreaterThanOrEqual(1);
    expect(r!.minReplicasToWrite).toBeLessThanOrEqual(r!.replicas - 1);
  });

  test('AOF and RDB persistence on a claim template with the environment storage class and size', () => {
    const conf = f['redis.conf'];
    expect(directive(conf, 'appendonly')).toBe('yes');
    expect(directive(conf, 'appendfsync')).toBe('everysec');
    expect(directive(conf, 'save')).toMatch(/^\d+ \d+/);
    expect(directive(conf, 'dir')).toBe('/data');
    const [claim] = servers.spec.volumeClaimTemplates;
    expect(claim).toMatchObject({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data' } });
    expect(claim.spec.storageClassName).toBe(p.config.storageClass);
    expect(claim.spec.resources.requests.storage).toBe(r!.volume.size);
    expect(container(servers, 'redis').volumeMounts).toContainEqual({ name: 'data', mountPath: '/data' });
    // Sentinels keep their saved state (who is master, the epochs) on a small claim of their own: a full restart
    // resumes it instead of guessing (test/redis.outage.server.test.ts).
    const [state] = sentinels.spec.volumeClaimTemplates;
    expect(state).toMatchObject({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data' } });
    expect(state.spec.storageClassName).toBe(p.config.storageClass);
    expect(container(sentinels, 'sentinel').volumeMounts).toContainEqual({ name: 'data', mountPath: '/data' });
    expect(sentinels.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
    // Sentinel runs the script as its client-reconfig-script: the ConfigMap is mounted executable.
    for (const sts of [servers, sentinels]) {
      expect(sts.spec.template.spec.volumes.find((v: Manifest) => v.name === 'config').configMap.defaultMode).toBe(0o555);
    }
  });

  test('the restore step writes the AOF directory and base file redis.conf names', () => {
    expect(directive(f['redis.conf'], 'appenddirname')).toBe('"appendonlydir"');
    expect(directive(f['redis.conf'], 'appendfilename')).toBeUndefined(); // the default, appendonly.aof
    expect(f['redis-ha.sh']).toContain('"$data/appendonlydir/appendonly.aof.1.base.rdb"');
    expect(f['redis-ha.sh']).toContain("echo 'file appendonly.aof.1.base.rdb seq 1 type b'");
  });

  test('maxmemory leaves room below the container limit for the fork of a rewrite', () => {
    const max = Number(directive(f['redis.conf'], 'maxmemory'));
    const limit = parseMemory(r!.resources.limits.memory);
    expect(max).toBeGreaterThan(limit / 2);
    expect(max).toBeLessThan(limit * 0.8);
  });

  test('Sentinel announces and resolves stable pod DNS names, which the headless Services publish before readiness', () => {
    const s = f['sentinel.conf'];
    expect(directive(s, 'sentinel resolve-hostnames')).toBe('yes');
    expect(directive(s, 'sentinel announce-hostnames')).toBe('yes');
    expect(directive(s, 'sentinel announce-ip')).toBe('@ANNOUNCE_HOST@');
    // Sentinel applies them only to instances declared after them (redis/redis#8300).
    const at = (line: RegExp) => s.split('\n').findIndex((l) => line.test(l));
    expect(at(/^sentinel resolve-hostnames yes$/)).toBeLessThan(at(/^sentinel monitor /));
    expect(at(/^sentinel announce-hostnames yes$/)).toBeLessThan(at(/^sentinel monitor /));
    const domain = p.config.cluster.clusterDomain;
    const list = (name: string) => /^NAME="(.*)"$/m.exec(f['topology.env'].replace(new RegExp(`^${name}=`, 'm'), 'NAME='))![1].split(' ');
    expect(list('REDIS_NODES')).toEqual(Array.from({ length: r!.replicas }, (_, i) => `redis-${i}.${ref!.server.service}.${NS}.svc.${domain}:${ref!.server.port}`));
    expect(list('SENTINEL_NODES')).toEqual(Array.from({ length: r!.sentinels }, (_, i) => `redis-sentinel-${i}.${sentinels.spec.serviceName}.${NS}.svc.${domain}:${ref!.sentinel.port}`));
    for (const sts of [servers, sentinels]) {
      const svc = find(p, 'Service', sts.spec.serviceName);
      expect(svc.spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true, selector: sts.spec.selector.matchLabels });
    }
    expect(servers.spec.serviceName).toBe(ref!.server.service);
  });

  test('clients reach Sentinel through a ClusterIP Service that selects the Sentinel pods', () => {
    const svc = find(p, 'Service', ref!.sentinel.service);
    expect(svc.spec.clusterIP).toBeUndefined();
    expect(svc.spec.selector).toEqual(selectorLabels(ref!.sentinel.pods));
    expect(svc.spec.ports).toEqual([{ name: 'sentinel', port: ref!.sentinel.port, targetPort: 'sentinel' }]);
    expect(sentinels.spec.selector.matchLabels).toEqual(selectorLabels(ref!.sentinel.pods));
    expect(servers.spec.selector.matchLabels).toEqual(selectorLabels(ref!.server.pods));
  });

  test('the password comes from the Secret redis-auth, declared, and is never in the ConfigMap', () => {
    expect(ref!.secret.name).toBe('redis-auth');
    expect(p.secrets).toContainEqual(expect.objectContaining({ namespace: NS, name: 'redis-auth', keys: ['password'] }));
    for (const content of Object.values(f)) {
      expect(content).not.toMatch(/^(requirepass|masterauth) /m);
      expect(content).not.toMatch(/^sentinel auth-pass /m);
    }
    for (const sts of [servers, sentinels]) {
      const vol = sts.spec.template.spec.volumes.find((v: Manifest) => v.name === 'auth');
      expect(vol.secret.secretName).toBe('redis-auth');
      expect(container(sts, 'metrics').env).toContainEqual({ name: 'REDIS_PASSWORD', valueFrom: { secretKeyRef: { name: 'redis-auth', key: 'password' } } });
      // The runtime configuration with the password is written to memory, not to a disk.
      expect(sts.spec.template.spec.volumes.find((v: Manifest) => v.name === 'run').emptyDir.medium).toBe('Memory');
    }
  });

  test('start-up, probes and preStop run the rendered script; only servers have a preStop', () => {
    const script = (mode: string) => ['sh', '/etc/redis/redis-ha.sh', mode];
    const redis = container(servers, 'redis');
    expect(redis.command).toEqual(script('redis'));
    expect(redis.readinessProbe.exec.command).toEqual(script('redis-ready'));
    expect(redis.livenessProbe.exec.command).toEqual(script('redis-live'));
    expect(redis.startupProbe.exec.command).toEqual(script('redis-live'));
    expect(redis.lifecycle.preStop.exec.command).toEqual(script('pre-stop'));
    const sentinel = container(sentinels, 'sentinel');
    expect(sentinel.command).toEqual(script('sentinel'));
    expect(sentinel.readinessProbe.exec.command).toEqual(script('sentinel-ready'));
    expect(sentinel.lifecycle).toBeUndefined();
    // The grace period covers the preStop wait plus Redis' own shutdown-timeout.
    const wait = Number(/^PRESTOP_WAIT_SECONDS=(\d+)$/m.exec(f['topology.env'])![1]);
    expect(servers.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(wait + Number(directive(f['redis.conf'], 'shutdown-timeout')));
    for (const sts of [servers, sentinels]) {
      expect(container(sts, sts === servers ? 'redis' : 'sentinel').env).toContainEqual({ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } });
      expect(sts.spec.podManagementPolicy).toBe('Parallel');
    }
  });

  test('pinned images, rewritten for a private registry', () => {
    const registry = p.config.images.registry;
    const expected = registry ? `${registry}/${REDIS_IMAGE.slice(REDIS_IMAGE.indexOf('/') + 1)}` : REDIS_IMAGE;
    expect(container(servers, 'redis').image).toBe(expected);
    expect(container(sentinels, 'sentinel').image).toBe(expected);
    expect(REDIS_IMAGE).toMatch(/^docker\.io\/library\/redis:7\.\d+\.\d+$/);
  });

  test('members spread over nodes: required where the environment is HA with enough nodes, preferred otherwise', () => {
    for (const sts of [servers, sentinels]) {
      const aa = sts.spec.template.spec.affinity.podAntiAffinity;
      const term = p.config.ha ? aa.requiredDuringSchedulingIgnoredDuringExecution?.[0] : aa.preferredDuringSchedulingIgnoredDuringExecution?.[0]?.podAffinityTerm;
      expect(term).toEqual({ labelSelector: { matchLabels: sts.spec.selector.matchLabels }, topologyKey: 'kubernetes.io/hostname' });
    }
  });

  test('a PodDisruptionBudget per StatefulSet allows one member down (never blocking a single-replica drain)', () => {
    for (const sts of [servers, sentinels]) {
      const pdb = find(p, 'PodDisruptionBudget', sts.metadata.name);
      expect(pdb.spec.maxUnavailable).toBe(1);
      expect(pdb.spec.selector.matchLabels).toEqual(sts.spec.selector.matchLabels);
    }
  });

  test('requests and limits: the server from the environment, Sentinel and exporter small and fixed', () => {
    expect(container(servers, 'redis').resources).toEqual({
      requests: { cpu: r!.resources.requests.cpu, memory: r!.resources.requests.memory },
      limits: { cpu: r!.resources.limits.cpu, memory: r!.resources.limits.memory },
    });
    for (const c of [container(sentinels, 'sentinel'), container(servers, 'metrics'), container(sentinels, 'metrics')]) {
      expect(parseMemory(c.resources.limits.memory)).toBeLessThanOrEqual(parseMemory('64Mi'));
    }
  });

  test('redis_exporter beside every server and Sentinel, on a named metrics port', () => {
    for (const [sts, port] of [[servers, ref!.server.port], [sentinels, ref!.sentinel.port]] as const) {
      const m = container(sts, 'metrics');
      expect(m.ports).toEqual([{ name: 'metrics', containerPort: 9121 }]);
      // TLS to the process beside it, trusting the internal CA, with the pod's certificate.
      expect(m.env).toContainEqual({ name: 'REDIS_ADDR', value: `rediss://localhost:${port}` });
      expect(m.env).toContainEqual({ name: 'REDIS_EXPORTER_TLS_CA_CERT_FILE', value: '/etc/redis-tls/ca.crt' });
      expect(m.env).toContainEqual({ name: 'REDIS_EXPORTER_TLS_CLIENT_CERT_FILE', value: '/etc/redis-tls/tls.crt' });
      expect(m.env).toContainEqual({ name: 'REDIS_EXPORTER_TLS_CLIENT_KEY_FILE', value: '/etc/redis-tls/tls.key' });
      expect(m.volumeMounts).toEqual([{ name: 'tls', mountPath: '/etc/redis-tls', readOnly: true }]);
      expect(m.livenessProbe.httpGet.path).toBe('/health');
    }
  });

  test('TLS only, with a certificate of the internal CA for every pod name, the Sentinel Service and localhost', () => {
    for (const [conf, port] of [[f['redis.conf'], ref!.server.port], [f['sentinel.conf'], ref!.sentinel.port]] as const) {
      expect(directive(conf, 'port')).toBe('0');
      expect(Number(directive(conf, 'tls-port'))).toBe(port);
      expect(directive(conf, 'tls-cert-file')).toBe('/etc/redis-tls/tls.crt');
      expect(directive(conf, 'tls-key-file')).toBe('/etc/redis-tls/tls.key');
      expect(directive(conf, 'tls-ca-cert-file')).toBe('/etc/redis-tls/ca.crt');
      // Replication and (for Sentinel) every outgoing link, to servers and to the other Sentinels.
      expect(directive(conf, 'tls-replication')).toBe('yes');
      expect(directive(conf, 'tls-auth-clients')).toBe('optional');
    }
    const cert = find(p, 'Certificate', 'redis-tls');
    expect(cert.spec.secretName).toBe('redis-tls');
    expect(cert.spec.issuerRef).toEqual({ name: 'platform-internal-ca', kind: 'ClusterIssuer', group: 'cert-manager.io' });
    const domain = p.config.cluster.clusterDomain;
    const matches = (name: string) => cert.spec.dnsNames.some((d: string) => d === name || (d.startsWith('*.') && name.split('.').slice(1).join('.') === d.slice(2)));
    const list = (name: string) => (new RegExp(`^${name}="([^"]*)"$`, 'm').exec(f['topology.env'])?.[1] ?? '').split(' ');
    for (const host of [...list('REDIS_NODES'), ...list('SENTINEL_NODES')].map((a) => a.split(':')[0])) expect(matches(host)).toBe(true);
    expect(matches(`${ref!.sentinel.service}.${NS}.svc.${domain}`)).toBe(true);
    expect(matches('localhost')).toBe(true);
    expect(cert.spec.ipAddresses).toEqual(['127.0.0.1']);
    expect(cert.spec.usages).toEqual(expect.arrayContaining(['server auth', 'client auth']));
    // Every process that talks to Redis mounts it: servers, Sentinels, their exporters, the backup's dump step.
    const cron = find(p, 'CronJob', 'redis-backup').spec.jobTemplate.spec.template.spec;
    for (const [pod, c] of [[servers.spec.template.spec, container(servers, 'redis')], [sentinels.spec.template.spec, container(sentinels, 'sentinel')], [cron, cron.initContainers[0]]]) {
      expect(pod.volumes).toContainEqual({ name: 'tls', secret: { secretName: 'redis-tls', defaultMode: 0o440 } });
      expect(c.volumeMounts).toContainEqual({ name: 'tls', mountPath: '/etc/redis-tls', readOnly: true });
    }
  });

  test('every application that uses Redis is told to use TLS and trusts the internal CA', () => {
    const users = p.charts.flatMap((c) => c.manifests).filter((m) => m.kind === 'ConfigMap' && m.data?.REDIS_MASTER_NAME);
    expect(users.length).toBeGreaterThan(0);
    for (const cm of users) {
      expect(cm.data).toMatchObject({ REDIS_TLS: 'true', REDIS_TLS_CA_FILE: '/etc/receivables/redis-ca/ca.crt' });
      const workloads = p.charts.flatMap((c) => c.manifests).filter((m) => m.metadata.namespace === cm.metadata.namespace && m.spec?.template?.spec?.volumes?.some((v: Manifest) => v.name === 'redis-ca'));
      expect(workloads.length).toBeGreaterThan(0);
      for (const w of workloads) {
        const secret = w.spec.template.spec.volumes.find((v: Manifest) => v.name === 'redis-ca').secret.secretName;
        const cert = p.charts.flatMap((c) => c.manifests).find((m) => m.kind === 'Certificate' && m.metadata.namespace === cm.metadata.namespace && m.spec.secretName === secret);
        expect(cert?.spec.issuerRef.name).toBe('platform-internal-ca');
      }
    }
  });

  test('a CronJob backs up from a replica to the Redis backup bucket and prunes old backups', () => {
    const cron = find(p, 'CronJob', 'redis-backup');
    expect(cron.spec.schedule).toBe(r!.backup.schedule);
    expect(cron.spec.concurrencyPolicy).toBe('Forbid');
    const pod = cron.spec.jobTemplate.spec.template.spec;
    expect(pod.initContainers.map((c: Manifest) => c.name)).toEqual(['dump', 'upload']);
    expect(pod.initContainers[0].command).toEqual(['sh', '/etc/redis/redis-ha.sh', 'backup']);
    const target = `backup/${p.refs.minio!.buckets.backups.redis}/${env}/`;
    expect(pod.initContainers[1].args).toEqual(['--config-dir', '/tmp/mc', 'cp', '--recursive', '/backup/', target]);
    expect(pod.containers[0].args).toEqual(['--config-dir', '/tmp/mc', 'rm', '--recursive', '--force', '--older-than', `${r!.backup.retentionDays}d`, target]);
    // The MinIO credentials: a declared copy in db-redis of the MinIO chart's original.
    const creds = p.refs.minio!.credentials('redis');
    expect(p.secrets).toContainEqual(expect.objectContaining({ name: creds.name, namespace: NS, copyOf: { namespace: 'storage-minio', name: creds.name } }));
    expect(pod.containers[0].env.find((e: Manifest) => e.name === 'MC_HOST_backup').value)
      .toBe(`http://$(ACCESS_KEY):$(SECRET_KEY)@${p.refs.minio!.s3.host}:${p.refs.minio!.s3.port}`);
    const job = selectorLabels({ name: 'redis', component: 'backup' });
    expect(cron.spec.jobTemplate.spec.template.metadata.labels).toMatchObject(job);
    const to = (sel: Record<string, string>, port: number) => p.graph.flows.some((fl) => 'pods' in fl.from && 'pods' in fl.to
      && JSON.stringify(fl.from.pods.selector) === JSON.stringify(job) && JSON.stringify(fl.to.pods.selector) === JSON.stringify(sel) && fl.ports[0].port === port);
    expect(to(selectorLabels(ref!.sentinel.pods), 26379)).toBe(true);
    expect(to(selectorLabels(ref!.server.pods), 6379)).toBe(true);
    expect(to(selectorLabels(p.refs.minio!.s3.pods), p.refs.minio!.s3.port)).toBe(true);
  });

  test('network flows: replication, Sentinel to servers and to each other, start-up to Sentinel, Prometheus to metrics', () => {
    const server = selectorLabels(ref!.server.pods);
    const sentinel = selectorLabels(ref!.sentinel.pods);
    const has = (from: Record<string, string>, to: Record<string, string>, port: number) => p.graph.flows.some((fl) =>
      'pods' in fl.from && 'pods' in fl.to && JSON.stringify(fl.from.pods.selector) === JSON.stringify(from)
      && fl.to.pods.namespace === NS && JSON.stringify(fl.to.pods.selector) === JSON.stringify(to) && fl.ports.some((x) => x.port === port));
    expect(has(server, server, 6379)).toBe(true);
    expect(has(sentinel, server, 6379)).toBe(true);
    expect(has(sentinel, sentinel, 26379)).toBe(true);
    expect(has(server, sentinel, 26379)).toBe(true);
    expect(has({ 'app.kubernetes.io/name': 'prometheus' }, server, 9121)).toBe(p.config.addons.monitoring.enabled);
    expect(has({ 'app.kubernetes.io/name': 'prometheus' }, sentinel, 9121)).toBe(p.config.addons.monitoring.enabled);
    // Nothing else reaches the servers from this chart's own declarations.
    expect(has(server, server, 26379)).toBe(false);
  });
});

test('dev runs one server and one Sentinel (quorum 1) that accepts writes with no replica', () => {
  const r = platform('dev').config.stores.redis;
  expect([r!.replicas, r!.sentinels, r!.minReplicasToWrite]).toEqual([1, 1, 0]);
});

test('useRedis declares both halves a Sentinel client needs', () => {
  const graph = new DependencyGraph();
  const refs = platform('staging').refs.redis;
  useRedis(graph, refs!, pods('app-core', { name: 'invoice-service', component: 'api' }), 'invoice-service caches');
  expect(graph.flows.map((fl) => [fl.ports[0].port, 'pods' in fl.to ? fl.to.pods.selector : undefined])).toEqual([
    [26379, selectorLabels(refs!.sentinel.pods)],
    [6379, selectorLabels(refs!.server.pods)],
  ]);
});

test('a configuration change rolls the pods (checksum of the ConfigMap on the pod templates)', () => {
  const base = loadEnvironment('staging');
  const changed = { ...base, stores: { ...base.stores, redis: { ...base.stores.redis!, minReplicasMaxLagSeconds: 20 } } };
  const sum = (p: RenderedPlatform) => [find(p, 'StatefulSet', 'redis'), find(p, 'StatefulSet', 'redis-sentinel')]
    .map((s) => s.spec.template.metadata.annotations['checksum/config']);
  const before = sum(platform('staging'));
  const after = sum(renderPlatform(changed));
  expect(before[0]).toMatch(/^[0-9a-f]{16}$/);
  expect(after[0]).not.toBe(before[0]);
  expect(after[1]).not.toBe(before[1]);
});

describe('the rendered script', () => {
  const script = files(platform('production'))['redis-ha.sh'];
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'redis-sh-')), 'redis-ha.sh');
  fs.writeFileSync(file, script);

  test('passes shellcheck as POSIX sh', () => {
    const r = spawnSync('shellcheck', ['-s', 'sh', file], { encoding: 'utf8' });
    expect({ status: r.status, out: r.stdout }).toEqual({ status: 0, out: '' });
  });

  test('refuses an unknown mode with its usage', () => {
    const dir = path.dirname(file);
    fs.writeFileSync(path.join(dir, 'topology.env'), files(platform('production'))['topology.env']);
    fs.writeFileSync(path.join(dir, 'password'), 'x');
    const r = spawnSync('sh', [file, 'promote'], { encoding: 'utf8', env: { PATH: process.env.PATH, POD_NAME: 'redis-0', REDIS_CONFIG_DIR: dir, REDIS_PASSWORD_FILE: path.join(dir, 'password') } });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/usage: .* redis\|sentinel\|pre-stop/);
  });
});

describe('configuration errors', () => {
  const problems = (env: string, edit: (r: Record<string, any>, cfg: Record<string, any>) => void): string[] => {
    const cfg = structuredClone(environmentInput(env)) as Record<string, any>;
    edit(cfg.stores.redis, cfg);
    try { validateEnvironment(env, cfg); } catch (e) { return (e as Error).message.split('\n').slice(1).map((l) => l.trim()); }
    return [];
  };

  test('an even number of Sentinels', () => {
    expect(problems('staging', (r) => { r.sentinels = 4; })).toEqual([
      '- environment "staging": stores.redis.sentinels = 4: must be odd (an even number of Sentinels tolerates no more failures than one fewer)',
    ]);
  });

  test('one Sentinel in an HA environment', () => {
    expect(problems('production', (r) => { r.sentinels = 1; })).toEqual([
      '- environment "production": stores.redis.sentinels = 1: must be at least 3 when ha is true (a failover needs a majority of Sentinels with one of them lost)',
    ]);
  });

  test('an HA master that keeps taking writes without replicas', () => {
    expect(problems('staging', (r) => { r.minReplicasToWrite = 0; })).toEqual([
      '- environment "staging": stores.redis.minReplicasToWrite = 0: must be at least 1 when ha is true (a master cut off from its replicas must stop accepting writes it would lose)',
    ]);
  });

  test('min-replicas-to-write that no master could meet (dev forgetting its override)', () => {
    expect(problems('dev', (r) => { r.minReplicasToWrite = 1; })).toEqual([
      '- environment "dev": stores.redis.minReplicasToWrite = 1: must be at most replicas - 1 = 0 (a master with fewer replicas than that refuses every write)',
    ]);
  });

  test('a backup schedule that is not cron', () => {
    expect(problems('staging', (r) => { r.backup.schedule = 'hourly'; })).toEqual([
      '- environment "staging": stores.redis.backup.schedule = "hourly": has 1 field, not 5 (a cron schedule has five fields: minute hour day-of-month month day-of-week, such as "17 */6 * * *")',
    ]);
  });

  test('a too eager failover and a misspelt field', () => {
    expect(problems('staging', (r) => { r.downAfterMilliseconds = 500; r.quorum = 2; })).toEqual([
      expect.stringMatching(/^- environment "staging": stores\.redis\.downAfterMilliseconds = 500: must be at least 1000/),
      expect.stringMatching(/^- environment "staging": stores\.redis\.quorum = 2: is not a known field/),
    ]);
  });
});
