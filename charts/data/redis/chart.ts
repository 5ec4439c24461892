/**
 * Redis with Sentinel (spec 002 §7.3): one master and `replicas - 1` replicas in the StatefulSet `redis`, and
 * `sentinels` Sentinels in the StatefulSet `redis-sentinel`, namespace db-redis.
 *
 * Why the Sentinels are a StatefulSet of their own rather than a sidecar of each server: a pod's readiness
 * is the AND of its containers, so a sidecar Sentinel would vanish from the `redis-sentinel` Service whenever
 * its server is not ready (a replica resyncing, a server loading its AOF, every replica while the master is
 * down) — exactly when clients need Sentinel. Terminating the master pod would also take one Sentinel with it
 * in the middle of the failover its preStop asks for. Separate pods keep all Sentinels voting; anti-affinity
 * still spreads each set over the nodes.
 *
 * Clients are Sentinel-aware: they ask `redis-sentinel:26379` for the master of `refs.redis.masterSet` and
 * then connect to the pod name it returns, both over TLS only (see `useRedis` and docs/redis.md).
 *
 * Roles are decided by redis-ha.sh (redis-config.ts): the Sentinels' saved state carries who is master across
 * a full restart; only a true cold start is an election among the servers that answer.
 */
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import type { ComputeResources } from '../../../environments/schema';
import type { RedisConfig } from './context';
import { k8s } from '../../../imports/k8s';
import type { RedisContext } from './context';
import { disruptionBudget } from '../../lib/disruption';
import { PROMETHEUS, endpointPods, pods, type DependencyGraph, type PodGroup, type Port } from '../../lib/graph';
import { certificate } from '../../lib/certificate';
import { CONFIG_CHECKSUM, configChecksum } from '../../lib/checksum';
import { container, emptyDir, execProbe, httpProbe } from '../../lib/container';
import { meta, selectorLabels, type Identity } from '../../lib/labels';
import { FINISHED_JOB_TTL_SECONDS, podHost, serviceHost } from '../../lib/naming';
import { scheduledJob } from '../../lib/job';
import { parseMemory } from '../../lib/quantity';
import { resources } from '../../lib/resources';
import { isolatedPod } from '../../lib/security';
import { storeStatefulSet } from '../../lib/stateful-set';
import { clusterService, headlessService, namedPort } from '../../lib/service';
import { fieldEnv, secretEnv, secretEnvs } from '../../lib/env';
// MinIO's client for the backup upload: the one pinned mc of the platform (each step is one mc command).
import { MC_IMAGE } from '../minio/chart';
import { INTERNAL_CA_ISSUER, type RedisRef } from '../refs';
import { REDIS_HA_SH, REDIS_PATHS, REDIS_SCRIPT, redisConf, sentinelConf, topologyEnv } from './server-config';

/** Tested with Debian's 7.0.15 (test/redis.server.test.ts); every directive used exists in 7.0 and 7.2. */
export const REDIS_IMAGE = 'docker.io/library/redis:7.2.5';
export const REDIS_EXPORTER_IMAGE = 'docker.io/oliver006/redis_exporter:v1.63.0';
/** The `redis` user of the official image. */
const REDIS_UID = 999;
const METRICS_PORT = 9121;
const STATEFUL_SET = 'redis';
const SENTINEL_STATEFUL_SET = 'redis-sentinel';
const SENTINEL_HEADLESS = 'redis-sentinel-headless';
const CONFIG_MAP = 'redis-config';
/** The Certificate (and its Secret) every server and Sentinel serves and presents: see tlsConf. */
export const REDIS_TLS_SECRET = 'redis-tls';
/** Of the memory limit, what Redis may use for data: the rest is for the fork of an AOF rewrite or snapshot. */
const MAXMEMORY_FRACTION = 0.7;
/** Seconds a stopping master waits for its failover; the grace period adds Redis' own shutdown-timeout. */
const PRESTOP_WAIT_SECONDS = 30;
const SHUTDOWN_TIMEOUT_SECONDS = 10;
/**
 * A Sentinel's saved state (master, epochs, known members; no password): a few hundred bytes. Provisioners
 * round a claim up to their minimum size.
 */
const SENTINEL_VOLUME_SIZE = '64Mi';

const SENTINEL_RESOURCES: ComputeResources = { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '250m', memory: '64Mi' } };
const EXPORTER_RESOURCES: ComputeResources = { requests: { cpu: '25m', memory: '48Mi' }, limits: { cpu: '200m', memory: '48Mi' } };
/** Backup steps: redis-check-rdb holds one key at a time, mc buffers multipart uploads. */
const BACKUP_RESOURCES: ComputeResources = { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } };

/** Majority of the Sentinels: 2 of 3, 1 of 1. */
export function sentinelQuorum(sentinels: number): number {
  return Math.floor(sentinels / 2) + 1;
}

/**
 * Declares what a Redis client needs: Sentinel (to discover the master) and the servers (to talk to it).
 * Applications call this instead of `graph.use` so neither half is forgotten.
 */
export function useRedis(graph: DependencyGraph, redis: RedisRef, from: PodGroup, why: string): void {
  graph.use(from, redis.sentinel, `${why} (discovers the master through Sentinel)`);
  graph.use(from, redis.server, `${why} (talks to the master Sentinel names)`);
}

export class RedisChart extends Chart {
  constructor(scope: Construct, id: string, ctx: RedisContext) {
    super(scope, id, { disableResourceNameHashes: true });
    const { config } = ctx;
    const ref = ctx.refs.redis;
    const r = config.stores.redis;
    const ns = ref.server.namespace;
    if (ref.sentinel.namespace !== ns) throw new Error(`refs.redis: Sentinel (${ref.sentinel.namespace}) and servers (${ns}) must share a namespace`);
    const serverId = ref.server.pods;
    const sentinelId = ref.sentinel.pods;
    const servers = Array.from({ length: r.replicas }, (_, i) => `${podHost(config, STATEFUL_SET, i, ref.server.service, ns)}:${ref.server.port}`);
    const sentinels = Array.from({ length: r.sentinels }, (_, i) => `${podHost(config, SENTINEL_STATEFUL_SET, i, SENTINEL_HEADLESS, ns)}:${ref.sentinel.port}`);

    const files: Record<string, string> = {
      'redis.conf': redisConf({
        port: ref.server.port,
        maxmemoryBytes: Math.floor(parseMemory(r.resources.limits.memory) * MAXMEMORY_FRACTION),
        minReplicasToWrite: r.minReplicasToWrite,
        minReplicasMaxLagSeconds: r.minReplicasMaxLagSeconds,
      }),
      'sentinel.conf': sentinelConf({
        port: ref.sentinel.port,
        masterSet: ref.masterSet,
        quorum: sentinelQuorum(r.sentinels),
        downAfterMilliseconds: r.downAfterMilliseconds,
        failoverTimeoutMilliseconds: r.failoverTimeoutMilliseconds,
      }),
      'topology.env': topologyEnv({
        masterSet: ref.masterSet, servers, sentinels, startupAttempts: 5, preStopWaitSeconds: PRESTOP_WAIT_SECONDS,
        failoverWaitSeconds: Math.ceil(r.failoverTimeoutMilliseconds / 1000),
      }),
      [REDIS_SCRIPT]: REDIS_HA_SH,
    };
    new k8s.KubeConfigMap(this, 'config', { metadata: meta(config, { name: CONFIG_MAP, namespace: ns, id: serverId }), data: files });
    // Pods roll when their configuration changes (a ConfigMap change alone restarts nothing).
    const checksum = configChecksum(files, 16);

    redisCertificate(this, config, ns, [ref.server.service, SENTINEL_HEADLESS], ref.sentinel.service);

    // Headless Services give every pod its stable DNS name; published before readiness, because replicas
    // and Sentinels must reach a server that is still syncing or loading.
    const headless = (name: string, id: Identity, port: number, portName: string) => headlessService(this, `svc-${name}`,
      meta(config, { name, namespace: ns, id }), selectorLabels(id), [namedPort(portName, port)]);
    headless(ref.server.service, serverId, ref.server.port, ref.server.portName);
    headless(SENTINEL_HEADLESS, sentinelId, ref.sentinel.port, ref.sentinel.portName);
    // What clients use: any ready Sentinel.
    clusterService(this, 'svc-sentinel', meta(config, { name: ref.sentinel.service, namespace: ns, id: sentinelId }), selectorLabels(sentinelId),
      [namedPort(ref.sentinel.portName, ref.sentinel.port)]);

    const common = { config, ns, checksum, secret: ref.secret.name };
    statefulSet(this, {
      ...common,
      name: STATEFUL_SET, headless: ref.server.service, id: serverId, replicas: r.replicas,
      main: {
        name: 'redis', mode: 'redis', port: ref.server.port, portName: ref.server.portName, resources: r.resources,
        // AOF loading can take minutes on a large data set: the startup probe holds liveness off meanwhile.
        startup: { periodSeconds: 5, failureThreshold: 120 },
        preStop: true,
      },
      volumeSize: r.volume.size,
    });
    statefulSet(this, {
      ...common,
      name: SENTINEL_STATEFUL_SET, headless: SENTINEL_HEADLESS, id: sentinelId, replicas: r.sentinels,
      main: {
        name: 'sentinel', mode: 'sentinel', port: ref.sentinel.port, portName: ref.sentinel.portName, resources: SENTINEL_RESOURCES,
        // It waits for a server to name the master (full start): up to a few minutes.
        startup: { periodSeconds: 5, failureThreshold: 60 },
        preStop: false,
      },
      // Kept across a full restart, the Sentinels' memory of who is master decides the roles: see docs/redis.md.
      volumeSize: SENTINEL_VOLUME_SIZE,
    });

    disruptionBudget(this, { config, name: STATEFUL_SET, namespace: ns, id: serverId, replicas: r.replicas });
    disruptionBudget(this, { config, name: SENTINEL_STATEFUL_SET, namespace: ns, id: sentinelId, replicas: r.sentinels });

    declareFlows(ctx.graph, ref);
    backupCronJob(this, ctx, checksum);
  }
}

/**
 * One certificate for every server and Sentinel from the internal CA: any pod name of either headless
 * Service, the client-facing Sentinel Service, and localhost (the exporter beside each process). Redis verifies
 * the chain, not the name; Go's client in redis_exporter verifies the name, hence localhost.
 */
function redisCertificate(scope: Construct, config: RedisConfig, ns: string, headless: readonly string[], service: string): void {
  certificate(scope, 'certificate', {
    config, name: REDIS_TLS_SECRET, namespace: ns, id: { name: 'redis', component: 'tls' },
    issuer: { name: INTERNAL_CA_ISSUER, kind: 'ClusterIssuer' },
    subject: {
      commonName: serviceHost(config, service, ns),
      dnsNames: [...headless.map((h) => `*.${serviceHost(config, h, ns)}`), serviceHost(config, service, ns), 'localhost'],
      ipAddresses: ['127.0.0.1'],
      // Replicas and Sentinels present it as clients too.
      usages: ['server auth', 'client auth', 'digital signature', 'key encipherment'],
    },
  });
}

/**
 * Every `backup.schedule`: an RDB from a synced replica (`redis-ha.sh backup`, checked with redis-check-rdb),
 * uploaded to `<backups bucket>/<environment>/`, then backups older than `backup.retentionDays` pruned. The
 * steps run in order as init containers and the main container, so the mc image needs no shell.
 */
function backupCronJob(scope: Construct, ctx: RedisContext, checksum: string): void {
  const { config } = ctx;
  const ref = ctx.refs.redis;
  const ns = ref.server.namespace;
  const minio = ctx.refs.minio;
  const id: Identity = { name: 'redis', component: 'backup' };
  const credentials = minio.credentials('redis');
  const original = ctx.secrets.find((s) => s.name === credentials.name && !s.copyOf);
  // The MinIO chart declares (and provisions) the original in its namespace; a pod reads a copy in its own.
  ctx.secrets.push({ ...credentials, namespace: ns, copyOf: { namespace: original?.namespace ?? minio.s3.namespace, name: credentials.name } });
  const target = `backup/${minio.buckets.backups.redis}/${config.name}/`;
  const mc = (name: string, args: string[]): k8s.Container => container(config, name, MC_IMAGE, {
    args: ['--config-dir', '/tmp/mc', ...args],
    env: [
      ...secretEnvs(credentials, { ACCESS_KEY: 'accessKey', SECRET_KEY: 'secretKey' }),
      // mc's alias from the environment; Kubernetes expands $(VAR) from the variables above.
      { name: 'MC_HOST_backup', value: `http://$(ACCESS_KEY):$(SECRET_KEY)@${minio.s3.host}:${minio.s3.port}` },
    ],
    resources: resources(BACKUP_RESOURCES),
    volumeMounts: [{ name: 'backup', mountPath: '/backup', readOnly: true }, { name: 'tmp', mountPath: '/tmp' }],
  });
  const limit = parseMemory(config.stores.redis.resources.limits.memory);
  scheduledJob(scope, 'backup', {
    config, name: 'redis-backup', namespace: ns, id, schedule: config.stores.redis.backup.schedule,
    startingDeadlineSeconds: 600,
    activeDeadlineSeconds: 3600,
    ttlSecondsAfterFinished: FINISHED_JOB_TTL_SECONDS,
    podAnnotations: { [CONFIG_CHECKSUM]: checksum },
    pod: {
      ...isolatedPod(REDIS_UID),
      initContainers: [
        container(config, 'dump', REDIS_IMAGE, {
          command: ['sh', `${REDIS_PATHS.config}/${REDIS_SCRIPT}`, 'backup'],
          env: [{ name: 'BACKUP_DIR', value: '/backup' }],
          resources: resources(BACKUP_RESOURCES),
          volumeMounts: [
            { name: 'config', mountPath: REDIS_PATHS.config, readOnly: true },
            { name: 'auth', mountPath: REDIS_PATHS.passwordFile.slice(0, REDIS_PATHS.passwordFile.lastIndexOf('/')), readOnly: true },
            { name: 'tls', mountPath: REDIS_PATHS.tls, readOnly: true },
            { name: 'backup', mountPath: '/backup' },
          ],
        }),
        mc('upload', ['cp', '--recursive', '/backup/', target]),
      ],
      containers: [mc('prune', ['rm', '--recursive', '--force', '--older-than', `${config.stores.redis.backup.retentionDays}d`, target])],
      volumes: [
        { name: 'config', configMap: { name: CONFIG_MAP, defaultMode: 0o444 } },
        { name: 'auth', secret: { secretName: ref.secret.name, defaultMode: 0o440, items: [{ key: 'password', path: 'password' }] } },
        { name: 'tls', secret: { secretName: REDIS_TLS_SECRET, defaultMode: 0o440 } },
        // An RDB is smaller than the data set in memory, which maxmemory bounds below the limit.
        emptyDir('backup', `${Math.ceil(limit / 2 ** 20)}Mi`),
        emptyDir('tmp', '16Mi'),
      ],
    },
  });
  const job = pods(ns, id);
  ctx.graph.use(job, ref.sentinel, 'redis-backup asks Sentinel for the master');
  ctx.graph.use(job, ref.server, 'redis-backup reads an RDB from a replica');
  ctx.graph.use(job, minio.s3, 'redis-backup uploads to and prunes its MinIO bucket');
}

interface MainContainer {
  readonly name: 'redis' | 'sentinel';
  readonly mode: 'redis' | 'sentinel';
  readonly port: number;
  readonly portName: string;
  readonly resources: ComputeResources;
  readonly startup: { periodSeconds: number; failureThreshold: number };
  readonly preStop: boolean;
}

interface StatefulSetProps {
  readonly config: RedisConfig;
  readonly ns: string;
  readonly name: string;
  readonly headless: string;
  readonly id: Identity;
  readonly replicas: number;
  readonly checksum: string;
  readonly secret: string;
  readonly main: MainContainer;
  /** A data volume per pod: the servers' data set, the Sentinels' saved state. */
  readonly volumeSize?: string;
}

function statefulSet(scope: Construct, p: StatefulSetProps): void {
  const { config, main } = p;
  const script = (...args: string[]) => ['sh', `${REDIS_PATHS.config}/${REDIS_SCRIPT}`, ...args];
  const mounts: k8s.VolumeMount[] = [
    { name: 'config', mountPath: REDIS_PATHS.config, readOnly: true },
    { name: 'auth', mountPath: REDIS_PATHS.passwordFile.slice(0, REDIS_PATHS.passwordFile.lastIndexOf('/')), readOnly: true },
    { name: 'run', mountPath: REDIS_PATHS.run },
    { name: 'tls', mountPath: REDIS_PATHS.tls, readOnly: true },
    ...(p.volumeSize ? [{ name: 'data', mountPath: REDIS_PATHS.data }] : []),
  ];
  const server = container(config, main.name, REDIS_IMAGE, {
    command: script(main.mode),
    env: [fieldEnv('POD_NAME', 'metadata.name')],
    ports: [{ name: main.portName, containerPort: main.port }],
    resources: resources(main.resources),
    volumeMounts: mounts,
    startupProbe: execProbe(script(`${main.mode}-live`), main.startup),
    livenessProbe: execProbe(script(`${main.mode}-live`), { periodSeconds: 10, failureThreshold: 3 }),
    // Role-aware for servers: a replica is ready only when linked to its master and synced.
    readinessProbe: execProbe(script(`${main.mode}-ready`), { periodSeconds: 5, failureThreshold: 2 }),
    ...(main.preStop ? { lifecycle: { preStop: { exec: { command: script('pre-stop') } } } } : {}),
  });
  const exporter = container(config, 'metrics', REDIS_EXPORTER_IMAGE, {
    env: [
      // rediss: TLS to the process beside it, verified against the internal CA, presenting the pod's certificate
      // (oliver006/redis_exporter, main.go at v1.63.0: REDIS_EXPORTER_TLS_* variables).
      { name: 'REDIS_ADDR', value: `rediss://localhost:${main.port}` },
      secretEnv('REDIS_PASSWORD', p.secret, 'password'),
      { name: 'REDIS_EXPORTER_TLS_CA_CERT_FILE', value: `${REDIS_PATHS.tls}/ca.crt` },
      { name: 'REDIS_EXPORTER_TLS_CLIENT_CERT_FILE', value: `${REDIS_PATHS.tls}/tls.crt` },
      { name: 'REDIS_EXPORTER_TLS_CLIENT_KEY_FILE', value: `${REDIS_PATHS.tls}/tls.key` },
      { name: 'REDIS_EXPORTER_WEB_LISTEN_ADDRESS', value: `:${METRICS_PORT}` },
    ],
    volumeMounts: [{ name: 'tls', mountPath: REDIS_PATHS.tls, readOnly: true }],
    ports: [{ name: 'metrics', containerPort: METRICS_PORT }],
    resources: resources(EXPORTER_RESOURCES),
    livenessProbe: httpProbe('/health', 'metrics', { periodSeconds: 20 }),
    readinessProbe: httpProbe('/health', 'metrics', { periodSeconds: 10 }),
  });

  storeStatefulSet(scope, `sts-${p.name}`, {
    config,
    metadata: meta(config, { name: p.name, namespace: p.ns, id: p.id }),
    serviceName: p.headless,
    replicas: p.replicas,
    // All members start together: the start-up script, not the start order, decides who is master, and a
    // replica that waits for its master must not block the master's own start (OrderedReady would).
    podManagementPolicy: 'Parallel',
    selector: selectorLabels(p.id),
    template: {
      metadata: {
        labels: meta(config, { name: p.name, id: p.id }).labels,
        annotations: {
          [CONFIG_CHECKSUM]: p.checksum,
          'prometheus.io/scrape': 'true',
          'prometheus.io/port': String(METRICS_PORT),
        },
      },
      spec: {
        ...isolatedPod(REDIS_UID),
        terminationGracePeriodSeconds: main.preStop ? PRESTOP_WAIT_SECONDS + SHUTDOWN_TIMEOUT_SECONDS + 20 : 30,
        containers: [server, exporter],
        volumes: [
          // Executable: Sentinel runs redis-ha.sh itself as its client-reconfig-script.
          { name: 'config', configMap: { name: CONFIG_MAP, defaultMode: 0o555 } },
          // Group-readable for the pod's fsGroup; the exporter reads the password through its env instead.
          { name: 'auth', secret: { secretName: p.secret, defaultMode: 0o440, items: [{ key: 'password', path: 'password' }] } },
          // The pod's certificate and key (group-readable for the fsGroup, like the password).
          { name: 'tls', secret: { secretName: REDIS_TLS_SECRET, defaultMode: 0o440 } },
          // Runtime configuration with the password: in memory, never on a disk.
          emptyDir('run', '16Mi', 'Memory'),
        ],
      },
    },
    claims: p.volumeSize ? [{ name: 'data', size: p.volumeSize }] : [],
    // Keep the data of a deleted or scaled-down StatefulSet: Redis data is not recreated from elsewhere.
    retainClaims: true,
  });
}

function declareFlows(graph: DependencyGraph, ref: RedisRef): void {
  const servers = endpointPods(ref.server);
  const sentinels = endpointPods(ref.sentinel);
  const redisPort: Port = { port: ref.server.port, name: ref.server.portName };
  const sentinelPort: Port = { port: ref.sentinel.port, name: ref.sentinel.portName };
  const metrics: Port = { port: METRICS_PORT, name: 'metrics' };
  graph.connect({ pods: servers }, { pods: servers }, [redisPort], 'redis replicas replicate from the master; the start-up script asks peers for their role');
  graph.connect({ pods: servers }, { pods: sentinels }, [sentinelPort], 'redis start-up and preStop ask Sentinel for the master and for a failover');
  graph.connect({ pods: sentinels }, { pods: servers }, [redisPort], 'Sentinel monitors, promotes and reconfigures the redis servers');
  graph.connect({ pods: sentinels }, { pods: sentinels }, [sentinelPort], 'Sentinels vote on failovers');
  graph.connect({ pods: PROMETHEUS }, { pods: servers }, [metrics], 'Prometheus scrapes redis_exporter of the servers');
  graph.connect({ pods: PROMETHEUS }, { pods: sentinels }, [metrics], 'Prometheus scrapes redis_exporter of the Sentinels');
}
