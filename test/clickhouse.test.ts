/**
 * ClickHouse and its Keeper ensemble, proven on the rendered files: every XML file is parsed by libxml2,
 * the cluster topology in the XML is compared with the rendered StatefulSets and Services, the entry scripts
 * are run (with stub binaries) to show each pod's identity, and the scripts pass shellcheck.
 *
 * No ClickHouse server able to read this configuration is packaged for this machine (Debian ships 18.16,
 * which predates Keeper, named collections and s3_plain disks), so the server itself is not started.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import type { Manifest, RenderedPlatform } from '../charts/platform';
import { CLICKHOUSE_ENV } from '../charts/data/clickhouse/server-config';
import { CLICKHOUSE_IDS, CLICKHOUSE_IMAGES, CLICKHOUSE_NAMES } from '../charts/data/clickhouse/chart';
import { LABELS, selectorLabels } from '../charts/lib/labels';
import {
  cleanupTmp, find, one, parseEnv, renderVariant, runScript, selects, shellcheck, stubExecutable, tmpDir, XmlDoc, xmlErrors,
} from './support/clickhouse-kafka';
import { renderAll } from './support/render';
import { KEYS } from './support/stores';

const NS = 'db-clickhouse';
afterAll(cleanupTmp);

interface Cluster {
  p: RenderedPlatform;
  shards: Manifest[];
  keeper: Manifest;
  serverXml: XmlDoc;
  usersXml: XmlDoc;
  keeperXml: XmlDoc;
  serverCm: Manifest;
  keeperCm: Manifest;
}

function cluster(p: RenderedPlatform): Cluster {
  const serverCm = one(p, 'ConfigMap', NS, CLICKHOUSE_NAMES.serverConfig);
  const keeperCm = one(p, 'ConfigMap', NS, CLICKHOUSE_NAMES.keeperConfig);
  const shards = find(p, 'StatefulSet', NS).filter((s) => s.spec.template.metadata.labels[LABELS.component] === 'server')
    .sort((a, b) => Number(a.metadata.labels[KEYS.shard]) - Number(b.metadata.labels[KEYS.shard]));
  const keeper = find(p, 'StatefulSet', NS).filter((s) => s.spec.template.metadata.labels[LABELS.component] === 'keeper');
  expect(keeper).toHaveLength(1);
  return {
    p, shards, keeper: keeper[0], serverCm, keeperCm,
    serverXml: new XmlDoc(serverCm.data['cluster.xml']),
    usersXml: new XmlDoc(serverCm.data['users.xml']),
    keeperXml: new XmlDoc(keeperCm.data['keeper.xml']),
  };
}

const domain = (p: RenderedPlatform) => p.config.cluster.clusterDomain;
const podFqdn = (p: RenderedPlatform, sts: Manifest, ordinal: number) =>
  `${sts.metadata.name}-${ordinal}.${sts.spec.serviceName}.${sts.metadata.namespace}.svc.${domain(p)}`;
const podFqdns = (p: RenderedPlatform, sts: Manifest) => Array.from({ length: sts.spec.replicas }, (_, i) => podFqdn(p, sts, i));
const containerPort = (sts: Manifest, name: string): number =>
  sts.spec.template.spec.containers[0].ports.find((cp: Manifest) => cp.name === name)?.containerPort;

/** The environment a server pod's container gets: literal values, $(VAR) expanded, Secrets as dummies. */
function podEnv(sts: Manifest, ordinal: number): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of sts.spec.template.spec.containers[0].env) {
    if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.name') env[e.name] = `${sts.metadata.name}-${ordinal}`;
    else if (e.valueFrom?.secretKeyRef) env[e.name] = `secret:${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key}`;
    else env[e.name] = String(e.value).replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (_, v) => env[v] ?? `$(${v})`);
  }
  return env;
}

/** Runs the server entry script as the pod would and returns the environment the server is started with. */
function serverProcessEnv(c: Cluster, sts: Manifest, ordinal: number): { status: number | null; env: Map<string, string>; args: string } {
  const dir = tmpDir();
  const bin = stubExecutable(dir, 'clickhouse-server');
  const r = runScript('sh', c.serverCm.data['entrypoint.sh'], { ...podEnv(sts, ordinal), CLICKHOUSE_SERVER_BIN: bin, HOSTNAME: `${sts.metadata.name}-${ordinal}` });
  return { status: r.status, env: parseEnv(r.stdout), args: /ARGS: (.*)/.exec(r.stdout)?.[1] ?? '' };
}

const variants: [string, { shards: number; replicas: number; keepers: number }][] = [
  ['1x1, 1 keeper', { shards: 1, replicas: 1, keepers: 1 }],
  ['2x2, 3 keepers', { shards: 2, replicas: 2, keepers: 3 }],
  ['3x2, 5 keepers', { shards: 3, replicas: 2, keepers: 5 }],
];
// 1x1 only where HA is off (dev); the others on production's cluster.
const rendered: [string, RenderedPlatform][] = [
  ...renderAll().map((p): [string, RenderedPlatform] => [`environment ${p.config.name}`, p]),
  ...variants.map(([label, v]): [string, RenderedPlatform] => [label, renderVariant(v.replicas === 1 ? 'dev' : 'production', { stores: { clickhouse: v } })]),
];

describe('XML is well-formed according to libxml2', () => {
  test('xmllint rejects a broken document (the check can fail)', () => {
    expect(xmlErrors('<clickhouse><macros></clickhouse>')).toMatch(/mismatch|Premature/);
    expect(xmlErrors('<clickhouse/>')).toBeUndefined();
  });

  test.each(rendered)('%s: every XML file of every ClickHouse ConfigMap parses', (_l, p) => {
    const files = find(p, 'ConfigMap', NS).flatMap((cm) => Object.entries<string>(cm.data).filter(([k]) => k.endsWith('.xml')));
    expect(files.map(([k]) => k).sort()).toEqual(['cluster.xml', 'keeper.xml', 'users.xml']);
    for (const [name, xml] of files) expect({ name, errors: xmlErrors(xml) }).toEqual({ name, errors: undefined });
  });
});

describe.each(rendered)('%s: topology', (_label, p) => {
  const c = cluster(p);
  const ch = p.config.stores.clickhouse;

  test('one StatefulSet per shard with the configured replicas, and the configured Keeper ensemble', () => {
    expect(c.shards.map((s) => s.spec.replicas)).toEqual(Array(ch!.shards).fill(ch!.replicas));
    expect(c.shards.map((s) => s.metadata.labels[KEYS.shard])).toEqual(Array.from({ length: ch!.shards }, (_, i) => String(i)));
    expect(c.keeper.spec.replicas).toBe(ch!.keepers);
  });

  test('remote_servers lists exactly the rendered pods, shard by shard and replica by replica, with internal_replication', () => {
    const cl = p.refs.clickhouse!.cluster;
    expect(c.serverXml.count(`/clickhouse/remote_servers/${cl}/shard`)).toBe(c.shards.length);
    c.shards.forEach((sts, i) => {
      const shard = `/clickhouse/remote_servers/${cl}/shard[${i + 1}]`;
      expect(c.serverXml.texts(`${shard}/replica/host`)).toEqual(podFqdns(p, sts));
      expect(c.serverXml.texts(`${shard}/replica/port`)).toEqual(Array(sts.spec.replicas).fill(String(containerPort(sts, 'native'))));
      expect(c.serverXml.text(`${shard}/internal_replication`)).toBe('true');
    });
    // The cluster authenticates with a secret taken from the environment, never written here.
    expect(c.serverXml.attributes(`/clickhouse/remote_servers/${cl}/secret`, 'from_env')).toEqual([CLICKHOUSE_ENV.clusterSecret]);
  });

  test('the Keeper lists of the servers and of raft equal the rendered Keeper pods; raft ids are unique', () => {
    const keepers = podFqdns(p, c.keeper);
    expect(c.serverXml.texts('/clickhouse/zookeeper/node/host')).toEqual(keepers);
    expect(new Set(c.serverXml.texts('/clickhouse/zookeeper/node/port'))).toEqual(new Set([String(containerPort(c.keeper, 'keeper'))]));
    const raft = '/clickhouse/keeper_server/raft_configuration/server';
    expect(c.keeperXml.texts(`${raft}/hostname`)).toEqual(keepers);
    const ids = c.keeperXml.texts(`${raft}/id`);
    expect(new Set(ids).size).toBe(keepers.length);
    expect(new Set(c.keeperXml.texts(`${raft}/port`))).toEqual(new Set([String(containerPort(c.keeper, 'raft'))]));
    expect(c.keeperXml.text('/clickhouse/keeper_server/tcp_port')).toBe(String(containerPort(c.keeper, 'keeper')));
  });

  test('each Keeper pod starts with the raft id that the server list gives its own DNS name', () => {
    const raft = '/clickhouse/keeper_server/raft_configuration/server';
    const idOf = new Map(c.keeperXml.texts(`${raft}/hostname`).map((h, i) => [h, c.keeperXml.texts(`${raft}/id`)[i]]));
    expect(c.keeperXml.attributes('/clickhouse/keeper_server/server_id', 'from_env')).toEqual(['KEEPER_SERVER_ID']);
    const dir = tmpDir();
    const bin = stubExecutable(dir, 'clickhouse-keeper');
    for (let i = 0; i < c.keeper.spec.replicas; i++) {
      const r = runScript('sh', c.keeperCm.data['entrypoint.sh'], { POD_NAME: `${c.keeper.metadata.name}-${i}`, KEEPER_BIN: bin });
      expect(r.status).toBe(0);
      expect(parseEnv(r.stdout).get('KEEPER_SERVER_ID')).toBe(idOf.get(podFqdn(p, c.keeper, i)));
      expect(r.stdout).toContain(`ARGS: --config-file=${c.keeper.spec.template.spec.containers[0].volumeMounts.find((m: Manifest) => m.name === 'config').mountPath}/keeper.xml`);
    }
  });

  test('macros are unique per pod: the shard from the StatefulSet, the replica from the pod name', () => {
    expect(c.serverXml.attributes('/clickhouse/macros/shard', 'from_env')).toEqual([CLICKHOUSE_ENV.shard]);
    expect(c.serverXml.attributes('/clickhouse/macros/replica', 'from_env')).toEqual([CLICKHOUSE_ENV.replica]);
    const seen = new Set<string>();
    const shardMacros = new Set<string>();
    for (const sts of c.shards) {
      const inShard = new Set<string>();
      for (let i = 0; i < sts.spec.replicas; i++) {
        const env = podEnv(sts, i);
        const pair = `${env[CLICKHOUSE_ENV.shard]}/${env[CLICKHOUSE_ENV.replica]}`;
        expect(seen.has(pair)).toBe(false);
        seen.add(pair);
        inShard.add(env[CLICKHOUSE_ENV.shard]);
        expect(env[CLICKHOUSE_ENV.replica]).toBe(`${sts.metadata.name}-${i}`);
        // The interserver host is the pod's own name in remote_servers: replicas fetch parts from it.
        expect(env[CLICKHOUSE_ENV.interserverHost]).toBe(podFqdn(p, sts, i));
      }
      expect(inShard.size).toBe(1);
      shardMacros.add([...inShard][0]);
    }
    expect(seen.size).toBe(ch!.shards * ch!.replicas);
    expect(shardMacros.size).toBe(ch!.shards);
  });

  test('every host name in the configuration resolves to a rendered headless Service selecting that pod', () => {
    const hosts = [...c.serverXml.texts('//remote_servers//host'), ...c.serverXml.texts('//zookeeper/node/host'), ...c.keeperXml.texts('//raft_configuration/server/hostname')];
    const sets = find(p, 'StatefulSet', NS);
    for (const host of hosts) {
      const m = new RegExp(`^([a-z0-9-]+)-([0-9]+)\\.([a-z0-9-]+)\\.([a-z0-9-]+)\\.svc\\.${domain(p).replace(/\./g, '\\.')}$`).exec(host);
      expect({ host, parsed: !!m }).toEqual({ host, parsed: true });
      const [, stsName, ordinal, svcName, ns] = m!;
      const sts = sets.find((s) => s.metadata.name === stsName && s.metadata.namespace === ns);
      expect({ host, sts: !!sts }).toEqual({ host, sts: true });
      expect(Number(ordinal)).toBeLessThan(sts!.spec.replicas);
      expect(sts!.spec.serviceName).toBe(svcName);
      const svc = one(p, 'Service', ns, svcName);
      expect({ host, clusterIP: svc.spec.clusterIP, notReady: svc.spec.publishNotReadyAddresses }).toEqual({ host, clusterIP: 'None', notReady: true });
      expect(selects(svc.spec.selector, sts!.spec.template.metadata.labels)).toBe(true);
    }
  });

  test('ports in the XML are the ports the containers declare', () => {
    const sts = c.shards[0];
    expect(c.serverXml.text('/clickhouse/http_port')).toBe(String(containerPort(sts, 'http')));
    expect(c.serverXml.text('/clickhouse/tcp_port')).toBe(String(containerPort(sts, 'native')));
    expect(c.serverXml.text('/clickhouse/interserver_http_port')).toBe(String(containerPort(sts, 'interserver')));
    expect(c.serverXml.text('/clickhouse/prometheus/port')).toBe(String(containerPort(sts, 'metrics')));
    expect(c.keeperXml.text('/clickhouse/prometheus/port')).toBe(String(containerPort(c.keeper, 'metrics')));
    expect(p.refs.clickhouse!.http.port).toBe(containerPort(sts, 'http'));
    expect(p.refs.clickhouse!.native.port).toBe(containerPort(sts, 'native'));
    expect(p.refs.clickhouse!.keeper.port).toBe(containerPort(c.keeper, 'keeper'));
  });

  test('every from_env attribute is filled when the server starts; passwords arrive only as SHA-256', () => {
    const wanted = [...c.serverXml.attributes('//*[@from_env]', 'from_env'), ...c.usersXml.attributes('//*[@from_env]', 'from_env')];
    expect(wanted.length).toBeGreaterThan(8);
    for (const sts of c.shards) {
      for (let i = 0; i < sts.spec.replicas; i++) {
        const run = serverProcessEnv(c, sts, i);
        expect(run.status).toBe(0);
        expect(run.args).toBe('--config-file=/etc/clickhouse-server/config.xml');
        for (const name of wanted) expect({ name, value: (run.env.get(name) ?? '').length > 0 }).toEqual({ name, value: true });
        expect(run.env.has(CLICKHOUSE_ENV.adminPassword)).toBe(false);
        expect(run.env.has(CLICKHOUSE_ENV.appPassword)).toBe(false);
        const adminSecret = `secret:${p.refs.clickhouse!.adminSecret.name}/password`;
        expect(run.env.get(CLICKHOUSE_ENV.adminPasswordSha256)).toBe(createHash('sha256').update(adminSecret).digest('hex'));
      }
    }
  });

  test('a missing password stops the server from starting, naming the variable', () => {
    const sts = c.shards[0];
    const env = podEnv(sts, 0);
    delete env[CLICKHOUSE_ENV.appPassword];
    const r = runScript('sh', c.serverCm.data['entrypoint.sh'], { ...env, CLICKHOUSE_SERVER_BIN: '/bin/true' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(CLICKHOUSE_ENV.appPassword);
  });

  test('users: no default user; admin and app authenticate with password_sha256_hex from the environment', () => {
    expect(c.usersXml.attributes('/clickhouse/users/default', 'remove')).toEqual(['1']);
    for (const user of ['admin', 'app']) {
      expect(c.usersXml.count(`/clickhouse/users/${user}/password_sha256_hex[@from_env]`)).toBe(1);
      expect(c.usersXml.count(`/clickhouse/users/${user}/password`)).toBe(0);
    }
    expect(c.usersXml.texts('/clickhouse/users/app/grants/query').join(' ')).toContain(` ON ${p.refs.clickhouse!.database}.*`);
    expect(c.usersXml.text('/clickhouse/users/admin/access_management')).toBe('1');
  });

  test('each shard has a PDB and anti-affinity that select exactly its own pods', () => {
    const pdbs = find(p, 'PodDisruptionBudget', NS);
    for (const sts of c.shards) {
      const labels = sts.spec.template.metadata.labels;
      const mine = pdbs.filter((pdb) => selects(pdb.spec.selector.matchLabels, labels));
      expect(mine).toHaveLength(1);
      expect(mine[0].spec.maxUnavailable).toBe(1);
      // It selects no pod of another shard.
      for (const other of c.shards.filter((o) => o !== sts)) expect(selects(mine[0].spec.selector.matchLabels, other.spec.template.metadata.labels)).toBe(false);
      const aa = sts.spec.template.spec.affinity.podAntiAffinity;
      const term = aa.requiredDuringSchedulingIgnoredDuringExecution?.[0] ?? aa.preferredDuringSchedulingIgnoredDuringExecution?.[0].podAffinityTerm;
      expect(term.topologyKey).toBe('kubernetes.io/hostname');
      expect(term.labelSelector.matchLabels).toEqual(sts.spec.selector.matchLabels);
      // HA with replicas on distinct nodes is a hard rule; dev's single node only prefers it.
      expect(!!aa.requiredDuringSchedulingIgnoredDuringExecution).toBe(p.config.ha && ch!.replicas <= p.config.cluster.nodes);
    }
  });

  test('Keeper: OrderedReady, a PDB of maxUnavailable 1, ruok for probes and in the whitelist, persistent storage', () => {
    expect(c.keeper.spec.podManagementPolicy).toBe('OrderedReady');
    const pdb = find(p, 'PodDisruptionBudget', NS).filter((x) => selects(x.spec.selector.matchLabels, c.keeper.spec.template.metadata.labels));
    expect(pdb.map((x) => x.spec.maxUnavailable)).toEqual([1]);
    const k = c.keeper.spec.template.spec.containers[0];
    for (const probe of [k.startupProbe, k.readinessProbe, k.livenessProbe]) expect(probe.exec.command).toEqual(['/bin/sh', '/etc/clickhouse-keeper/probe.sh']);
    expect(c.keeperCm.data['probe.sh']).toContain('echo ruok | nc -w 2 127.0.0.1 9181');
    // Long enough for a first start where the next member's volume and image come first.
    expect(Number(c.keeperXml.text('//coordination_settings/startup_timeout'))).toBeGreaterThanOrEqual(300000);
    expect(c.keeperXml.text('//four_letter_word_white_list')!.split(',')).toEqual(expect.arrayContaining(['ruok', 'mntr']));
    const data = k.volumeMounts.find((m: Manifest) => m.name === 'data').mountPath;
    for (const path of ['log_storage_path', 'snapshot_storage_path']) expect(c.keeperXml.text(`//keeper_server/${path}`)!.startsWith(`${data}/`)).toBe(true);
    expect(c.keeper.spec.volumeClaimTemplates.map((t: Manifest) => t.metadata.name)).toEqual(['data']);
  });

  test('server and Keeper images are pinned to the same release', () => {
    const images = [...c.shards, c.keeper].map((s) => s.spec.template.spec.containers[0].image);
    const tags = new Set(images.map((i) => i.split(':').pop()));
    expect(tags.size).toBe(1);
    expect([...tags][0]).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
  });
});

describe('references and flows', () => {
  test.each(renderAll().map((p): [string, RenderedPlatform] => [p.config.name, p]))('%s: the refs name rendered Services and ports', (_e, p) => {
    for (const ep of [p.refs.clickhouse!.http, p.refs.clickhouse!.native, p.refs.clickhouse!.keeper]) {
      const svc = one(p, 'Service', ep.namespace, ep.service);
      expect(svc.spec.ports.find((sp: Manifest) => sp.name === ep.portName)?.port).toBe(ep.port);
      expect(svc.spec.selector).toEqual(selectorLabels(ep.pods));
    }
    expect(p.refs.clickhouse!.http.host).toBe(`clickhouse.${NS}.svc.${domain(p)}`);
  });

  test.each(renderAll().map((p): [string, RenderedPlatform] => [p.config.name, p]))('%s: every ClickHouse flow targets a port its destination pods declare', (_e, p) => {
    const mine = p.graph.flows.filter((f) => 'pods' in f.from && (f.from.pods.namespace === NS || ('pods' in f.to && f.to.pods.namespace === NS)));
    const whys = mine.map((f) => f.why).join('\n');
    for (const w of ['Keeper', 'raft', 'parts', 'MinIO', 'kafka', 'BACKUP']) expect(whys).toContain(w);
    // Only where Prometheus is installed (the graph drops the flow otherwise).
    expect(whys.includes('prometheus scrapes clickhouse servers')).toBe(p.config.addons.monitoring.enabled);
    const templates = find(p, 'StatefulSet', NS).concat(find(p, 'StatefulSet', 'db-kafka')).map((s) => s.spec.template);
    for (const f of mine) {
      if (!('pods' in f.to) || ![NS, 'db-kafka'].includes(f.to.pods.namespace)) continue;
      const to = f.to.pods;
      const targets = templates.filter((t) => selects(to.selector, t.metadata.labels));
      expect({ why: f.why, targets: targets.length > 0 }).toEqual({ why: f.why, targets: true });
      for (const port of f.ports) {
        const declared = targets.every((t) => t.spec.containers.some((ct: Manifest) => (ct.ports ?? []).some((cp: Manifest) => cp.containerPort === port.port)));
        expect({ why: f.why, port: port.port, declared }).toEqual({ why: f.why, port: port.port, declared: true });
      }
    }
  });

  test('the Secrets the pods read are declared; the copies name their originals', () => {
    const p = renderAll().find((x) => x.config.name === 'production')!;
    const inNs = p.secrets.filter((s) => s.namespace === NS);
    expect(inNs.map((s) => s.name)).toEqual(expect.arrayContaining(['clickhouse-admin', 'clickhouse-app', 'clickhouse-interserver', 'kafka-credentials', 'minio-clickhouse']));
    const copies = Object.fromEntries(inNs.filter((s) => s.copyOf && ['minio-clickhouse', 'kafka-credentials'].includes(s.name)).map((s) => [s.name, s.copyOf]));
    expect(copies).toEqual({ 'minio-clickhouse': { namespace: 'storage-minio', name: 'minio-clickhouse' }, 'kafka-credentials': { namespace: 'db-kafka', name: 'kafka-credentials' } });
    expect(inNs.find((s) => s.name === 'clickhouse-app')?.fixed).toEqual({ username: 'app' });
  });
});

describe('scripts', () => {
  const p = renderAll().find((x) => x.config.name === 'production')!;
  const c = cluster(p);

  test.each([
    ['server entrypoint.sh', () => c.serverCm.data['entrypoint.sh']],
    ['backup.sh', () => c.serverCm.data['backup.sh']],
    ['keeper entrypoint.sh', () => c.keeperCm.data['entrypoint.sh']],
  ])('%s passes shellcheck', (_n, script) => {
    expect(shellcheck(script(), 'sh')).toBe('');
  });

  test('the Keeper entry script refuses a pod name without an ordinal, or none', () => {
    const r = runScript('sh', c.keeperCm.data['entrypoint.sh'], { POD_NAME: 'keeper', KEEPER_BIN: '/bin/true' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/cannot derive the raft server id/);
    expect(runScript('sh', c.keeperCm.data['entrypoint.sh'], { KEEPER_BIN: '/bin/true' }).stderr).toMatch(/POD_NAME/);
  });

  test('the backup job runs BACKUP … ON CLUSTER to the MinIO disk, against the cluster Service, as admin', () => {
    const dir = tmpDir();
    const bin = stubExecutable(dir, 'clickhouse-client');
    const r = runScript('sh', c.serverCm.data['backup.sh'], {
      CLICKHOUSE_CLIENT_BIN: bin, CLICKHOUSE_USER: 'admin', CLICKHOUSE_PASSWORD: 'x',
      MC_BIN: stubExecutable(dir, 'mc', 'exit 0'), BACKUP_S3_ACCESS_KEY: 'k', BACKUP_S3_SECRET_KEY: 's', HOME: dir,
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`--host ${p.refs.clickhouse!.native.host} --port ${p.refs.clickhouse!.native.port} --user admin`));
    expect(r.stdout).toMatch(/BACKUP DATABASE receivables ON CLUSTER 'receivables' TO Disk\('backups', '\d{8}T\d{6}Z'\)/);
    expect(c.serverXml.text("/clickhouse/storage_configuration/disks/backups/type")).toBe('s3_plain');
    expect(c.serverXml.text('/clickhouse/storage_configuration/disks/backups/endpoint')).toBe(`${p.refs.minio!.url}/${p.refs.minio!.buckets.backups.clickhouse}/production/`);
    expect(c.serverXml.texts('/clickhouse/backups/allowed_disk')).toEqual(['backups']);
    const cron = one(p, 'CronJob', NS, CLICKHOUSE_NAMES.backupCronJob);
    expect(cron.spec.schedule).toBe(p.config.stores.clickhouse!.backup.schedule);
    expect(cron.spec.concurrencyPolicy).toBe('Forbid');
    expect(cron.spec.jobTemplate.spec.template.spec.containers[0].image).toBe(CLICKHOUSE_IMAGES.server);
    expect(cron.spec.jobTemplate.spec.template.metadata.labels).toMatchObject(selectorLabels(CLICKHOUSE_IDS.backup));
  });

  test('after a good backup the job removes the backups older than the retention, and only those', () => {
    const days = p.config.stores.clickhouse!.backup.retentionDays;
    const folder = (daysAgo: number) => new Date(Date.now() - daysAgo * 86400000).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    const old = [folder(days + 30), folder(days + 1)];
    const kept = [folder(days - 1), folder(1)];
    const dir = tmpDir();
    const log = path.join(dir, 'mc.log');
    const listing = [...old, ...kept, 'not-a-backup'].map((f) => `[2026-01-01 01:30:00 UTC]     0B ${f}/`).join('\\n');
    const mc = stubExecutable(dir, 'mc', `echo "$*" >>${log}\ncase "$1" in ls) printf '${listing}\\n'; exit 0 ;; *) exit 0 ;; esac`);
    const env = { CLICKHOUSE_USER: 'admin', CLICKHOUSE_PASSWORD: 'x', BACKUP_S3_ACCESS_KEY: 'k', BACKUP_S3_SECRET_KEY: 's', MC_BIN: mc, HOME: dir };
    const good = runScript('sh', c.serverCm.data['backup.sh'], { ...env, CLICKHOUSE_CLIENT_BIN: stubExecutable(dir, 'clickhouse-client') });
    expect(good.stderr).toBe('');
    expect(good.status).toBe(0);
    const prefix = `backups/${p.refs.minio!.buckets.backups.clickhouse}/production`;
    const removed = fs.readFileSync(log, 'utf8').split('\n').filter((l) => l.startsWith('rm '));
    expect(removed.sort()).toEqual(old.map((f) => `rm --recursive --force ${prefix}/${f}/`).sort());
    expect(fs.readFileSync(log, 'utf8')).toContain(`alias set backups ${p.refs.minio!.url} k s`);
    // A failed backup removes nothing.
    fs.rmSync(log);
    const failed = runScript('sh', c.serverCm.data['backup.sh'], { ...env, CLICKHOUSE_CLIENT_BIN: stubExecutable(dir, 'failing-client', 'exit 1') });
    expect(failed.status).not.toBe(0);
    expect(fs.existsSync(log)).toBe(false);
    // The job holds the MinIO key and may reach MinIO.
    const spec = one(p, 'CronJob', NS, CLICKHOUSE_NAMES.backupCronJob).spec.jobTemplate.spec.template.spec;
    expect(spec.initContainers[0].command).toEqual(['cp', '/usr/bin/mc', '/opt/tools/mc']);
    expect(spec.containers[0].env.map((v: Manifest) => v.valueFrom?.secretKeyRef?.name)).toContain('minio-clickhouse');
    expect(p.graph.flows.some((f) => f.why.includes('removes expired backups'))).toBe(true);
  });

  test('ClickHouse reads Kafka through the bootstrap Service with SASL, the password from the environment', () => {
    expect(c.serverXml.text('//named_collections/kafka_invoice_events/kafka_broker_list')).toBe(p.refs.kafka!.bootstrapServers);
    expect(c.serverXml.text('//named_collections/kafka_invoice_events/kafka_topic_list')).toBe('invoice-events');
    expect(c.serverXml.text('/clickhouse/kafka/security_protocol')).toBe('sasl_plaintext');
    expect(c.serverXml.text('/clickhouse/kafka/sasl_mechanism')).toBe(p.refs.kafka!.saslMechanism);
    expect(c.serverXml.attributes('/clickhouse/kafka/sasl_password', 'from_env')).toEqual([CLICKHOUSE_ENV.kafkaPassword]);
  });
});

describe('Keeper probe (readiness and liveness)', () => {
  const p = renderAll().find((x) => x.config.name === 'production')!;
  const script = cluster(p).keeperCm.data['probe.sh'];
  // A fake `nc` that answers what the test says, and fake /proc/net tables.
  const bin = tmpDir();
  fs.writeFileSync(path.join(bin, 'nc'), '#!/bin/sh\ncat >/dev/null\nprintf %s "${FAKE_NC_REPLY:-}"\n', { mode: 0o755 });
  const header = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
  const row = (port: string, state: string) => `   0: 00000000:${port} 00000000:0000 ${state} 00000000:00000000 00:00000000 00000000   101        0 1 1 0000000000000000 100 0 0 10 0`;
  const row6 = (port: string, state: string) => `   0: 00000000000000000000000000000000:${port} 00000000000000000000000000000000:0000 ${state} 00000000:00000000 00:00000000 00000000   101        0 1 1 0000000000000000 100 0 0 10 0`;
  const procNet = (tcp: string[], tcp6: string[] = []) => {
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, 'tcp'), [header, ...tcp].join('\n') + '\n');
    fs.writeFileSync(path.join(dir, 'tcp6'), [header, ...tcp6].join('\n') + '\n');
    return dir;
  };
  const probe = (env: Record<string, string>) => runScript('sh', script, { PATH: `${bin}:${process.env.PATH}`, ...env }).status;

  test('passes shellcheck', () => expect(shellcheck(script, 'sh')).toBe(''));

  test('healthy when Keeper answers imok', () => {
    expect(probe({ FAKE_NC_REPLY: 'imok', PROC_NET: procNet([row('23DD', '0A'), row('2412', '0A')]) })).toBe(0);
  });

  test('healthy while waiting for a quorum: raft port listening (IPv4 or IPv6), client port not yet', () => {
    expect(probe({ PROC_NET: procNet([row('2412', '0A')]) })).toBe(0);
    expect(probe({ PROC_NET: procNet([], [row6('2412', '0A')]) })).toBe(0);
  });

  test('unhealthy when the client port is open but does not answer, or nothing listens', () => {
    expect(probe({ PROC_NET: procNet([row('23DD', '0A'), row('2412', '0A')]) })).toBe(1);
    expect(probe({ PROC_NET: procNet([]) })).toBe(1);
    // A connection (state 01) on the raft port is not a listener.
    expect(probe({ PROC_NET: procNet([row('2412', '01')]) })).toBe(1);
    expect(probe({ FAKE_NC_REPLY: 'nope', PROC_NET: procNet([]) })).toBe(1);
  });

  describe('against this kernel\'s real /proc/net tables', () => {
    const servers: net.Server[] = [];
    const listen = (port: number) => new Promise<boolean>((resolve) => {
      const srv = net.createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => { servers.push(srv); resolve(true); });
    });
    afterAll(async () => { await Promise.all(servers.map((s) => new Promise((r) => s.close(r)))); });

    test('a real listener on the raft port reads as "waiting", then one on the client port as "hung"', async () => {
      if (!(await listen(9234))) return void console.warn('port 9234 busy on this machine: real /proc check skipped');
      expect(probe({})).toBe(0);
      if (!(await listen(9181))) return void console.warn('port 9181 busy on this machine: real /proc check skipped');
      expect(probe({})).toBe(1);
    });
  });
});
