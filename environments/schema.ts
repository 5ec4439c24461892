/**
 * The EnvironmentConfig type and its runtime validation.
 *
 * zod gives us one declaration for both the TypeScript type and the runtime check, reports every problem at
 * once with its path, and rejects unknown (misspelt) keys with `strictObject`. Cross-field rules live in
 * `crossFieldRules` below so that the shape and the rules read separately.
 */
import { z } from 'zod';
import { erasureLayout } from '../charts/data/minio-erasure';
import { parseCpu, parseMemory } from '../charts/lib/quantity';
import { cidrNetwork, CRON_HINT, cronProblem } from './cron';
import { appsProblems, tenantPlanProblems } from './catalog';

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
  if (problem) ctx.addIssue({ code: 'custom', message: `${problem} (${CRON_HINT})` });
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
  /**
   * The site's own certificate authority (air-gapped sites; issue 14): its Vault, chart mirror and Git server
   * present certificates it signs, so External Secrets and Argo CD trust `certificate` (public, PEM); cert-manager
   * issues the internal certificates from its key pair, supplied as the Secret `secretName` (keys tls.crt and
   * tls.key) in cert-manager's namespace before the install (never in Git). Unset: a self-signed internal root.
   */
  siteCa: z.strictObject({
    certificate: z.string().regex(/^-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+-----END CERTIFICATE-----\n?$/, { message: 'must be one PEM certificate' }),
    secretName: dnsLabel,
  }).optional(),
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
  /**
   * Address ranges of a site's own Git server and chart mirror: Argo CD's repo server reaches only public
   * addresses otherwise (its egress excludes the private ranges). @default none
   */
  sourceCidrs: z.array(cidr).optional(),
});

export const podSecuritySection = z.strictObject({
  /** The Pod Security Admission version pinned on every namespace, e.g. v1.27. */
  version: z.string().regex(/^v1\.[0-9]+$/, { message: 'must be a Kubernetes minor version such as v1.27' }),
});

const volume = z.strictObject({ size: volumeSize });

// One section per store; each store's construct documents what its fields do.

// PostgreSQL (charts/data/postgres*.ts): Patroni cluster, PgBouncer, WAL-G backups, DR standby.
const PG_PARAMETER = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?$/;
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

/** Redis servers (one master, the rest replicas) and their Sentinels; charts/data/redis.ts documents each use. */
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
// `when` makes the cross-field rules run even when some field failed, so one run reports every problem. The
// data may then be malformed in places; a rule that trips over that is skipped (the field error says why).
export const environmentSchema = environmentShape.superRefine((cfg, ctx) => {
  try {
    crossFieldRules(cfg, ctx);
  } catch {
    // malformed input already reported by the shape check
  }
}, { when: () => true });
export type NamespaceSpec = z.infer<typeof namespaceSpec>;
export type TenantPlan = z.infer<typeof tenantPlan>;
export type Tenant = z.infer<typeof tenant>;

// ---------------------------------------------------------------------------------------------------------
// Cross-field rules
// ---------------------------------------------------------------------------------------------------------

type Ctx = z.core.$RefinementCtx<EnvironmentConfig>;

function issue(ctx: Ctx, path: (string | number)[], message: string): void {
  ctx.addIssue({ code: 'custom', path, message });
}

function crossFieldRules(c: EnvironmentConfig, ctx: Ctx): void {

  const nsNames = new Set<string>();
  c.namespaces.forEach((ns, i) => {
    if (nsNames.has(ns.name)) issue(ctx, ['namespaces', i, 'name'], `duplicates namespace "${ns.name}"`);
    nsNames.add(ns.name);
    if (ns.podSecurity !== 'restricted' && !ns.podSecurityReason) {
      issue(ctx, ['namespaces', i, 'podSecurityReason'], `is required because podSecurity is "${ns.podSecurity}" (only "restricted" needs no reason)`);
    }
  });

  const seen = new Map<string, number>();
  c.tenants.forEach((t, i) => {
    const first = seen.get(t.id);
    if (first !== undefined) issue(ctx, ['tenants', i, 'id'], `duplicates tenants[${first}].id "${t.id}"`);
    else seen.set(t.id, i);
    if (!(t.plan in c.tenantPlans)) {
      issue(ctx, ['tenants', i, 'plan'], `is not a plan of this environment (allowed: ${Object.keys(c.tenantPlans).sort().join(', ')})`);
    }
    if (nsNames.has(`tenant-${t.id}`)) issue(ctx, ['tenants', i, 'id'], `collides with the platform namespace "tenant-${t.id}"`);
  });

  for (const [name, plan] of Object.entries(c.tenantPlans)) {
    withinLimit(ctx, ['tenantPlans', name, 'requestsCpu'], plan.requestsCpu, plan.limitsCpu, parseCpu, 'CPU');
    withinLimit(ctx, ['tenantPlans', name, 'requestsMemory'], plan.requestsMemory, plan.limitsMemory, parseMemory, 'memory');
  }

  if (c.ingress.tlsIssuer === 'acme' && !c.ingress.acmeEmail) {
    issue(ctx, ['ingress', 'acmeEmail'], 'is required when tlsIssuer is "acme" (Let\'s Encrypt needs a contact address)');
  }

  // HA means every store survives the loss of one pod (or one node) without losing quorum or data.
  if (c.ha) {
    const s = c.stores;
    const need = (path: (string | number)[], value: number, min: number, why: string) => {
      if (value < min) issue(ctx, path, `must be at least ${min} when ha is true (${why})`);
    };
    need(['stores', 'postgres', 'replicas'], s.postgres.replicas, 3, 'a leader plus a synchronous standby plus one spare');
    need(['stores', 'redis', 'replicas'], s.redis.replicas, 3, 'Sentinel needs a quorum of 2 out of 3');
    need(['stores', 'redis', 'sentinels'], s.redis.sentinels, 3, 'a failover needs a majority of Sentinels with one of them lost');
    need(['stores', 'redis', 'minReplicasToWrite'], s.redis.minReplicasToWrite, 1, 'a master cut off from its replicas must stop accepting writes it would lose');
    need(['stores', 'elasticsearch', 'masters'], s.elasticsearch.masters, 3, 'master election needs a majority');
    need(['stores', 'elasticsearch', 'data'], s.elasticsearch.data, 2, 'replica shards on a second data node');
    need(['stores', 'clickhouse', 'replicas'], s.clickhouse.replicas, 2, 'every shard needs a second replica');
    need(['stores', 'clickhouse', 'keepers'], s.clickhouse.keepers, 3, 'Keeper\'s raft needs a majority');
    need(['stores', 'kafka', 'brokers'], s.kafka.brokers, 3, 'min.insync.replicas 2 with one broker lost');
    need(['stores', 'kafka', 'minInsyncReplicas'], s.kafka.minInsyncReplicas, 2, 'an acknowledged write survives the loss of one broker');
    need(['cluster', 'nodes'], c.cluster.nodes, 3, 'replicas spread across nodes');
  }
  clusterRules(c, ctx);
  minioRules(c, ctx);
  elasticsearchRules(c, ctx);
  postgresRules(c, ctx);
  redisRules(c, ctx);
  clickhouseKafkaRules(c, ctx);
  // GitOps and installation
  if (c.addons.ingressNginx.enabled && c.cluster.flavour === 'k3s') {
    issue(ctx, ['addons', 'ingressNginx', 'enabled'], 'must be false on k3s, which ships Traefik as its ingress controller');
  }
  if (c.addons.ingressNginx.enabled && c.ingress.className !== 'nginx') {
    issue(ctx, ['ingress', 'className'], `must be "nginx" when addons.ingressNginx is enabled (got "${c.ingress.className}")`);
  }
  if (c.secrets.source === 'vault') {
    if (!c.secrets.vault) issue(ctx, ['secrets', 'vault'], 'is required when secrets.source is "vault"');
    if (!c.addons.externalSecrets.enabled) {
      issue(ctx, ['addons', 'externalSecrets', 'enabled'], 'must be true when secrets.source is "vault" (External Secrets reads Vault)');
    }
  }
  for (const [store, section] of Object.entries(c.stores)) {
    const r = section.resources;
    const at = ['stores', store, 'resources'];
    withinLimit(ctx, [...at, 'requests', 'cpu'], r.requests.cpu, r.limits.cpu, parseCpu, 'CPU');
    withinLimit(ctx, [...at, 'requests', 'memory'], r.requests.memory, r.limits.memory, parseMemory, 'memory');
  }
  for (const p of appsProblems(c.apps)) issue(ctx, p.path, p.message);
  for (const p of tenantPlanProblems(c.tenantPlans, c.apps)) issue(ctx, p.path, p.message);
}

function withinLimit(
  ctx: Ctx, path: (string | number)[], request: string, limit: string, parse: (q: string) => number, what: string,
): void {
  if (parse(request) > parse(limit)) issue(ctx, path, `must not exceed the ${what} limit ${limit}`);
}

/** Node pools: unique names, a reserve smaller than the node, and `nodes` counting the untainted pools' nodes. */
function clusterRules(c: EnvironmentConfig, ctx: Ctx): void {
  const pools = c.cluster.nodePools;
  const names = new Set<string>();
  pools.forEach((p, i) => {
    const at = ['cluster', 'nodePools', i];
    if (names.has(p.name)) issue(ctx, [...at, 'name'], `duplicates node pool "${p.name}"`);
    names.add(p.name);
    if (parseCpu(p.reserved.cpu) >= parseCpu(p.cpu)) issue(ctx, [...at, 'reserved', 'cpu'], `must be less than the node's cpu ${p.cpu}`);
    if (parseMemory(p.reserved.memory) >= parseMemory(p.memory)) issue(ctx, [...at, 'reserved', 'memory'], `must be less than the node's memory ${p.memory}`);
  });
  const open = pools.filter((p) => !p.taints.some((t) => t.effect !== 'PreferNoSchedule'));
  const count = open.reduce((n, p) => n + p.count, 0);
  if (pools.length && c.cluster.nodes !== count) {
    issue(ctx, ['cluster', 'nodes'], `must equal the nodes of the untainted pools in cluster.nodePools: ${count} (${open.map((p) => `${p.name}: ${p.count}`).join(', ') || 'none'})`);
  }
}

/** MinIO: every pool must form erasure sets MinIO accepts; in HA every pool keeps write quorum with a server down. */
function minioRules(c: EnvironmentConfig, ctx: Ctx): void {
  const m = c.stores.minio;
  const at = (i: number, f: string) => ['stores', 'minio', 'pools', i, f];
  const names = new Set<string>();
  m.pools.forEach((pool, i) => {
    if (names.has(pool.name)) issue(ctx, at(i, 'name'), `duplicates pool name "${pool.name}"`);
    names.add(pool.name);
    const drives = pool.servers * pool.drivesPerServer;
    if (drives === 1 && (c.ha || m.pools.length > 1)) {
      issue(ctx, at(i, 'servers'), 'one server with one drive is MinIO\'s single-drive mode: only for a single-pool, non-HA environment (use at least 4 drives)');
      return;
    }
    if (drives > 1 && drives < 4) {
      issue(ctx, at(i, 'drivesPerServer'), `gives ${drives} drives (${pool.servers} × ${pool.drivesPerServer}): an erasure-coded pool needs at least 4 drives`);
      return;
    }
    const layout = erasureLayout(pool, m.parity);
    if ('error' in layout) {
      const field = layout.error.startsWith('parity') ? ['stores', 'minio', 'parity'] : at(i, 'drivesPerServer');
      issue(ctx, field, `pool "${pool.name}" (${pool.servers} servers × ${pool.drivesPerServer} drives): ${layout.error}`);
      return;
    }
    if (c.ha && layout.serversTolerated < 1) {
      issue(ctx, at(i, 'servers'), `pool "${pool.name}" (${pool.servers} × ${pool.drivesPerServer}, erasure set ${layout.setSize}, EC:${layout.parity}) loses write quorum (${layout.writeQuorum} of ${layout.setSize}) when one server is down: use more servers or more parity (ha is true)`);
    }
    if (c.ha && pool.servers > c.cluster.nodes) {
      issue(ctx, at(i, 'servers'), `must be at most cluster.nodes (${c.cluster.nodes}) when ha is true: two servers of a pool on one node would both fall with it`);
    }
  });
}

/** Elasticsearch: an odd number of masters; a lone master holds every role; mmap choice matches Pod Security. */
function elasticsearchRules(c: EnvironmentConfig, ctx: Ctx): void {
  const es = c.stores.elasticsearch;
  if (es.masters % 2 === 0) {
    issue(ctx, ['stores', 'elasticsearch', 'masters'], 'must be odd (1, 3, 5): an even number of masters adds no failure tolerance over one fewer');
  }
  if (es.data === 0 && es.coordinating > 0) {
    issue(ctx, ['stores', 'elasticsearch', 'coordinating'], 'must be 0 when data is 0 (the masters then hold every role and serve HTTP themselves)');
  }
  const ns = c.namespaces.find((n) => n.name === 'db-elasticsearch');
  if (es.maxMapCount === 'sysctlInitContainer' && ns && ns.podSecurity !== 'privileged') {
    issue(ctx, ['stores', 'elasticsearch', 'maxMapCount'], `"sysctlInitContainer" runs a privileged init container, which namespace db-elasticsearch (podSecurity "${ns.podSecurity}") rejects: set its podSecurity to privileged with a reason, or use "disableMmap"`);
  }
}

/** Parameters the generator or Patroni owns: setting them would break replication, archiving or the pod. */
export const POSTGRES_MANAGED_PARAMETERS = [
  'listen_addresses', 'port', 'data_directory', 'hba_file', 'ident_file', 'config_file', 'unix_socket_directories',
  'archive_mode', 'archive_command', 'restore_command', 'primary_conninfo', 'primary_slot_name',
  'synchronous_standby_names', 'cluster_name', 'hot_standby', 'wal_level', 'wal_log_hints',
] as const;

function postgresRules(c: EnvironmentConfig, ctx: Ctx): void {
  const pg = c.stores.postgres;
  const at = ['stores', 'postgres'];
  if (pg.synchronousMode === 'on' && pg.replicas < 2) {
    issue(ctx, [...at, 'synchronousMode'], `"on" needs at least 2 replicas (stores.postgres.replicas is ${pg.replicas}): a synchronous standby must exist`);
  }
  if (pg.synchronousMode === 'strict' && pg.replicas < 3) {
    issue(ctx, [...at, 'synchronousMode'], `"strict" needs at least 3 replicas (stores.postgres.replicas is ${pg.replicas}), or losing one standby stops every write`);
  }
  if (c.ha && pg.pooler.replicas < 2) issue(ctx, [...at, 'pooler', 'replicas'], 'must be at least 2 when ha is true (spec 002 §7.1.1: the pooler must not be a single point of failure)');
  for (const name of Object.keys(pg.parameters)) {
    // Checked here, not in the record's key schema, whose error would not say what a valid name is.
    if (!PG_PARAMETER.test(name)) issue(ctx, [...at, 'parameters', name], 'must be a PostgreSQL parameter name such as work_mem (lowercase letters, digits, "_", one optional "." for an extension)');
    if ((POSTGRES_MANAGED_PARAMETERS as readonly string[]).includes(name)) {
      issue(ctx, [...at, 'parameters', name], 'is set by the generator and Patroni (replication, archiving, sockets) and cannot be overridden');
    }
  }
  if (pg.standby && pg.restore) issue(ctx, [...at, 'restore'], 'cannot be combined with standby: a standby cluster copies its source, a restore starts a new history');
  const sc = pg.standbyClients;
  if (sc?.service === 'NodePort' && sc.nodePort === undefined) issue(ctx, [...at, 'standbyClients', 'nodePort'], 'is required with service NodePort (the standby site connects to this fixed port)');
  if (sc && sc.service !== 'NodePort' && sc.nodePort !== undefined) issue(ctx, [...at, 'standbyClients', 'nodePort'], `only applies to service NodePort (service is ${sc.service})`);
  if (pg.standby?.sourceEnvironment === c.name) issue(ctx, [...at, 'standby', 'sourceEnvironment'], `must name another environment than "${c.name}" (a cluster cannot follow itself)`);
}

/** Redis: a master must be able to meet min-replicas-to-write (checked once replicas itself is acceptable). */
function redisRules(c: EnvironmentConfig, ctx: Ctx): void {
  const r = c.stores.redis;
  if (r.replicas < (c.ha ? 3 : 1)) return; // replicas itself is reported
  if (r.minReplicasToWrite > r.replicas - 1) {
    issue(ctx, ['stores', 'redis', 'minReplicasToWrite'],
      `must be at most replicas - 1 = ${r.replicas - 1} (a master with fewer replicas than that refuses every write)`);
  }
}

/** ClickHouse Keeper and Kafka topologies that cannot work (issue 9). */
function clickhouseKafkaRules(c: EnvironmentConfig, ctx: Ctx): void {
  const ch = c.stores.clickhouse;
  if (ch.keepers % 2 === 0) {
    issue(ctx, ['stores', 'clickhouse', 'keepers'], `must be odd (1, 3 or 5): an ensemble of ${ch.keepers} tolerates no more failures than one of ${ch.keepers - 1} and can split evenly`);
  }
  const k = c.stores.kafka;
  if (k.replicationFactor > k.brokers) {
    issue(ctx, ['stores', 'kafka', 'replicationFactor'], `must not exceed stores.kafka.brokers (${k.brokers}): every replica of a partition needs its own broker`);
  }
  if (k.minInsyncReplicas > k.replicationFactor) {
    issue(ctx, ['stores', 'kafka', 'minInsyncReplicas'], `must not exceed stores.kafka.replicationFactor (${k.replicationFactor}): no write could ever be acknowledged`);
  } else if (k.brokers > 1 && k.minInsyncReplicas >= k.replicationFactor) {
    issue(ctx, ['stores', 'kafka', 'minInsyncReplicas'], `must be below stores.kafka.replicationFactor (${k.replicationFactor}) with more than one broker, or losing one broker stops all writes`);
  }
  const seen = new Set<string>();
  k.topics.forEach((t, i) => {
    if (seen.has(t.name)) issue(ctx, ['stores', 'kafka', 'topics', i, 'name'], `"${t.name}" is declared twice`);
    seen.add(t.name);
    const rf = t.replicationFactor;
    if (rf === undefined) return;
    if (rf > k.brokers) {
      issue(ctx, ['stores', 'kafka', 'topics', i, 'replicationFactor'], `must not exceed stores.kafka.brokers (${k.brokers}): every replica of a partition needs its own broker`);
    } else if (rf < k.minInsyncReplicas) {
      issue(ctx, ['stores', 'kafka', 'topics', i, 'replicationFactor'], `must be at least stores.kafka.minInsyncReplicas (${k.minInsyncReplicas}): no write with acks=all could be acknowledged`);
    }
  });
}
