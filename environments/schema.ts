/**
 * The EnvironmentConfig type and its runtime validation.
 *
 * zod gives us one declaration for both the TypeScript type and the runtime check, reports every problem at
 * once with its path, and rejects unknown (misspelt) keys with `strictObject`. Cross-field rules live beside it
 * in ./rules.ts (which also holds the checked `environmentSchema`), so that the shape and the rules read
 * separately and the shape imports neither the rules nor the catalog.
 */
import { z } from 'zod';
import { cidrNetwork, cronProblem } from './cron';

// ---------------------------------------------------------------------------------------------------------
// Primitive value types, each with the "what is allowed" wording used in error messages.
// ---------------------------------------------------------------------------------------------------------

const DNS_LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const CPU = /^([0-9]+m|[0-9]+(\.[0-9]{1,3})?)$/;
const MEMORY = /^[0-9]+(Ki|Mi|Gi|Ti)$/;
const CIDR = /^((25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\/([0-9]|[12][0-9]|3[0-2])$/;
const REGISTRY = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:[0-9]{1,5})?(\/[a-z0-9]([-a-z0-9._]*[a-z0-9])?)*$/;

export const dnsLabel = z.string().regex(DNS_LABEL, {
  message: 'must be a DNS label: lowercase letters, digits and "-", starting with a letter, at most 63 characters',
});
export const dnsName = z.string().regex(DNS_NAME, { message: 'must be a lowercase DNS name such as example.com' });
export const cpu = z.string().regex(CPU, { message: 'must be a CPU quantity such as 250m or 2' });
export const memory = z.string().regex(MEMORY, { message: 'must be a memory quantity in Ki, Mi, Gi or Ti such as 512Mi' });
const STORAGE = /^[0-9]+(Ki|Mi|Gi|Ti)$/;
/** A storage amount (quotas): zero allowed. */
export const storage = z.string().regex(STORAGE, { message: 'must be a storage quantity in Ki, Mi, Gi or Ti such as 20Gi' });
/** The size of a volume: a PersistentVolumeClaim of 0 bytes is refused by the API server. */
export const volumeSize = z.string().regex(STORAGE, { message: 'must be a volume size in Ki, Mi, Gi or Ti such as 10Gi' })
  .refine((q) => !STORAGE.test(q) || parseInt(q, 10) > 0, { message: 'must be a volume size greater than zero such as 10Gi' });
export const cidr = z.string().regex(CIDR, { message: 'must be an IPv4 CIDR such as 10.43.0.1/32' })
  .superRefine((c, ctx) => {
    const network = cidrNetwork(c);
    if (CIDR.test(c) && network !== c) ctx.addIssue({ code: 'custom', message: `has host bits set: its network is ${network} (write that, or /32 for one address)` });
  });
/** A CronJob schedule as Kubernetes parses it (every field's range, names, steps and lists; see ./cron.ts). */
export const cronSchedule = z.string().superRefine((s, ctx) => {
  const problem = cronProblem(s);
  if (problem) ctx.addIssue({ code: 'custom', message: `${problem} (a cron schedule has five fields: minute hour day-of-month month day-of-week, such as "17 */6 * * *")` });
});
export const replicas = (min: number) => z.number().int({ message: 'must be a whole number' }).min(min, { message: `must be at least ${min}` });

export const computeResources = z.strictObject({
  requests: z.strictObject({ cpu, memory }),
  limits: z.strictObject({ cpu, memory }),
});
export type ComputeResources = z.infer<typeof computeResources>;

// ---------------------------------------------------------------------------------------------------------
// Sections
// ---------------------------------------------------------------------------------------------------------

/** The tier decides a namespace's default Pod Security level and its quota floor. */
export const namespaceTier = z.enum(['system', 'app', 'data']);
export const podSecurityLevel = z.enum(['restricted', 'baseline', 'privileged']);

export const namespaceSpec = z.strictObject({
  name: dnsLabel,
  tier: namespaceTier,
  /** @default 'restricted' */
  podSecurity: podSecurityLevel.default('restricted'),
  /** Required when podSecurity is not `restricted`: the reason is rendered as an annotation. */
  podSecurityReason: z.string().min(1).optional(),
  /** Whether workloads run here (add-ons included): such namespaces get default-deny NetworkPolicies. */
  runsPods: z.boolean().default(true),
});

/** Quota floor of a tier: added on top of what the rendered workloads need (see charts/namespaces.ts). */
export const quotaFloor = z.strictObject({
  requestsCpu: cpu,
  requestsMemory: memory,
  limitsCpu: cpu,
  limitsMemory: memory,
  storage,
  pods: replicas(0),
  persistentVolumeClaims: replicas(0),
});

export const limitRangeDefaults = z.strictObject({
  defaultRequest: z.strictObject({ cpu, memory }),
  default: z.strictObject({ cpu, memory }),
});

export const tenantPlan = z.strictObject({
  requestsCpu: cpu,
  requestsMemory: memory,
  limitsCpu: cpu,
  limitsMemory: memory,
  storage,
  pods: replicas(1),
  persistentVolumeClaims: replicas(0),
  /** Per-container defaults inside the tenant namespace. */
  limitRange: limitRangeDefaults,
  /** API requests per minute at the gateway (spec 002 §10.3.1). */
  rateLimitPerMinute: replicas(1),
  /**
   * What the tenant's own workloads may reach besides DNS: platform entry points by catalog name (only the
   * gateway kind, where the plan's rate limit and authentication apply). Never a store or another tenant.
   */
  network: z.strictObject({ platformEndpoints: z.array(dnsLabel).default([]) }).default({ platformEndpoints: [] }),
});

export const tenant = z.strictObject({
  id: dnsLabel.refine((id) => id.length <= 56, { message: 'must be at most 56 characters (the namespace is "tenant-<id>")' }),
  plan: z.string(),
  displayName: z.string().min(1).optional(),
});

/** A taint keeps pods that do not tolerate it off the pool's nodes (e.g. GPU nodes). */
export const nodeTaint = z.strictObject({
  key: z.string().min(1),
  value: z.string().optional(),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']),
});

/** Identical nodes: what each has, what the system keeps of it, and the labels and taints they carry. */
export const nodePool = z.strictObject({
  name: dnsLabel,
  count: replicas(1),
  /** Per node. */
  cpu,
  memory,
  /** nvidia.com/gpu per node (0: none). */
  gpus: replicas(0),
  /**
   * Per node, not available to pods: the kubelet's system and kube reserve, eviction threshold, and the
   * distribution's own pods that this repository does not render (CNI, kube-proxy, CoreDNS; on k3s the server,
   * Traefik, local-path and metrics-server; the control plane where the node runs it).
   */
  reserved: z.strictObject({ cpu, memory }),
  /** Node labels pods select on (e.g. nvidia.com/gpu.present). */
  labels: z.record(z.string(), z.string()).default({}),
  taints: z.array(nodeTaint).default([]),
});
export type NodePool = z.infer<typeof nodePool>;

export const clusterSection = z.strictObject({
  /** k3s ships local-path storage, Traefik and an enforcing NetworkPolicy controller; kubeadm ships none. */
  flavour: z.enum(['k3s', 'kubeadm']),
  /** @default 'cluster.local' */
  clusterDomain: dnsName.default('cluster.local'),
  /** Address ranges of the Kubernetes API server (a pod selector cannot match it). */
  apiServerCidrs: z.array(cidr).min(1, { message: 'must list at least one CIDR' }),
  /** Address ranges of the nodes: host-network endpoints (kubelet, node exporter) are reached there. */
  nodeCidrs: z.array(cidr).min(1, { message: 'must list at least one CIDR' }),
  /**
   * Nodes the platform's pods may run on (those of the untainted pools): spreading is required (not just
   * preferred) when there are enough of them. Must agree with nodePools.
   */
  nodes: replicas(1),
  /** The machines, stated by each environment (no default per flavour): the render checks that everything fits. */
  nodePools: z.array(nodePool).min(1, { message: 'must list at least one node pool (the render checks the fit against them)' }),
  /** Argo CD destination of this environment. */
  server: z.url({ message: 'must be a URL such as https://kubernetes.default.svc' }),
});

export const ingressSection = z.strictObject({
  className: dnsLabel,
  baseDomain: dnsName,
  /** `acme` where the cluster reaches the internet; `selfSigned` or `ca` for air-gapped installs. */
  tlsIssuer: z.enum(['acme', 'selfSigned', 'ca']),
  acmeEmail: z.email({ message: 'must be an e-mail address' }).optional(),
});

export const imagesSection = z.strictObject({
  /** Empty: pull from the upstream registries; otherwise every image is rewritten to `<registry>/<path>:<tag>`. */
  registry: z.union([z.literal(''), z.string().regex(REGISTRY, { message: 'must be a registry host[:port][/path]' })]),
  pullPolicy: z.enum(['IfNotPresent', 'Always', 'Never']),
});

export const gitopsSection = z.strictObject({
  repoURL: z.string().min(1),
  targetRevision: z.string().min(1),
  /** Automated sync with prune and self-heal; false means a person approves each sync. */
  autoSync: z.boolean(),
});

export const podSecuritySection = z.strictObject({
  /** The Pod Security Admission version pinned on every namespace, e.g. v1.27. */
  version: z.string().regex(/^v1\.[0-9]+$/, { message: 'must be a Kubernetes minor version such as v1.27' }),
});

const volume = z.strictObject({ size: volumeSize });

// One section per store; each store's construct documents what its fields do.

// PostgreSQL (charts/data/postgres*.ts): Patroni cluster, PgBouncer, WAL-G backups, DR standby.
export const PG_PARAMETER = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?$/;
const postgresHost = z.string().regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)*[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, {
  message: 'must be a DNS name or an IPv4 address',
});
export const postgresSection = z.strictObject({
  replicas: replicas(1), volume, resources: computeResources,
  /** `on`: Patroni promotes only the synchronous standby; `strict`: no commit is acknowledged without one. */
  synchronousMode: z.enum(['off', 'on', 'strict']),
  /** PostgreSQL parameters over the generator's (validated by `postgres -C` in the tests). */
  parameters: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
  pooler: z.strictObject({
    replicas: replicas(1),
    /** Server connections per user/database pair. */
    defaultPoolSize: replicas(1),
    maxClientConn: replicas(1),
    resources: computeResources,
  }),
  backup: z.strictObject({
    /** A full base backup every this many hours (WAL is archived continuously in between). */
    intervalHours: z.number().int({ message: 'must be a whole number' }).min(1, { message: 'must be at least 1' }).max(168, { message: 'must be at most 168 (a week)' }),
    /** Point-in-time recovery window: full backups (and their WAL) are kept this long. */
    retentionDays: replicas(1),
  }),
  /** DR: run as a Patroni standby cluster following another environment's primary. */
  standby: z.strictObject({
    /** The other site's primary, reachable from this cluster (a load balancer or routed address). */
    host: postgresHost,
    port: z.number().int().min(1).max(65535).default(5432),
    /** Addresses the source primary is reached at (the egress NetworkPolicy allows exactly these). */
    cidrs: z.array(cidr).min(1, { message: 'must list at least one CIDR' }),
    /** Whose WAL archive to replay when streaming falls behind (its prefix in the source's backup bucket). */
    sourceEnvironment: dnsLabel,
    /**
     * The source site's MinIO (S3 API), read directly by restore_command: nothing copies the archive into this
     * site. Keys: Secret `postgres-source-archive` (the source's `minio-postgres` values); egress allows `cidrs`.
     */
    archive: z.strictObject({
      endpoint: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL such as https://minio.example.com:9000' }),
      cidrs: z.array(cidr).min(1, { message: 'must list at least one CIDR' }),
    }),
  }).optional(),
  /**
   * The other site's standby cluster streams from this primary: NetworkPolicy ingress on the PostgreSQL port from
   * `cidrs`, and (unless `service` is `none`) an external Service in front of the primary. Its traffic policy is
   * Local, so the standby's source address survives and the ingress rule matches it.
   */
  standbyClients: z.strictObject({
    cidrs: z.array(cidr).min(1, { message: 'must list at least one CIDR' }),
    /** `none`: the standby reaches the pod network by routing, or through a load balancer of the site's own. */
    service: z.enum(['LoadBalancer', 'NodePort', 'none']).default('LoadBalancer'),
    /** The fixed node port (the standby's `standby.port`); only with `service: NodePort`, which requires it. */
    nodePort: z.number().int().min(30000, { message: 'must be in the node port range 30000-32767' }).max(32767, { message: 'must be in the node port range 30000-32767' }).optional(),
  }).optional(),
  /** Bootstrap a NEW cluster from a backup instead of initdb (see docs/postgres.md, "Restore"). */
  restore: z.strictObject({
    sourceEnvironment: dnsLabel,
    /** WAL-G backup name; @default LATEST */
    backup: z.string().regex(/^(LATEST|base_[0-9A-F]{24}(_D_[0-9A-F]{24})?)$/, { message: 'must be LATEST or a WAL-G backup name such as base_000000010000000000000004' }).default('LATEST'),
    /** Point in time to recover to (ISO 8601 with zone); @default the end of the archive */
    targetTime: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 time with a zone such as 2026-01-31T12:00:00Z' }).optional(),
  }).optional(),
});

/** Redis servers (one master, the rest replicas) and their Sentinels; charts/data/redis/chart.ts documents each use. */
export const redisSection = z.strictObject({
  replicas: replicas(1),
  /** Sentinel processes (own StatefulSet); the quorum is their majority. Odd: an even count adds no tolerance. */
  sentinels: replicas(1).refine((n) => n % 2 === 1, { message: 'must be odd (an even number of Sentinels tolerates no more failures than one fewer)' }),
  /** A master refuses writes unless this many replicas acknowledged within minReplicasMaxLagSeconds (0: never). */
  minReplicasToWrite: replicas(0),
  minReplicasMaxLagSeconds: replicas(1),
  /** How long a master must be unreachable before a Sentinel considers it down. */
  downAfterMilliseconds: z.number().int({ message: 'must be a whole number' }).min(1000, { message: 'must be at least 1000 (shorter fails over on a node that is merely slow for a moment)' }),
  failoverTimeoutMilliseconds: z.number().int({ message: 'must be a whole number' }).min(10000, { message: 'must be at least 10000' }),
  /** RDB backups to MinIO (`refs.minio.buckets.backups.redis`), taken from a replica; older ones are pruned. */
  backup: z.strictObject({
    schedule: cronSchedule,
    retentionDays: replicas(1),
  }),
  volume,
  resources: computeResources,
});

/** One MinIO server pool: a StatefulSet of `servers` pods with `drivesPerServer` volumes each. Never resized in place. */
export const minioPool = z.strictObject({
  /** Stable name (the StatefulSet is `minio-<name>`); pools are added, never renamed. */
  name: dnsLabel.refine((n) => n.length <= 40, { message: 'must be at most 40 characters' }),
  servers: replicas(1),
  drivesPerServer: replicas(1).max(32, { message: 'must be at most 32' }),
  volume,
});
export type MinioPool = z.infer<typeof minioPool>;

export const minioSection = z.strictObject({
  /** Server pools, oldest first. Capacity grows by appending a pool (see docs/minio.md). */
  pools: z.array(minioPool).min(1, { message: 'must list at least one pool' }),
  /** Parity of the STANDARD storage class (EC:N). @default MinIO's default for the smallest erasure set */
  parity: z.number().int({ message: 'must be a whole number' }).min(0, { message: 'must be at least 0' }).optional(),
  resources: computeResources,
});

export const elasticsearchSection = z.strictObject({
  /** Master-eligible nodes; with no data nodes they hold every role (dev's single node). Odd, for a majority. */
  masters: replicas(1), data: replicas(0), coordinating: replicas(0),
  /** Volume of each data node (of each master when masters hold data). */
  volume,
  /** Volume of each dedicated master (cluster state only). @default 10Gi */
  masterVolume: volume.optional(),
  resources: computeResources,
  /**
   * How Elasticsearch lives with vm.max_map_count: `disableMmap` sets node.store.allow_mmap: false (NIO instead of
   * mmap; stays within Pod Security restricted), `sysctlInitContainer` raises the host's vm.max_map_count with a
   * privileged init container, which needs the db-elasticsearch namespace at podSecurity privileged. No default:
   * each environment states its choice.
   */
  maxMapCount: z.enum(['disableMmap', 'sysctlInitContainer']),
});

export const clickhouseSection = z.strictObject({
  shards: replicas(1), replicas: replicas(1), keepers: replicas(1), volume, resources: computeResources,
  /** ClickHouse Keeper: its own small volume (raft log and snapshots) and resources. */
  keeper: z.strictObject({ volume, resources: computeResources }),
  /** Cron schedule (UTC) of `BACKUP DATABASE … ON CLUSTER` to MinIO. */
  backupSchedule: cronSchedule,
  /** Days a backup is kept; the backup job removes older ones after a successful run. */
  backupRetentionDays: z.number().int().min(1, { message: 'must be at least 1 day: the job would remove the backup it just wrote' }).max(3650).default(14),
});

/** A Kafka topic the platform declares (auto.create.topics.enable is false: the topics Job creates these). */
export const kafkaTopic = z.strictObject({
  /** Lower case letters, digits, '.' and '-' (Kafka also allows '_', which collides with '.' in metric names). */
  name: z.string().max(249).regex(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/, { message: "must be lower case letters, digits, '.' and '-', starting and ending with a letter or digit" }),
  partitions: z.number().int({ message: 'must be a whole number' }).min(1, { message: 'must be at least 1' }).max(1000),
  /** @default stores.kafka.replicationFactor */
  replicationFactor: replicas(1).optional(),
  /** retention.ms of the topic in hours. @default the brokers' log.retention.hours (168) */
  retentionHours: z.number().int({ message: 'must be a whole number' }).min(1, { message: 'must be at least 1' }).optional(),
  /** ClickHouse ingests it: a named collection kafka_<name> for its Kafka engine table. */
  clickhouse: z.boolean().default(false),
});

export const kafkaSection = z.strictObject({
  brokers: replicas(1), volume, resources: computeResources,
  /** Replicas of every topic (default.replication.factor and the internal topics). */
  replicationFactor: replicas(1),
  /** Replicas that must acknowledge a write with acks=all; below it producers are refused rather than lose data. */
  minInsyncReplicas: replicas(1),
  /** The topics the platform uses, created (if missing) by the kafka-topics Job after every sync. */
  topics: z.array(kafkaTopic).default([]),
});

export const storesSection = z.strictObject({
  postgres: postgresSection,

  redis: redisSection,

  minio: minioSection,

  elasticsearch: elasticsearchSection,

  clickhouse: clickhouseSection,

  kafka: kafkaSection,
});

// The application tier (charts/apps): per-environment replicas, ranges and sizes over the service catalog
// (environments/catalog.ts), and where the model server runs.
export const appOverride = z.strictObject({
  enabled: z.boolean().optional(),
  /** Fixed replicas (fixed-scaled services, or every service when autoscaling is off). */
  replicas: replicas(1).optional(),
  minReplicas: replicas(1).optional(),
  maxReplicas: replicas(1).optional(),
  resources: computeResources.optional(),
});

export const appsSection = z.strictObject({
  /** false: no HPAs, every service runs `services.<name>.replicas` (default 1) pods (dev). */
  autoscaling: z.boolean(),
  /** A standby site (dr): every Deployment at 0 replicas and every CronJob suspended until failover. */
  standby: z.boolean().default(false),
  /** Upper bounds on every catalog range (a smaller cluster runs the same shapes at reduced scale). */
  replicaCap: z.strictObject({ minReplicas: replicas(1), maxReplicas: replicas(1) }).optional(),
  /** Sizes of every service that has no override of its own (dev shrinks everything at once). */
  resources: computeResources.optional(),
  modelServer: z.strictObject({
    mode: z.enum(['gpu', 'cpu', 'disabled']),
    /** @default 'nvidia.com/gpu' (the NVIDIA device plugin) */
    gpuResource: z.string().regex(/^[a-z0-9.-]+\/[a-z0-9.-]+$/, { message: 'must be an extended resource such as nvidia.com/gpu' }).default('nvidia.com/gpu'),
    gpusPerReplica: replicas(1).default(1),
    /** Memory of one GPU of the nodes' GPU class; the model must fit (charts/apps/models.ts). @default 48Gi (L40S, A40) */
    gpuMemory: memory.default('48Gi'),
    nodeSelector: z.record(z.string(), z.string()).default({}),
    tolerations: z.array(z.strictObject({
      key: z.string().min(1), operator: z.enum(['Exists', 'Equal']), value: z.string().optional(),
      effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional(),
    })).default([]),
  }),
  services: z.record(dnsLabel, appOverride).default({}),
});

// GitOps and installation (issue 8): cluster add-ons installed from their upstream Helm charts, and where
// Secret values come from.

const addonSwitch = z.strictObject({ enabled: z.boolean() });

export const addonsSection = z.strictObject({
  /** Air-gapped installs: a Helm repository serving every add-on chart ('' = the upstream repositories). */
  chartMirror: z.union([z.literal(''), z.url({ message: 'must be the URL of a Helm repository' })]),
  certManager: addonSwitch,
  /** kubeadm ships no ingress controller (k3s ships Traefik). */
  ingressNginx: z.strictObject({
    enabled: z.boolean(),
    /**
     * `NodePort`: the site's load balancer or DNS points at every node's 30080/30443; `LoadBalancer`: where
     * MetalLB or kube-vip hands out addresses (without one the Service, and Argo CD's health, stay pending).
     */
    service: z.enum(['NodePort', 'LoadBalancer']),
  }),
  /** kube-prometheus-stack; when enabled, 50-monitoring renders PodMonitors and store alerts. */
  monitoring: z.strictObject({
    enabled: z.boolean(),
    prometheusReplicas: replicas(1),
    retention: z.string().regex(/^[0-9]+(h|d|w)$/, { message: 'must be a Prometheus duration such as 15d' }),
    volume,
  }),
  /** Needed when secrets.source is `vault`. */
  externalSecrets: addonSwitch,
});

export const secretsSection = z.strictObject({
  /** `generate`: `npm run secrets` creates random values in the cluster; `vault`: ExternalSecrets read them. */
  source: z.enum(['generate', 'vault']),
  vault: z.strictObject({
    server: z.url({ message: 'must be a URL such as https://vault.example.com:8200' }),
    /** Address ranges of the Vault servers (NetworkPolicy egress of the External Secrets controller). */
    cidrs: z.array(cidr).min(1, { message: 'must list at least one CIDR' }),
    /** KV version 2 mount; values live at `<mount>/<pathPrefix>/<namespace>/<secret>`. */
    mount: z.string().regex(/^[a-z0-9][-a-z0-9_/]*$/, { message: 'must be a Vault mount path such as secret' }),
    pathPrefix: z.string().regex(/^[a-z0-9][-a-z0-9_/]*$/, { message: 'must be a Vault path such as receivables/production' }),
    /** Kubernetes auth mount; each namespace logs in with the role `<rolePrefix><namespace>`. */
    authMount: z.string().min(1),
    rolePrefix: z.string(),
  }).optional(),
});

export const environmentShape = z.strictObject({
  name: dnsLabel,
  description: z.string().min(1),
  /** Production-grade availability: stores must run as real HA clusters. */
  ha: z.boolean(),
  cluster: clusterSection,
  storageClass: dnsName,
  ingress: ingressSection,
  images: imagesSection,
  gitops: gitopsSection,
  podSecurity: podSecuritySection,
  namespaces: z.array(namespaceSpec).min(1),
  quota: z.strictObject({
    /** Fraction added to what the rendered workloads need, for rolling updates and jobs (0.25 = 25 %). */
    headroom: z.number().min(0).max(4),
    floors: z.strictObject({ system: quotaFloor, app: quotaFloor, data: quotaFloor }),
    limitRange: z.strictObject({ system: limitRangeDefaults, app: limitRangeDefaults, data: limitRangeDefaults }),
  }),
  tenantPlans: z.record(dnsLabel, tenantPlan),
  tenants: z.array(tenant),
  stores: storesSection,
  apps: appsSection,
  addons: addonsSection,
  secrets: secretsSection,
});

export type EnvironmentConfig = z.infer<typeof environmentShape>;
export type EnvironmentInput = z.input<typeof environmentShape>;
export type NamespaceSpec = z.infer<typeof namespaceSpec>;
export type TenantPlan = z.infer<typeof tenantPlan>;
export type Tenant = z.infer<typeof tenant>;

/** One problem of an environment's configuration (charts report their own, e.g. capacity, in this shape too). */
export interface ConfigProblem {
  readonly environment: string;
  /** e.g. `stores.postgres.replicas` or `tenants[1].id` */
  readonly path: string;
  readonly value: unknown;
  readonly message: string;
}
