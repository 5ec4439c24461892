/**
 * Weaviate (spec 000 §3.2): a cluster of `replicas` nodes in the StatefulSet `weaviate`, namespace db-weaviate,
 * with Raft for the schema and cluster metadata, memberlist gossip for membership, API-key authentication, metrics,
 * backups to MinIO through the backup-s3 module, and a setup Job that creates the schema classes.
 *
 * Read at weaviate/weaviate v1.38.11 (the pinned image):
 *  - Dockerfile (final stage `weaviate`): FROM alpine:3.24, no USER (root), no VOLUME, ENTRYPOINT /bin/weaviate,
 *    CMD --host 0.0.0.0 --port 8080 --scheme http. The static server writes only under PERSISTENCE_DATA_PATH, so
 *    it runs here as an unprivileged uid with a read-only root, the data volume group-owned through fsGroup.
 *  - usecases/config/environment.go: CLUSTER_HOSTNAME (the node name; else the OS host name), CLUSTER_JOIN,
 *    CLUSTER_GOSSIP_BIND_PORT (default 7946) and CLUSTER_DATA_BIND_PORT (gossip + 1), RAFT_PORT (8300),
 *    RAFT_INTERNAL_RPC_PORT (8301), RAFT_JOIN (node names of the voters), RAFT_BOOTSTRAP_EXPECT (default 1),
 *    PERSISTENCE_DATA_PATH (default ./data), AUTHENTICATION_APIKEY_ENABLED / _ALLOWED_KEYS / _USERS (comma
 *    lists), PROMETHEUS_MONITORING_ENABLED (port 2112), REPLICATION_MINIMUM_FACTOR, CLUSTER_BASIC_AUTH_*.
 *  - modules/backup-s3/module.go and client.go: BACKUP_S3_ENDPOINT (host:port), BACKUP_S3_BUCKET, BACKUP_S3_PATH,
 *    BACKUP_S3_USE_SSL, AWS_REGION, AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY. It has no path-style switch: its
 *    minio-go client (v7.0.97, api.go isVirtualHostStyleRequest, pkg/s3utils IsVirtualHostSupported) uses path-style
 *    requests for every endpoint that is not AWS, Google or Aliyun, which MinIO's in-cluster Service is not.
 *  - adapters/handlers/rest/configure_api.go: with monitoring on, Prometheus metrics at /metrics of that port.
 *  - adapters/handlers/rest/middlewares.go: /v1/.well-known/live answers 200 as soon as the server listens,
 *    /v1/.well-known/ready 503 until the node's cluster service is ready; neither needs the API key.
 * Compared with weaviate/weaviate-helm (chart 17.8.3, templates/weaviateStatefulset.yaml, _helpers.tpl): the same
 * Parallel pod management, RAFT_JOIN of the first voters' pod names, CLUSTER_JOIN on the headless Service and its
 * publishNotReadyAddresses, the 600 s grace period; here the keys come from Secrets and the pod is non-root.
 */
import { createHash } from 'crypto';
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import type { ComputeResources } from '../../../environments/schema';
import { k8s } from '../../../imports/k8s';
import { disruptionBudget } from '../../lib/disruption';
import type { SecretRef } from '../../lib/endpoint';
import { secretEnv } from '../../lib/env';
import { PROMETHEUS, endpointPods, pods, type Port } from '../../lib/graph';
import { image } from '../../lib/images';
import { labels, meta, selectorLabels, type Identity } from '../../lib/labels';
import { contentName, FINISHED_JOB_TTL_SECONDS, podNames, serviceHost } from '../../lib/naming';
import { scheduledJob } from '../../lib/job';
import { parseMemory } from '../../lib/quantity';
import { resources } from '../../lib/resources';
import { storeAntiAffinity } from '../../lib/scheduling';
import { containerSecurityContext, DEFAULT_UID, podSecurityContext } from '../../lib/security';
import { headlessService } from '../../lib/service';
import { claimTemplate, StatefulSet } from '../../lib/stateful-set';
// MinIO's client for pruning old backups: the one pinned mc of the platform.
import { MC_IMAGE } from '../minio/chart';
import type { MinioRef } from '../minio/refs';
import { raftVoters } from './config';
import type { WeaviateContext } from './context';
import { BACKUP_SH, CLASS_FILE, classDefinition, SETUP_SH } from './scripts';

export const WEAVIATE_VERSION = '1.38.11';
/** The image ci/push_docker.sh (v1.38.11) publishes for the release tag: `semitechnologies/weaviate:<version>`. */
export const WEAVIATE_IMAGE = `docker.io/semitechnologies/weaviate:${WEAVIATE_VERSION}`;
/** The chart's folder: after the other stores (it needs MinIO for backups, nothing needs it before the apps). */
export const WEAVIATE_FOLDER = '16-weaviate';

export const WEAVIATE_STATEFUL_SET = 'weaviate';
export const WEAVIATE_HEADLESS = 'weaviate-headless';
export const WEAVIATE_DATA_PATH = '/var/lib/weaviate';
/** Cluster ports: memberlist gossip (TCP and UDP), the internal data API, Raft and Raft's RPC; and metrics. */
export const WEAVIATE_PORTS = { gossip: 7946, data: 7947, raft: 8300, raftRpc: 8301, metrics: 2112 } as const;
/** The users the two API keys authenticate as (AUTHENTICATION_APIKEY_USERS, one per key, in order). */
export const WEAVIATE_USERS = { admin: 'platform-admin', client: 'platform-client' } as const;

const SERVER: Identity = { name: 'weaviate', component: 'server' };
const SETUP: Identity = { name: 'weaviate', component: 'setup' };
const BACKUP: Identity = { name: 'weaviate', component: 'backup' };
const SETUP_NAME = 'weaviate-setup';
const SCRIPTS_CONFIG_MAP = 'weaviate-scripts';
/** Of the memory limit, what the Go heap may use before the runtime collects harder (GOMEMLIMIT). */
const GOMEMLIMIT_FRACTION = 0.8;
/** Weaviate flushes its memtables on SIGTERM; weaviate-helm allows 600 s. */
const TERMINATION_GRACE_SECONDS = 600;
const JOB_RESOURCES: ComputeResources = { requests: { cpu: '50m', memory: '32Mi' }, limits: { cpu: '250m', memory: '64Mi' } };

/** Where Weaviate's backups go: its own MinIO user and bucket (charts/data/minio/refs.ts, client `weaviate`). */
export function backupTarget(minio: MinioRef, client: 'weaviate'): { readonly credentials: SecretRef; readonly bucket: string } {
  return { credentials: minio.credentials(client), bucket: minio.bucketOf(client) };
}

export class WeaviateChart extends Chart {
  constructor(scope: Construct, id: string, ctx: WeaviateContext) {
    super(scope, id, { disableResourceNameHashes: true });
    const { config } = ctx;
    const ref = ctx.refs.weaviate;
    const w = config.stores.weaviate;
    const ns = ref.http.namespace;

    // The MinIO credentials, copied into this namespace (the MinIO chart declares the original).
    const target = backupTarget(ctx.refs.minio, ref.minioClient);
    const original = ctx.secrets.find((s) => s.name === target.credentials.name && !s.copyOf);
    ctx.secrets.push({ ...target.credentials, namespace: ns, copyOf: { namespace: original?.namespace ?? ctx.refs.minio.s3.namespace, name: target.credentials.name } });

    const files: Record<string, string> = {
      'setup.sh': SETUP_SH,
      'backup.sh': BACKUP_SH,
      ...Object.fromEntries(w.classes.map((c) => [CLASS_FILE(c.name), `${JSON.stringify(classDefinition(c, w.replicationFactor), null, 2)}\n`])),
    };
    new k8s.KubeConfigMap(this, 'scripts', { metadata: meta(config, { name: SCRIPTS_CONFIG_MAP, namespace: ns, id: SETUP }), data: files });

    // One DNS name per node, published before readiness: a node is not ready until Raft has its quorum, which it
    // reaches only by finding the others here (CLUSTER_JOIN).
    headlessService(this, 'headless', meta(config, { name: WEAVIATE_HEADLESS, namespace: ns, id: SERVER }), selectorLabels(SERVER), [
      { name: 'gossip', port: WEAVIATE_PORTS.gossip, targetPort: k8s.IntOrString.fromString('gossip'), protocol: 'TCP' },
      { name: 'gossip-udp', port: WEAVIATE_PORTS.gossip, targetPort: k8s.IntOrString.fromString('gossip-udp'), protocol: 'UDP' },
    ]);
    // What clients use: any ready node (each forwards to the nodes that hold a shard).
    new k8s.KubeService(this, 'service', {
      metadata: meta(config, { name: ref.http.service, namespace: ns, id: SERVER }),
      spec: {
        selector: selectorLabels(SERVER),
        ports: [ref.http, ref.grpc].map((e) => ({ name: e.portName, port: e.port, targetPort: k8s.IntOrString.fromString(e.portName), protocol: 'TCP' })),
      },
    });

    this.statefulSet(ctx, target.credentials, target.bucket);
    // One node at a time: 2 of 3 Raft voters stay, and QUORUM of 3 shard copies keeps answering.
    disruptionBudget(this, { config, name: WEAVIATE_STATEFUL_SET, namespace: ns, id: SERVER, replicas: w.replicas });
    this.setupJob(ctx, files);
    this.backupCronJob(ctx, target.credentials, target.bucket);
    declareFlows(ctx, target.bucket);
  }

  private statefulSet(ctx: WeaviateContext, s3: SecretRef, bucket: string): void {
    const { config } = ctx;
    const ref = ctx.refs.weaviate;
    const w = config.stores.weaviate;
    const ns = ref.http.namespace;
    const voters = podNames(WEAVIATE_STATEFUL_SET, raftVoters(w.replicas));
    const goMemLimitMiB = Math.floor((parseMemory(w.resources.limits.memory) * GOMEMLIMIT_FRACTION) / 2 ** 20);
    const probe = (path: string, periodSeconds: number, failureThreshold: number): k8s.Probe => ({
      httpGet: { path, port: k8s.IntOrString.fromString(ref.http.portName) }, periodSeconds, timeoutSeconds: 5, failureThreshold,
    });
    const env: k8s.EnvVar[] = [
      // The node name is the pod name: stable across restarts, and what RAFT_JOIN lists.
      { name: 'CLUSTER_HOSTNAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      // memberlist resolves the name to every node's address (published before readiness).
      { name: 'CLUSTER_JOIN', value: `${serviceHost(config, WEAVIATE_HEADLESS, ns)}:${WEAVIATE_PORTS.gossip}` },
      { name: 'CLUSTER_GOSSIP_BIND_PORT', value: String(WEAVIATE_PORTS.gossip) },
      { name: 'CLUSTER_DATA_BIND_PORT', value: String(WEAVIATE_PORTS.data) },
      secretEnv('CLUSTER_BASIC_AUTH_USERNAME', ref.clusterAuth, 'username'),
      secretEnv('CLUSTER_BASIC_AUTH_PASSWORD', ref.clusterAuth, 'password'),
      { name: 'RAFT_PORT', value: String(WEAVIATE_PORTS.raft) },
      { name: 'RAFT_INTERNAL_RPC_PORT', value: String(WEAVIATE_PORTS.raftRpc) },
      { name: 'RAFT_JOIN', value: voters.join(',') },
      { name: 'RAFT_BOOTSTRAP_EXPECT', value: String(voters.length) },
      { name: 'PERSISTENCE_DATA_PATH', value: WEAVIATE_DATA_PATH },
      { name: 'REPLICATION_MINIMUM_FACTOR', value: String(w.replicationFactor) },
      // API keys only: no anonymous access. Kubernetes expands $(VAR) from the two variables before it.
      { name: 'AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED', value: 'false' },
      { name: 'AUTHENTICATION_APIKEY_ENABLED', value: 'true' },
      secretEnv('WEAVIATE_ADMIN_KEY', ref.adminKey, 'apiKey'),
      secretEnv('WEAVIATE_CLIENT_KEY', ref.clientKey, 'apiKey'),
      { name: 'AUTHENTICATION_APIKEY_ALLOWED_KEYS', value: '$(WEAVIATE_ADMIN_KEY),$(WEAVIATE_CLIENT_KEY)' },
      { name: 'AUTHENTICATION_APIKEY_USERS', value: `${WEAVIATE_USERS.admin},${WEAVIATE_USERS.client}` },
      // Vectors come from the clients (OpenAI embeddings, spec 000 §3.2): no vectorizer module, no outbound calls.
      { name: 'DEFAULT_VECTORIZER_MODULE', value: 'none' },
      { name: 'ENABLE_MODULES', value: 'backup-s3' },
      { name: 'BACKUP_S3_ENDPOINT', value: `${ctx.refs.minio.s3.host}:${ctx.refs.minio.s3.port}` },
      { name: 'BACKUP_S3_USE_SSL', value: 'false' },
      { name: 'BACKUP_S3_BUCKET', value: bucket },
      // One folder per environment, as the other stores' backups.
      { name: 'BACKUP_S3_PATH', value: config.name },
      { name: 'AWS_REGION', value: ctx.refs.minio.region },
      secretEnv('AWS_ACCESS_KEY_ID', s3, 'accessKey'),
      secretEnv('AWS_SECRET_ACCESS_KEY', s3, 'secretKey'),
      { name: 'PROMETHEUS_MONITORING_ENABLED', value: 'true' },
      { name: 'PROMETHEUS_MONITORING_PORT', value: String(WEAVIATE_PORTS.metrics) },
      // No egress to the internet: the telemetry pings would only fail.
      { name: 'DISABLE_TELEMETRY', value: 'true' },
      { name: 'GOMEMLIMIT', value: `${goMemLimitMiB}MiB` },
    ];
    new StatefulSet(this, 'statefulset', {
      metadata: meta(config, { name: WEAVIATE_STATEFUL_SET, namespace: ns, id: SERVER, version: WEAVIATE_VERSION }),
      spec: {
        serviceName: WEAVIATE_HEADLESS,
        replicas: w.replicas,
        // All voters must start together: none is ready before Raft has its quorum, so OrderedReady would wait
        // for ever on the first node.
        podManagementPolicy: 'Parallel',
        updateStrategy: { type: 'RollingUpdate' },
        selector: { matchLabels: selectorLabels(SERVER) },
        template: {
          metadata: { labels: labels(config, SERVER, WEAVIATE_VERSION) },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: podSecurityContext(DEFAULT_UID),
            affinity: storeAntiAffinity(config, selectorLabels(SERVER), w.replicas),
            terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
            containers: [{
              name: 'weaviate',
              image: image(config, WEAVIATE_IMAGE),
              imagePullPolicy: config.images.pullPolicy,
              // The image's CMD, stated: the port is the one refs.weaviate.http names.
              args: ['--host', '0.0.0.0', '--port', String(ref.http.port), '--scheme', 'http'],
              env,
              ports: [
                { name: ref.http.portName, containerPort: ref.http.port, protocol: 'TCP' },
                { name: ref.grpc.portName, containerPort: ref.grpc.port, protocol: 'TCP' },
                { name: 'gossip', containerPort: WEAVIATE_PORTS.gossip, protocol: 'TCP' },
                { name: 'gossip-udp', containerPort: WEAVIATE_PORTS.gossip, protocol: 'UDP' },
                { name: 'data', containerPort: WEAVIATE_PORTS.data, protocol: 'TCP' },
                { name: 'raft', containerPort: WEAVIATE_PORTS.raft, protocol: 'TCP' },
                { name: 'raft-rpc', containerPort: WEAVIATE_PORTS.raftRpc, protocol: 'TCP' },
                { name: 'metrics', containerPort: WEAVIATE_PORTS.metrics, protocol: 'TCP' },
              ],
              // Loading large shards can take many minutes before the server listens: 15 minutes before liveness.
              startupProbe: probe('/v1/.well-known/live', 10, 90),
              livenessProbe: probe('/v1/.well-known/live', 10, 3),
              readinessProbe: probe('/v1/.well-known/ready', 5, 3),
              resources: resources(w.resources),
              securityContext: containerSecurityContext(),
              volumeMounts: [
                { name: 'data', mountPath: WEAVIATE_DATA_PATH },
                { name: 'tmp', mountPath: '/tmp' },
              ],
            }],
            volumes: [{ name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } }],
          },
        },
        volumeClaimTemplates: [claimTemplate('data', selectorLabels(SERVER), config.storageClass, w.volume.size)],
        // A deleted or scaled-down node keeps its data: its shards may hold the only copy.
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
      },
    });
  }

  /** The classes of the section, created when missing after every sync (PostSync hook; idempotent). */
  private setupJob(ctx: WeaviateContext, files: Record<string, string>): void {
    const { config } = ctx;
    const ref = ctx.refs.weaviate;
    const ns = ref.http.namespace;
    const template: k8s.PodTemplateSpec = {
      metadata: { labels: labels(config, SETUP) },
      spec: {
        restartPolicy: 'OnFailure',
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        securityContext: podSecurityContext(DEFAULT_UID),
        containers: [{
          name: 'setup',
          image: image(config, WEAVIATE_IMAGE),
          imagePullPolicy: config.images.pullPolicy,
          command: ['/bin/sh', '/setup/setup.sh'],
          env: [
            { name: 'WEAVIATE_URL', value: ref.url },
            secretEnv('WEAVIATE_API_KEY', ref.adminKey, 'apiKey'),
            { name: 'CONF', value: '/setup' },
          ],
          resources: resources(JOB_RESOURCES),
          securityContext: containerSecurityContext(),
          volumeMounts: [{ name: 'setup', mountPath: '/setup', readOnly: true }],
        }],
        volumes: [{ name: 'setup', configMap: { name: SCRIPTS_CONFIG_MAP, defaultMode: 0o444 } }],
      },
    };
    new k8s.KubeJob(this, 'setup', {
      metadata: meta(config, {
        // Named after its files and template: `kubectl apply` (installer, -k) runs a changed one as a new Job.
        name: contentName(SETUP_NAME, { files, template }), namespace: ns, id: SETUP,
        annotations: { 'argocd.argoproj.io/hook': 'PostSync', 'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation' },
      }),
      spec: { backoffLimit: 6, activeDeadlineSeconds: 1800, ttlSecondsAfterFinished: FINISHED_JOB_TTL_SECONDS, template },
    });
  }

  /**
   * Every `backup.schedule`: a backup through the REST API (./scripts.ts BACKUP_SH, run in the Weaviate image), then
   * objects under `<bucket>/<environment>/` older than `backup.retentionDays` pruned with mc. The steps run in order
   * as an init container and the main container.
   */
  private backupCronJob(ctx: WeaviateContext, s3: SecretRef, bucket: string): void {
    const { config } = ctx;
    const ref = ctx.refs.weaviate;
    const minio = ctx.refs.minio;
    const ns = ref.http.namespace;
    const w = config.stores.weaviate;
    const checksum = createHash('sha256').update(BACKUP_SH).digest('hex').slice(0, 16);
    scheduledJob(this, 'backup', {
      config, name: 'weaviate-backup', namespace: ns, id: BACKUP, schedule: w.backup.schedule,
      startingDeadlineSeconds: 600,
      backoffLimit: 1,
      activeDeadlineSeconds: 6 * 3600,
      ttlSecondsAfterFinished: FINISHED_JOB_TTL_SECONDS,
      podAnnotations: { 'checksum/config': checksum },
      pod: {
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        securityContext: podSecurityContext(DEFAULT_UID),
        initContainers: [{
          name: 'backup',
          image: image(config, WEAVIATE_IMAGE),
          imagePullPolicy: config.images.pullPolicy,
          command: ['/bin/sh', '/setup/backup.sh'],
          env: [{ name: 'WEAVIATE_URL', value: ref.url }, secretEnv('WEAVIATE_API_KEY', ref.adminKey, 'apiKey')],
          resources: resources(JOB_RESOURCES),
          securityContext: containerSecurityContext(),
          volumeMounts: [{ name: 'setup', mountPath: '/setup', readOnly: true }],
        }],
        containers: [{
          name: 'prune',
          image: image(config, MC_IMAGE),
          imagePullPolicy: config.images.pullPolicy,
          args: ['--config-dir', '/tmp/mc', 'rm', '--recursive', '--force', '--older-than', `${w.backup.retentionDays}d`, `backup/${bucket}/${config.name}/`],
          env: [
            secretEnv('ACCESS_KEY', s3, 'accessKey'),
            secretEnv('SECRET_KEY', s3, 'secretKey'),
            // mc's alias from the environment; Kubernetes expands $(VAR) from the variables above.
            { name: 'MC_HOST_backup', value: `http://$(ACCESS_KEY):$(SECRET_KEY)@${minio.s3.host}:${minio.s3.port}` },
          ],
          resources: resources({ requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '250m', memory: '128Mi' } }),
          securityContext: containerSecurityContext(),
          volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
        }],
        volumes: [
          { name: 'setup', configMap: { name: SCRIPTS_CONFIG_MAP, defaultMode: 0o444, items: [{ key: 'backup.sh', path: 'backup.sh' }] } },
          { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('16Mi') } },
        ],
      },
    });
  }
}

function declareFlows(ctx: WeaviateContext, bucket: string): void {
  const ref = ctx.refs.weaviate;
  const ns = ref.http.namespace;
  const nodes = endpointPods(ref.http);
  const port = (name: string, p: number, protocol: 'TCP' | 'UDP' = 'TCP'): Port => ({ port: p, name, protocol });
  ctx.graph.connect({ pods: nodes }, { pods: nodes }, [
    port('gossip', WEAVIATE_PORTS.gossip), port('gossip-udp', WEAVIATE_PORTS.gossip, 'UDP'), port('data', WEAVIATE_PORTS.data),
    port('raft', WEAVIATE_PORTS.raft), port('raft-rpc', WEAVIATE_PORTS.raftRpc),
  ], 'Weaviate nodes gossip (memberlist), forward requests to and replicate shards on each other (data API), run Raft');
  ctx.graph.use(nodes, ctx.refs.minio.s3, `Weaviate nodes upload their shards' backups to MinIO (${bucket})`);
  ctx.graph.connect({ pods: PROMETHEUS }, { pods: nodes }, [port('metrics', WEAVIATE_PORTS.metrics)], 'Prometheus scrapes Weaviate (PROMETHEUS_MONITORING_ENABLED)');
  ctx.graph.use(pods(ns, SETUP), ref.http, 'weaviate-setup creates the schema classes');
  ctx.graph.use(pods(ns, BACKUP), ref.http, 'weaviate-backup starts a backup and waits for it');
  ctx.graph.use(pods(ns, BACKUP), ctx.refs.minio.s3, 'weaviate-backup prunes old backups in MinIO');
}
