/**
 * The EnvironmentConfig type and its runtime validation.
 *
 * zod gives us one declaration for both the TypeScript type and the runtime check, reports every problem at
 * once with its path, and rejects unknown (misspelt) keys with `strictObject`. Cross-field rules live beside it
 * in ./rules.ts (which also holds the checked `environmentSchema`), so that the shape and the rules read
 * separately and the shape imports neither the rules nor the catalog.
 */
import { z } from 'zod';
import {
  cidr, computeResources, cpu, dnsLabel, dnsName, memory, REGISTRY, replicas, storage, volume, volumeSize,
} from './values';
import { externalSections, STORE_NAMES, storeSections } from '../charts/data/stores';
import { SERVICE_KINDS, type CatalogEntry } from './service';

export * from './values';
export { PG_PARAMETER } from '../charts/data/postgres/config';
export type { MinioPool } from '../charts/data/minio/config';

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
  /**
   * An autoscaled group (EKS managed node group under the Cluster Autoscaler): its minimum size; `count` is then
   * its maximum, which the fit checks (every workload at its HPA maximum must fit the largest the group grows to).
   * @default count (a fixed pool)
   */
  minCount: replicas(0).optional(),
  /** Cloud instance types of the group, for the documentation (the fit uses `cpu`/`memory`: the smallest type's). */
  instanceTypes: z.array(z.string().regex(/^[a-z0-9-]+\.[a-z0-9]+$/, { message: 'must be an instance type such as m5.large' })).optional(),
  /** EKS capacity type: Spot instances may be reclaimed with two minutes' notice. */
  capacityType: z.enum(['ON_DEMAND', 'SPOT']).optional(),
});
export type NodePool = z.infer<typeof nodePool>;

export const clusterSection = z.strictObject({
  /**
   * k3s ships local-path storage, Traefik and an enforcing NetworkPolicy controller; kubeadm ships none. eks
   * (Amazon EKS): CoreDNS, kube-proxy and the VPC CNI (aws-node); no metrics-server, no ingress controller; the
   * EBS CSI driver is an EKS add-on the site installs (docs/eks-platform.md).
   */
  flavour: z.enum(['k3s', 'kubeadm', 'eks']),
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
  /**
   * Which node pool runs each namespace's workloads (the application tier's Deployments, CronJobs and Jobs): its
   * pods select the pool's labels and tolerate its taints. A namespace not listed runs on the untainted pools.
   * @default none
   */
  placement: z.record(dnsLabel, dnsLabel).default({}),
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

/** PersistentVolume access modes (Kubernetes 1.27). */
export const ACCESS_MODES = ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'] as const;
export type AccessMode = typeof ACCESS_MODES[number];

/**
 * A storage class of the site and the access modes its provisioner supports: declared, not probed (the render
 * cannot see the cluster). local-path (k3s) and Ceph RBD are ReadWriteOnce only; NFS and CephFS also serve
 * ReadOnlyMany and ReadWriteMany (docs/pcf-builder.md).
 */
export const storageClassSpec = z.strictObject({
  accessModes: z.array(z.enum(ACCESS_MODES)).min(1, { message: 'must list at least one access mode' }),
  /**
   * Set where the platform renders the StorageClass itself (00-namespaces) rather than the site providing it:
   * EKS's gp3 class over the EBS CSI driver (the driver is the site's). @default unset (the site's class)
   */
  definition: z.strictObject({
    /** The CSI driver, e.g. ebs.csi.aws.com. */
    provisioner: dnsName,
    /** The driver's parameters (ebs.csi.aws.com: type, encrypted, kmsKeyId, iops, throughput). */
    parameters: z.record(z.string(), z.string()).default({}),
    /** WaitForFirstConsumer: a zonal volume (EBS) is created in the zone its pod is scheduled to. */
    volumeBindingMode: z.enum(['Immediate', 'WaitForFirstConsumer']),
    allowVolumeExpansion: z.boolean(),
    /** @default 'Delete' */
    reclaimPolicy: z.enum(['Delete', 'Retain']).default('Delete'),
  }).optional(),
});

/** An IAM role (IRSA: `eks.amazonaws.com/role-arn` on a ServiceAccount). */
export const iamRoleArn = z.string().regex(/^arn:aws(-[a-z]+)?:iam::[0-9]{12}:role\/[A-Za-z0-9+=,.@_/-]{1,128}$/, { message: 'must be an IAM role ARN such as arn:aws:iam::123456789012:role/app-api' });

export const ingressSection = z.strictObject({
  className: dnsLabel,
  baseDomain: dnsName,
  /**
   * `acme` where the cluster reaches the internet; `selfSigned` or `ca` for air-gapped installs. With `alb` the
   * public certificates are ACM's, not cert-manager's: this issuer then signs nothing public.
   */
  tlsIssuer: z.enum(['acme', 'selfSigned', 'ca']),
  acmeEmail: z.email({ message: 'must be an e-mail address' }).optional(),
  /**
   * EKS: the public entry is an Application Load Balancer the AWS Load Balancer Controller creates from the
   * Ingresses (className `alb`), terminating TLS with an ACM certificate and sending to the pods' addresses
   * (target type ip). @default unset (an in-cluster ingress controller terminates TLS with cert-manager's certificates)
   */
  alb: z.strictObject({
    /** `internet-facing` (public subnets) or `internal`. */
    scheme: z.enum(['internet-facing', 'internal']),
    /** The ACM certificate of the public host names (issued and renewed by ACM, never in the cluster). */
    certificateArn: z.string().regex(/^arn:aws(-[a-z]+)?:acm:[a-z0-9-]+:[0-9]{12}:certificate\/[A-Za-z0-9-]+$/, { message: 'must be an ACM certificate ARN such as arn:aws:acm:us-west-2:123456789012:certificate/0a1b2c3d-…' }),
    /** The HTTPS listener's security policy (TLS versions and ciphers). */
    sslPolicy: z.string().regex(/^ELBSecurityPolicy-[A-Za-z0-9-]+$/, { message: 'must be an ELB security policy such as ELBSecurityPolicy-TLS-1-2-2017-01' }),
    /** The subnets the load balancer's nodes sit in: its health checks and requests come from there (NetworkPolicy ingress). */
    subnetCidrs: z.array(cidr).min(1, { message: 'must list the load balancer\'s subnets' }),
  }).optional(),
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

// One section per store kind, owned by its folder (charts/data/<kind>/config.ts) and registered in
// charts/data/stores.ts, in the registry's order.
export const storesSection = z.strictObject(storeSections());

// Kinds used as managed services instead (charts/data/<kind>/refs.ts `external`): nothing is deployed for them;
// consumers are wired to the service, with egress to its addresses only.
export const externalSection = z.strictObject(externalSections());

// The application tier (charts/apps): per-environment replicas, ranges and sizes over the service catalog
// (environments/catalog.ts), and where the model server runs.
export const appOverride = z.strictObject({
  enabled: z.boolean().optional(),
  /** Fixed replicas (fixed-scaled services, or every service when autoscaling is off). */
  replicas: replicas(1).optional(),
  minReplicas: replicas(1).optional(),
  maxReplicas: replicas(1).optional(),
  resources: computeResources.optional(),
  /**
   * EKS (IRSA): the IAM role the service's pods assume, as the annotation `eks.amazonaws.com/role-arn` on its
   * ServiceAccount (the pod identity webhook then mounts a web-identity token). @default none
   */
  iamRoleArn: iamRoleArn.optional(),
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
  /** @default { mode: 'disabled' } (a platform without a model server sets nothing) */
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
  }).default({ mode: 'disabled', gpuResource: 'nvidia.com/gpu', gpusPerReplica: 1, gpuMemory: '48Gi', nodeSelector: {}, tolerations: [] }),
  /** The catalog's canary rollouts (CatalogEntry.rollout) apply here: Argo Rollouts is installed. @default false */
  canaryRollouts: z.boolean().default(false),
  services: z.record(dnsLabel, appOverride).default({}),
  /**
   * The catalog's shared volumes (CatalogEntry.sharedVolume), by claim name: the class they are provisioned from
   * (it must be one of `storageClasses` that supports ReadOnlyMany and ReadWriteMany), their size and the version of
   * their content (a new version is a new filling Job: charts/apps/shared-volume.ts).
   */
  sharedVolumes: z.record(dnsLabel, z.strictObject({
    storageClass: dnsName,
    size: volumeSize,
    /** A folder name under the volume's source prefix: letters, digits, `.`, `_`, `-`. */
    version: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, { message: 'must be a version such as 2026.11.3 (letters, digits, ".", "_", "-"; at most 63)' }),
  })).default({}),
});

// GitOps and installation (issue 8): cluster add-ons installed from their upstream Helm charts, and where
// Secret values come from.

const addonSwitch = z.strictObject({ enabled: z.boolean() });

/** Where the logging add-ons run: Loki and Kibana in `logging`, Fluent Bit (hostPath) apart in `logging-agent`. */
export const LOGGING_NAMESPACE = 'logging';
export const LOG_AGENT_NAMESPACE = 'logging-agent';

/**
 * Logging (charts/gitops/addons/fluent-bit.ts, loki.ts; charts/logging/): Fluent Bit on every node, sending to
 * Loki (object storage in MinIO or S3) or to the platform's Elasticsearch store with Kibana. Absent: no logging.
 */
export const loggingSection = z.strictObject({
  /** Where Fluent Bit sends the containers' logs. */
  backend: z.enum(['loki', 'elasticsearch']),
  /** @default spec 004 "Resource Allocation Guidelines": 100m/128Mi – 200m/256Mi */
  fluentBit: z.strictObject({ resources: computeResources.optional() }).optional(),
  /** Required with backend `loki`: SingleBinary pods (1, or 3+ for replication factor 3), WAL volume, retention. */
  loki: z.strictObject({
    replicas: replicas(1),
    /** How long Loki keeps logs (the compactor deletes older chunks), e.g. 744h (31 days). */
    retention: z.string().regex(/^[0-9]+(h|d|w)$/, { message: 'must be a duration such as 744h or 31d' }),
    volume,
    resources: computeResources.optional(),
    /** EKS: the IAM role (IRSA) Loki's ServiceAccount assumes for S3, instead of access keys. @default none */
    iamRoleArn: z.string().regex(/^arn:aws(-[a-z]+)?:iam::[0-9]{12}:role\/[A-Za-z0-9+=,.@_/-]{1,128}$/, { message: 'must be an IAM role ARN such as arn:aws:iam::123456789012:role/loki' }).optional(),
  }).optional(),
  /** Required with backend `elasticsearch`: Kibana, and how long the logs' data streams are kept. */
  kibana: z.strictObject({
    replicas: replicas(1),
    resources: computeResources.optional(),
    /** Days before a logs index is deleted (the ILM policy's delete phase). */
    retentionDays: z.number().int().min(1).max(3650),
  }).optional(),
});

/** The severities alerting rules carry (ours: critical and warning; kube-prometheus-stack's own: info too). */
const alertSeverity = z.enum(['critical', 'warning', 'info']);

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
    /** Prometheus' container (prometheus.prometheusSpec.resources). @default 500m / 2Gi requests, 2 / 4Gi limits */
    prometheusResources: computeResources.optional(),
    /** Grafana's container (grafana.resources). @default 100m / 256Mi requests, 500m / 512Mi limits */
    grafanaResources: computeResources.optional(),
    /**
     * Where Alertmanager sends the alerts, by severity (charts/gitops/addons/alerting.ts); the credentials are the
     * site's Secret `alertmanager-receivers` in monitoring (keys `pagerduty-routing-key`, `slack-webhook-url`).
     * @default unset (alerts stay in Alertmanager)
     */
    alerting: z.strictObject({
      /** PagerDuty (Events API v2): pages for these severities. */
      pagerduty: z.strictObject({ severities: z.array(alertSeverity).min(1) }).optional(),
      /** Slack (an incoming webhook): posts these severities to `channel`. */
      slack: z.strictObject({
        channel: z.string().regex(/^#[a-z0-9][a-z0-9._-]*$/, { message: 'must be a Slack channel such as #alerts' }),
        severities: z.array(alertSeverity).min(1),
      }).optional(),
    }).refine((a) => a.pagerduty || a.slack, { message: 'must name pagerduty, slack or both' }).optional(),
  }),
  /** Needed when secrets.source is `vault`. */
  externalSecrets: addonSwitch,
  /**
   * EKS: the AWS Load Balancer Controller (charts/gitops/addons/aws-load-balancer-controller.ts), for ingress.alb.
   * @default unset (not installed)
   */
  awsLoadBalancerController: z.strictObject({
    /** The EKS cluster's name (the controller tags and finds its load balancers by it). */
    clusterName: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/, { message: 'must be an EKS cluster name' }),
    region: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-[0-9]$/, { message: 'must be an AWS region such as us-west-2' }),
    vpcId: z.string().regex(/^vpc-[0-9a-f]{8,17}$/, { message: 'must be a VPC id such as vpc-0a1b2c3d4e5f67890' }),
    /** IRSA: the role with the controller's IAM policy (docs/eks-platform.md). */
    iamRoleArn,
  }).optional(),
  // Optional add-ons, off unless an environment turns them on (charts/gitops/addons/, docs/addons.md).
  /** The Datadog agent (spec 000 §6): where the site has a Datadog account. @default off */
  datadog: z.strictObject({
    enabled: z.boolean(),
    /** The Datadog intake the account lives on (datadog/helm-charts datadog-3.74.1 values.yaml datadog.site). */
    site: z.enum(['datadoghq.com', 'datadoghq.eu', 'us3.datadoghq.com', 'us5.datadoghq.com', 'ap1.datadoghq.com', 'ddog-gov.com']).optional(),
  }).default({ enabled: false }),
  /** The OpenTelemetry collector and Jaeger (spec 004 "Tracing Pipeline"). @default off */
  tracing: z.strictObject({
    enabled: z.boolean(),
    /**
     * Where Jaeger keeps spans. `elasticsearch`: an Elasticsearch or OpenSearch the site runs (e.g. the managed
     * OpenSearch of spec 004), reached at `url` with the user `username` and the password of the site-supplied
     * Secret `tracing/jaeger-elasticsearch`; `memory`: one all-in-one pod that loses every span on restart (dev).
     */
    storage: z.strictObject({
      type: z.enum(['elasticsearch', 'memory']),
      url: z.url({ message: 'must be a URL such as https://search-traces.eu-west-1.es.amazonaws.com:443' }).optional(),
      username: z.string().min(1).optional(),
      /** Address ranges of the Elasticsearch or OpenSearch endpoints (the NetworkPolicy egress of Jaeger's pods). */
      cidrs: z.array(cidr).min(1, { message: 'must list at least one CIDR' }).optional(),
      /** Days of spans kept (Jaeger's es-index-cleaner deletes older daily indices). @default 7 */
      retentionDays: z.number().int().min(1).max(365).default(7),
    }).default({ type: 'memory', retentionDays: 7 }),
  }).default({ enabled: false, storage: { type: 'memory', retentionDays: 7 } }),
  /** Falco runtime security (spec 004 "Security Architecture"), modern eBPF driver. @default off */
  falco: addonSwitch.default({ enabled: false }),
  /** The Vertical Pod Autoscaler in recommendation mode (spec 004 "Scaling Policies"). @default off */
  vpa: addonSwitch.default({ enabled: false }),
  /** Fluent Bit and Loki or Elasticsearch + Kibana. @default none */
  logging: loggingSection.optional(),
});

export const secretsSection = z.strictObject({
  /**
   * `generate`: `npm run secrets` creates random values in the cluster; `vault` or `aws` (AWS Secrets Manager):
   * ExternalSecrets read them from there.
   */
  source: z.enum(['generate', 'vault', 'aws']),
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
  /**
   * AWS Secrets Manager (EKS): values live in the secret `<pathPrefix>/<namespace>/<secret>` (JSON, one property
   * per key); each namespace's SecretStore authenticates with IRSA as the IAM role
   * `arn:aws:iam::<accountId>:role/<rolePrefix><namespace>`, so a namespace reads only its own secrets.
   */
  aws: z.strictObject({
    region: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-[0-9]$/, { message: 'must be an AWS region such as us-west-2' }),
    accountId: z.string().regex(/^[0-9]{12}$/, { message: 'must be a 12-digit AWS account id' }),
    rolePrefix: z.string().regex(/^[A-Za-z0-9+=,.@_-]*$/, { message: 'must be an IAM role name prefix such as eks-platform-' }),
    pathPrefix: z.string().regex(/^[A-Za-z0-9][-A-Za-z0-9_/+=.@]*$/, { message: 'must be a secret name prefix such as eks-platform/production' }),
    /**
     * Addresses of the VPC endpoints for Secrets Manager and STS (private DNS): the controller's egress. Unset:
     * their public endpoints, through the internet on 443.
     */
    cidrs: z.array(cidr).min(1).optional(),
  }).optional(),
});

/**
 * What an environment takes from its platform's description (environments/<platform>/index.ts), filled in by
 * the loader: an environment file does not set it.
 */
export const platformSection = z.strictObject({
  /** `receivables`: the folder dist/<name>/<env>/ and the prefix of the Argo CD names (`<name>-<env>-…`). */
  name: dnsLabel,
  /** The platform in prose, e.g. "receivables" in "the receivables platform". */
  displayName: z.string().min(1),
  /** The domain of its own label and annotation keys, e.g. `sme-receivables.io` (`<domain>/environment`). */
  labelDomain: dnsName,
  /** `app.kubernetes.io/part-of` of every object, e.g. `receivables-platform`. */
  partOf: dnsLabel,
  /** Its store kinds: `stores` holds exactly these sections. */
  stores: z.array(z.enum(STORE_NAMES)),
  /** Those of its stores an environment may leave out. */
  optionalStores: z.array(z.enum(STORE_NAMES)).default([]),
  /**
   * The application tier's chart folders, in apply order (providers before their consumers): an entry goes to
   * the first folder whose `namespaces` (when given) hold its namespace and whose `kinds` (when given) its kind.
   */
  appFolders: z.array(z.strictObject({
    folder: z.string().regex(/^2[0-9]-[a-z][-a-z0-9]*$/, { message: 'must be a folder name 20-… to 29-… (the application tier\'s place in the apply order)' }),
    namespaces: z.array(dnsLabel).optional(),
    kinds: z.array(z.enum(SERVICE_KINDS)).optional(),
  })).min(1),
  /** The platform's services (environments/catalog.ts checks the entries: platform.catalog.<entry>.<field>). */
  catalog: z.custom<readonly CatalogEntry[]>((v) => Array.isArray(v), { message: 'must be a list of catalog entries' }),
});

export const environmentShape = z.strictObject({
  platform: platformSection,
  name: dnsLabel,
  description: z.string().min(1),
  /** Production-grade availability: stores must run as real HA clusters. */
  ha: z.boolean(),
  cluster: clusterSection,
  storageClass: dnsName,
  /** Storage classes with what they can do, where something needs more than `storageClass` (shared volumes). @default none */
  storageClasses: z.record(dnsName, storageClassSpec).default({}),
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
  /** @default {} (every store in the cluster) */
  external: externalSection.default({}),
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
  /** The platform of the environment (set by the loader and the render; unset in single-environment checks). */
  readonly platform?: string;
  readonly environment: string;
  /** e.g. `stores.postgres.replicas` or `tenants[1].id` */
  readonly path: string;
  readonly value: unknown;
  readonly message: string;
}
