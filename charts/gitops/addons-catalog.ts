/**
 * The cluster add-ons that are not ours to re-implement, each from its upstream Helm chart at a pinned version:
 * Argo CD itself (it manages its own upgrades after the bootstrap), cert-manager, ingress-nginx (kubeadm only;
 * k3s ships Traefik), kube-prometheus-stack (spec 002 §3.3) with prometheus-adapter (the External metrics the
 * agents' HPAs scale on) and External Secrets (spec 002 §11.2.2).
 *
 * Every image an add-on runs is pinned here and passed through `image()`, so the environment's registry setting
 * rewrites it and `images.txt` lists it (through the Application's images annotation).
 */
import type { EnvironmentConfig } from '../../environments/schema';
import { externalMetricRules } from '../apps/metrics';
import { image } from '../lib/images';
import { serviceHost } from '../lib/naming';

/** Where Argo CD and its Application objects live (in each environment's own cluster). */
export const ARGOCD_NAMESPACE = 'argocd';
/** Argo CD's name for the cluster it runs in. */
export const IN_CLUSTER = 'https://kubernetes.default.svc';

export type AddonName = 'argo-cd' | 'cert-manager' | 'ingress-nginx' | 'kube-prometheus-stack' | 'prometheus-adapter' | 'external-secrets';

export interface Addon {
  readonly name: AddonName;
  readonly namespace: string;
  readonly chart: string;
  /** The upstream Helm repository (replaced by `addons.chartMirror` in air-gapped environments). */
  readonly repoURL: string;
  /** Pinned chart version. */
  readonly version: string;
  /** Every image the chart runs with our values, after the registry rewrite. */
  readonly images: readonly string[];
  readonly values: Record<string, unknown>;
  /**
   * Fields Argo CD must not compare: CA bundles that a controller (cert-manager's cainjector or a chart's
   * certificate job) writes into webhook configurations and CRDs after the sync; comparing them would show
   * the add-on OutOfSync forever and, with self-heal, erase the CA on every sync.
   */
  readonly ignoreDifferences: readonly Record<string, unknown>[];
}

const WEBHOOK_CA = [
  { group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration', jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'] },
  { group: 'admissionregistration.k8s.io', kind: 'MutatingWebhookConfiguration', jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'] },
];
const CRD_CONVERSION_CA = { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition', jqPathExpressions: ['.spec.conversion.webhook.clientConfig.caBundle'] };

/** `registry`, `repository` (path) and `tag` of an image reference, for charts that take them apart. */
export function imageParts(ref: string): { registry: string; repository: string; tag: string } {
  const at = ref.lastIndexOf(':');
  const slash = ref.indexOf('/');
  return { registry: ref.slice(0, slash), repository: ref.slice(slash + 1, at), tag: ref.slice(at + 1) };
}

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
      prometheus: { enabled: true, servicemonitor: { enabled: c.addons.monitoring.enabled } },
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
        metrics: { enabled: true, serviceMonitor: { enabled: c.addons.monitoring.enabled } },
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
          resources: res('500m', '2Gi', '2', '4Gi'),
          // Select every ServiceMonitor, PodMonitor and PrometheusRule of the cluster, not only the chart's own.
          serviceMonitorSelectorNilUsesHelmValues: false,
          podMonitorSelectorNilUsesHelmValues: false,
          ruleSelectorNilUsesHelmValues: false,
          probeSelectorNilUsesHelmValues: false,
        },
      },
      alertmanager: {
        alertmanagerSpec: {
          image: parts(refs.alertmanager), replicas: c.ha ? 2 : 1, storage: storage('2Gi'), resources: res('50m', '128Mi', '200m', '256Mi'),
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
        resources: res('100m', '256Mi', '500m', '512Mi'),
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
      rules: { default: false, custom: [], external: externalMetricRules() },
    },
    ignoreDifferences: [],
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

/** Grafana's admin login, generated by the secret generator like every other Secret. */
export const GRAFANA_ADMIN_SECRET = { name: 'grafana-admin', namespace: 'monitoring', keys: ['username', 'password'], fixed: { username: 'admin' } } as const;

/** The add-ons an environment runs, in install order (Argo CD first: it installs the rest). */
export function addons(c: EnvironmentConfig): Addon[] {
  const a = c.addons;
  const list = [
    argoCd(c),
    ...(a.certManager.enabled ? [certManager(c)] : []),
    ...(a.ingressNginx.enabled ? [ingressNginx(c)] : []),
    ...(a.monitoring.enabled ? [prometheusStack(c), prometheusAdapter(c)] : []),
    ...(a.externalSecrets.enabled ? [externalSecrets(c)] : []),
  ];
  if (!a.chartMirror) return list;
  return list.map((x) => ({ ...x, repoURL: a.chartMirror }));
}

/**
 * Sync waves inside 90-addons: the Prometheus stack first (the others create ServiceMonitors, which need its
 * CRDs), then the rest, Argo CD's own upgrade last.
 */
export const ADDON_WAVES: Record<AddonName, number> = {
  'kube-prometheus-stack': 0, 'cert-manager': 1, 'external-secrets': 1, 'ingress-nginx': 1, 'prometheus-adapter': 1, 'argo-cd': 2,
};
