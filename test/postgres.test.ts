/**
 * The PostgreSQL chart (11-postgres) per environment: what the live test (postgres.server.test.ts) cannot see
 * because it runs without Kubernetes: the DCS settings, Services, RBAC, pod wiring, disruption budget, flows,
 * Secrets, and the differences between environments.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import { renderPlatform, type Manifest, type RenderedPlatform } from '../charts/platform';
import { LABELS } from '../charts/lib/labels';
import { environmentInput, validateEnvironment } from '../environments';
import { renderAll, manifestsOf } from './support/render';
import { KEYS } from './support/stores';

const NS = 'db-postgres';
const byEnv = new Map(renderAll().map((p) => [p.config.name, p]));
const env = (name: string): RenderedPlatform => byEnv.get(name)!;
const objects = (p: RenderedPlatform) => p.charts.find((c) => c.folder === '11-postgres')?.manifests ?? [];
const find = (p: RenderedPlatform, kind: string, name: string): Manifest => {
  const m = objects(p).find((o) => o.kind === kind && o.metadata.name === name && o.metadata.namespace === NS);
  if (!m) throw new Error(`${kind} ${NS}/${name} is not rendered in ${p.config.name}`);
  return m;
};
const sts = (p: RenderedPlatform): Manifest => find(p, 'StatefulSet', `postgres-${p.config.name}`);
const patroniYml = (p: RenderedPlatform) => parse(find(p, 'ConfigMap', 'postgres-patroni').data['patroni.yml'], { version: '1.1' });
const container = (p: RenderedPlatform, name: string) => sts(p).spec.template.spec.containers.find((c: Manifest) => c.name === name);
const envOf = (c: Manifest) => new Map<string, Manifest>((c.env ?? []).map((e: Manifest) => [e.name, e]));
// Every environment, derived: a new one is covered by every per-environment test without editing this file.
const ENVS = [...byEnv.keys()];

describe('Patroni on the Kubernetes API', () => {
  test.each(ENVS)('%s: Endpoints as DCS, member selection by labels, an explicit role label with primary/replica values', (name) => {
    const k = patroniYml(env(name)).kubernetes;
    expect(k.use_endpoints).toBe(true);
    expect(k.namespace).toBe(NS);
    expect(k.role_label).toBe(KEYS.role);
    expect([k.leader_label_value, k.follower_label_value, k.standby_leader_label_value]).toEqual(['primary', 'replica', 'primary']);
    // Patroni lists members by `labels` plus `scope_label: <scope>`: exactly the StatefulSet's pods.
    const podLabels = sts(env(name)).spec.template.metadata.labels;
    for (const [key, value] of Object.entries({ ...k.labels, [k.scope_label]: patroniYml(env(name)).scope })) expect(podLabels[key]).toBe(value);
    expect(objects(env(name)).filter((o) => o.kind === 'Deployment').every((d) => d.spec.template.metadata.labels[LABELS.component] !== k.labels[LABELS.component])).toBe(true);
    // The Endpoints Patroni writes carry the port the primary Service declares, by name.
    const svcPorts = find(env(name), 'Service', 'postgres').spec.ports;
    expect(k.ports).toEqual([{ name: svcPorts[0].name, port: svcPorts[0].port }]);
  });

  test.each(ENVS)('%s: rewind, slots, checksums, failsafe and a bootstrap that creates the application database', (name) => {
    const y = patroniYml(env(name));
    expect(y.bootstrap.dcs.postgresql.use_pg_rewind).toBe(true);
    expect(y.bootstrap.dcs.postgresql.use_slots).toBe(true);
    expect(y.bootstrap.dcs.failsafe_mode).toBe(true);
    expect(y.bootstrap.initdb).toContain('data-checksums');
    expect(y.bootstrap.post_bootstrap).toBe('/etc/patroni/scripts/post-bootstrap.sh');
    expect(y.postgresql.parameters.archive_command).toBe('wal-g wal-push "%p"');
    // wal_level etc. must be equal on every member: Patroni only takes them from the DCS.
    expect(Object.keys(y.bootstrap.dcs.postgresql.parameters)).toEqual(expect.arrayContaining(['max_connections', 'wal_level', 'max_wal_senders']));
    expect(y.postgresql.parameters.max_connections).toBeUndefined();
    // YAML 1.1 quoting: PyYAML must read "on" as the string, not the boolean.
    expect(find(env(name), 'ConfigMap', 'postgres-patroni').data['patroni.yml']).toMatch(/hot_standby: "on"/);
  });

  test('synchronous replication: strict in production (and dr, once promoted), on in staging, off in dev', () => {
    const mode = (n: string) => {
      const d = patroniYml(env(n)).bootstrap.dcs;
      return `${d.synchronous_mode}/${d.synchronous_mode_strict}`;
    };
    const named = ['dev', 'staging', 'production', 'dr'];
    expect(named.map((n) => `${n}:${mode(n)}`)).toEqual(['dev:false/false', 'staging:true/false', 'production:true/true', 'dr:true/true']);
    // Every environment renders the mode it sets, and an HA one never replicates asynchronously only.
    const asRendered = { off: 'false/false', on: 'true/false', strict: 'true/true' } as const;
    for (const n of ENVS) {
      const set = env(n).config.stores.postgres!.synchronousMode;
      expect({ n, mode: mode(n) }).toEqual({ n, mode: asRendered[set] });
      if (env(n).config.ha) expect({ n, set }).not.toEqual({ n, set: 'off' });
    }
  });

  test('RBAC grants what Patroni touches with use_endpoints, bound to the pods\' ServiceAccount, in the namespace only', () => {
    const p = env('production');
    const role = find(p, 'Role', 'postgres');
    const verbs = (resource: string) => role.rules.filter((r: Manifest) => r.resources.includes(resource)).flatMap((r: Manifest) => r.verbs);
    expect(verbs('endpoints')).toEqual(expect.arrayContaining(['get', 'list', 'watch', 'create', 'patch', 'update', 'delete']));
    expect(verbs('pods')).toEqual(expect.arrayContaining(['get', 'list', 'watch', 'patch']));
    expect(verbs('secrets')).toEqual([]);
    const binding = find(p, 'RoleBinding', 'postgres');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'postgres' });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'postgres', namespace: NS }]);
    expect(sts(p).spec.template.spec.serviceAccountName).toBe('postgres');
    expect(manifestsOf(p).filter((m) => m.kind === 'ClusterRole' && m.metadata.name.includes('postgres'))).toEqual([]);
  });
});

describe('TLS in transit', () => {
  test.each(ENVS)('%s: TCP only over TLS, per-pod certificates made before the servers start', (name) => {
    const p = env(name);
    const y = patroniYml(p);
    // `host` lines (plain or TLS) only ever reject; what accepts over TCP requires TLS.
    expect(y.postgresql.pg_hba.filter((l: string) => l.startsWith('host ') && !l.endsWith(' reject'))).toEqual([]);
    expect(y.postgresql.pg_hba.filter((l: string) => l.startsWith('hostssl '))).toHaveLength(2);
    expect(y.postgresql.parameters.ssl).toBe('on');
    const initTls = sts(p).spec.template.spec.initContainers.find((c: Manifest) => c.name === 'tls');
    const tlsMount = (c: Manifest) => c.volumeMounts.find((v: Manifest) => v.name === 'tls')?.mountPath;
    expect(tlsMount(initTls)).toBe(y.postgresql.parameters.ssl_cert_file.replace(/\/server\.crt$/, ''));
    expect(tlsMount(container(p, 'postgres'))).toBe(tlsMount(initTls));
    const ini = find(p, 'ConfigMap', 'pgbouncer').data['pgbouncer.ini'].split('\n');
    expect(ini).toEqual(expect.arrayContaining(['client_tls_sslmode = require', 'server_tls_sslmode = require']));
    const exporter = find(p, 'Deployment', 'pgbouncer').spec.template.spec.containers.find((c: Manifest) => c.name === 'exporter');
    expect(envOf(exporter).get('PGBOUNCER_EXPORTER_CONNECTION_STRING')?.value).toMatch(/sslmode=require$/);
    expect(p.refs.postgres!.sslMode).toBe('require');
  });
});

describe('Services', () => {
  test.each(ENVS)('%s: the primary has no selector and no rendered Endpoints; config is headless; replicas select the role label', (name) => {
    const p = env(name);
    const primary = find(p, 'Service', 'postgres');
    expect(primary.spec.selector).toBeUndefined();
    expect(manifestsOf(p).filter((m) => m.kind === 'Endpoints' || m.kind === 'EndpointSlice')).toEqual([]);
    const cfg = find(p, 'Service', 'postgres-config');
    expect({ clusterIP: cfg.spec.clusterIP, selector: cfg.spec.selector }).toEqual({ clusterIP: 'None', selector: undefined });
    const replicas = find(p, 'Service', 'postgres-replicas');
    expect(replicas.spec.selector[KEYS.role]).toBe(patroniYml(p).kubernetes.follower_label_value);
    // The refs that applications connect with name exactly these Services.
    expect([p.refs.postgres!.primary.service, p.refs.postgres!.replicas.service, p.refs.postgres!.pooler.service]).toEqual(['postgres', 'postgres-replicas', 'pgbouncer']);
    expect(find(p, 'Service', 'pgbouncer').spec.ports[0].port).toBe(p.refs.postgres!.pooler.port);
  });
});

describe('the StatefulSet', () => {
  test('members per environment: 1 in dev, 3 in staging, production and dr; claims from the environment', () => {
    for (const [name, replicas, size, sc] of [['dev', 1, '5Gi', 'local-path'], ['staging', 3, '50Gi', 'ceph-rbd'], ['production', 3, '200Gi', 'ceph-rbd'], ['dr', 3, '200Gi', 'ceph-rbd']] as const) {
      const set = sts(env(name));
      const claim = set.spec.volumeClaimTemplates[0];
      expect({ name, replicas: set.spec.replicas, size: claim.spec.resources.requests.storage, sc: claim.spec.storageClassName, kind: claim.kind, apiVersion: claim.apiVersion })
        .toEqual({ name, replicas, size, sc, kind: 'PersistentVolumeClaim', apiVersion: 'v1' });
    }
    // Every environment: one member without HA, at least three (a majority survives one loss) with it; the
    // claim as the environment sets it.
    for (const name of ENVS) {
      const { config } = env(name);
      const set = sts(env(name));
      const claim = set.spec.volumeClaimTemplates[0].spec;
      expect({ name, ha: config.ha, ok: config.ha ? set.spec.replicas >= 3 : set.spec.replicas === 1 }).toEqual({ name, ha: config.ha, ok: true });
      expect({ name, size: claim.resources.requests.storage, sc: claim.storageClassName })
        .toEqual({ name, size: config.stores.postgres!.volume.size, sc: config.storageClass });
    }
  });

  test('identity from the downward API, addresses from the pod IP, credentials from Secrets only', () => {
    const e = envOf(container(env('production'), 'postgres'));
    expect(e.get('PATRONI_NAME')?.valueFrom.fieldRef.fieldPath).toBe('metadata.name');
    expect(e.get('PATRONI_KUBERNETES_POD_IP')?.valueFrom.fieldRef.fieldPath).toBe('status.podIP');
    expect(e.get('PATRONI_POSTGRESQL_CONNECT_ADDRESS')?.value).toBe('$(PATRONI_KUBERNETES_POD_IP):5432');
    expect(e.get('PATRONI_RESTAPI_CONNECT_ADDRESS')?.value).toBe('$(PATRONI_KUBERNETES_POD_IP):8008');
    for (const k of ['SUPERUSER', 'REPLICATION', 'REWIND']) {
      expect(e.get(`PATRONI_${k}_PASSWORD`)?.valueFrom.secretKeyRef.key).toBe('password');
      expect(e.get(`PATRONI_${k}_USERNAME`)?.valueFrom.secretKeyRef.key).toBe('username');
    }
    // libpq prefers PGPASSWORD over Patroni's pgpass: in Patroni's container it would break replication (the
    // live test found this).
    expect([...e.keys()].filter((k) => /^PG(PASSWORD|USER|HOST|PORT)$/.test(k))).toEqual([]);
    expect(envOf(container(env('production'), 'backup')).get('PGPASSWORD')?.valueFrom.secretKeyRef.name).toBe('postgres-superuser');
  });

  test('probes on Patroni\'s REST API, a grace period for a clean hand-over, anti-affinity across nodes', () => {
    const p = env('production');
    const set = sts(p);
    const c = container(p, 'postgres');
    expect([c.readinessProbe.httpGet.path, c.livenessProbe.httpGet.path]).toEqual(['/readiness', '/liveness']);
    expect(c.ports.find((x: Manifest) => x.name === c.readinessProbe.httpGet.port)?.containerPort).toBe(8008);
    expect(set.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(60);
    const anti = set.spec.template.spec.affinity.podAntiAffinity;
    expect(anti.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey).toBe('kubernetes.io/hostname');
    // dev has one node: preferred only, or the single pod could not be rescheduled anywhere.
    expect(sts(env('dev')).spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution).toBeUndefined();
  });

  test('the disruption budget keeps a majority in HA and never blocks draining the single dev member', () => {
    expect(find(env('production'), 'PodDisruptionBudget', 'postgres').spec.maxUnavailable).toBe(1);
    const dev = find(env('dev'), 'PodDisruptionBudget', 'postgres');
    expect(dev.spec.maxUnavailable).toBe(1);
    expect(sts(env('dev')).spec.replicas).toBe(1);
  });

  test('member names carry the environment, so a DR standby never shares an application_name with production', () => {
    expect(sts(env('production')).metadata.name).toBe('postgres-production');
    expect(sts(env('dr')).metadata.name).toBe('postgres-dr');
    expect(sts(env('production')).spec.serviceName).toBe('postgres-members');
  });

  test('images are pinned and rewritten to the DR registry', () => {
    expect(container(env('production'), 'postgres').image).toBe('ghcr.io/zalando/spilo-17:4.0-p3');
    expect(container(env('dr'), 'postgres').image).toBe('registry.dr.receivables.internal:5000/zalando/spilo-17:4.0-p3');
    expect(patroniYml(env('production')).postgresql.bin_dir).toBe('/usr/lib/postgresql/15/bin');
  });

  test('a configuration change rolls the pods (checksum annotation)', () => {
    const input = structuredClone(environmentInput('staging')) as Record<string, any>;
    input.stores.postgres.parameters = { work_mem: '32MB' };
    const changed = renderPlatform(validateEnvironment('staging', input));
    const sum = (p: RenderedPlatform) => sts(p).spec.template.metadata.annotations['sme-receivables.io/config-sha256'];
    expect(sum(changed)).toMatch(/^[0-9a-f]{64}$/);
    expect(sum(changed)).not.toBe(sum(env('staging')));
    expect(patroniYml(changed).postgresql.parameters.work_mem).toBe('32MB');
  });
});

describe('backups, restore and DR', () => {
  test('WAL-G archives to the environment\'s prefix of the postgres backup bucket on MinIO, path-style', () => {
    for (const name of ENVS) {
      const p = env(name);
      const e = envOf(container(p, 'backup'));
      expect(e.get('WALG_S3_PREFIX')?.value).toBe(`s3://${p.refs.minio!.buckets.backups.postgres}/${name}/postgres`);
      expect(e.get('AWS_ENDPOINT')?.value).toBe(p.refs.minio!.url);
      expect(e.get('AWS_S3_FORCE_PATH_STYLE')?.value).toBe('true');
      expect(e.get('AWS_ACCESS_KEY_ID')?.valueFrom.secretKeyRef.name).toBe(p.refs.minio!.credentials('postgres').name);
    }
  });

  test('retention: enough full backups for the environment\'s recovery window', () => {
    const retain = (n: string) => Number(envOf(container(env(n), 'backup')).get('BACKUP_RETAIN_FULL')?.value);
    const interval = (n: string) => Number(envOf(container(env(n), 'backup')).get('BACKUP_INTERVAL_HOURS')?.value);
    for (const n of ENVS) {
      const days = env(n).config.stores.postgres!.backup.retentionDays!;
      expect(days).toBeGreaterThan(0);
      expect((retain(n) - 1) * interval(n)).toBeGreaterThanOrEqual(days * 24);
    }
    expect(interval('production')).toBe(6);
  });

  test('dr is a standby cluster following production\'s primary and replaying production\'s archive', () => {
    const sc = patroniYml(env('dr')).bootstrap.dcs.standby_cluster;
    expect(sc.host).toBe(env('dr').config.stores.postgres!.standby!.host);
    expect(sc.port).toBe(5432);
    // The archive is read from production's own MinIO (nothing copies it into the DR site), with production's keys.
    expect(sc.restore_command).toBe('AWS_ENDPOINT=http://minio.receivables.example.com:9000 AWS_ACCESS_KEY_ID="$SOURCE_AWS_ACCESS_KEY_ID" '
      + 'AWS_SECRET_ACCESS_KEY="$SOURCE_AWS_SECRET_ACCESS_KEY" WALG_S3_PREFIX=s3://backups-postgres/production/postgres wal-g wal-fetch "%f" "%p"');
    const pgEnv = envOf(container(env('dr'), 'postgres'));
    for (const [name, key] of [['SOURCE_AWS_ACCESS_KEY_ID', 'accessKey'], ['SOURCE_AWS_SECRET_ACCESS_KEY', 'secretKey']]) {
      expect(pgEnv.get(name)?.valueFrom.secretKeyRef).toEqual({ name: 'postgres-source-archive', key });
    }
    const declared = env('dr').secrets.find((x) => x.namespace === NS && x.name === 'postgres-source-archive');
    expect([declared?.keys, declared?.copyOf, declared?.fixed]).toEqual([['accessKey', 'secretKey'], undefined, undefined]);
    expect(env('production').secrets.some((x) => x.name === 'postgres-source-archive')).toBe(false);
    const archiveFlow = env('dr').graph.flows.find((f) => f.why.includes('replays production\'s WAL archive'));
    expect(archiveFlow && 'addresses' in archiveFlow.to && [archiveFlow.to.addresses.cidrs, archiveFlow.ports.map((x) => x.port)]).toEqual([['10.10.0.0/24'], [9000]]);
    // And production admits dr's nodes at its MinIO (the generated NetworkPolicy follows the flow).
    const minioIn = env('production').graph.flows.filter((f) => 'addresses' in f.from && 'pods' in f.to && f.to.pods.namespace === 'storage-minio');
    expect(minioIn.map((f) => 'addresses' in f.from && [f.from.addresses.cidrs, f.ports.map((x) => x.port)])).toEqual([[['10.30.0.0/24'], [9000]]]);
    const primaries = ENVS.filter((n) => !env(n).config.stores.postgres!.standby);
    expect(primaries).toEqual(expect.arrayContaining(['dev', 'staging', 'production']));
    for (const n of primaries) expect({ n, standby: patroniYml(env(n)).bootstrap.dcs.standby_cluster }).toEqual({ n, standby: undefined });
    // Its own archive (after promotion) goes to its own prefix, never into production's.
    expect(envOf(container(env('dr'), 'postgres')).get('WALG_S3_PREFIX')?.value).toBe('s3://backups-postgres/dr/postgres');
    const flow = env('dr').graph.flows.find((f) => f.why.includes('standby cluster streams'));
    expect(flow && 'addresses' in flow.to ? flow.to.addresses.cidrs : []).toEqual(['10.10.0.0/24']);
  });

  test('production lets the DR site in: an ipBlock ingress flow on 5432 and a LoadBalancer on the primary, source address kept', () => {
    const ext = (n: string) => objects(env(n)).find((o) => o.kind === 'Service' && o.metadata.name === 'postgres-external');
    const prod = env('production');
    const svc = ext('production')!;
    expect(svc.spec.type).toBe('LoadBalancer');
    expect(svc.spec.externalTrafficPolicy).toBe('Local');
    expect(svc.spec.selector[KEYS.role]).toBe(patroniYml(prod).kubernetes.leader_label_value);
    // Selects exactly the members (plus the role), so it never lands on a pooler or another store.
    expect(svc.spec.selector).toEqual({ ...sts(prod).spec.selector.matchLabels, [KEYS.role]: 'primary' });
    expect(svc.spec.ports.map((x: Manifest) => [x.port, x.targetPort])).toEqual([[5432, 'postgresql']]);
    // Production admits exactly dr's node range, the addresses dr's standby connects from.
    const inbound = (n: string) => env(n).graph.flows.filter((f) => 'addresses' in f.from && 'pods' in f.to && f.to.pods.namespace === NS);
    expect(inbound('production').map((f) => 'addresses' in f.from && [f.from.addresses.cidrs, f.ports.map((x) => x.port)])).toEqual([[env('dr').config.cluster.nodeCidrs, [5432]]]);
    // The generated NetworkPolicy of the members carries it.
    const netpol = env('production').charts.find((c) => c.folder === '02-network')!.manifests
      .find((o) => o.kind === 'NetworkPolicy' && o.metadata.namespace === NS && o.metadata.name === 'postgres-database-ingress')!;
    const rule = netpol.spec.ingress.find((r: Manifest) => r.from.some((f: Manifest) => f.ipBlock?.cidr === '10.30.0.0/24'));
    expect(rule.ports).toEqual([{ port: 5432, protocol: 'TCP' }]);
    // dr admits production for failback; dev and staging have no way in from outside.
    expect(inbound('dr').map((f) => 'addresses' in f.from && f.from.addresses.cidrs)).toEqual([['10.10.0.0/24']]);
    for (const n of ['dev', 'staging']) {
      expect(ext(n)).toBeUndefined();
      expect(inbound(n)).toEqual([]);
    }
  });

  test('standbyClients: a NodePort on a fixed port, or no Service at all (the flow stays)', () => {
    const render = (standbyClients: unknown) => {
      const input = structuredClone(environmentInput('production')) as Record<string, any>;
      input.stores.postgres.standbyClients = standbyClients;
      const p = renderPlatform(validateEnvironment('production', input));
      return { svc: objects(p).find((o) => o.kind === 'Service' && o.metadata.name === 'postgres-external'), flows: p.graph.flows.filter((f) => 'addresses' in f.from && f.why.includes('replicates from this primary')) };
    };
    const np = render({ cidrs: ['192.0.2.0/24'], service: 'NodePort', nodePort: 30432 });
    expect([np.svc?.spec.type, np.svc?.spec.ports[0].nodePort]).toEqual(['NodePort', 30432]);
    const none = render({ cidrs: ['192.0.2.0/24'], service: 'none' });
    expect(none.svc).toBeUndefined();
    expect(none.flows.map((f) => 'addresses' in f.from && f.from.addresses.cidrs)).toEqual([['192.0.2.0/24']]);
  });

  test('restore: a new cluster bootstraps from a backup of the named environment, to a point in time', () => {
    const input = structuredClone(environmentInput('staging')) as Record<string, any>;
    input.stores.postgres.restore = { sourceEnvironment: 'production', targetTime: '2026-11-20T08:00:00Z' };
    const p = renderPlatform(validateEnvironment('staging', input));
    const b = patroniYml(p).bootstrap;
    expect(b.method).toBe('walg_restore');
    expect(b.walg_restore.command).toBe('/etc/patroni/scripts/restore.sh');
    expect(b.walg_restore.recovery_conf).toEqual({
      restore_command: 'WALG_S3_PREFIX=s3://backups-postgres/production/postgres wal-g wal-fetch "%f" "%p"',
      recovery_target_timeline: 'latest', recovery_target_action: 'promote', recovery_target_time: '2026-11-20T08:00:00Z',
    });
    const e = envOf(container(p, 'postgres'));
    expect([e.get('RESTORE_S3_PREFIX')?.value, e.get('RESTORE_BACKUP')?.value]).toEqual(['s3://backups-postgres/production/postgres', 'LATEST']);
    expect(patroniYml(env('staging')).bootstrap.method).toBeUndefined();
  });
});

describe('PgBouncer', () => {
  test('2+ replicas outside dev, spread over nodes, with an exporter and a disruption budget', () => {
    for (const [name, n] of [['dev', 1], ['staging', 2], ['production', 2], ['dr', 2]] as const) {
      const d = find(env(name), 'Deployment', 'pgbouncer');
      expect({ name, replicas: d.spec.replicas }).toEqual({ name, replicas: n });
      expect(d.spec.template.spec.containers.map((c: Manifest) => c.name)).toEqual(['pgbouncer', 'exporter']);
      expect(d.spec.template.spec.topologySpreadConstraints[0].topologyKey).toBe('kubernetes.io/hostname');
      expect(find(env(name), 'PodDisruptionBudget', 'pgbouncer').spec.maxUnavailable).toBe(1);
    }
  });

  test('points at the primary Service and lets go of a demoted primary', () => {
    const p = env('production');
    const ini = find(p, 'ConfigMap', 'pgbouncer').data['pgbouncer.ini'];
    expect(ini).toContain(`receivables = host=${p.refs.postgres!.primary.host} port=5432 dbname=receivables`);
    for (const line of ['auth_type = scram-sha-256', 'pool_mode = transaction', 'max_prepared_statements = 200', 'server_lifetime = 300', 'server_check_query = select 1', 'tcp_keepalive = 1']) {
      expect(ini.split('\n')).toContain(line);
    }
  });
});

describe('flows and Secrets', () => {
  test.each(ENVS)('%s: every flow the tier needs is declared', (name) => {
    const flows = env(name).graph.flows;
    const has = (fromNs: string, toDesc: (f: (typeof flows)[number]) => boolean, port: number) =>
      flows.some((f) => 'pods' in f.from && f.from.pods.namespace === fromNs && toDesc(f) && f.ports.some((x) => x.port === port));
    const toPods = (ns: string, component: string) => (f: (typeof flows)[number]) => 'pods' in f.to && f.to.pods.namespace === ns && f.to.pods.selector[LABELS.component] === component;
    expect(has(NS, toPods(NS, 'database'), 5432)).toBe(true); // pgbouncer → postgres, replication
    expect(has(NS, toPods(NS, 'database'), 8008)).toBe(true); // Patroni ↔ Patroni
    expect(has(NS, toPods('storage-minio', 'server'), 9000)).toBe(true); // WAL-G → MinIO
    expect(has(NS, (f) => 'addresses' in f.to && f.to.addresses.display === 'kubernetes-api', 443)).toBe(true);
    // Only where Prometheus is installed (the graph drops the flows otherwise).
    expect(has('monitoring', toPods(NS, 'database'), 8008)).toBe(env(name).config.addons.monitoring.enabled);
    expect(has('monitoring', toPods(NS, 'pooler'), 9127)).toBe(env(name).config.addons.monitoring.enabled);
    const pooler = flows.find((f) => 'pods' in f.from && f.from.pods.selector[LABELS.component] === 'pooler' && 'pods' in f.to && f.to.pods.selector[LABELS.component] === 'database');
    expect(pooler?.ports).toEqual([{ port: 5432, name: 'postgresql' }]);
  });

  test('Secrets: the store\'s four with fixed user names, the MinIO copy, Patroni\'s API and the exporter\'s', () => {
    const s = env('production').secrets.filter((x) => x.namespace === NS);
    const byName = new Map(s.map((x) => [x.name, x]));
    expect([...byName.keys()].sort()).toEqual(['minio-postgres', 'pgbouncer-stats', 'postgres-app', 'postgres-patroni-api', 'postgres-replication', 'postgres-rewind', 'postgres-superuser']);
    expect(byName.get('minio-postgres')?.copyOf).toEqual({ namespace: 'storage-minio', name: 'minio-postgres' });
    expect(byName.get('postgres-superuser')?.fixed).toEqual({ username: 'postgres' });
    expect(byName.get('postgres-app')?.fixed).toEqual({ username: 'receivables' });
    expect(byName.get('postgres-app')?.fixed?.password).toBeUndefined();
  });
});

describe('scripts', () => {
  test('every rendered shell script passes shellcheck as POSIX sh', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'postgres-sh-'));
    try {
      const scripts = ['postgres-patroni', 'pgbouncer'].flatMap((cm) => Object.entries(find(env('production'), 'ConfigMap', cm).data as Record<string, string>)
        .filter(([k]) => k.endsWith('.sh')).map(([k, v]) => { const f = path.join(dir, `${cm}-${k}`); fs.writeFileSync(f, v); return f; }));
      expect(scripts).toHaveLength(6);
      const r = spawnSync('shellcheck', ['-s', 'sh', ...scripts], { encoding: 'utf8' });
      expect({ status: r.status, out: r.stdout + r.stderr }).toEqual({ status: 0, out: '' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('issue 13: the superuser, sidecars and images', () => {
  /** The first pg_hba line PostgreSQL would match for a connection (no IPv6, no groups, no files: not used here). */
  function hbaMethod(lines: string[], conn: { local: boolean; ssl: boolean; database: string; user: string }): string {
    for (const l of lines) {
      const [type, db, user, ...rest] = l.split(/\s+/);
      const method = conn.local ? rest[0] : rest[1];
      if (conn.local !== (type === 'local')) continue;
      if (type === 'hostssl' && !conn.ssl) continue;
      const dbMatches = db === 'replication' ? conn.database === 'replication' : (db === 'all' ? conn.database !== 'replication' : db === conn.database);
      if (!dbMatches || (user !== 'all' && user !== conn.user)) continue;
      return method;
    }
    return 'no entry';
  }

  test.each(ENVS)('%s: pg_hba refuses the superuser over the network, sessions and replication; the socket and other users get in (defect 10)', (name) => {
    const p = env(name);
    const hba: string[] = patroniYml(p).postgresql.pg_hba;
    const superuser = p.secrets.find((x) => x.name === 'postgres-superuser')!.fixed!.username;
    for (const database of ['postgres', 'receivables', 'replication']) {
      for (const ssl of [true, false]) expect({ database, ssl, method: hbaMethod(hba, { local: false, ssl, database, user: superuser }) }).toEqual({ database, ssl, method: 'reject' });
    }
    expect(hbaMethod(hba, { local: true, ssl: false, database: 'postgres', user: superuser })).toBe('scram-sha-256');
    expect(hbaMethod(hba, { local: false, ssl: true, database: 'receivables', user: 'receivables' })).toBe('scram-sha-256');
    expect(hbaMethod(hba, { local: false, ssl: true, database: 'replication', user: 'replicator' })).toBe('scram-sha-256');
  });

  test.each(ENVS)('%s: every use of the superuser goes through the socket (defect 10)', (name) => {
    const p = env(name);
    const y = patroniYml(p);
    // Patroni's own sessions and post_bootstrap's URL use the socket; rewind and replication have their own users.
    expect(y.postgresql.use_unix_socket).toBe(true);
    const containers = (m: Manifest) => [...(m.spec.template?.spec.initContainers ?? []), ...(m.spec.template?.spec.containers ?? []),
      ...(m.spec.jobTemplate?.spec.template.spec.containers ?? [])];
    const users = manifestsOf(p).flatMap((m) => (m.spec?.template || m.spec?.jobTemplate ? containers(m) : [])
      .filter((c: Manifest) => (c.env ?? []).some((e: Manifest) => e.valueFrom?.secretKeyRef?.name === 'postgres-superuser'))
      .map((c: Manifest) => `${m.kind}/${m.metadata.name}/${c.name}`));
    expect(users.sort()).toEqual([`StatefulSet/postgres-${name}/backup`, `StatefulSet/postgres-${name}/postgres`]);
    // The backup sidecar's libpq session (WAL-G backup-push) and Patroni's socket directory are one and the same.
    const pghost = envOf(container(p, 'backup')).get('PGHOST')?.value;
    expect(pghost).toBe(y.postgresql.parameters.unix_socket_directories ?? y.bootstrap.dcs.postgresql.parameters.unix_socket_directories);
    expect(pghost.startsWith('/')).toBe(true);
    // Patroni's environment has no PGHOST that could send a libpq client of its over TCP.
    expect(envOf(container(p, 'postgres')).has('PGHOST')).toBe(false);
  });

  test.each(ENVS)('%s: sidecars keep liveness but never gate readiness (defect 7)', (name) => {
    const p = env(name);
    for (const [pod, main] of [[sts(p), 'postgres'], [find(p, 'Deployment', 'pgbouncer'), 'pgbouncer']] as const) {
      const cs: Manifest[] = pod.spec.template.spec.containers;
      expect({ pod: pod.metadata.name, ready: cs.filter((c) => c.readinessProbe).map((c) => c.name) }).toEqual({ pod: pod.metadata.name, ready: [main] });
      expect({ pod: pod.metadata.name, live: cs.filter((c) => !c.livenessProbe).map((c) => c.name) }).toEqual({ pod: pod.metadata.name, live: [] });
    }
  });

  test.each(ENVS)('%s: only the database members run the Spilo image; the pooler makes its key with its own image (defect 12)', (name) => {
    const p = env(name);
    const spilo = (c: Manifest) => /\/zalando\/spilo-\d+:/.test(c.image);
    const users = manifestsOf(p).filter((m) => m.spec?.template?.spec).flatMap((m) =>
      [...(m.spec.template.spec.initContainers ?? []), ...m.spec.template.spec.containers].filter(spilo).map(() => `${m.kind}/${m.metadata.name}`));
    expect([...new Set(users)]).toEqual([`StatefulSet/postgres-${name}`]);
    const pooler = find(p, 'Deployment', 'pgbouncer').spec.template.spec;
    const [tls] = pooler.initContainers;
    expect(tls.image).toBe(pooler.containers.find((c: Manifest) => c.name === 'pgbouncer').image);
    // The script needs openssl, which the PgBouncer image carries (see postgres-pgbouncer.ts for the source).
    expect(find(p, 'ConfigMap', 'pgbouncer').data['tls-init.sh']).toMatch(/^openssl req /m);
  });
});
