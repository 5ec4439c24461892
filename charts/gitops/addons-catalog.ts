/**
 * The cluster add-ons that are not ours to re-implement, each from its upstream Helm chart at a pinned version:
 * Argo CD itself (it manages its own upgrades after the bootstrap), cert-manager, ingress-nginx (kubeadm only;
 * k3s ships Traefik), kube-prometheus-stack (spec 002 §3.3) with prometheus-adapter (the External metrics the
 * agents' HPAs scale on), metrics-server (the resource metrics every CPU/memory HPA needs; kubeadm only: k3s
 * ships one) and External Secrets (spec 002 §11.2.2). What each chart creates: addons-resources.ts.
 *
 * Every image an add-on runs is pinned here and passed through `image()`, so the environment's registry setting
 * rewrites it and `images.txt` lists it (through the Application's images annotation).
 */
import type { EnvironmentConfig } from '../../environments/schema';
import { externalMetricRules } from '../apps/metrics';
import { image, imageParts } from '../lib/images';
import { serviceHost } from '../lib/naming';
import { awsLoadBalancerController } from './addons/aws-load-balancer-controller';
import { argoRollouts, needsArgoRollouts } from './addons/argo-rollouts';
import { datadog, DATADOG_API_KEY_SECRET, DATADOG_TOKEN_SECRET } from './addons/datadog';
import { falco } from './addons/falco';
import { alertmanagerRouting } from './addons/alerting';
import { JAEGER_ES_SECRET, jaeger, jaegerDataSource, otelCollector } from './addons/tracing';
import { vpa } from './addons/vpa';
import { loggingAddons } from './addons/logging';
import type { AddonSpec } from './addons/shapes';

/** Where Argo CD and its Application objects live (in each environment's own cluster). */
export const ARGOCD_NAMESPACE = 'argocd';
/** Argo CD's name for the cluster it runs in. */
export const IN_CLUSTER = 'https://kubernetes.default.svc';

export type AddonName = 'argo-cd' | 'cert-manager' | 'ingress-nginx' | 'kube-prometheus-stack' | 'prometheus-adapter' | 'metrics-server' | 'external-secrets' | 'keda'
  | 'aws-load-balancer-controller'
  | 'datadog' | 'otel-collector' | 'jaeger' | 'falco' | 'vpa' | 'argo-rollouts'
  | 'fluent-bit' | 'loki';

/** An add-on: its pinned chart, values and images (the shape every add-on file returns: ./addons/shapes.ts). */
export type Addon = AddonSpec<AddonName>;

const WEBHOOK_CA = [
  { group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration', jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'] },
  { group: 'admissionregistration.k8s.io', kind: 'MutatingWebhookConfiguration', jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'] },
];
/** An aggregated API whose CA bundle cert-manager's cainjector writes (cert-manager.io/inject-ca-from). */
const APISERVICE_CA = { group: 'apiregistration.k8s.io', kind: 'APIService', jqPathExpressions: ['.spec.caBundle'] };
const CRD_CONVERSION_CA = { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition', jqPathExpressions: ['.spec.conversion.webhook.clientConfig.caBundle'] };

// Kept importable from here; defined in charts/lib/images.ts so that add-ons in their own files can use it.
export { imageParts };

const restricted = {
  runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' },
};
const res = (cpu: string, memory: string, cpuLimit: string, memoryLimit = memory) =>
  ({ requests: { cpu, memory }, limits: { cpu: cpuLimit, memory: memoryLimit } });

/**
 * The health check Argo CD (since 1.8) no longer applies to Applications: without it a parent Application
 * does not wait for a child of an earlier sync wave to be Healthy before syncing the next wave.
 */
export const APPLICATION_HEALTH_LUA = `hs = {}
hs.status = "Progressing"
hs.message = ""
if obj.status ~= nil then
  if obj.status.health ~= nil then
    hs.status = obj.status.health.status
    if obj.status.health.message ~= nil then
      hs.message = obj.status.health.message
    end
  end
end
return hs
`;

const metrics = (c: EnvironmentConfig) => ({ enabled: true, serviceMonitor: { enabled: c.addons.monitoring.enabled } });

/**
 * Hosts Argo CD fetches from that present certificates of the site's own CA (air-gapped sites): the GitOps
 * repository and the chart mirror. Argo CD trusts a custom CA per host (argocd-tls-certs-cm, rendered by the
 * argo-cd chart from configs.tls.certificates).
 */
export function siteHosts(c: EnvironmentConfig): string[] {
  if (!c.cluster.siteCa) return [];
  const host = (u: string) => { try { return new URL(u).hostname; } catch { return undefined; } };
  return [...new Set([host(c.gitops.repoURL), c.addons.chartMirror ? host(c.addons.chartMirror) : undefined].filter((h): h is string => !!h))].sort();
}

function argoCd(c: EnvironmentConfig): Addon {
  const argocd = image(c, 'quay.io/argoproj/argocd:v2.12.4');
  const redis = image(c, 'public.ecr.aws/docker/library/redis:7.2.5-alpine');
  const a = imageParts(argocd);
  const r = imageParts(redis);
  return {
    name: 'argo-cd', namespace: ARGOCD_NAMESPACE, chart: 'argo-cd', repoURL: 'https://argoproj.github.io/argo-helm', version: '7.6.8',
    images: [argocd, redis],
    values: {
      // The usual names (argocd-server, argocd-repo-server, …), which the argocd CLI and the docs expect.
      fullnameOverride: 'argocd',
      global: { image: { repository: `${a.registry}/${a.repository}`, tag: a.tag, imagePullPolicy: c.images.pullPolicy } },
      // No SSO provider is configured here; dex would only add an unused pod.
      dex: { enabled: false },
      redis: { image: { repository: `${r.registry}/${r.repository}`, tag: r.tag }, resources: res('100m', '128Mi', '500m', '256Mi') },
      controller: { resources: res('500m', '1Gi', '2', '2Gi'), metrics: metrics(c) },
      repoServer: { resources: res('250m', '256Mi', '1', '1Gi'), metrics: metrics(c) },
      server: { resources: res('100m', '128Mi', '500m', '256Mi'), metrics: metrics(c) },
      applicationSet: { resources: res('100m', '128Mi', '500m', '256Mi') },
      notifications: { enabled: false },
      configs: {
        cm: {
          'resource.customizations.health.argoproj.io_Application': APPLICATION_HEALTH_LUA,
          // Objects are tracked by annotation so that copies of a label do not make Argo CD adopt them.
          'application.resourceTrackingMethod': 'annotation',
        },
        params: { 'server.insecure': false },
        ...(c.cluster.siteCa ? { tls: { certificates: Object.fromEntries(siteHosts(c).map((h) => [h, c.cluster.siteCa!.certificate])) } } : {}),
      },
    },
    ignoreDifferences: [],
  };
}

function certManager(c: EnvironmentConfig): Addon {
  const v = 'v1.15.3';
  const [controller, webhook, cainjector, startup, solver] = ['controller', 'webhook', 'cainjector', 'startupapicheck', 'acmesolver']
    .map((x) => image(c, `quay.io/jetstack/cert-manager-${x}:${v}`));
  const repo = (ref: string) => ({ repository: ref.slice(0, ref.lastIndexOf(':')), tag: imageParts(ref).tag, pullPolicy: c.images.pullPolicy });
  return {
    name: 'cert-manager', namespace: 'cert-manager', chart: 'cert-manager', repoURL: 'https://charts.jetstack.io', version: v,
    // The ACME solver runs only during HTTP-01 challenges, but it must be mirrored all the same.
    images: [controller, webhook, cainjector, startup, ...(c.ingress.tlsIssuer === 'acme' ? [solver] : [])],
    values: {
      crds: { enabled: true, keep: true },
      replicaCount: c.ha ? 2 : 1,
      podDisruptionBudget: { enabled: c.ha },
      image: repo(controller),
      resources: res('50m', '128Mi', '500m', '256Mi'),
      containerSecurityContext: restricted,
      webhook: { image: repo(webhook), replicaCount: c.ha ? 2 : 1, resources: res('20m', '64Mi', '200m', '128Mi'), containerSecurityContext: restricted },
      cainjector: { image: repo(cainjector), resources: res('20m', '128Mi', '200m', '256Mi'), containerSecurityContext: restricted },
      startupapicheck: { image: repo(startup), containerSecurityContext: restricted },
      acmesolver: { image: repo(solver) },
      // honorLabels: a Certificate's metrics keep its own `namespace` (the delivery alerts name it), instead of the
      // controller's with the Certificate's renamed to exported_namespace (cert-manager v1.15.3
      // deploy/charts/cert-manager values.yaml prometheus.servicemonitor.honorLabels: false).
      prometheus: { enabled: true, servicemonitor: { enabled: c.addons.monitoring.enabled, honorLabels: true } },
    },
    ignoreDifferences: WEBHOOK_CA,
  };
}

function ingressNginx(c: EnvironmentConfig): Addon {
  const controller = image(c, 'registry.k8s.io/ingress-nginx/controller:v1.11.2');
  const certgen = image(c, 'registry.k8s.io/ingress-nginx/kube-webhook-certgen:v1.4.3');
  // The chart pins digests of the upstream images; a mirror keeps the tag, so the digest is dropped.
  const img = (ref: string) => { const p = imageParts(ref); return { registry: p.registry, image: p.repository, tag: p.tag, digest: '', pullPolicy: c.images.pullPolicy }; };
  return {
    name: 'ingress-nginx', namespace: 'ingress', chart: 'ingress-nginx', repoURL: 'https://kubernetes.github.io/ingress-nginx', version: '4.11.2',
    images: [controller, certgen],
    values: {
      controller: {
        image: img(controller),
        ingressClassResource: { name: c.ingress.className, default: true },
        ingressClass: c.ingress.className,
        replicaCount: c.ha ? 2 : 1,
        minAvailable: 1,
        resources: res('100m', '256Mi', '1', '512Mi'),
        // Local keeps the clients' addresses (for rate limits and logs).
        service: c.addons.ingressNginx.service === 'NodePort'
          ? { type: 'NodePort', externalTrafficPolicy: 'Local', nodePorts: { http: 30080, https: 30443 } }
          : { type: 'LoadBalancer', externalTrafficPolicy: 'Local' },
        // honorLabels: the request metrics' own `namespace` (the Ingress's) and `service` (its backend) win over the
        // target's labels (the controller's namespace and metrics Service), which Prometheus would otherwise keep and
        // rename the metric's to exported_namespace / exported_service (ingress-nginx helm-chart-4.11.2
        // templates/controller-servicemonitor.yaml: honorLabels only when set). The canary analyses and request
        // alerts select by the Ingress's namespace (charts/apps/request-metrics.ts).
        metrics: { enabled: true, serviceMonitor: { enabled: c.addons.monitoring.enabled, honorLabels: true } },
        admissionWebhooks: { patch: { image: img(certgen) } },
      },
    },
    ignoreDifferences: WEBHOOK_CA,
  };
}

function prometheusStack(c: EnvironmentConfig): Addon {
  const m = c.addons.monitoring;
  const refs = {
    operator: image(c, 'quay.io/prometheus-operator/prometheus-operator:v0.76.1'),
    reloader: image(c, 'quay.io/prometheus-operator/prometheus-config-reloader:v0.76.1'),
    prometheus: image(c, 'quay.io/prometheus/prometheus:v2.54.1'),
    alertmanager: image(c, 'quay.io/prometheus/alertmanager:v0.27.0'),
    ksm: image(c, 'registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.13.0'),
    nodeExporter: image(c, 'quay.io/prometheus/node-exporter:v1.8.2'),
    grafana: image(c, 'docker.io/grafana/grafana:11.2.0'),
    sidecar: image(c, 'quay.io/kiwigrid/k8s-sidecar:1.27.4'),
    certgen: image(c, 'registry.k8s.io/ingress-nginx/kube-webhook-certgen:v1.4.3'),
  };
  const parts = (ref: string) => imageParts(ref);
  const routing = alertmanagerRouting(c);
  const storage = (size: string) => ({
    volumeClaimTemplate: { spec: { storageClassName: c.storageClass, accessModes: ['ReadWriteOnce'], resources: { requests: { storage: size } } } },
  });
  return {
    name: 'kube-prometheus-stack', namespace: 'monitoring', chart: 'kube-prometheus-stack',
    repoURL: 'https://prometheus-community.github.io/helm-charts', version: '62.7.0',
    images: Object.values(refs),
    values: {
      // Control-plane components that k3s and kubeadm bind to localhost: their scrape targets would be down.
      kubeEtcd: { enabled: false }, kubeControllerManager: { enabled: false }, kubeScheduler: { enabled: false }, kubeProxy: { enabled: false },
      prometheusOperator: {
        image: parts(refs.operator),
        prometheusConfigReloader: { image: parts(refs.reloader) },
        resources: res('100m', '256Mi', '500m', '512Mi'),
        // Certificates from the chart's own job rather than cert-manager: the stack syncs first (the other add-ons
        // create ServiceMonitors, which need its CRDs), so it cannot wait for cert-manager.
        admissionWebhooks: { patch: { image: { ...parts(refs.certgen), sha: '' } } },
      },
      prometheus: {
        prometheusSpec: {
          image: parts(refs.prometheus),
          replicas: m.prometheusReplicas,
          retention: m.retention,
          storageSpec: storage(m.volume.size),
          resources: m.prometheusResources ?? res('500m', '2Gi', '2', '4Gi'),
          // Select every ServiceMonitor, PodMonitor and PrometheusRule of the cluster, not only the chart's own.
          serviceMonitorSelectorNilUsesHelmValues: false,
          podMonitorSelectorNilUsesHelmValues: false,
          ruleSelectorNilUsesHelmValues: false,
          probeSelectorNilUsesHelmValues: false,
        },
      },
      alertmanager: {
        ...(routing ? { config: routing.config } : {}),
        alertmanagerSpec: {
          image: parts(refs.alertmanager), replicas: c.ha ? 2 : 1, storage: storage('2Gi'), resources: res('50m', '128Mi', '200m', '256Mi'),
          ...(routing ? { secrets: routing.secrets } : {}),
        },
      },
      'kube-state-metrics': { image: parts(refs.ksm), resources: res('50m', '128Mi', '200m', '256Mi') },
      'prometheus-node-exporter': { image: parts(refs.nodeExporter), resources: res('50m', '64Mi', '200m', '128Mi') },
      grafana: {
        image: parts(refs.grafana),
        sidecar: { image: parts(refs.sidecar) },
        // Runs as root to chown the volume: not needed without persistence.
        initChownData: { enabled: false },
        testFramework: { enabled: false },
        admin: { existingSecret: GRAFANA_ADMIN_SECRET.name, userKey: 'username', passwordKey: 'password' },
        resources: m.grafanaResources ?? res('100m', '256Mi', '500m', '512Mi'),
        // Spec 004 "Jaeger --> Grafana": where tracing runs (charts/gitops/addons/tracing.ts).
        ...(c.addons.tracing.enabled ? { additionalDataSources: [jaegerDataSource(c)] } : {}),
      },
    },
    ignoreDifferences: WEBHOOK_CA,
  };
}

/** The Prometheus Service kube-prometheus-stack creates for the release name `kube-prometheus-stack`. */
export const PROMETHEUS_SERVICE = { name: 'kube-prometheus-stack-prometheus', namespace: 'monitoring', port: 9090 } as const;
/** The port the adapter serves the aggregated metrics APIs on (the chart's listenPort; its Service maps 443 to it). */
export const ADAPTER_PORT = 6443;

/**
 * prometheus-adapter serves `external.metrics.k8s.io` from Prometheus: the rules are exactly those the
 * application tier's HPAs need (charts/apps/metrics.ts), so a queue metric an HPA names always has a rule.
 * The chart's default custom-metrics rules are off: nothing scales on them, and each one costs a relist query.
 */
function prometheusAdapter(c: EnvironmentConfig): Addon {
  const adapter = image(c, 'registry.k8s.io/prometheus-adapter/prometheus-adapter:v0.12.0');
  const p = imageParts(adapter);
  const replicas = c.ha ? 2 : 1;
  return {
    name: 'prometheus-adapter', namespace: PROMETHEUS_SERVICE.namespace, chart: 'prometheus-adapter',
    repoURL: 'https://prometheus-community.github.io/helm-charts', version: '4.11.0',
    images: [adapter],
    values: {
      image: { repository: `${p.registry}/${p.repository}`, tag: p.tag, pullPolicy: c.images.pullPolicy },
      prometheus: { url: `http://${serviceHost(c, PROMETHEUS_SERVICE.name, PROMETHEUS_SERVICE.namespace)}`, port: PROMETHEUS_SERVICE.port, path: '' },
      listenPort: ADAPTER_PORT,
      replicas,
      // Unavailable adapter = no External metrics = HPAs stop scaling: keep one up through node drains.
      // maxUnavailable only: the chart renders minAvailable too when it is set, next to its default maxUnavailable.
      podDisruptionBudget: { enabled: replicas > 1, maxUnavailable: 1 },
      resources: res('100m', '128Mi', '500m', '256Mi'),
      securityContext: { ...restricted, readOnlyRootFilesystem: true, runAsUser: 10001 },
      rules: { default: false, custom: [], external: externalMetricRules(c.platform.catalog) },
      // The API server verifies the adapter's serving certificate (prometheus-adapter-4.11.0 templates/
      // external-metrics-apiservice.yaml drops insecureSkipTLSVerify and asks cert-manager's cainjector for the
      // CA bundle; templates/certmanager.yaml issues the certificate the Deployment mounts).
      certManager: { enabled: true },
    },
    ignoreDifferences: [APISERVICE_CA],
  };
}

/**
 * metrics-server serves metrics.k8s.io, which every CPU and memory HPA reads. k3s ships it; kubeadm does not.
 * Its serving certificate comes from cert-manager (metrics-server-helm-chart-3.13.0 templates/certificate.yaml,
 * tls.type cert-manager) and the API server verifies it (apiService.insecureSkipTLSVerify false). It verifies
 * the kubelets' serving certificates with the cluster CA, which needs kubeadm's `serverTLSBootstrap: true`
 * (docs/gitops-install.md): kubelet-insecure-tls is not set.
 */
function metricsServer(c: EnvironmentConfig): Addon {
  const ref = image(c, 'registry.k8s.io/metrics-server/metrics-server:v0.8.0');
  const p = imageParts(ref);
  const replicas = c.ha ? 2 : 1;
  return {
    name: 'metrics-server', namespace: 'kube-system', chart: 'metrics-server',
    repoURL: 'https://kubernetes-sigs.github.io/metrics-server/', version: '3.13.0',
    images: [ref],
    values: {
      image: { repository: `${p.registry}/${p.repository}`, tag: p.tag, pullPolicy: c.images.pullPolicy },
      replicas,
      podDisruptionBudget: { enabled: replicas > 1, maxUnavailable: 1 },
      tls: { type: 'cert-manager', clusterDomain: c.cluster.clusterDomain },
      apiService: { insecureSkipTLSVerify: false },
      resources: res('100m', '200Mi', '500m', '400Mi'),
      metrics: { enabled: c.addons.monitoring.enabled },
      serviceMonitor: { enabled: c.addons.monitoring.enabled },
    },
    ignoreDifferences: [APISERVICE_CA],
  };
}

/** Where KEDA runs, and its operator's name (the chart's operator.name: its Deployment, Service and labels). */
export const KEDA_NAMESPACE = 'keda';
export const KEDA_OPERATOR = 'keda-operator';
/** KEDA's own version (kedacore/charts v2.15.2 keda/Chart.yaml appVersion 2.15.1). */
export const KEDA_VERSION = '2.15.1';

/** Whether an environment runs KEDA: it does where an enabled catalog entry is a queue-driven Job. */
export const needsKeda = (c: EnvironmentConfig): boolean =>
  c.platform.catalog.some((e) => e.kind === 'queue-worker' && c.apps.services[e.name]?.enabled !== false);

/**
 * KEDA: its operator starts a Job per queued item for each ScaledJob (charts/apps/queue-worker.ts). From
 * kedacore/charts v2.15.2 keda/values.yaml: the three images (operator, metrics API server, admission webhooks),
 * the restricted security contexts (kept), resources (chart defaults 100m / 100Mi to 1 / 1000Mi, kept explicit);
 * certificates from cert-manager (templates/cert-manager/: a self-signed CA and the serving certificate
 * `kedaorg-certs` the three Deployments mount; cert-manager's cainjector fills the APIService's and the webhook
 * configuration's CA bundles) rather than the operator rotating its own into a Secret Argo CD does not know.
 * The metrics API server (templates/metrics-server/, not optional in this chart) serves
 * v1beta1.external.metrics.k8s.io: an environment runs KEDA or prometheus-adapter's External metrics, not both.
 */
function keda(c: EnvironmentConfig): Addon {
  const refs = {
    keda: image(c, `ghcr.io/kedacore/keda:${KEDA_VERSION}`),
    metricsApiServer: image(c, `ghcr.io/kedacore/keda-metrics-apiserver:${KEDA_VERSION}`),
    webhooks: image(c, `ghcr.io/kedacore/keda-admission-webhooks:${KEDA_VERSION}`),
  };
  const img = (ref: string) => { const p = imageParts(ref); return { registry: p.registry, repository: p.repository, tag: p.tag }; };
  const resources = res('100m', '100Mi', '1', '1000Mi');
  const replicas = c.ha ? 2 : 1;
  return {
    name: 'keda', namespace: KEDA_NAMESPACE, chart: 'keda', repoURL: 'https://kedacore.github.io/charts', version: '2.15.2',
    images: Object.values(refs),
    values: {
      image: { keda: img(refs.keda), metricsApiServer: img(refs.metricsApiServer), webhooks: img(refs.webhooks), pullPolicy: c.images.pullPolicy },
      clusterDomain: c.cluster.clusterDomain,
      crds: { install: true },
      // One leader works at a time (--leader-elect); a second replica only shortens a failover.
      operator: { replicaCount: replicas },
      metricsServer: { replicaCount: replicas },
      webhooks: { enabled: true, replicaCount: replicas },
      podDisruptionBudget: replicas > 1 ? { operator: { maxUnavailable: 1 }, metricServer: { maxUnavailable: 1 }, webhooks: { maxUnavailable: 1 } } : {},
      resources: { operator: resources, metricServer: resources, webhooks: resources },
      certificates: { autoGenerated: false, certManager: { enabled: true } },
    },
    ignoreDifferences: [...WEBHOOK_CA, APISERVICE_CA],
  };
}

function externalSecrets(c: EnvironmentConfig): Addon {
  const eso = image(c, 'ghcr.io/external-secrets/external-secrets:v0.10.3');
  const p = imageParts(eso);
  const img = { repository: `${p.registry}/${p.repository}`, tag: p.tag, pullPolicy: c.images.pullPolicy };
  return {
    name: 'external-secrets', namespace: 'security', chart: 'external-secrets', repoURL: 'https://charts.external-secrets.io', version: '0.10.3',
    images: [eso],
    values: {
      installCRDs: true,
      replicaCount: c.ha ? 2 : 1,
      leaderElect: c.ha,
      image: img,
      webhook: { image: img, resources: res('20m', '64Mi', '200m', '128Mi') },
      certController: { image: img, resources: res('20m', '64Mi', '200m', '128Mi') },
      resources: res('50m', '128Mi', '500m', '256Mi'),
      serviceMonitor: { enabled: c.addons.monitoring.enabled },
    },
    ignoreDifferences: [...WEBHOOK_CA, CRD_CONVERSION_CA],
  };
}

/**
 * The values `helm install` bootstraps Argo CD with on a bare cluster: the catalog's, without ServiceMonitors
 * (the Prometheus operator's CRDs come later, from kube-prometheus-stack); Argo CD's own Application (the last
 * add-on wave) then upgrades it to the catalog's values.
 */
export function argoCdBootstrapValues(c: EnvironmentConfig): Record<string, unknown> {
  const v = JSON.parse(JSON.stringify(argoCd(c).values));
  for (const part of ['controller', 'repoServer', 'server']) v[part].metrics.serviceMonitor.enabled = false;
  return v;
}

/** Grafana's admin login, generated by the secret generator like every other Secret. */
export const GRAFANA_ADMIN_SECRET = { name: 'grafana-admin', namespace: 'monitoring', keys: ['username', 'password'], fixed: { username: 'admin' } } as const;

/**
 * Secrets an add-on needs before External Secrets can run (grafana-admin: kube-prometheus-stack syncs in the
 * first add-on wave, grafana 8.5.12 _pod.tpl reads it with a non-optional secretKeyRef, External Secrets comes
 * later). They are generated in the cluster by `npm run secrets -- --apply` in every environment, Vault ones
 * included, and never read from Vault (`namespace/name`).
 */
export const BOOTSTRAP_SECRETS: ReadonlySet<string> = new Set([GRAFANA_ADMIN_SECRET, DATADOG_TOKEN_SECRET, DATADOG_API_KEY_SECRET, JAEGER_ES_SECRET]
  // The optional add-ons' Secrets too: their Applications sync with the add-ons, before 05-external-secrets could
  // provide them. Site-supplied ones (the Datadog API key, Jaeger's storage password) are checked, never generated.
  .map((x) => `${x.namespace}/${x.name}`));
export const isBootstrapSecret = (s: { namespace: string; name: string }) => BOOTSTRAP_SECRETS.has(`${s.namespace}/${s.name}`);

/** prometheus-adapter only where an HPA scales on an External metric it serves. */
export const needsAdapter = (c: EnvironmentConfig): boolean => externalMetricRules(c.platform.catalog).length > 0;

/**
 * k3s ships metrics-server (and serves metrics.k8s.io); kubeadm and EKS ship none. EKS node images bootstrap the
 * kubelets' serving certificates (serverTLSBootstrap, approved by EKS), so metrics-server verifies them as on kubeadm.
 */
export const needsMetricsServer = (c: EnvironmentConfig) => c.cluster.flavour !== 'k3s';

/** The add-ons an environment runs, in install order (Argo CD first: it installs the rest). */
export function addons(c: EnvironmentConfig): Addon[] {
  const a = c.addons;
  if ((a.monitoring.enabled || needsMetricsServer(c)) && !a.certManager.enabled) {
    throw new Error(`environment "${c.name}": addons.certManager.enabled = false: must be true when prometheus-adapter or metrics-server is installed (their APIService certificates come from cert-manager)`);
  }
  const list = [
    argoCd(c),
    ...(a.certManager.enabled ? [certManager(c)] : []),
    ...(a.ingressNginx.enabled ? [ingressNginx(c)] : []),
    // The adapter serves only the External metrics the catalog's HPAs scale on: none, no adapter.
    ...(a.monitoring.enabled ? [prometheusStack(c), ...(needsAdapter(c) ? [prometheusAdapter(c)] : [])] : []),
    ...(needsMetricsServer(c) ? [metricsServer(c)] : []),
    ...(a.externalSecrets.enabled ? [externalSecrets(c)] : []),
    ...(needsKeda(c) ? [keda(c)] : []),
    ...(c.addons.awsLoadBalancerController ? [awsLoadBalancerController(c)!] : []),
    ...(needsArgoRollouts(c) ? [argoRollouts(c)] : []),
    // Optional add-ons, each in its own file (charts/gitops/addons/), off unless the environment turns them on.
    ...(a.datadog.enabled ? [datadog(c)] : []),
    ...(a.tracing.enabled ? [otelCollector(c), jaeger(c)] : []),
    ...(a.falco.enabled ? [falco(c)] : []),
    ...(a.vpa.enabled ? [vpa(c)] : []),
    // addons.logging: Fluent Bit, and Loki where it is the backend (charts/gitops/addons/logging.ts).
    ...loggingAddons(c),
  ];
  if (needsKeda(c) && a.monitoring.enabled && needsAdapter(c)) {
    throw new Error(`environment "${c.name}": KEDA (queue workers) and prometheus-adapter (queue-depth HPAs) would both serve v1beta1.external.metrics.k8s.io: the catalog may use one of them`);
  }
  if (needsKeda(c) && !a.certManager.enabled) throw new Error(`environment "${c.name}": addons.certManager.enabled = false: must be true when KEDA is installed (its serving certificates come from cert-manager)`);
  if (!a.chartMirror) return list;
  return list.map((x) => ({ ...x, repoURL: a.chartMirror }));
}

/**
 * Sync waves inside 90-addons: the Prometheus stack first (the others create ServiceMonitors, which need its
 * CRDs), then cert-manager and the rest, then the aggregated metrics APIs (their serving certificates come from
 * cert-manager), Argo CD's own upgrade last.
 */
export const ADDON_WAVES: Record<AddonName, number> = {
  'kube-prometheus-stack': 0, 'cert-manager': 1, 'external-secrets': 1, 'ingress-nginx': 1,
  'prometheus-adapter': 2, 'metrics-server': 2, 'keda': 2, 'argo-rollouts': 1, 'argo-cd': 3,
  // Its webhook certificate comes from cert-manager.
  'aws-load-balancer-controller': 2,
  // After the Prometheus stack (their ServiceMonitors and PodMonitors); Jaeger before the collector that exports to it.
  'datadog': 1, 'jaeger': 1, 'otel-collector': 2, 'falco': 1, 'vpa': 1,
  // Loki before Fluent Bit, which pushes to it; both after the Prometheus stack (their ServiceMonitors).
  'loki': 1, 'fluent-bit': 2,
};
