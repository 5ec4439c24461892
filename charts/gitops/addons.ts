/**
 * 90-addons: one Argo CD Application per cluster add-on of the environment, each an upstream Helm chart at a
 * pinned version with values from the environment, plus the network flows those add-ons need (every namespace
 * denies by default, so an add-on without its flows would not work).
 */
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../../environments/schema';
import type { PlatformContext } from '../context';
import { API_SERVER_PORTS, INTERNET, PROMETHEUS, PRIVATE_RANGES, apiServer, clusterNodes, ingressController, type DependencyGraph, type PodGroup, type Port } from '../lib/graph';
import { ADAPTER_PORT, ADDON_WAVES, addons, ARGOCD_NAMESPACE, GRAFANA_ADMIN_SECRET, IN_CLUSTER, KEDA_OPERATOR, PROMETHEUS_SERVICE, type Addon } from './addons-catalog';
import { addApplication, argoMeta, projectName, syncPolicy } from './argo';
import { ARGO_ROLLOUTS_PORTS, measuresCanaries } from './addons/argo-rollouts';
import { alertReceiversSecret } from './addons/alerting';
import { platformKeys } from '../lib/labels';
import { deploymentName } from '../lib/naming';
import { awsLbcFlows } from './addons/aws-load-balancer-controller';
import { DATADOG_API_KEY_SECRET, DATADOG_TOKEN_SECRET, datadogFlows } from './addons/datadog';
import { JAEGER_ES_SECRET, jaegerFlows, otelCollectorFlows } from './addons/tracing';

export class AddonsChart extends Chart {
  readonly addons: readonly Addon[];

  constructor(scope: Construct, id: string, ctx: PlatformContext) {
    super(scope, id, { disableResourceNameHashes: true });
    const c = ctx.config;
    this.addons = addons(c);
    for (const a of this.addons) {
      // An add-on with a folder of its own has its Application there (charts/gitops/addons/late.ts).
      if (!a.folder) addonApplication(this, c, a);
      addonFlows(ctx.graph, c, a);
    }
    if (c.addons.monitoring.enabled) ctx.secrets.push({ ...GRAFANA_ADMIN_SECRET, keys: [...GRAFANA_ADMIN_SECRET.keys] });
    // Alertmanager's receivers: the site's PagerDuty key and Slack webhook.
    const receivers = alertReceiversSecret(c);
    if (receivers) ctx.secrets.push(receivers);
    // The optional add-ons' Secrets: the Datadog account's API key (the site's) and the agents' token (generated);
    // the password of Jaeger's Elasticsearch or OpenSearch user (the site's).
    if (c.addons.datadog.enabled) ctx.secrets.push({ ...DATADOG_API_KEY_SECRET, keys: [...DATADOG_API_KEY_SECRET.keys] }, { ...DATADOG_TOKEN_SECRET, keys: [...DATADOG_TOKEN_SECRET.keys] });
    if (c.addons.tracing.enabled && c.addons.tracing.storage.type === 'elasticsearch') ctx.secrets.push({ ...JAEGER_ES_SECRET, keys: [...JAEGER_ES_SECRET.keys] });
  }
}

/** The Argo CD Application of one add-on: its pinned chart, values and images, in the add-on's wave. */
export function addonApplication(scope: Chart, c: EnvironmentConfig, a: Addon): void {
  addApplication(scope, a.name, argoMeta(c, `${deploymentName(c)}-${a.name}`, 'addon', {
    wave: ADDON_WAVES[a.name], waveLabel: false,
    annotations: { [platformKeys(c).images]: a.images.join(',') },
  }), {
    project: projectName(c, 'system'),
    source: { repoURL: a.repoURL, chart: a.chart, targetRevision: a.version, helm: { releaseName: a.name, valuesObject: a.values } },
    // Argo CD upgrades itself in the cluster it runs in; everything else goes to the environment's cluster.
    destination: { server: a.name === 'argo-cd' ? IN_CLUSTER : c.cluster.server, namespace: a.namespace },
    syncPolicy: syncPolicy(c, a.ignoreDifferences.length ? ['RespectIgnoreDifferences=true'] : []),
    ...(a.ignoreDifferences.length ? { ignoreDifferences: a.ignoreDifferences as any } : {}),
  });
}

/** The port of an http(s) or ssh URL (its scheme's default when absent). */
function urlPort(u: string): number {
  const url = new URL(u);
  return Number(url.port || ({ 'https:': 443, 'http:': 80, 'ssh:': 22 } as Record<string, number>)[url.protocol] || 443);
}

const tcp = (name: string, ...ports: number[]): Port[] => ports.map((port) => ({ port, name }));
const group = (namespace: string, name: string, extra: Record<string, string> = {}): PodGroup => {
  const component = extra['app.kubernetes.io/component'];
  return { namespace, selector: { 'app.kubernetes.io/name': name, ...extra }, display: `${namespace}/${name}${component ? `-${component}` : ''}` };
};

/** The flows of one add-on, from its chart's pod labels and ports (at the pinned version). */
export function addonFlows(g: DependencyGraph, c: EnvironmentConfig, a: Addon): void {
  const api = { addresses: apiServer(c) };
  const toApi = (p: PodGroup) => g.connect({ pods: p }, api, API_SERVER_PORTS, `${p.display} talks to the Kubernetes API`);
  const webhook = (p: PodGroup, port: number) => g.connect(api, { pods: p }, tcp('webhook', port), `the API server calls the ${a.name} admission webhook`);
  // Dropped by the graph where monitoring is not installed (charts/lib/graph.ts).
  const scrape = (p: PodGroup, ...ports: number[]) =>
    g.connect({ pods: PROMETHEUS }, { pods: p }, tcp('metrics', ...ports), `Prometheus scrapes ${p.display}`);
  const use = (from: PodGroup, to: PodGroup, ports: Port[], why: string) => g.connect({ pods: from }, { pods: to }, ports, why);
  const ns = a.namespace;

  switch (a.name) {
    case 'argo-cd': {
      const [server, repo, controller, redis, appset, redisInit] = ['argocd-server', 'argocd-repo-server', 'argocd-application-controller',
        'argocd-redis', 'argocd-applicationset-controller', 'argocd-redis-secret-init'].map((n) => group(ARGOCD_NAMESPACE, n));
      // The secret-init hook job writes Redis' password Secret.
      [server, controller, appset, redisInit].forEach(toApi);
      for (const p of [server, controller, appset]) use(p, repo, tcp('repo-server', 8081), `${p.display} renders manifests through the repo server`);
      for (const p of [server, controller, repo]) use(p, redis, tcp('redis', 6379), `${p.display} caches in Argo CD's Redis`);
      // Git and Helm repositories on the internet; 0.0.0.0/0 without the private ranges, which would open every
      // pod and node (a private Git server or mirror needs its own range: see docs/network.md).
      g.connect({ pods: repo }, { addresses: { cidrs: ['0.0.0.0/0'], except: PRIVATE_RANGES, display: 'Git and Helm repositories' } }, [...tcp('https', 443), ...tcp('ssh', 22)], 'the repo server fetches Git and Helm repositories');
      // A site's own Git server and chart mirror sit on private addresses: their ranges, on their URLs' ports.
      const site = c.gitops.sourceCidrs ?? [];
      if (site.length) {
        const ports = [...new Set([c.gitops.repoURL, c.addons.chartMirror].filter(Boolean).map(urlPort))].sort((x, y) => x - y);
        g.connect({ pods: repo }, { addresses: { cidrs: site, display: 'site Git server and chart mirror' } }, [...tcp('https', ...ports), ...tcp('ssh', 22)], 'the repo server fetches from the site\'s Git server and chart mirror');
      }
      if (c.cluster.server !== IN_CLUSTER) g.connect({ pods: controller }, api, API_SERVER_PORTS, 'the application controller syncs the destination cluster');
      scrape(controller, 8082); scrape(server, 8083); scrape(repo, 8084);
      break;
    }
    case 'cert-manager': {
      const [controller, hook, cainjector, startup] = ['cert-manager', 'webhook', 'cainjector', 'startupapicheck'].map((n) => group(ns, n));
      [controller, hook, cainjector, startup].forEach(toApi);
      webhook(hook, 10250);
      if (c.ingress.tlsIssuer === 'acme') {
        g.connect({ pods: controller }, { addresses: { cidrs: ['0.0.0.0/0'], except: PRIVATE_RANGES, display: 'ACME server' } }, tcp('https', 443), 'cert-manager orders certificates from the ACME server');
        // HTTP-01 self check: the controller fetches the challenge through the public address of the ingress.
        g.connect({ pods: controller }, { addresses: { cidrs: ['0.0.0.0/0'], except: PRIVATE_RANGES, display: 'ingress public address' } }, tcp('http', 80), 'cert-manager checks its HTTP-01 challenges');
      }
      scrape(controller, 9402);
      break;
    }
    case 'ingress-nginx': {
      const controller = ingressController(c);
      const certgen = group(ns, 'ingress-nginx', { 'app.kubernetes.io/component': 'admission-webhook' });
      toApi(controller); toApi(certgen);
      g.connect({ addresses: { cidrs: ['0.0.0.0/0'], display: 'clients' } }, { pods: controller }, [...tcp('http', 80), ...tcp('https', 443)], 'clients reach the ingress controller');
      webhook(controller, 8443);
      scrape(controller, 10254);
      break;
    }
    case 'kube-prometheus-stack': {
      const operator = group(ns, 'kube-prometheus-stack-prometheus-operator');
      const alertmanager = group(ns, 'alertmanager');
      const grafana = group(ns, 'grafana');
      const ksm = group(ns, 'kube-state-metrics');
      [PROMETHEUS, operator, grafana, ksm].forEach(toApi);
      webhook(operator, 10250);
      use(PROMETHEUS, alertmanager, tcp('web', 9093), 'Prometheus sends alerts to Alertmanager');
      use(alertmanager, alertmanager, [...tcp('mesh', 9094), { port: 9094, name: 'mesh-udp', protocol: 'UDP' }], 'Alertmanager replicas gossip');
      use(grafana, PROMETHEUS, tcp('web', 9090), 'Grafana queries Prometheus');
      use(grafana, alertmanager, tcp('web', 9093), 'Grafana shows alerts');
      const alerting = c.addons.monitoring.alerting;
      if (alerting) {
        const to = [alerting.pagerduty && 'PagerDuty', alerting.slack && 'Slack'].filter(Boolean).join(' and ');
        g.connect({ pods: alertmanager }, { addresses: INTERNET }, tcp('https', 443), `Alertmanager notifies ${to}`);
      }
      // Node exporter and the kubelet run on the host network: scraped at the node addresses.
      g.connect({ pods: PROMETHEUS }, { addresses: clusterNodes(c) }, tcp('metrics', 10250, 9100), 'Prometheus scrapes the kubelets and node exporters');
      scrape(PROMETHEUS, 9090, 8080); scrape(alertmanager, 9093, 8080); scrape(operator, 10250); scrape(ksm, 8080); scrape(grafana, 3000);
      break;
    }
    case 'prometheus-adapter': {
      // An aggregated API server: the API server proxies external.metrics.k8s.io to it, it checks the caller
      // with the API server (delegated authentication and authorization) and answers from Prometheus.
      const adapter = group(ns, 'prometheus-adapter');
      g.connect(api, { pods: adapter }, tcp('https', ADAPTER_PORT), 'the API server proxies the metrics APIs to prometheus-adapter');
      toApi(adapter);
      use(adapter, PROMETHEUS, tcp('web', PROMETHEUS_SERVICE.port), 'prometheus-adapter queries Prometheus');
      break;
    }
    case 'metrics-server': {
      // kube-system has no policies of ours: these flows document it (and open Prometheus' egress to it).
      const ms = group(ns, 'metrics-server');
      g.connect(api, { pods: ms }, tcp('https', 10250), 'the API server proxies metrics.k8s.io to metrics-server');
      toApi(ms);
      scrape(ms, 10250);
      break;
    }
    case 'external-secrets': {
      const [controller, hook, certController] = ['external-secrets', 'external-secrets-webhook', 'external-secrets-cert-controller'].map((n) => group(ns, n));
      [controller, hook, certController].forEach(toApi);
      webhook(hook, 10250);
      const aws = c.secrets.source === 'aws' ? c.secrets.aws : undefined;
      if (aws) {
        // Secrets Manager and STS (the IRSA token exchange): their VPC endpoints, or the public endpoints.
        const to = aws.cidrs ? { cidrs: aws.cidrs, display: 'aws-endpoints' } : INTERNET;
        g.connect({ pods: controller }, { addresses: to }, tcp('https', 443), 'External Secrets reads Secret values from AWS Secrets Manager (and STS for its role)');
      }
      const vault = c.secrets.source === 'vault' ? c.secrets.vault : undefined;
      if (vault) {
        const port = Number(new URL(vault.server).port || 443);
        g.connect({ pods: controller }, { addresses: { cidrs: vault.cidrs, display: 'vault' } }, tcp('vault', port), 'External Secrets reads Secret values from Vault');
      }
      scrape(controller, 8080);
      break;
    }
    case 'keda': {
      // kedacore/charts v2.15.2 keda/templates: the metrics API server asks the operator over gRPC on 9666
      // (metrics-server/deployment.yaml --metrics-service-address); the API server calls the metrics API server
      // on 6443 (service.portHttpsTarget) and the webhooks on 9443 (webhooks.port default). The operator reaches
      // each ScaledJob's trigger source: those flows are declared with the ScaledJob (charts/apps/queue-worker.ts).
      const [operator, metrics, hooks] = [KEDA_OPERATOR, `${KEDA_OPERATOR}-metrics-apiserver`, 'keda-admission-webhooks'].map((n) => group(ns, n));
      [operator, metrics, hooks].forEach(toApi);
      use(metrics, operator, tcp('metricsservice', 9666), 'the KEDA metrics API server asks the operator for metric values');
      g.connect(api, { pods: metrics }, tcp('https', 6443), 'the API server proxies external.metrics.k8s.io to KEDA');
      webhook(hooks, 9443);
      break;
    }
    case 'aws-load-balancer-controller': awsLbcFlows(g, a, { toApi, webhook, scrape }); break;
    case 'argo-rollouts': {
      // argo-helm argo-rollouts-2.37.7 templates/controller/deployment.yaml: pod labels name argo-rollouts,
      // component rollouts-controller; it changes Rollouts, ReplicaSets, Services and Ingresses through the API
      // server only, and serves /metrics on 8090.
      const controller = group(ns, 'argo-rollouts', { 'app.kubernetes.io/component': 'rollouts-controller' });
      toApi(controller);
      // The canaries' analyses: the controller sends their queries to Prometheus itself (v1.7.2 analysis/controller.go).
      if (measuresCanaries(c)) use(controller, PROMETHEUS, tcp('web', PROMETHEUS_SERVICE.port), 'Argo Rollouts measures the canaries in Prometheus');
      scrape(controller, ARGO_ROLLOUTS_PORTS.metrics);
      break;
    }
    // The optional add-ons declare their own flows (charts/gitops/addons/).
    case 'datadog': datadogFlows(g, c); break;
    case 'otel-collector': otelCollectorFlows(g, c); break;
    case 'jaeger': jaegerFlows(g, c); break;
    // Falco needs no network (no Kubernetes collector, no sidekick: alerts go to stdout).
    case 'falco': break;
    case 'vpa': {
      const recommender = group(ns, 'vpa', { 'app.kubernetes.io/component': 'recommender' });
      toApi(recommender);
      // FairwindsOps/charts stable/vpa 4.6.0 templates/recommender-deployment.yaml containerPort 8942 (metrics).
      scrape(recommender, 8942);
      break;
    }
    default:
  }
}
