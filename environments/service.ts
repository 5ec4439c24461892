/**
 * The shape of a catalog entry: one application workload of a platform, as data. Below the environment shape
 * (whose platform section carries the catalog); the checks of a catalog are in ./catalog.ts.
 */
import type { ComputeResources } from './values';

/** Kinds of workload; each has one construct in charts/apps/. */
export const SERVICE_KINDS = ['gateway', 'node-api', 'python-agent', 'model-server', 'static-frontend', 'batch-job', 'queue-worker', 'gpu-worker'] as const;
export type ServiceKind = typeof SERVICE_KINDS[number];

/** The namespace of a catalog entry: one of the platform's namespaces of the `app` tier. */
export type AppNamespace = string;

/** Horizontal scaling: an HPA between min and max (autoscaling/v2). */
export interface HorizontalScaling {
  readonly type: 'horizontal';
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** Target average CPU utilisation in percent of the request. */
  readonly cpuPercent: number;
  /** Target average memory utilisation in percent of the request. */
  readonly memoryPercent?: number;
  /**
   * An External metric (served by the metrics adapter, see docs/apps.md): the task-queue depth of this agent.
   * The HPA keeps `averageValue` tasks per pod, so `scaleUpAbove` tasks need `scaleUpAbove / averageValue` pods.
   */
  readonly queue?: { readonly metric: string; readonly averageValue: number };
  /**
   * HTTP requests per second per pod: an External metric (the rate of the service's `http_requests_total`,
   * served by prometheus-adapter, charts/apps/metrics.ts); above this average the HPA adds pods.
   */
  readonly requestsPerSecond?: number;
}

/** Fixed replicas (vertical scaling: bigger requests, not more pods). */
export interface FixedScaling {
  readonly type: 'fixed';
  readonly replicas: number;
}

export type Scaling = HorizontalScaling | FixedScaling;

export interface Dependency {
  /** A store (a key of StoreRefs) or another service of the catalog. */
  readonly target: string;
  /** Optional dependencies may be disabled in an environment; the service then runs without them. */
  readonly optional?: boolean;
  /**
   * PostgreSQL only: the service also reads from the streaming replicas (DATABASE_READ_HOST/PORT), writing through
   * PgBouncer to the primary as always. Where the cluster has no replica (one node) the reads go to the pooler.
   */
  readonly readReplicas?: boolean;
}

/** A ConfigMap of files the service reads at start, mounted read-only (its content rolls the pods when it changes). */
export interface ConfigFiles {
  /** The ConfigMap is `<service>-<name>`; a DNS label. */
  readonly name: string;
  /** Absolute directory the files appear in. */
  readonly mountPath: string;
  /** File name → content. */
  readonly files: Readonly<Record<string, string>>;
}

/**
 * An HTTP GET probe an entry states itself (its document gives the path and timings): on the entry's HTTP port.
 * Unset timings take the Kubernetes defaults the workloads use (period 10 s, timeout 3 s, 3 failures).
 */
export interface HttpProbeSpec {
  readonly path: string;
  readonly initialDelaySeconds?: number;
  readonly periodSeconds?: number;
  readonly timeoutSeconds?: number;
  readonly failureThreshold?: number;
}

/**
 * The entry's own probes, over its kind's: a stated liveness or readiness probe replaces the kind's; the kind's
 * startup probe (which checks the kind's liveness path) is dropped when liveness is stated, unless `startup` is.
 */
export interface ProbeSpecs {
  readonly liveness?: HttpProbeSpec;
  readonly readiness?: HttpProbeSpec;
  readonly startup?: HttpProbeSpec;
}

/**
 * A service outside the cluster an entry calls with credentials of its own (a realtime API, a model provider):
 * reached over HTTPS (the entry's `internetPorts`), with credentials from a Secret the site creates in the entry's
 * namespace before the install (never generated, never in Git), passed as environment variables. Several
 * services may share one Secret (each names its own keys).
 */
export interface ExternalService {
  /** What it is, for the documentation (e.g. `ably`, `openai`). */
  readonly name: string;
  /** The site-supplied Secret. */
  readonly secret: string;
  /** Environment variable → key of the Secret. */
  readonly env: Readonly<Record<string, string>>;
}

export interface CatalogEntry {
  readonly name: string;
  readonly namespace: AppNamespace;
  readonly kind: ServiceKind;
  readonly description: string;
  /** Pinned, fully qualified image (passed through `image()`, so an air-gapped registry rewrites it). */
  readonly image: string;
  /** The HTTP port the container listens on (also serves /metrics unless `metricsPort` is set); batch jobs serve none. */
  readonly port: number;
  /** A separate metrics/status port (Kong's status listener). */
  readonly metricsPort?: number;
  readonly dependsOn: readonly Dependency[];
  /** Routed by the gateway under this path prefix; the gateway routes each public service exactly once. */
  readonly publicPath?: string;
  /**
   * Exposed directly, without a gateway: its own Ingress (and certificate) at `<ingressHost>.<baseDomain>`, all
   * paths to its port. For platforms that have no gateway (a single web app).
   */
  readonly ingressHost?: string;
  readonly scaling: Scaling;
  readonly resources: ComputeResources;
  /** Ports this service opens to the internet (partners' APIs, mail submission); nothing else leaves the cluster. */
  readonly internetPorts?: readonly number[];
  /**
   * The Service in front of the pods, when it is not named after the entry (spec 000 §4.1: the agents' Deployment
   * behind the "agent mesh" Service). Other services reach the entry at this name.
   */
  readonly serviceName?: string;
  /** Non-secret settings of the entry's own, added to its settings ConfigMap (the stores' wiring wins on a clash). */
  readonly settings?: Readonly<Record<string, string>>;
  /** ConfigMaps mounted into the pods (spec 000 §4.1: the model names and tool definitions of the agents). */
  readonly configFiles?: readonly ConfigFiles[];
  /**
   * A volume of content many replicas read and none writes (seed 001: the AI brain): a claim mounted read-only
   * in every replica, filled from MinIO by a Job that alone mounts it read-write (charts/apps/shared-volume.ts).
   * Its size, version and storage class come from the environment (`apps.sharedVolumes.<claimName>`).
   */
  readonly sharedVolume?: SharedVolume;
  /** Batch jobs only: when they run (cron, in the cluster's time zone, UTC). */
  readonly schedule?: string;
  /**
   * Queue workers only: the queue whose items each start one Job (KEDA ScaledJob, charts/apps/queue-worker.ts)
   * and the most Jobs that run at once (overridden per environment by `apps.services.<name>.maxReplicas`).
   */
  readonly queue?: { readonly name: string; readonly maxJobs: number };
  /** Queue and GPU workers: the image's own non-root user (node:alpine's `node` is 1000). @default DEFAULT_UID (10001) */
  readonly uid?: number;
  /** Batch jobs and queue workers: hard deadline of one run. */
  readonly deadlineSeconds?: number;
  /** Batch jobs only: the program's arguments. */
  readonly args?: readonly string[];
  /** Services outside the cluster it calls with credentials of their own (site-supplied Secrets). @default none */
  readonly externalServices?: readonly ExternalService[];
  /**
   * Long-running kinds: paths the program writes besides the kind's (the root filesystem is read-only), each an
   * emptyDir of `sizeLimit` (e.g. Next.js's `.next/cache`). `name` is the volume's. @default none
   */
  readonly writable?: readonly { readonly name: string; readonly path: string; readonly sizeLimit: string }[];
  /** Long-running kinds: the entry's own HTTP probes. @default the kind's */
  readonly probes?: ProbeSpecs;
  /**
   * Schema migrations run with the entry's image before its pods roll: an Argo CD PreSync hook Job (the
   * installer applies it first). `args` run the migration tool (e.g. `prisma migrate deploy`); it connects to
   * the primary directly, not through the transaction pooler, since migration tools hold session locks.
   */
  readonly migrate?: { readonly args: readonly string[] };
  /**
   * Long-running kinds: a progressive (canary) rollout by Argo Rollouts instead of the Deployment's rolling
   * update, where the environment turns canaries on (`apps.canaryRollouts`; charts/apps/rollout.ts). @default none
   */
  readonly rollout?: RolloutSpec;
  /**
   * Alerts on the requests of the entry's own Ingress (`ingressHost`), from ingress-nginx's request metrics where
   * the environment runs ingress-nginx and Prometheus: an error rate above `maxErrorRate` for 5 minutes is
   * critical, a p99 above `maxP99LatencyMs` for 5 minutes a warning (charts/apps/request-metrics.ts). @default none
   */
  readonly requestAlerts?: RequestThresholds;
}

/** One step of a canary: send `weight` % of the traffic (or of the pods) to the new version, then wait. */
export interface CanaryStep {
  /** Percent of the traffic the new version gets, 1..100, strictly increasing from step to step. */
  readonly weight: number;
  /** How long to hold this weight before the next step; absent: until a person promotes (`kubectl argo rollouts promote`). */
  readonly pauseMinutes?: number;
}

/** Limits on a service's requests through its own Ingress. At least one. */
export interface RequestThresholds {
  /** The share of requests answered with a 5xx above which it is too many, e.g. 0.05 (0 < x < 1). */
  readonly maxErrorRate?: number;
  /** The 99th percentile request time, in whole milliseconds, above which it is too slow. */
  readonly maxP99LatencyMs?: number;
}

/**
 * When a canary is rolled back by itself: measured from the ingress controller's requests to the canary
 * (ingress-nginx's request metrics in the environment's Prometheus), all the while its steps run; a threshold
 * crossed three times aborts the rollout, and all traffic returns to the stable version (charts/apps/rollout.ts).
 */
export type CanaryAnalysis = RequestThresholds;

/** How a service's new versions reach its users. */
export interface RolloutSpec {
  readonly canary: { readonly steps: readonly CanaryStep[]; readonly analysis?: CanaryAnalysis };
}


/** A read-only content volume of a service, filled from object storage (see CatalogEntry.sharedVolume). */
export interface SharedVolume {
  /** The PersistentVolumeClaim's name. */
  readonly claimName: string;
  /** Where every replica sees it (read-only). */
  readonly mountPath: string;
  /**
   * Where its content is in MinIO's documents bucket: version `v` is the folder `<sourcePrefix>/<v>/` (the bucket
   * the platform's services use; a bucket and user of its own would need a MinIO client per platform).
   */
  readonly sourcePrefix: string;
  /** The environment variable that tells the service the current version's folder. */
  readonly pathEnv: string;
}
