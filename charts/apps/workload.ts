/**
 * The parts every long-running application workload shares: ServiceAccount (no API token), ConfigMap of
 * connection settings, Deployment, Service, HPA and PodDisruptionBudget. The construct of each kind (api,
 * agent, model server, frontend, gateway) supplies only its container specifics.
 *
 * Why these defaults: rolling updates never take a ready pod away first (maxUnavailable 0, spec 002 §6.2.1;
 * the GPU model server is the one exception, see kinds.ts);
 * a preStop pause lets endpoints and the ingress controller drop a terminating pod before it stops accepting;
 * the root filesystem is read-only with emptyDirs where programs write; an HPA target has no spec.replicas
 * (Argo CD would fight the HPA); replicas spread over nodes.
 */
import { Construct } from 'constructs';
import { k8s } from '../../imports/k8s';
import type { PlatformContext } from '../context';
import { disruptionBudget } from '../lib/disruption';
import { PROMETHEUS, pods } from '../lib/graph';
import { CONFIG_CHECKSUM, configChecksum } from '../lib/checksum';
import { container, containerPort, emptyDir } from '../lib/container';
import { meta, selectorLabels, serviceAccountMeta } from '../lib/labels';
import { resources } from '../lib/resources';
import { placement, spreadOverNodes } from '../lib/scheduling';
import { DEFAULT_UID, podSecurityContext } from '../lib/security';
import { wire } from './connections';
import type { HttpProbeSpec, ProbeSpecs } from '../../environments/service';
import { migrationJob } from './migration';
import type { ServicePlan } from './plan';
import { queueSelector, REQUEST_RATE_METRIC, requestRateSelector } from './metrics';
import { sharedVolume } from './shared-volume';
import { canaryRollout } from './rollout';

export interface Probes {
  /** For slow starters: liveness and readiness wait until it succeeds. */
  readonly startup?: k8s.Probe;
  readonly liveness: k8s.Probe;
  readonly readiness: k8s.Probe;
}

export interface KindSpec {
  /** @default the catalog image */
  readonly image?: string;
  readonly args?: string[];
  readonly env?: k8s.EnvVar[];
  /** Extra settings for the service's ConfigMap (non-secret, kind-specific). */
  readonly settings?: Record<string, string>;
  readonly probes: Probes;
  /** Writable paths on a read-only root filesystem. @default /tmp */
  readonly writable?: { readonly name: string; readonly path: string; readonly sizeLimit: string }[];
  readonly volumes?: k8s.Volume[];
  readonly mounts?: k8s.VolumeMount[];
  /** The image's own non-root user. @default DEFAULT_UID */
  readonly uid?: number;
  readonly extraLimits?: Record<string, string>;
  readonly nodeSelector?: Record<string, string>;
  readonly tolerations?: k8s.Toleration[];
  /** @default 30 */
  readonly terminationGracePeriodSeconds?: number;
  /** Content of other ConfigMaps the pod mounts, for the roll-on-change checksum. */
  readonly checksumOf?: string[];
  /** Whether the program serves Prometheus metrics (false: no scrape, it would only fetch HTML). @default true */
  readonly metrics?: boolean;
  /** @default ROLLOUT_NO_UNAVAILABILITY */
  readonly rollout?: Rollout;
}

export interface Rollout {
  readonly maxSurge: number;
  readonly maxUnavailable: number;
}

/** Spec 002 §6.2.1: a new pod is ready before an old one goes. */
export const ROLLOUT_NO_UNAVAILABILITY: Rollout = { maxSurge: 1, maxUnavailable: 0 };


export const HTTP_PORT_NAME = 'http';
export const METRICS_PORT_NAME = 'metrics';

/** An HTTP GET probe on a named port. */
export function httpProbe(path: string, port: string, o: Partial<k8s.Probe> = {}): k8s.Probe {
  return { httpGet: { path, port: k8s.IntOrString.fromString(port) }, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3, ...o };
}

/**
 * The probes of a workload: the kind's, with the catalog entry's own (environments/service.ts ProbeSpecs) laid
 * over them. A stated liveness probe drops the kind's startup probe, which checks the kind's liveness path (the
 * stated `initialDelaySeconds` takes its place) unless the entry states a startup probe as well.
 */
export function entryProbes(kind: Probes, own: ProbeSpecs | undefined): Probes {
  if (!own) return kind;
  const probe = (p: HttpProbeSpec) => {
    const { path, ...timing } = p;
    return httpProbe(path, HTTP_PORT_NAME, timing);
  };
  const startup = own.startup ? probe(own.startup) : own.liveness ? undefined : kind.startup;
  return {
    ...(startup ? { startup } : {}),
    liveness: own.liveness ? probe(own.liveness) : kind.liveness,
    readiness: own.readiness ? probe(own.readiness) : kind.readiness,
  };
}

export function configMapName(service: string): string {
  return `${service}-config`;
}

export class AppWorkload extends Construct {
  readonly deployment: k8s.KubeDeployment;

  constructor(scope: Construct, id: string, ctx: PlatformContext, plan: ServicePlan, plans: readonly ServicePlan[], spec: KindSpec) {
    super(scope, id);
    const { config } = ctx;
    const e = plan.entry;
    const ns = e.namespace;
    const name = e.name;
    const version = (spec.image ?? e.image).split(':').pop();
    const m = (n: string) => meta(config, { name: n, namespace: ns, id: plan.id, version });

    const wiring = wire(this, ctx, plan, plans);
    // A read-only content volume filled by a Job (seed 001's AI brain; ./shared-volume.ts).
    const shared = e.sharedVolume ? sharedVolume(this, ctx, plan, spec.image ?? e.image, spec.uid ?? DEFAULT_UID) : undefined;
    const settings: Record<string, string> = {
      SERVICE_NAME: name,
      PORT: String(e.port),
      ENVIRONMENT: config.name,
      LOG_LEVEL: config.ha ? 'info' : 'debug',
      ...spec.settings,
      ...e.settings,
      ...wiring.settings,
      ...shared?.settings,
    };
    const sorted = Object.fromEntries(Object.entries(settings).sort(([a], [b]) => a.localeCompare(b)));

    new k8s.KubeServiceAccount(this, 'sa', { metadata: serviceAccountMeta(config, name, m(name)), automountServiceAccountToken: false });
    new k8s.KubeConfigMap(this, 'config', { metadata: m(configMapName(name)), data: sorted });

    // The catalog's mounted ConfigMaps (spec 000 §4.1: the agents' model names and tool definitions).
    const files = (e.configFiles ?? []).map((f) => ({ ...f, configMap: `${name}-${f.name}` }));
    for (const f of files) {
      new k8s.KubeConfigMap(this, `files-${f.name}`, { metadata: m(f.configMap), data: { ...f.files } });
    }
    const writable = [...(spec.writable ?? [{ name: 'tmp', path: '/tmp', sizeLimit: '256Mi' }]), ...(e.writable ?? [])];
    const ports: k8s.ContainerPort[] = [containerPort(HTTP_PORT_NAME, e.port)];
    if (e.metricsPort !== undefined) ports.push(containerPort(METRICS_PORT_NAME, e.metricsPort));
    const rollout = spec.rollout ?? ROLLOUT_NO_UNAVAILABILITY;
    const checksum = configChecksum(JSON.stringify([sorted, ...(spec.checksumOf ?? []), ...files.map((f) => f.files)]));
    const probes = entryProbes(spec.probes, e.probes);
    // The kind's own placement (GPU nodes) wins over the namespace's pool (cluster.placement).
    const pool = placement(config, ns);
    const nodeSelector = spec.nodeSelector && Object.keys(spec.nodeSelector).length ? spec.nodeSelector : pool.nodeSelector;
    const tolerations = spec.tolerations?.length ? spec.tolerations : pool.tolerations;

    this.deployment = new k8s.KubeDeployment(this, 'deployment', {
      metadata: m(name),
      spec: {
        // An HPA owns the count, or a canary's Rollout does (it scales this Deployment down: ./rollout.ts).
        ...(plan.hpa || plan.canary ? {} : { replicas: plan.replicas }),
        revisionHistoryLimit: 5,
        progressDeadlineSeconds: 600,
        selector: { matchLabels: selectorLabels(plan.id) },
        strategy: {
          type: 'RollingUpdate',
          rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(rollout.maxUnavailable), maxSurge: k8s.IntOrString.fromNumber(rollout.maxSurge) },
        },
        template: {
          metadata: {
            labels: m(name).labels,
            annotations: { [CONFIG_CHECKSUM]: checksum },
          },
          spec: {
            serviceAccountName: name,
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: podSecurityContext(spec.uid ?? DEFAULT_UID),
            terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds ?? 30,
            topologySpreadConstraints: spreadOverNodes(selectorLabels(plan.id)),
            ...(nodeSelector && Object.keys(nodeSelector).length ? { nodeSelector } : {}),
            ...(tolerations?.length ? { tolerations } : {}),
            ...(shared ? { initContainers: shared.initContainers } : {}),
            containers: [container(config, name, spec.image ?? e.image, {
              ...(spec.args ? { args: spec.args } : {}),
              ports,
              envFrom: [{ configMapRef: { name: configMapName(name) } }],
              ...(wiring.secretEnv.length || spec.env?.length ? { env: [...wiring.secretEnv, ...(spec.env ?? [])] } : {}),
              resources: resources(plan.resources, spec.extraLimits),
              ...(probes.startup ? { startupProbe: probes.startup } : {}),
              livenessProbe: probes.liveness,
              readinessProbe: probes.readiness,
              // Let endpoints and the ingress controller forget this pod before it stops accepting connections.
              lifecycle: { preStop: { exec: { command: ['sleep', '5'] } } },
              volumeMounts: [
                ...writable.map((w) => ({ name: w.name, mountPath: w.path })),
                ...wiring.mounts,
                ...(shared?.mounts ?? []),
                ...(spec.mounts ?? []),
                ...files.map((f) => ({ name: f.configMap, mountPath: f.mountPath, readOnly: true })),
              ],
            })],
            volumes: [
              ...writable.map((w) => emptyDir(w.name, w.sizeLimit)),
              ...wiring.volumes,
              ...(shared?.volumes ?? []),
              ...(spec.volumes ?? []),
              ...files.map((f) => ({ name: f.configMap, configMap: { name: f.configMap } })),
            ],
          },
        },
      },
    });

    // Schema migrations before the pods roll (an Argo CD PreSync hook), where the catalog entry has them.
    migrationJob(this, { ctx, plan, configMap: configMapName(name), secretEnv: wiring.secretEnv, uid: spec.uid });

    new k8s.KubeService(this, 'service', {
      metadata: m(plan.endpoint?.service ?? name),
      spec: {
        type: 'ClusterIP',
        selector: selectorLabels(plan.id),
        ports: ports.map((p) => ({ name: p.name, port: p.containerPort, targetPort: k8s.IntOrString.fromString(p.name!), protocol: 'TCP' })),
      },
    });

    // A canary rollout takes over the pods (./rollout.ts): the HPA scales the Rollout.
    const scaleTarget = plan.canary
      ? canaryRollout(this, ctx, plan, ports, rollout, version)
      : { apiVersion: 'apps/v1', kind: 'Deployment', name };

    if (plan.hpa) {
      const h = plan.hpa;
      const metrics: k8s.MetricSpecV2[] = [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: h.cpuPercent } } },
      ];
      if (h.memoryPercent !== undefined) {
        metrics.push({ type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: h.memoryPercent } } });
      }
      // The queue depth is an External metric served by prometheus-adapter, an add-on of the monitoring stack:
      // without it the HPA would report the metric as failed and never scale down, so it scales on CPU alone.
      if (h.queue && config.addons.monitoring.enabled) {
        metrics.push({
          type: 'External',
          external: {
            metric: { name: h.queue.metric, selector: { matchLabels: queueSelector(name) } },
            target: { type: 'AverageValue', averageValue: k8s.Quantity.fromString(String(h.queue.averageValue)) },
          },
        });
      }
      // Requests per second per pod (seed 001: scale up above 100), the same External metric path as the queue.
      if (h.requestsPerSecond !== undefined && config.addons.monitoring.enabled) {
        metrics.push({
          type: 'External',
          external: {
            metric: { name: REQUEST_RATE_METRIC, selector: { matchLabels: requestRateSelector(name) } },
            target: { type: 'AverageValue', averageValue: k8s.Quantity.fromString(String(h.requestsPerSecond)) },
          },
        });
      }
      new k8s.KubeHorizontalPodAutoscalerV2(this, 'hpa', {
        metadata: m(name),
        spec: {
          scaleTargetRef: scaleTarget,
          minReplicas: h.minReplicas,
          maxReplicas: h.maxReplicas,
          metrics,
          behavior: h.queue
            // Seed 000 §4.2: add up to 2 pods at a time, remove 1 at a time once the queue stays short.
            ? {
              scaleUp: { stabilizationWindowSeconds: 30, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 2, periodSeconds: 60 }] },
              scaleDown: { stabilizationWindowSeconds: 300, selectPolicy: 'Min', policies: [{ type: 'Pods', value: 1, periodSeconds: 120 }] },
            }
            : {
              scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 60 }, { type: 'Pods', value: 4, periodSeconds: 60 }] },
              scaleDown: { stabilizationWindowSeconds: 300, selectPolicy: 'Min', policies: [{ type: 'Percent', value: 25, periodSeconds: 60 }] },
            },
        },
      });
    }

    if (plan.replicas > 1) {
      // A rollout that takes pods down must not take more than the budget allows a drain to.
      disruptionBudget(this, { config, name, namespace: ns, id: plan.id, replicas: plan.replicas, maxUnavailable: Math.max(1, rollout.maxUnavailable) });
    }

    // Prometheus scrapes /metrics on the metrics port, or on the HTTP port when there is no separate one.
    if (spec.metrics ?? true) {
      const metricsPort = e.metricsPort ?? e.port;
      ctx.graph.connect({ pods: PROMETHEUS }, { pods: pods(ns, plan.id) },
        [{ port: metricsPort, name: e.metricsPort !== undefined ? METRICS_PORT_NAME : HTTP_PORT_NAME }], `prometheus scrapes ${name}`);
    }
  }
}
