/**
 * The EnvironmentConfig type and its runtime validation.
 *
 * zod gives us one declaration for both the TypeScript type and the runtime check, reports every problem at
 * once with its path, and rejects unknown (misspelt) keys with `strictObject`. Cross-field rules live in
 * `crossFieldRules` below so that the shape and the rules read separately.
 */
import { z } from 'zod';
import { parseCpu, parseMemory } from '../charts/lib/quantity';

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
export const storage = memory;
export const cidr = z.string().regex(CIDR, { message: 'must be an IPv4 CIDR such as 10.43.0.1/32' });
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
});

export const tenant = z.strictObject({
  id: dnsLabel.refine((id) => id.length <= 56, { message: 'must be at most 56 characters (the namespace is "tenant-<id>")' }),
  plan: z.string(),
  displayName: z.string().min(1).optional(),
});

export const clusterSection = z.strictObject({
  /** k3s ships local-path storage, Traefik and an enforcing NetworkPolicy controller; kubeadm ships none. */
  flavour: z.enum(['k3s', 'kubeadm']),
  /** @default 'cluster.local' */
  clusterDomain: dnsName.default('cluster.local'),
  /** Address ranges of the Kubernetes API server (a pod selector cannot match it). */
  apiServerCidrs: z.array(cidr).min(1, { message: 'must list at least one CIDR' }),
  /** Schedulable nodes: spreading is required (not just preferred) when there are enough of them. */
  nodes: replicas(1),
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

const volume = z.strictObject({ size: storage });

// One section per store; each store's construct documents what its fields do.

export const postgresSection = z.strictObject({ replicas: replicas(1), volume, resources: computeResources });

export const redisSection = z.strictObject({ replicas: replicas(1), volume, resources: computeResources });

export const minioSection = z.strictObject({ servers: replicas(1), drivesPerServer: replicas(1), volume, resources: computeResources });

export const elasticsearchSection = z.strictObject({
  masters: replicas(1), data: replicas(0), coordinating: replicas(0), volume, resources: computeResources,
});

export const clickhouseSection = z.strictObject({
  shards: replicas(1), replicas: replicas(1), keepers: replicas(1), volume, resources: computeResources,
});

export const kafkaSection = z.strictObject({ brokers: replicas(1), volume, resources: computeResources });

export const storesSection = z.strictObject({
  postgres: postgresSection,

  redis: redisSection,

  minio: minioSection,

  elasticsearch: elasticsearchSection,

  clickhouse: clickhouseSection,

  kafka: kafkaSection,
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
    need(['stores', 'minio', 'servers'], s.minio.servers, 4, 'an erasure set that keeps write quorum with one server down');
    need(['stores', 'elasticsearch', 'masters'], s.elasticsearch.masters, 3, 'master election needs a majority');
    need(['stores', 'clickhouse', 'replicas'], s.clickhouse.replicas, 2, 'every shard needs a second replica');
    need(['stores', 'clickhouse', 'keepers'], s.clickhouse.keepers, 3, 'Keeper\'s raft needs a majority');
    need(['stores', 'kafka', 'brokers'], s.kafka.brokers, 3, 'min.insync.replicas 2 with one broker lost');
    need(['cluster', 'nodes'], c.cluster.nodes, 3, 'replicas spread across nodes');
  }
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
}

function withinLimit(
  ctx: Ctx, path: (string | number)[], request: string, limit: string, parse: (q: string) => number, what: string,
): void {
  if (parse(request) > parse(limit)) issue(ctx, path, `must not exceed the ${what} limit ${limit}`);
}
