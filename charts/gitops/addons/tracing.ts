/**
 * The tracing pipeline of spec 004 ("Monitoring and Observability Architecture": Applications → OpenTelemetry
 * Collector → Jaeger → Grafana), where an environment turns on `addons.tracing`: two add-ons in the `tracing`
 * namespace.
 *
 * - `otel-collector`: open-telemetry/opentelemetry-helm-charts `opentelemetry-collector` 0.106.1 as a Deployment
 *   (a gateway the applications send OTLP to on 4317 gRPC / 4318 HTTP), exporting spans to Jaeger over OTLP.
 *   values.yaml at the tag: `image.repository` has no default (the chart asks for one) and `command.name` names
 *   the binary; every other receiver (jaeger, zipkin, prometheus) and their ports are removed, so the Service
 *   opens only OTLP (and 8888 for Prometheus where monitoring runs); hostPorts are rendered only in daemonset mode
 *   (templates/_config.tpl `$.isAgent`). Image otel/opentelemetry-collector-k8s 0.109.0 (Chart.yaml appVersion):
 *   open-telemetry/opentelemetry-collector-releases distributions/otelcol-k8s/Dockerfile `USER 10001`,
 *   ENTRYPOINT /otelcol-k8s (stored version 00dc9449 read; the Dockerfile is the same for every release).
 * - `jaeger`: jaegertracing/helm-charts `jaeger` 3.3.1 (Jaeger 1.53.0, Chart.yaml appVersion). Storage is the
 *   production-sensible choice of the chart's five (values.yaml storage.type): Elasticsearch or OpenSearch the
 *   site runs (spec 004 has a managed OpenSearch), which survives pod restarts, scales apart from Jaeger and
 *   keeps N days through the chart's es-index-cleaner CronJob; Cassandra would be one more database to run,
 *   Badger and memory live in one pod (Badger needs an existing claim in this chart: storage.badger.persistence
 *   .useExistingPvcName) and cannot run the collector and query apart. `memory` (all-in-one) is allowed only
 *   without `ha`, for dev. The bundled subcharts (cassandra, elasticsearch, kafka) are off
 *   (provisionDataStore), and so is the deprecated agent DaemonSet and the query pod's agent sidecar (the
 *   collector receives OTLP itself). Images jaegertracing/jaeger-collector, -query, -es-index-cleaner and
 *   all-in-one 1.53.0: jaegertracing/jaeger v1.53.0 cmd/<name>/Dockerfile `USER ${USER_UID}` with
 *   `ARG USER_UID=10001`; all-in-one declares VOLUME /tmp.
 */
import type { EnvironmentConfig } from '../../../environments/schema';
import { planServices } from '../../apps/plan';
import { PROMETHEUS, pods, type DependencyGraph, type PodGroup, type Port } from '../../lib/graph';
import { image, imageParts } from '../../lib/images';
import { serviceHost } from '../../lib/naming';
import { res, RESTRICTED, type AddonSpec } from './kit';

export const TRACING_NAMESPACE = 'tracing';
export const JAEGER_VERSION = '1.53.0';
/** The Service the applications send OTLP to (fullnameOverride), and its ports (values.yaml ports.otlp, ports.otlp-http). */
export const OTEL_COLLECTOR = { service: 'otel-collector', grpcPort: 4317, httpPort: 4318 } as const;
/** Jaeger's collector Service (templates/collector-svc.yaml or allinone-collector-svc.yaml: `<fullname>-collector`) and its OTLP port. */
export const JAEGER_COLLECTOR = { service: 'jaeger-collector', otlpPort: 4317 } as const;
/** Jaeger's query (UI and API) Service (templates/query-svc.yaml with query.service.port; allinone-query-svc.yaml 16686). */
export const JAEGER_QUERY = { service: 'jaeger-query', port: 16686 } as const;
/** The password of the Elasticsearch/OpenSearch user, created by the site (storage.elasticsearch.existingSecret, key `password`). */
export const JAEGER_ES_SECRET = { name: 'jaeger-elasticsearch', namespace: TRACING_NAMESPACE, keys: ['password'], suppliedBy: 'site' } as const;

const nonRoot = { ...RESTRICTED, readOnlyRootFilesystem: true, runAsUser: 10001 };
const podNonRoot = { runAsNonRoot: true, runAsUser: 10001, fsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } };

export const OTEL_RESOURCES = res('200m', '256Mi', '1', '512Mi');
export const JAEGER_RESOURCES = {
  collector: res('200m', '256Mi', '1', '512Mi'),
  query: res('100m', '128Mi', '500m', '256Mi'),
  cleaner: res('50m', '64Mi', '200m', '128Mi'),
  allInOne: res('200m', '512Mi', '1', '1Gi'),
};

const replicasOf = (c: EnvironmentConfig) => (c.ha ? 2 : 1);

const OTEL_IMAGE = 'docker.io/otel/opentelemetry-collector-k8s:0.109.0';
const jaegerImage = (name: string) => `docker.io/jaegertracing/${name}:${JAEGER_VERSION}`;
/** The pinned upstream images of both add-ons (before the registry rewrite). */
export const TRACING_IMAGES = [OTEL_IMAGE, ...['jaeger-collector', 'jaeger-query', 'jaeger-es-index-cleaner', 'all-in-one'].map(jaegerImage)];

export function otelCollector(c: EnvironmentConfig): AddonSpec<'otel-collector'> {
  const ref = image(c, OTEL_IMAGE);
  const p = imageParts(ref);
  const replicas = replicasOf(c);
  const monitored = c.addons.monitoring.enabled;
  const jaeger = `${serviceHost(c, JAEGER_COLLECTOR.service, TRACING_NAMESPACE)}:${JAEGER_COLLECTOR.otlpPort}`;
  return {
    name: 'otel-collector', namespace: TRACING_NAMESPACE, chart: 'opentelemetry-collector',
    repoURL: 'https://open-telemetry.github.io/opentelemetry-helm-charts', version: '0.106.1',
    images: [ref],
    values: {
      mode: 'deployment',
      fullnameOverride: OTEL_COLLECTOR.service,
      image: { repository: `${p.registry}/${p.repository}`, tag: p.tag, pullPolicy: c.images.pullPolicy },
      command: { name: 'otelcol-k8s' },
      replicaCount: replicas,
      podDisruptionBudget: { enabled: replicas > 1, maxUnavailable: 1 },
      resources: OTEL_RESOURCES,
      podSecurityContext: podNonRoot,
      securityContext: nonRoot,
      ports: {
        'jaeger-compact': { enabled: false }, 'jaeger-thrift': { enabled: false }, 'jaeger-grpc': { enabled: false }, zipkin: { enabled: false },
        metrics: { enabled: monitored },
      },
      serviceMonitor: { enabled: monitored },
      // null removes the chart's default receivers and pipelines (values.yaml config): OTLP in, Jaeger out.
      config: {
        receivers: { jaeger: null, zipkin: null, prometheus: null },
        exporters: { debug: null, 'otlp/jaeger': { endpoint: jaeger, tls: { insecure: true } } },
        service: {
          pipelines: {
            traces: { receivers: ['otlp'], processors: ['memory_limiter', 'batch'], exporters: ['otlp/jaeger'] },
            metrics: null, logs: null,
          },
        },
      },
    },
    ignoreDifferences: [],
  };
}

export function jaeger(c: EnvironmentConfig): AddonSpec<'jaeger'> {
  const s = c.addons.tracing.storage;
  const replicas = replicasOf(c);
  const monitored = c.addons.monitoring.enabled;
  const ref = (name: string) => image(c, jaegerImage(name));
  const img = (r: string) => { const p = imageParts(r); return { registry: p.registry, repository: p.repository, tag: p.tag, pullPolicy: c.images.pullPolicy }; };
  const common = {
    provisionDataStore: { cassandra: false, elasticsearch: false, kafka: false },
    agent: { enabled: false },
    query: { agentSidecar: { enabled: false } },
  };
  if (s.type === 'memory') {
    const allInOne = ref('all-in-one');
    return {
      name: 'jaeger', namespace: TRACING_NAMESPACE, chart: 'jaeger', repoURL: 'https://jaegertracing.github.io/helm-charts', version: '3.3.1',
      images: [allInOne],
      values: {
        ...common,
        storage: { type: 'memory' },
        allInOne: { enabled: true, image: img(allInOne), resources: JAEGER_RESOURCES.allInOne, podSecurityContext: podNonRoot, securityContext: nonRoot },
        collector: { enabled: false },
        query: { ...common.query, enabled: false },
      },
      ignoreDifferences: [],
    };
  }
  const url = new URL(s.url!);
  const refs = { collector: ref('jaeger-collector'), query: ref('jaeger-query'), cleaner: ref('jaeger-es-index-cleaner') };
  return {
    name: 'jaeger', namespace: TRACING_NAMESPACE, chart: 'jaeger', repoURL: 'https://jaegertracing.github.io/helm-charts', version: '3.3.1',
    images: Object.values(refs),
    values: {
      ...common,
      storage: {
        type: 'elasticsearch',
        elasticsearch: {
          scheme: url.protocol.replace(':', ''), host: url.hostname, port: Number(url.port || (url.protocol === 'https:' ? 443 : 9200)),
          anonymous: false, user: s.username, usePassword: true, existingSecret: JAEGER_ES_SECRET.name, existingSecretKey: 'password',
        },
      },
      allInOne: { enabled: false },
      collector: {
        enabled: true, replicaCount: replicas, image: img(refs.collector), resources: JAEGER_RESOURCES.collector,
        podSecurityContext: podNonRoot, securityContext: nonRoot,
        // templates/collector-svc.yaml opens OTLP only when these are set.
        service: { otlp: { grpc: { name: 'otlp-grpc', port: JAEGER_COLLECTOR.otlpPort }, http: { name: 'otlp-http', port: 4318 } } },
        serviceMonitor: { enabled: monitored },
      },
      query: {
        ...common.query, enabled: true, replicaCount: replicas, image: img(refs.query), resources: JAEGER_RESOURCES.query,
        podSecurityContext: podNonRoot, securityContext: nonRoot,
        service: { port: JAEGER_QUERY.port },
        serviceMonitor: { enabled: monitored },
      },
      // Daily indices older than the retention are deleted (values.yaml esIndexCleaner.numberOfDays).
      esIndexCleaner: {
        enabled: true, numberOfDays: s.retentionDays, image: img(refs.cleaner), resources: JAEGER_RESOURCES.cleaner,
        podSecurityContext: podNonRoot, securityContext: nonRoot,
      },
    },
    ignoreDifferences: [],
  };
}

/** The Jaeger data source Grafana gets (spec 004: "Jaeger --> Grafana"), for kube-prometheus-stack's grafana.additionalDataSources. */
export function jaegerDataSource(c: EnvironmentConfig): Record<string, unknown> {
  return { name: 'Jaeger', type: 'jaeger', access: 'proxy', url: `http://${serviceHost(c, JAEGER_QUERY.service, TRACING_NAMESPACE)}:${JAEGER_QUERY.port}` };
}

const tcp = (name: string, port: number): Port => ({ port, name });
const jaegerPods = (component: string): PodGroup =>
  ({ namespace: TRACING_NAMESPACE, selector: { 'app.kubernetes.io/name': 'jaeger', 'app.kubernetes.io/component': component }, display: `${TRACING_NAMESPACE}/jaeger-${component}` });
export const OTEL_COLLECTOR_PODS: PodGroup = {
  namespace: TRACING_NAMESPACE, selector: { 'app.kubernetes.io/name': 'opentelemetry-collector', 'app.kubernetes.io/instance': 'otel-collector' },
  display: `${TRACING_NAMESPACE}/otel-collector`,
};
const GRAFANA: PodGroup = { namespace: 'monitoring', selector: { 'app.kubernetes.io/name': 'grafana' }, display: 'monitoring/grafana' };

/**
 * The flows of the collector: every service of the catalog may send it spans (declared only where tracing is on).
 * Flows to or from Prometheus and Grafana are dropped by the graph where monitoring is off.
 */
export function otelCollectorFlows(g: DependencyGraph, c: EnvironmentConfig): void {
  for (const plan of planServices(c)) {
    const from = pods(plan.entry.namespace, plan.id);
    g.connect({ pods: from }, { pods: OTEL_COLLECTOR_PODS }, [tcp('otlp-grpc', OTEL_COLLECTOR.grpcPort), tcp('otlp-http', OTEL_COLLECTOR.httpPort)], `${from.display} sends traces to the OpenTelemetry collector`);
  }
  const to = c.addons.tracing.storage.type === 'memory' ? jaegerPods('all-in-one') : jaegerPods('collector');
  g.connect({ pods: OTEL_COLLECTOR_PODS }, { pods: to }, [tcp('otlp-grpc', JAEGER_COLLECTOR.otlpPort)], 'the OpenTelemetry collector exports spans to Jaeger');
  g.connect({ pods: PROMETHEUS }, { pods: OTEL_COLLECTOR_PODS }, [tcp('metrics', 8888)], 'Prometheus scrapes the OpenTelemetry collector');
}

export function jaegerFlows(g: DependencyGraph, c: EnvironmentConfig): void {
  const s = c.addons.tracing.storage;
  const query = s.type === 'memory' ? jaegerPods('all-in-one') : jaegerPods('query');
  g.connect({ pods: GRAFANA }, { pods: query }, [tcp('query', JAEGER_QUERY.port)], 'Grafana queries Jaeger');
  if (s.type === 'memory') return;
  const url = new URL(s.url!);
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 9200));
  for (const p of [jaegerPods('collector'), query, jaegerPods('es-index-cleaner')]) {
    g.connect({ pods: p }, { addresses: { cidrs: s.cidrs!, display: 'trace storage' } }, [tcp('elasticsearch', port)], `${p.display} uses the trace storage at ${url.hostname}`);
  }
  // templates/collector-deploy.yaml and query-deploy.yaml: admin ports 14269 and 16687 serve /metrics.
  g.connect({ pods: PROMETHEUS }, { pods: jaegerPods('collector') }, [tcp('admin', 14269)], 'Prometheus scrapes the Jaeger collector');
  g.connect({ pods: PROMETHEUS }, { pods: query }, [tcp('admin', 16687)], 'Prometheus scrapes Jaeger query');
}
