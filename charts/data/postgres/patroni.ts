/**
 * The Patroni cluster: a StatefulSet of PostgreSQL members that elect a leader through the Kubernetes API
 * (Endpoints as the DCS), with the RBAC, Services, configuration and disruption budget that needs.
 *
 * Services:
 * - `<scope>` (selector-less): the primary. Patroni writes its Endpoints (the leader lock) with the leader's
 *   address, so clients follow every failover. The Endpoints object is Patroni's and is never rendered: Argo CD
 *   would otherwise reset it to a stale address.
 * - `<scope>-config` (headless, selector-less): holds Patroni's cluster configuration in its Endpoints; the
 *   Service must exist or Kubernetes garbage-collects those Endpoints.
 * - `<scope>-replicas`: streaming replicas by Patroni's role label, for read scaling (spec 002 §7.1.3).
 * - `<scope>-members` (headless): the StatefulSet's governing Service (stable pod DNS names).
 * - `<scope>-external` (with `standbyClients`): the primary by role label, as a LoadBalancer or NodePort for the
 *   other site's standby cluster.
 */
import { Construct } from 'constructs';
import { stringify } from 'yaml';
import { k8s } from '../../../imports/k8s';
import type { PostgresContext } from './context';
import { disruptionBudget } from '../../lib/disruption';
import { API_SERVER_PORTS, apiServer, endpointPods, endpointPort, PROMETHEUS, type Port } from '../../lib/graph';
import { configChecksum } from '../../lib/checksum';
import { container, containerPort, emptyDir, httpProbe } from '../../lib/container';
import { annotationKey, meta, selectorLabels, type Identity, platformKeys } from '../../lib/labels';
import { fieldEnv, secretEnv, secretEnvs } from '../../lib/env';
import { headlessService } from '../../lib/service';
import { parseMemory } from '../../lib/quantity';
import { quantities, resources } from '../../lib/resources';
import { podSecurityContext } from '../../lib/security';
import { storeStatefulSet } from '../../lib/stateful-set';
import {
  BACKUP_RETENTION_SH, backupLoopSh, CONFIG_DIR, EXPORTER_PORT, PATRONI_PORT, PGDATA, PGDATA_MOUNT, postBootstrapSh, RESTORE_SH, ROLE, SOCKET_DIR,
  SOURCE_S3_ENV, TLS_DIR, TLS_INIT_SH, patroniConfig, walgPrefix,
} from './server-config';
import type { SecretRef } from '../refs';

/** Spilo: Patroni 4, PostgreSQL 13-17 and WAL-G in one image (we run Patroni directly, not Spilo's launcher). */
export const SPILO_IMAGE = 'ghcr.io/zalando/spilo-17:4.0-p3';
/**
 * postgres_exporter (prometheus-community/postgres_exporter, Dockerfile at v0.20.1: FROM quay.io/prometheus/busybox,
 * USER nobody, EXPOSE 9187, ENTRYPOINT /bin/postgres_exporter; published to quay.io/prometheuscommunity by its CI).
 */
export const POSTGRES_EXPORTER_IMAGE = 'quay.io/prometheuscommunity/postgres-exporter:v0.20.1';
/** The `postgres` user and group of the Spilo image. */
const SPILO_UID = 101;
const SPILO_GID = 103;

export interface PatroniClusterProps {
  readonly ctx: PostgresContext;
  /** S3 credentials of the backup bucket (a copy of MinIO's Secret in this namespace). */
  readonly s3Credentials: SecretRef;
  /** Patroni REST API credentials for its unsafe (POST/PATCH/DELETE) endpoints. */
  readonly restApiCredentials: SecretRef;
  /** A standby's S3 keys for the source site's MinIO (its WAL archive). */
  readonly sourceS3Credentials?: SecretRef;
  /** The postgres_exporter role's credentials, where the environment runs the exporter. */
  readonly exporterCredentials?: SecretRef;
}

/** The ConfigMap of patroni.yml and the scripts, and the checksum of its files that rolls the members. */
interface PatroniFiles {
  readonly configMap: string;
  readonly checksum: string;
}

export class PatroniCluster extends Construct {
  /** The pods' identity (what NetworkPolicies and the pooler's flow select). */
  readonly id: Identity;

  constructor(scope: Construct, id: string, p: PatroniClusterProps) {
    super(scope, id);
    this.id = p.ctx.refs.postgres.primary.pods;
    this.rbac(p);
    const files = this.configuration(p);
    const governing = this.services(p);
    this.members(p, files, governing);
    this.flows(p);
  }

  /** Metadata of one of the cluster's objects: in the cluster's namespace, labelled with the members' identity. */
  private objectMeta(p: PatroniClusterProps, name: string, annotations?: Record<string, string>): k8s.ObjectMeta {
    return meta(p.ctx.config, { name, namespace: p.ctx.refs.postgres.primary.namespace, id: this.id, annotations });
  }

  /** RBAC: exactly what Patroni's Kubernetes DCS touches with use_endpoints (no ConfigMaps then). */
  private rbac(p: PatroniClusterProps): void {
    const ref = p.ctx.refs.postgres;
    const ns = ref.primary.namespace;
    const name = ref.primary.service; // the Patroni scope
    new k8s.KubeServiceAccount(this, 'sa', { metadata: this.objectMeta(p, name), automountServiceAccountToken: true });
    new k8s.KubeRole(this, 'role', {
      metadata: this.objectMeta(p, name),
      rules: [
        // Leader lock, cluster config, sync and failover keys live in Endpoints named after the scope.
        { apiGroups: [''], resources: ['endpoints'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'] },
        // Member state is kept in pod annotations, the role in a pod label.
        { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch', 'update', 'patch'] },
      ],
    });
    new k8s.KubeRoleBinding(this, 'rolebinding', {
      metadata: this.objectMeta(p, name),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name, namespace: ns }],
    });
  }

  /** patroni.yml and the scripts in one ConfigMap; returns its name and the checksum that rolls the members. */
  private configuration(p: PatroniClusterProps): PatroniFiles {
    const { config, refs } = p.ctx;
    const ref = refs.postgres;
    const ns = ref.primary.namespace;
    const name = ref.primary.service; // the Patroni scope
    // YAML 1.1, as Patroni's PyYAML reads it: strings such as "on" are quoted, or they would turn into booleans.
    const patroniYml = stringify(patroniConfig(config, refs, { scope: name, namespace: ns }), { lineWidth: 0, version: '1.1' });
    const files: Record<string, string> = {
      'patroni.yml': patroniYml,
      'post-bootstrap.sh': postBootstrapSh(config),
      'restore.sh': RESTORE_SH,
      'backup-loop.sh': backupLoopSh(config),
      'tls-init.sh': TLS_INIT_SH,
      ...(config.stores.postgres.backup.retention ? { 'backup-retention.sh': BACKUP_RETENTION_SH } : {}),
    };
    const configMap = `${name}-patroni`;
    new k8s.KubeConfigMap(this, 'config', { metadata: this.objectMeta(p, configMap), data: files });
    const checksum = configChecksum(files);
    return { configMap, checksum };
  }

  /**
   * The primary's, the replicas' and the members' Services, and the one the other site's standby reaches;
   * returns the governing Service.
   */
  private services(p: PatroniClusterProps): string {
    const { config, refs } = p.ctx;
    const pg = config.stores.postgres;
    const ref = refs.postgres;
    const name = ref.primary.service; // the Patroni scope
    const selector = selectorLabels(this.id);
    const pgPort = { name: ref.primary.portName, port: ref.primary.port, targetPort: k8s.IntOrString.fromNumber(ref.primary.port), protocol: 'TCP' };
    new k8s.KubeService(this, 'svc-primary', {
      metadata: this.objectMeta(p, name, { [platformKeys(config).description]: 'primary: Patroni writes the Endpoints of this Service (the leader lock); they are not rendered' }),
      spec: { type: 'ClusterIP', ports: [pgPort] },
    });
    new k8s.KubeService(this, 'svc-config', {
      metadata: this.objectMeta(p, `${name}-config`),
      spec: { clusterIp: 'None', ports: [pgPort] },
    });
    new k8s.KubeService(this, 'svc-replicas', {
      metadata: this.objectMeta(p, ref.replicas.service),
      spec: { type: 'ClusterIP', selector: { ...selector, [platformKeys(config).role]: ROLE.replica }, ports: [{ ...pgPort, targetPort: k8s.IntOrString.fromString(ref.primary.portName) }] },
    });
    const governing = `${name}-members`;
    // Members must resolve each other while not ready (a replica cloning from the primary is not ready).
    headlessService(this, 'svc-members', this.objectMeta(p, governing), selector, [
      { ...pgPort, targetPort: k8s.IntOrString.fromString(ref.primary.portName) },
      { name: 'patroni', port: PATRONI_PORT, targetPort: k8s.IntOrString.fromString('patroni'), protocol: 'TCP' },
    ]);

    // The other site's standby reaches the primary from outside the cluster. Local traffic policy keeps its source
    // address (the ingress rule below matches it) and answers only on the node running the primary.
    const sc = pg.standbyClients;
    if (sc && sc.service !== 'none') {
      new k8s.KubeService(this, 'svc-external', {
        metadata: this.objectMeta(p, `${name}-external`, { [platformKeys(config).description]: 'primary for the standby cluster of the other site' }),
        spec: {
          type: sc.service,
          externalTrafficPolicy: 'Local',
          selector: { ...selector, [platformKeys(config).role]: ROLE.primary },
          ports: [{ ...pgPort, targetPort: k8s.IntOrString.fromString(ref.primary.portName), ...(sc.nodePort ? { nodePort: sc.nodePort } : {}) }],
        },
      });
    }
    return governing;
  }

  /** The members: their containers, StatefulSet and disruption budget. */
  private members(p: PatroniClusterProps, files: PatroniFiles, governing: string): void {
    const { config, refs } = p.ctx;
    const ref = refs.postgres;
    const name = ref.primary.service; // the Patroni scope
    this.memberStatefulSet(p, files, governing);
    disruptionBudget(this, { config, name, namespace: ref.primary.namespace, id: this.id, replicas: config.stores.postgres.replicas });
  }

  /** WAL-G's target and S3 credentials: the backup bucket of this environment in MinIO. */
  private walgEnv(p: PatroniClusterProps): k8s.EnvVar[] {
    const { config, refs } = p.ctx;
    return [
      { name: 'WALG_S3_PREFIX', value: walgPrefix(refs, config.name, refs.postgres.primary.service) },
      { name: 'AWS_ENDPOINT', value: refs.minio.url },
      { name: 'AWS_S3_FORCE_PATH_STYLE', value: 'true' },
      { name: 'AWS_REGION', value: 'us-east-1' },
      { name: 'WALG_COMPRESSION_METHOD', value: 'lz4' },
      ...secretEnvs(p.s3Credentials, { AWS_ACCESS_KEY_ID: 'accessKey', AWS_SECRET_ACCESS_KEY: 'secretKey' }),
      // The root filesystem is read-only: anything a tool keeps in $HOME goes to the pod's scratch space.
      { name: 'HOME', value: '/tmp' },
    ];
  }

  /**
   * Patroni's environment: the member's identity from the downward API, every credential from a Secret, what
   * post-bootstrap.sh and restore.sh need, and WAL-G's target.
   */
  private patroniEnv(p: PatroniClusterProps): k8s.EnvVar[] {
    const { config, refs } = p.ctx;
    const pg = config.stores.postgres;
    const ref = refs.postgres;
    const name = ref.primary.service; // the Patroni scope
    const s = ref.secrets;
    return [
      fieldEnv('PATRONI_NAME', 'metadata.name', 'v1'),
      fieldEnv('PATRONI_KUBERNETES_NAMESPACE', 'metadata.namespace', 'v1'),
      fieldEnv('PATRONI_KUBERNETES_POD_IP', 'status.podIP', 'v1'),
      { name: 'PATRONI_POSTGRESQL_CONNECT_ADDRESS', value: `$(PATRONI_KUBERNETES_POD_IP):${ref.primary.port}` },
      { name: 'PATRONI_RESTAPI_CONNECT_ADDRESS', value: `$(PATRONI_KUBERNETES_POD_IP):${PATRONI_PORT}` },
      ...secretEnvs(s.superuser, { PATRONI_SUPERUSER_USERNAME: 'username', PATRONI_SUPERUSER_PASSWORD: 'password' }),
      ...secretEnvs(s.replication, { PATRONI_REPLICATION_USERNAME: 'username', PATRONI_REPLICATION_PASSWORD: 'password' }),
      ...secretEnvs(s.rewind, { PATRONI_REWIND_USERNAME: 'username', PATRONI_REWIND_PASSWORD: 'password' }),
      ...secretEnvs(p.restApiCredentials, { PATRONI_RESTAPI_USERNAME: 'username', PATRONI_RESTAPI_PASSWORD: 'password' }),
      // For post-bootstrap.sh: its superuser session, the application's role and database.
      secretEnv('SUPERUSER_PASSWORD', s.superuser, 'password'),
      ...secretEnvs(s.app, { APP_USER: 'username', APP_PASSWORD: 'password' }),
      { name: 'APP_DATABASE', value: ref.database },
      // For post-bootstrap.sh: the exporter's role.
      ...(p.exporterCredentials ? secretEnvs(p.exporterCredentials, { EXPORTER_USER: 'username', EXPORTER_PASSWORD: 'password' }) : []),
      // For restore.sh (only used when the environment bootstraps from a backup).
      ...(pg.restore ? [
        { name: 'RESTORE_S3_PREFIX', value: walgPrefix(refs, pg.restore.sourceEnvironment, name) },
        { name: 'RESTORE_BACKUP', value: pg.restore.backup },
      ] : []),
      ...this.walgEnv(p),
      ...(p.sourceS3Credentials ? secretEnvs(p.sourceS3Credentials, { [SOURCE_S3_ENV.accessKey]: 'accessKey', [SOURCE_S3_ENV.secretKey]: 'secretKey' }) : []),
      { name: 'PGDATA', value: PGDATA },
    ];
  }

  /** The containers of a member: the TLS key maker (init), Postgres under Patroni, and the backup loop. */
  private memberContainers(p: PatroniClusterProps): { readonly init: k8s.Container[]; readonly main: k8s.Container[] } {
    const { config, refs } = p.ctx;
    const pg = config.stores.postgres;
    const ref = refs.postgres;
    const s = ref.secrets;
    // A recovery window keeps the newest n full backups; tiers are the retention script's (backup-retention.sh).
    const { retentionDays, retention } = pg.backup;
    const pruning: k8s.EnvVar[] = retention
      ? Object.entries(retention).map(([t, n]) => ({ name: `BACKUP_KEEP_${t.toUpperCase()}`, value: String(n) }))
      : [{ name: 'BACKUP_RETAIN_FULL', value: String(Math.ceil(((retentionDays ?? 1) * 24) / pg.backup.intervalHours) + 1) }];
    // Only in the backup container: backup-push asks the local server for start/stop backup over the socket,
    // as the superuser. Never in Patroni's: libpq prefers PGPASSWORD over the pgpass file Patroni writes, so
    // replicas would clone and stream as the replication user with the superuser's password.
    const walgSession: k8s.EnvVar[] = [
      { name: 'PGHOST', value: SOCKET_DIR },
      { name: 'PGPORT', value: String(ref.primary.port) },
      ...secretEnvs(s.superuser, { PGUSER: 'username', PGPASSWORD: 'password' }),
      { name: 'PGDATA', value: PGDATA },
    ];
    const mounts: k8s.VolumeMount[] = [
      { name: 'pgdata', mountPath: PGDATA_MOUNT },
      { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
      { name: 'run', mountPath: SOCKET_DIR },
      { name: 'tmp', mountPath: '/tmp' },
      { name: 'tls', mountPath: TLS_DIR, readOnly: true },
    ];
    const patroniProbe = (path: string, failureThreshold: number) => httpProbe(path, 'patroni', { periodSeconds: 10, failureThreshold }, 'HTTP');

    const postgres = container(config, 'postgres', SPILO_IMAGE, {
      command: ['patroni', `${CONFIG_DIR}/patroni.yml`],
      ports: [containerPort(ref.primary.portName, ref.primary.port), containerPort('patroni', PATRONI_PORT)],
      env: this.patroniEnv(p),
      resources: resources(pg.resources),
      // Patroni answers /readiness once Postgres runs and (replica) streams; /liveness while its loop runs.
      startupProbe: patroniProbe('/liveness', 90),
      readinessProbe: patroniProbe('/readiness', 3),
      livenessProbe: patroniProbe('/liveness', 6),
      volumeMounts: [...mounts, { name: 'dshm', mountPath: '/dev/shm' }],
    });
    const backup = container(config, 'backup', SPILO_IMAGE, {
      command: ['/bin/sh', `${CONFIG_DIR}/scripts/backup-loop.sh`],
      env: [
        ...this.walgEnv(p),
        ...walgSession,
        { name: 'PATRONI_PORT', value: String(PATRONI_PORT) },
        { name: 'BACKUP_INTERVAL_HOURS', value: String(pg.backup.intervalHours) },
        ...pruning,
      ],
      resources: {
        requests: quantities({ cpu: '100m', memory: '128Mi' }),
        limits: quantities({ cpu: '1', memory: '512Mi' }),
      },
      // The loop touches its heartbeat at least every 30 s, also while a backup is being pushed. Liveness only: a
      // sidecar must not gate the pod's readiness (a wal-g retrying against an unavailable MinIO would take the
      // primary out of its Services); only the postgres container decides whether the member serves.
      livenessProbe: { exec: { command: ['/bin/sh', '-c', 'test -n "$(find /tmp/backup-heartbeat -mmin -5)"'] }, periodSeconds: 60, failureThreshold: 3, initialDelaySeconds: 60 },
      volumeMounts: mounts,
    });
    const tlsInit = container(config, 'tls', SPILO_IMAGE, {
      command: ['/bin/sh', `${CONFIG_DIR}/scripts/tls-init.sh`],
      env: [fieldEnv('POD_NAME', 'metadata.name', 'v1'), { name: 'TLS_DIR', value: TLS_DIR }],
      resources: { requests: quantities({ cpu: '50m', memory: '32Mi' }), limits: quantities({ cpu: '200m', memory: '64Mi' }) },
      volumeMounts: [{ name: 'config', mountPath: CONFIG_DIR, readOnly: true }, { name: 'tls', mountPath: TLS_DIR }],
    });
    return { init: [tlsInit], main: [postgres, backup, ...(p.exporterCredentials ? [this.exporter(p, p.exporterCredentials)] : [])] };
  }

  /**
   * postgres_exporter beside the member, reading its own server over loopback (the NetworkPolicies have nothing
   * to allow: the flow never leaves the pod) as the pg_monitor role. Settings from the exporter's source at
   * v0.20.1: DATA_SOURCE_URI/_USER/_PASS (exporter/datasource.go), `--web.listen-address` (exporter-toolkit's flag,
   * cmd/postgres_exporter/main.go), the default collectors (collector/*.go registerCollector).
   */
  private exporter(p: PatroniClusterProps, credentials: SecretRef): k8s.Container {
    const ref = p.ctx.refs.postgres;
    return container(p.ctx.config, 'exporter', POSTGRES_EXPORTER_IMAGE, {
      env: [
        ...secretEnvs(credentials, { DATA_SOURCE_USER: 'username', DATA_SOURCE_PASS: 'password' }),
        // TLS: pg_hba accepts TCP only over it. The application database: per-table statistics are per database.
        { name: 'DATA_SOURCE_URI', value: `127.0.0.1:${ref.primary.port}/${ref.database}?sslmode=require` },
      ],
      args: [`--web.listen-address=:${EXPORTER_PORT}`],
      ports: [containerPort('metrics', EXPORTER_PORT)],
      resources: { requests: quantities({ cpu: '50m', memory: '64Mi' }), limits: quantities({ cpu: '250m', memory: '128Mi' }) },
      // Liveness only, on the landing page (the metrics page would run every collector): a sidecar must not
      // take the member out of its Services.
      livenessProbe: httpProbe('/', 'metrics', { periodSeconds: 30, failureThreshold: 3 }, 'HTTP'),
    });
  }

  /** The members' StatefulSet: Patroni's service account, the role label, the configuration and the volumes. */
  private memberStatefulSet(p: PatroniClusterProps, files: PatroniFiles, governing: string): void {
    const { config, refs } = p.ctx;
    const pg = config.stores.postgres;
    const ref = refs.postgres;
    const ns = ref.primary.namespace;
    const name = ref.primary.service; // the Patroni scope
    const selector = selectorLabels(this.id);
    const { configMap, checksum } = files;
    const containers = this.memberContainers(p);
    storeStatefulSet(this, 'sts', {
      config,
      metadata: meta(config, { name: memberSetName(config.name, name), namespace: ns, id: this.id }),
      serviceName: governing,
      replicas: pg.replicas,
      // Patroni's leader race decides who bootstraps; ordered start only slows recovery of a whole cluster.
      podManagementPolicy: 'Parallel',
      selector,
      template: {
        metadata: {
          // The role label is Patroni's from the first loop on; `replica` until then keeps a new pod out of
          // the primary's way and matches the replicas Service's selector by construction.
          labels: { ...meta(config, { name, id: this.id }).labels, [platformKeys(config).role]: ROLE.replica },
          annotations: { [annotationKey(config, 'config-sha256')]: checksum },
        },
        spec: {
          serviceAccountName: name,
          enableServiceLinks: false,
          securityContext: podSecurityContext(SPILO_UID, SPILO_GID),
          // A stopping primary checkpoints, shuts down and hands the lock over; give it time to do so cleanly.
          terminationGracePeriodSeconds: 120,
          initContainers: containers.init,
          containers: containers.main,
          volumes: [
            {
              name: 'config',
              configMap: {
                name: configMap,
                defaultMode: 0o444,
                items: [
                  { key: 'patroni.yml', path: 'patroni.yml' },
                  { key: 'post-bootstrap.sh', path: 'scripts/post-bootstrap.sh', mode: 0o555 },
                  { key: 'restore.sh', path: 'scripts/restore.sh', mode: 0o555 },
                  { key: 'backup-loop.sh', path: 'scripts/backup-loop.sh', mode: 0o555 },
                  { key: 'tls-init.sh', path: 'scripts/tls-init.sh', mode: 0o555 },
                  ...(pg.backup.retention ? [{ key: 'backup-retention.sh', path: 'scripts/backup-retention.sh', mode: 0o555 }] : []),
                ],
              },
            },
            emptyDir('run'),
            emptyDir('tmp'),
            // The pod's TLS key never touches a disk.
            emptyDir('tls', '1Mi', 'Memory'),
            // Parallel queries use POSIX shared memory; the runtime's default /dev/shm is 64 MiB.
            emptyDir('dshm', shmSize(pg.resources.limits.memory), 'Memory'),
          ],
        },
      },
      claims: [{ name: 'pgdata', size: pg.volume.size }],
    });
  }

  /** The network flows of the members. */
  private flows(p: PatroniClusterProps): void {
    const { config, refs, graph } = p.ctx;
    const pg = config.stores.postgres;
    const ref = refs.postgres;
    const sc = pg.standbyClients;
    const members = endpointPods(ref.primary);
    const pgp: Port = { port: ref.primary.port, name: ref.primary.portName };
    const patroniPort: Port = { port: PATRONI_PORT, name: 'patroni' };
    graph.connect({ pods: members }, { pods: members }, [pgp, patroniPort], 'postgres members replicate, rewind and check each other through Patroni');
    graph.connect({ pods: members }, { addresses: apiServer(config) }, API_SERVER_PORTS, 'Patroni keeps its leader lock and member state in the Kubernetes API');
    graph.use(members, refs.minio.s3, 'postgres archives WAL and pushes base backups to MinIO (WAL-G)');
    graph.connect({ pods: PROMETHEUS }, { pods: members }, [patroniPort], 'Prometheus scrapes Patroni /metrics');
    if (p.exporterCredentials) graph.connect({ pods: PROMETHEUS }, { pods: members }, [{ port: EXPORTER_PORT, name: 'metrics' }], 'Prometheus scrapes postgres_exporter beside each member');
    if (sc) {
      graph.connect({ addresses: { cidrs: sc.cidrs, display: 'postgres-standby-clients' } }, { pods: members }, [pgp],
        'the other site\'s standby cluster replicates from this primary');
      graph.connect({ addresses: { cidrs: sc.cidrs, display: 'postgres-standby-clients' } }, { pods: endpointPods(refs.minio.s3) }, [endpointPort(refs.minio.s3)],
        'the other site\'s standby cluster replays this site\'s WAL archive (WAL-G)');
    }
    if (pg.standby) {
      graph.connect({ pods: members }, { addresses: { cidrs: pg.standby.cidrs, display: `postgres-${pg.standby.sourceEnvironment}` } },
        [{ port: pg.standby.port, name: 'postgresql' }], `the standby cluster streams from ${pg.standby.sourceEnvironment}'s primary`);
      const archive = new URL(pg.standby.archive.endpoint);
      graph.connect({ pods: members }, { addresses: { cidrs: pg.standby.archive.cidrs, display: `minio-${pg.standby.sourceEnvironment}` } },
        [{ port: Number(archive.port) || (archive.protocol === 'https:' ? 443 : 80), name: 's3' }], `the standby cluster replays ${pg.standby.sourceEnvironment}'s WAL archive`);
    }
  }

}

/**
 * The StatefulSet, hence the member (pod) names, carry the environment: Patroni names each member after its pod
 * and uses that as `application_name` towards the primary. A DR standby streaming from production must not
 * share a name with a production member, or production could count it as its synchronous standby.
 */
export function memberSetName(environment: string, scope: string): string {
  return `${scope}-${environment}`;
}

/** A quarter of the memory limit for /dev/shm (it counts against the limit), between 64 MiB and 1 GiB. */
function shmSize(limit: string): string {
  return `${Math.max(64, Math.min(1024, Math.floor(parseMemory(limit) / 2 ** 20 / 4)))}Mi`;
}
