/**
 * 40-logging: what the logging add-ons (charts/gitops/addons/) need besides their Helm charts, and Kibana.
 *
 * Every backend: the network flows of Fluent Bit (API server, its backend, Prometheus' scrape). Loki: its S3
 * keys, its flows (Fluent Bit pushes, Grafana queries, replicas gossip, chunks to MinIO/S3), and a Grafana
 * datasource where kube-prometheus-stack's Grafana runs. Elasticsearch: the platform's own Elasticsearch store
 * (charts/data/elasticsearch/) receives the logs: a setup Job there creates Fluent Bit's user, sets Kibana's
 * kibana_system password, and installs the logs' index template and lifecycle policy; Kibana runs in `logging`
 * (./kibana.ts). Why the store kind rather than ECK or elastic/helm-charts: docs/logging.md.
 */
import { ApiObject, Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { stringify } from 'yaml';
import { LOG_AGENT_NAMESPACE, LOGGING_NAMESPACE } from '../../environments/schema';
import type { PlatformContext } from '../context';
import { INTERNAL_CA_ISSUER, NAMESPACES } from '../data/refs';
import { isExternal } from '../context';
import { FLUENT_BIT_CA_SECRET, FLUENT_BIT_HTTP_PORT } from '../gitops/addons/fluent-bit';
import { FLUENT_BIT_ES_SECRET, FLUENT_BIT_ES_USER, lokiCredentials } from '../gitops/addons/logging';
import { LOKI_GRPC_PORT, LOKI_HTTP_PORT, LOKI_MEMBERLIST_PORT, LOKI_SERVICE } from '../gitops/addons/loki';
import { certificate } from '../lib/certificate';
import { API_SERVER_PORTS, PROMETHEUS, apiServer, type PodGroup } from '../lib/graph';
import { meta } from '../lib/labels';
import { serviceHost } from '../lib/naming';
import { KIBANA_SYSTEM_SECRET, kibana } from './kibana';
import { loggingSetup } from './setup';

/** The pods of the add-ons, by the labels their charts give them (fluent-bit _helpers.tpl, loki single-binary). */
export const FLUENT_BIT_PODS: PodGroup = { namespace: LOG_AGENT_NAMESPACE, selector: { 'app.kubernetes.io/name': 'fluent-bit' }, display: `${LOG_AGENT_NAMESPACE}/fluent-bit` };
export const LOKI_PODS: PodGroup = {
  namespace: LOGGING_NAMESPACE, selector: { 'app.kubernetes.io/name': 'loki', 'app.kubernetes.io/component': 'single-binary' }, display: `${LOGGING_NAMESPACE}/loki`,
};
/** kube-prometheus-stack's Grafana (its datasource sidecar reads ConfigMaps labelled grafana_datasource). */
const GRAFANA: PodGroup = { namespace: 'monitoring', selector: { 'app.kubernetes.io/name': 'grafana' }, display: 'monitoring/grafana' };
/**
 * prometheus-community/helm-charts kube-prometheus-stack-62.7.0 charts/kube-prometheus-stack/values.yaml
 * grafana.sidecar.datasources: enabled, label grafana_datasource, labelValue "1", no searchNamespace (grafana-8.5.12
 * values.yaml: null = Grafana's own namespace, monitoring).
 */
export const GRAFANA_DATASOURCE_LABEL = { grafana_datasource: '1' } as const;

export class LoggingChart extends Chart {
  constructor(scope: Construct, id: string, ctx: PlatformContext) {
    super(scope, id, { disableResourceNameHashes: true });
    const { config: c, graph } = ctx;
    const l = c.addons.logging;
    if (!l) return;
    graph.connect({ pods: FLUENT_BIT_PODS }, { addresses: apiServer(c) }, API_SERVER_PORTS, 'Fluent Bit\'s kubernetes filter reads pod metadata from the API');
    graph.connect({ pods: PROMETHEUS }, { pods: FLUENT_BIT_PODS }, [{ port: FLUENT_BIT_HTTP_PORT, name: 'http' }], 'Prometheus scrapes Fluent Bit');
    if (l.backend === 'loki') this.loki(ctx);
    else this.elasticsearch(ctx);
  }

  private loki(ctx: PlatformContext): void {
    const { config: c, graph, refs } = ctx;
    const minio = refs.minio!;
    const http = [{ port: LOKI_HTTP_PORT, name: 'http-metrics' }];
    const keys = lokiCredentials(c);
    if (keys) {
      const ref = minio.credentials('logs');
      // S3 on EKS: the site's Secret in the logging namespace; MinIO: a copy of its `logs` client's keys.
      ctx.secrets.push(isExternal(c, 'minio')
        ? { ...ref, keys: [...ref.keys], namespace: LOGGING_NAMESPACE, suppliedBy: 'site' }
        : { ...ref, keys: [...ref.keys], namespace: LOGGING_NAMESPACE, copyOf: { namespace: NAMESPACES.minio, name: ref.name } });
    }
    graph.connect({ pods: FLUENT_BIT_PODS }, { pods: LOKI_PODS }, http, 'Fluent Bit pushes logs to Loki');
    graph.connect({ pods: LOKI_PODS }, { pods: LOKI_PODS }, [{ port: LOKI_GRPC_PORT, name: 'grpc' }, { port: LOKI_MEMBERLIST_PORT, name: 'http-memberlist' }],
      'Loki replicas replicate writes and gossip their ring');
    graph.use(LOKI_PODS, minio.s3, 'Loki stores chunks and its index in object storage');
    graph.connect({ pods: PROMETHEUS }, { pods: LOKI_PODS }, http, 'Prometheus scrapes Loki');
    if (!c.addons.monitoring.enabled) return;
    graph.connect({ pods: GRAFANA }, { pods: LOKI_PODS }, http, 'Grafana queries Loki');
    // The datasource sidecar of kube-prometheus-stack's Grafana (values.yaml grafana.sidecar.datasources.enabled)
    // loads ConfigMaps of its namespace that carry the label.
    const datasources = {
      apiVersion: 1,
      datasources: [{ name: 'Loki', type: 'loki', uid: 'loki', access: 'proxy', url: `http://${serviceHost(c, LOKI_SERVICE, LOGGING_NAMESPACE)}:${LOKI_HTTP_PORT}`, isDefault: false }],
    };
    new ApiObject(this, 'grafana-datasource', {
      apiVersion: 'v1', kind: 'ConfigMap',
      metadata: meta(c, { name: 'grafana-datasource-loki', namespace: 'monitoring', id: { name: 'loki', component: 'datasource' }, extraLabels: { ...GRAFANA_DATASOURCE_LABEL } }),
      data: { 'loki.yaml': stringify(datasources, { lineWidth: 0 }) },
    });
  }

  private elasticsearch(ctx: PlatformContext): void {
    const { config: c, graph, refs } = ctx;
    const es = refs.elasticsearch!;
    const esNs = NAMESPACES.elasticsearch;
    // Originals beside Elasticsearch (the setup Job reads them), copies where the clients run.
    ctx.secrets.push(
      { ...FLUENT_BIT_ES_SECRET, keys: [...FLUENT_BIT_ES_SECRET.keys], namespace: esNs, fixed: { username: FLUENT_BIT_ES_USER } },
      { ...FLUENT_BIT_ES_SECRET, keys: [...FLUENT_BIT_ES_SECRET.keys], namespace: LOG_AGENT_NAMESPACE, copyOf: { namespace: esNs, name: FLUENT_BIT_ES_SECRET.name } },
    );
    graph.use(FLUENT_BIT_PODS, es.http, 'Fluent Bit writes logs to Elasticsearch (HTTPS)');
    // Fluent Bit verifies Elasticsearch's certificate with the internal CA: this certificate's Secret carries it.
    certificate(this, 'fluent-bit-ca', {
      config: c, name: FLUENT_BIT_CA_SECRET, namespace: LOG_AGENT_NAMESPACE, id: { name: 'fluent-bit', component: 'tls' },
      issuer: { name: INTERNAL_CA_ISSUER, kind: 'ClusterIssuer' },
      subject: { commonName: `fluent-bit.${LOG_AGENT_NAMESPACE}`, dnsNames: [`fluent-bit.${LOG_AGENT_NAMESPACE}`], usages: ['digital signature', 'client auth'] },
    });
    loggingSetup(this, ctx, { fluentBit: FLUENT_BIT_ES_SECRET.name, kibana: KIBANA_SYSTEM_SECRET.name });
    kibana(this, ctx);
  }
}
