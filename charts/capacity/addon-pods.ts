/**
 * The pods each add-on's Helm chart runs with our values, for the fit check and the capacity table: the add-ons
 * are rendered by Argo CD, not here, so their pods are not among the rendered manifests.
 *
 * Keyed by add-on name (charts/gitops/addons-catalog.ts holds the charts, versions and values; this file only
 * reads them). Requests come from our values where we set them; where the chart at the pinned version leaves a
 * container without resources, the namespace's LimitRange default applies at admission (`limitRange`), and
 * where the software itself sets them (the Prometheus operator's config reloader) that figure is used. Each
 * entry cites the chart source it relied on.
 *
 * This is the only record of the add-ons' pods: charts/gitops/addons-demand.ts sizes the namespace quotas from it
 * (adding the rolling-update surge). Counts here are steady-state pods; DaemonSets and hook Jobs are marked so
 * the fit check places them per node and counts them at their maximum only.
 */
import type { EnvironmentConfig } from '../../environments/schema';
import type { Addon } from '../gitops/addons-catalog';
import { fluentBitPods } from '../gitops/addons/fluent-bit';
import { lokiPods } from '../gitops/addons/loki';
import { awsLbcPods } from '../gitops/addons/aws-load-balancer-controller';
import type { AddonPodSpec, ContainerResources } from '../gitops/addons/shapes';

/** A pod an add-on's chart runs (its shape is stated beside the add-on files, which return it too). */
export type AddonPod = AddonPodSpec;
export type { ContainerResources };

type V = Record<string, any>;

/**
 * The config-reloader sidecar the Prometheus operator adds to Prometheus and Alertmanager: kube-prometheus-stack
 * 62.7.0 (templates/prometheus-operator/deployment.yaml) passes --config-reloader-{cpu,memory}-{request,limit}
 * from prometheusOperator.prometheusConfigReloader.resources, `0` when empty as in our values, and prometheus-
 * operator v0.76.1 (cmd/operator/main.go) documents "0 disables it and causes no request to be configured": the
 * container has no resources, so the LimitRange default applies (not the operator's own 10m / 50Mi default).
 */
const CONFIG_RELOADER = 'limitRange' as const;

const ARGO = 'argoproj/argo-helm argo-cd-7.6.8 charts/argo-cd';
const CM = 'cert-manager/cert-manager v1.15.3 deploy/charts/cert-manager';
const NGINX = 'kubernetes/ingress-nginx helm-chart-4.11.2 charts/ingress-nginx';
const KPS = 'prometheus-community/helm-charts kube-prometheus-stack-62.7.0 charts/kube-prometheus-stack';
const ADAPTER = 'prometheus-community/helm-charts prometheus-adapter-4.11.0 charts/prometheus-adapter';
const ESO = 'external-secrets/external-secrets helm-chart-0.10.3 deploy/charts/external-secrets';

// Keyed by name as a string, not AddonName: an add-on added to the catalog without figures here is reported
// by addonPodsOf rather than silently counted as nothing.
const PODS: Record<string, (v: V, c: EnvironmentConfig) => AddonPod[]> = {
  'argo-cd': (v) => [
    // values.yaml: controller.replicas 1 (a StatefulSet), server/repoServer/applicationSet.replicas 1; dex and
    // notifications off in our values; redis.exporter.enabled false (no sidecar).
    { name: 'argocd-application-controller', kind: 'StatefulSet', replicas: 1, containers: [v.controller.resources], source: `${ARGO}/values.yaml controller.replicas` },
    // templates/argocd-repo-server/deployment.yaml: the copyutil init container takes repoServer.resources too.
    { name: 'argocd-repo-server', replicas: 1, containers: [v.repoServer.resources], source: `${ARGO}/templates/argocd-repo-server/deployment.yaml` },
    { name: 'argocd-server', replicas: 1, containers: [v.server.resources], source: `${ARGO}/values.yaml server.replicas` },
    { name: 'argocd-redis', replicas: 1, containers: [v.redis.resources], source: `${ARGO}/values.yaml redis.exporter.enabled` },
    { name: 'argocd-applicationset-controller', replicas: 1, containers: [v.applicationSet.resources], source: `${ARGO}/values.yaml applicationSet.replicas` },
    // values.yaml redisSecretInit.resources: {} (a pre-install hook Job).
    { name: 'argocd-redis-secret-init', replicas: 1, containers: ['limitRange'], job: true, source: `${ARGO}/values.yaml redisSecretInit.resources` },
  ],
  'cert-manager': (v) => [
    { name: 'cert-manager', replicas: v.replicaCount, containers: [v.resources], source: `${CM}/values.yaml replicaCount` },
    { name: 'cert-manager-webhook', replicas: v.webhook.replicaCount, containers: [v.webhook.resources], source: `${CM}/values.yaml webhook.replicaCount` },
    // values.yaml cainjector.replicaCount: 1.
    { name: 'cert-manager-cainjector', replicas: 1, containers: [v.cainjector.resources], source: `${CM}/values.yaml cainjector.replicaCount` },
    // values.yaml startupapicheck.resources: {} (a post-install hook Job).
    { name: 'cert-manager-startupapicheck', replicas: 1, containers: ['limitRange'], job: true, source: `${CM}/values.yaml startupapicheck.resources` },
  ],
  'ingress-nginx': (v) => [
    { name: 'ingress-nginx-controller', replicas: v.controller.replicaCount, containers: [v.controller.resources], source: `${NGINX}/values.yaml controller.replicaCount` },
    // values.yaml controller.admissionWebhooks.createSecretJob/patchWebhookJob.resources: {} (hook Jobs, one after the other).
    { name: 'ingress-nginx-admission', replicas: 1, containers: ['limitRange'], job: true, source: `${NGINX}/values.yaml controller.admissionWebhooks.createSecretJob.resources` },
  ],
  'kube-prometheus-stack': (v) => {
    const p = v.prometheus.prometheusSpec;
    const am = v.alertmanager.alertmanagerSpec;
    return [
      { name: 'prometheus-operator', replicas: 1, containers: [v.prometheusOperator.resources], source: `${KPS}/values.yaml prometheusOperator` },
      // The operator adds the config-reloader sidecar (and an init container of the same size) to each pod.
      { name: 'prometheus', kind: 'StatefulSet', replicas: p.replicas, containers: [p.resources, CONFIG_RELOADER], storage: p.storageSpec.volumeClaimTemplate.spec.resources.requests.storage, source: `${KPS}/templates/prometheus-operator/deployment.yaml --config-reloader-*` },
      { name: 'alertmanager', kind: 'StatefulSet', replicas: am.replicas, containers: [am.resources, CONFIG_RELOADER], storage: am.storage.volumeClaimTemplate.spec.resources.requests.storage, source: `${KPS}/templates/prometheus-operator/deployment.yaml --config-reloader-*` },
      { name: 'kube-state-metrics', replicas: 1, containers: [v['kube-state-metrics'].resources], source: `${KPS}/Chart.yaml kube-state-metrics 5.25.*` },
      // prometheus-node-exporter 4.39.0 values.yaml tolerations: [{effect: NoSchedule, operator: Exists}]: every node.
      { name: 'node-exporter', replicas: 0, containers: [v['prometheus-node-exporter'].resources], daemonSet: { toleratesAll: true }, source: 'prometheus-community/helm-charts prometheus-node-exporter-4.39.0 charts/prometheus-node-exporter/values.yaml tolerations' },
      // kube-prometheus-stack values.yaml grafana.sidecar.dashboards/datasources enabled; grafana/helm-charts grafana-8.5.12
      // charts/grafana/values.yaml sidecar.resources: {} (both sidecars).
      { name: 'grafana', replicas: 1, containers: [v.grafana.resources, 'limitRange', 'limitRange'], source: `${KPS}/values.yaml grafana.sidecar` },
      // values.yaml prometheusOperator.admissionWebhooks.patch.resources: {} (hook Jobs).
      { name: 'prometheus-operator-admission', replicas: 1, containers: ['limitRange'], job: true, source: `${KPS}/values.yaml prometheusOperator.admissionWebhooks.patch.resources` },
    ];
  },
  'prometheus-adapter': (v) => [
    { name: 'prometheus-adapter', replicas: v.replicas, containers: [v.resources], source: `${ADAPTER}/values.yaml replicas` },
  ],
  'external-secrets': (v) => [
    { name: 'external-secrets', replicas: v.replicaCount, containers: [v.resources], source: `${ESO}/values.yaml replicaCount` },
    // values.yaml webhook.replicaCount 1, certController.replicaCount 1.
    { name: 'external-secrets-webhook', replicas: 1, containers: [v.webhook.resources], source: `${ESO}/values.yaml webhook.replicaCount` },
    { name: 'external-secrets-cert-controller', replicas: 1, containers: [v.certController.resources], source: `${ESO}/values.yaml certController.replicaCount` },
  ],
  // kedacore/charts v2.15.2 keda/templates/{manager,metrics-server,webhooks}/deployment.yaml: one container each,
  // replicas from operator.replicaCount, metricsServer.replicaCount, webhooks.replicaCount; resources.<component>.
  'keda': (v) => [
    { name: 'keda-operator', replicas: v.operator.replicaCount, containers: [v.resources.operator], source: 'kedacore/charts v2.15.2 keda/templates/manager/deployment.yaml' },
    { name: 'keda-operator-metrics-apiserver', replicas: v.metricsServer.replicaCount, containers: [v.resources.metricServer], source: 'kedacore/charts v2.15.2 keda/templates/metrics-server/deployment.yaml' },
    { name: 'keda-admission-webhooks', replicas: v.webhooks.replicaCount, containers: [v.resources.webhooks], source: 'kedacore/charts v2.15.2 keda/templates/webhooks/deployment.yaml' },
  ],
  'aws-load-balancer-controller': (v) => awsLbcPods(v),
  // argo-helm argo-rollouts-2.37.7 templates/controller/deployment.yaml: one container, controller.replicas,
  // controller.resources (the dashboard is off).
  'argo-rollouts': (v) => [
    { name: 'argo-rollouts', replicas: v.controller.replicas, containers: [v.controller.resources], source: 'argoproj/argo-helm argo-rollouts-2.37.7 charts/argo-rollouts/templates/controller/deployment.yaml' },
  ],
  // The optional add-ons (charts/gitops/addons/, where their values and chart citations are).
  // datadog-3.74.1 templates/daemonset.yaml: agent, trace-agent (apm.socketEnabled) and process-agent
  // (processAgent.containerCollection) containers, every node our toleration admits; init containers are smaller
  // than their sum. templates/cluster-agent-deployment.yaml: clusterAgent.replicas, clusterAgent.resources.
  'datadog': (v) => [
    { name: 'datadog-agent', replicas: 0, containers: [v.agents.containers.agent.resources, v.agents.containers.traceAgent.resources, v.agents.containers.processAgent.resources], daemonSet: { toleratesAll: true }, source: 'DataDog/helm-charts datadog-3.74.1 charts/datadog/templates/daemonset.yaml' },
    { name: 'datadog-cluster-agent', replicas: v.clusterAgent.replicas, containers: [v.clusterAgent.resources], source: 'DataDog/helm-charts datadog-3.74.1 charts/datadog/templates/cluster-agent-deployment.yaml' },
  ],
  'otel-collector': (v) => [
    { name: 'otel-collector', replicas: v.replicaCount, containers: [v.resources], source: 'open-telemetry/opentelemetry-helm-charts opentelemetry-collector-0.106.1 charts/opentelemetry-collector/templates/_pod.tpl' },
  ],
  // jaeger-3.3.1 templates/collector-deploy.yaml, query-deploy.yaml (agentSidecar off: one container),
  // es-index-cleaner-cronjob.yaml (a daily Job, counted like a hook Job), or allinone-deploy.yaml (memory storage).
  'jaeger': (v) => (v.allInOne.enabled
    ? [{ name: 'jaeger', replicas: 1, containers: [v.allInOne.resources], source: 'jaegertracing/helm-charts jaeger-3.3.1 charts/jaeger/templates/allinone-deploy.yaml' }]
    : [
      { name: 'jaeger-collector', replicas: v.collector.replicaCount, containers: [v.collector.resources], source: 'jaegertracing/helm-charts jaeger-3.3.1 charts/jaeger/templates/collector-deploy.yaml' },
      { name: 'jaeger-query', replicas: v.query.replicaCount, containers: [v.query.resources], source: 'jaegertracing/helm-charts jaeger-3.3.1 charts/jaeger/templates/query-deploy.yaml' },
      { name: 'jaeger-es-index-cleaner', replicas: 1, containers: [v.esIndexCleaner.resources], job: true, source: 'jaegertracing/helm-charts jaeger-3.3.1 charts/jaeger/templates/es-index-cleaner-cronjob.yaml' },
    ]),
  // falco-4.8.3 templates/pod-template.tpl: one container (no driver loader with modern_ebpf, falcoctl off).
  'falco': (v) => [
    { name: 'falco', replicas: 0, containers: [v.resources], daemonSet: { toleratesAll: true }, source: 'falcosecurity/charts falco-4.8.3 charts/falco/templates/pod-template.tpl' },
  ],
  // FairwindsOps/charts stable/vpa 4.6.0 templates/recommender-deployment.yaml: recommender.replicaCount 1.
  'vpa': (v) => [
    { name: 'vpa-recommender', replicas: 1, containers: [v.recommender.resources], source: 'FairwindsOps/charts stable/vpa 4.6.0 values.yaml recommender.replicaCount' },
  ],
  // Installed where the cluster flavour ships no metrics API (kubeadm); the catalog passes replicas and resources.
  'metrics-server': (v) => [
    { name: 'metrics-server', replicas: v.replicas, containers: [v.resources], source: 'kubernetes-sigs/metrics-server metrics-server-helm-chart-3.13.0 charts/metrics-server/values.yaml replicas, resources' },
  ],
  'fluent-bit': fluentBitPods,
  'loki': lokiPods,
};

/** The pods of one add-on with the catalog's values. */
export function addonPodsOf(c: EnvironmentConfig, a: Addon): AddonPod[] {
  const of = PODS[a.name as string];
  if (!of) throw new Error(`add-on "${a.name}" has no pod figures in charts/capacity/addon-pods.ts: record its pods and requests there (with their source) so the fit check counts them`);
  return of(a.values as V, c);
}
