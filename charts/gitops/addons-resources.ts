/**
 * What each pinned add-on chart creates with the values of addons-catalog.ts, as data: the kinds it renders by
 * namespace (its release namespace, or a fixed one such as kube-system), the CRDs and APIServices it serves,
 * the Secrets its pods need that the chart does not create, and the API groups it needs served before it can
 * sync. Read from each chart's templates at the pinned version (cited beside each entry).
 *
 * Used for the AppProject whitelists (a project allows exactly what is deployed into it) and by the install
 * simulator (test/support/simulator.ts), which checks every step against it.
 */
import type { EnvironmentConfig } from '../../environments/schema';
import type { Addon } from './addons-catalog';
import { fluentBitResources } from './addons/fluent-bit';
import { lokiResources } from './addons/loki';
import { awsLbcResources } from './addons/aws-load-balancer-controller';

export interface Kind { readonly group: string; readonly kind: string }
export interface NamespacedKinds { readonly namespace: string; readonly kinds: readonly Kind[] }

export interface AddonResources {
  /** Cluster-scoped kinds. */
  readonly cluster: readonly Kind[];
  /** Namespaced kinds, by namespace. */
  readonly namespaced: readonly NamespacedKinds[];
  /** API groups whose CRDs the chart installs (it serves them once its CRDs are established). */
  readonly crdGroups: readonly string[];
  /**
   * Kinds whose CRDs it installs in a group another add-on also serves (Argo Rollouts' Rollout in Argo CD's
   * argoproj.io): the group alone would look served before the CRD is. @default none
   */
  readonly crdKinds?: readonly Kind[];
  /** Aggregated APIs it registers (`<version>.<group>`), served once its pods are ready. */
  readonly apiServices: readonly string[];
  /** Secrets its pods mount or read that the chart itself does not render: `namespace/name`. */
  readonly needsSecrets: readonly string[];
  /** Secrets that exist only once another controller writes them (a cert-manager Certificate): `namespace/name`. */
  readonly issuedSecrets: readonly string[];
  /** API groups of the custom resources it renders (served before it can sync). */
  readonly usesGroups: readonly string[];
}

const k = (group: string, ...kinds: string[]): Kind[] => kinds.map((kind) => ({ group, kind }));
const CORE = (...kinds: string[]) => k('', ...kinds);
const APPS = (...kinds: string[]) => k('apps', ...kinds);
const RBAC_NS = k('rbac.authorization.k8s.io', 'Role', 'RoleBinding');
const RBAC_CLUSTER = k('rbac.authorization.k8s.io', 'ClusterRole', 'ClusterRoleBinding');
const CRD = k('apiextensions.k8s.io', 'CustomResourceDefinition');
const WEBHOOKS = k('admissionregistration.k8s.io', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration');
const VALIDATING = k('admissionregistration.k8s.io', 'ValidatingWebhookConfiguration');
const APISERVICE = k('apiregistration.k8s.io', 'APIService');
const PDB = k('policy', 'PodDisruptionBudget');
const JOB = k('batch', 'Job');
const SERVICE_MONITOR = k('monitoring.coreos.com', 'ServiceMonitor');
const CERTS = k('cert-manager.io', 'Issuer', 'Certificate');
const MONITORING = 'monitoring.coreos.com';
const CERT_MANAGER = 'cert-manager.io';

/** @param bootstrap Argo CD installed by helm with argoCdBootstrapValues (no ServiceMonitors) */
export function addonResources(c: EnvironmentConfig, a: Addon, bootstrap = false): AddonResources {
  const ns = a.namespace;
  const monitored = c.addons.monitoring.enabled && !bootstrap;
  const sm = monitored ? SERVICE_MONITOR : [];
  const none = { crdGroups: [], apiServices: [], needsSecrets: [], issuedSecrets: [] };
  const uses = (...g: (string | false)[]) => g.filter((x): x is string => !!x);
  switch (a.name) {
    // argo-helm argo-cd-7.6.8 charts/argo-cd/templates: crds/ (applications, applicationsets, appprojects),
    // argocd-application/statefulset.yaml (the controller), argocd-*/deployment.yaml, service.yaml, role*.yaml,
    // clusterrole*.yaml, argocd-configs/ (ConfigMaps, argocd-secret), redis-secret-init/ (a pre-install Job
    // with its Role), */servicemonitor.yaml when metrics.serviceMonitor.enabled.
    case 'argo-cd':
      return {
        ...none,
        cluster: [...CRD, ...RBAC_CLUSTER],
        namespaced: [{ namespace: ns, kinds: [...CORE('ConfigMap', 'Secret', 'Service', 'ServiceAccount'), ...APPS('Deployment', 'StatefulSet'), ...RBAC_NS, ...JOB, ...sm] }],
        crdGroups: ['argoproj.io'],
        usesGroups: uses(monitored && MONITORING),
      };
    // cert-manager v1.15.3 deploy/charts/cert-manager/templates: crds.yaml, deployment.yaml, webhook-*.yaml
    // (Mutating/ValidatingWebhookConfiguration), rbac.yaml (leader election Role/RoleBinding in kube-system,
    // global.leaderElection.namespace), startupapicheck-job.yaml (a post-install Job with its Role),
    // poddisruptionbudget.yaml, servicemonitor.yaml.
    case 'cert-manager':
      return {
        ...none,
        cluster: [...CRD, ...RBAC_CLUSTER, ...WEBHOOKS],
        namespaced: [
          { namespace: ns, kinds: [...CORE('Service', 'ServiceAccount', 'ConfigMap'), ...APPS('Deployment'), ...RBAC_NS, ...JOB, ...PDB, ...sm] },
          { namespace: 'kube-system', kinds: RBAC_NS },
        ],
        crdGroups: ['cert-manager.io', 'acme.cert-manager.io'],
        usesGroups: uses(monitored && MONITORING),
      };
    // ingress-nginx helm-chart-4.11.2 charts/ingress-nginx/templates: controller-ingressclass.yaml,
    // clusterrole.yaml, admission-webhooks/validating-webhook.yaml and job-patch/ (hook Jobs with their RBAC),
    // controller-deployment.yaml, controller-service*.yaml, controller-configmap.yaml, controller-poddisruptionbudget.yaml.
    case 'ingress-nginx':
      return {
        ...none,
        cluster: [...RBAC_CLUSTER, ...VALIDATING, ...k('networking.k8s.io', 'IngressClass')],
        namespaced: [{ namespace: ns, kinds: [...CORE('ConfigMap', 'Service', 'ServiceAccount'), ...APPS('Deployment'), ...RBAC_NS, ...JOB, ...PDB, ...sm] }],
        usesGroups: uses(monitored && MONITORING),
      };
    // kube-prometheus-stack-62.7.0 charts/kube-prometheus-stack: charts/crds/ (the operator's CRDs), templates/
    // prometheus-operator/ (Deployment, admission-webhooks/ with their certgen hook Jobs and RBAC),
    // prometheus/ and alertmanager/ (the Prometheus and Alertmanager resources, the Alertmanager config Secret),
    // exporters/core-dns and exporters/kubelet (Services in kube-system: service.yaml), the rules (PrometheusRule);
    // subcharts kube-state-metrics and prometheus-node-exporter (DaemonSet); grafana 8.5.12 templates/_pod.tpl
    // reads admin.existingSecret with a non-optional secretKeyRef, so `grafana-admin` must exist before it starts.
    case 'kube-prometheus-stack':
      return {
        cluster: [...CRD, ...RBAC_CLUSTER, ...WEBHOOKS],
        namespaced: [
          {
            namespace: ns, kinds: [...CORE('ConfigMap', 'Secret', 'Service', 'ServiceAccount'), ...APPS('Deployment', 'DaemonSet'), ...RBAC_NS, ...JOB,
              ...k(MONITORING, 'Alertmanager', 'Prometheus', 'PrometheusRule', 'ServiceMonitor')],
          },
          { namespace: 'kube-system', kinds: CORE('Service') },
        ],
        crdGroups: [MONITORING],
        apiServices: [],
        needsSecrets: [`${ns}/grafana-admin`],
        issuedSecrets: [],
        usesGroups: [MONITORING],
      };
    // prometheus-adapter-4.11.0 charts/prometheus-adapter/templates: external-metrics-apiservice.yaml (only
    // rules.external; certManager.enabled adds cert-manager.io/inject-ca-from and drops insecureSkipTLSVerify),
    // certmanager.yaml (self-signed Issuer, root Certificate, CA Issuer, serving Certificate whose Secret
    // deployment.yaml mounts), role-binding-auth-reader.yaml (RoleBinding in kube-system), cluster-role*.yaml,
    // configmap.yaml, service.yaml, serviceaccount.yaml, pdb.yaml.
    case 'prometheus-adapter':
      return {
        cluster: [...RBAC_CLUSTER, ...APISERVICE],
        namespaced: [
          { namespace: ns, kinds: [...CORE('ConfigMap', 'Service', 'ServiceAccount'), ...APPS('Deployment'), ...PDB, ...CERTS] },
          { namespace: 'kube-system', kinds: k('rbac.authorization.k8s.io', 'RoleBinding') },
        ],
        crdGroups: [],
        apiServices: ['v1beta1.external.metrics.k8s.io'],
        needsSecrets: [],
        issuedSecrets: [`${ns}/prometheus-adapter`],
        usesGroups: [CERT_MANAGER],
      };
    // metrics-server-helm-chart-3.13.0 charts/metrics-server/templates: apiservice.yaml (tls.type cert-manager:
    // inject-ca-from annotation, insecureSkipTLSVerify from apiService.insecureSkipTLSVerify), certificate.yaml
    // (self-signed Issuer and serving Certificate, Secret mounted by deployment.yaml), rolebinding.yaml (in
    // kube-system), clusterrole*.yaml, clusterrolebinding*.yaml, service.yaml, serviceaccount.yaml, servicemonitor.yaml.
    case 'metrics-server':
      return {
        cluster: [...RBAC_CLUSTER, ...APISERVICE],
        namespaced: [{ namespace: ns, kinds: [...CORE('Service', 'ServiceAccount'), ...APPS('Deployment'), ...k('rbac.authorization.k8s.io', 'RoleBinding'), ...CERTS, ...PDB, ...sm] }],
        crdGroups: [],
        apiServices: ['v1beta1.metrics.k8s.io'],
        needsSecrets: [],
        issuedSecrets: [`${ns}/metrics-server`],
        usesGroups: uses(CERT_MANAGER, monitored && MONITORING),
      };
    // external-secrets helm-chart-0.10.3 deploy/charts/external-secrets/templates: crds/, deployment.yaml,
    // webhook-deployment.yaml, webhook-secret.yaml (the webhook's certificate Secret, filled by the cert
    // controller), validatingwebhook.yaml, cert-controller-*.yaml, rbac.yaml (ClusterRoles, and the leader
    // election Role), service.yaml, servicemonitor.yaml.
    case 'external-secrets':
      return {
        ...none,
        cluster: [...CRD, ...RBAC_CLUSTER, ...VALIDATING],
        namespaced: [{ namespace: ns, kinds: [...CORE('Secret', 'Service', 'ServiceAccount'), ...APPS('Deployment'), ...RBAC_NS, ...sm] }],
        crdGroups: ['external-secrets.io', 'generators.external-secrets.io'],
        usesGroups: uses(monitored && MONITORING),
      };
    // kedacore/charts v2.15.2 keda/templates: crds/ (keda.sh ScaledObject, ScaledJob, TriggerAuthentication,
    // ClusterTriggerAuthentication; eventing.keda.sh CloudEventSource), manager/ (Deployment, Service,
    // ServiceAccount, clusterrole.yaml, clusterrolebindings.yaml, minimal-rbac.yaml: leader-election Role and
    // RoleBinding, poddisruptionbudget.yaml), metrics-server/ (Deployment, Service, ServiceAccount, apiservice.yaml,
    // clusterrolebinding.yaml: a RoleBinding in rbac.controlPlaneServiceAccountsNamespace = kube-system),
    // webhooks/ (Deployment, Service, ServiceAccount, validatingconfiguration.yaml, PDB), cert-manager/ (Issuers
    // and Certificates when certificates.certManager.enabled: the Secret kedaorg-certs all three mount).
    case 'keda':
      return {
        cluster: [...CRD, ...RBAC_CLUSTER, ...VALIDATING, ...APISERVICE],
        namespaced: [
          { namespace: ns, kinds: [...CORE('Service', 'ServiceAccount'), ...APPS('Deployment'), ...RBAC_NS, ...PDB, ...CERTS] },
          { namespace: 'kube-system', kinds: k('rbac.authorization.k8s.io', 'RoleBinding') },
        ],
        crdGroups: ['keda.sh', 'eventing.keda.sh'],
        apiServices: ['v1beta1.external.metrics.k8s.io'],
        needsSecrets: [],
        issuedSecrets: [`${ns}/kedaorg-certs`],
        usesGroups: [CERT_MANAGER],
      };
    case 'aws-load-balancer-controller':
      return awsLbcResources(c, a, monitored);
    // argo-helm argo-rollouts-2.37.7 charts/argo-rollouts/templates: crds/ (Rollout, AnalysisRun, AnalysisTemplate,
    // ClusterAnalysisTemplate, Experiment in argoproj.io), controller/clusterrole.yaml and clusterrolebinding.yaml
    // (clusterInstall), aggregate-roles.yaml (three aggregated ClusterRoles), controller/deployment.yaml,
    // serviceaccount.yaml, configmap.yaml and notifications-configmap.yaml (argo-rollouts-config,
    // argo-rollouts-notification-configmap), metrics-service.yaml and servicemonitor.yaml (controller.metrics),
    // poddisruptionbudget.yaml (controller.pdb.enabled). No Role (clusterInstall), no Secret (notifications.secret.create false).
    case 'argo-rollouts': {
      const v = a.values as { controller: { pdb: { enabled: boolean }; metrics: { enabled: boolean } } };
      return {
        ...none,
        cluster: [...CRD, ...RBAC_CLUSTER],
        namespaced: [{
          namespace: ns,
          kinds: [...CORE('ConfigMap', 'ServiceAccount'), ...(v.controller.metrics.enabled ? CORE('Service') : []), ...APPS('Deployment'),
            ...(v.controller.pdb.enabled ? PDB : []), ...(v.controller.metrics.enabled ? sm : [])],
        }],
        crdGroups: ['argoproj.io'],
        crdKinds: k('argoproj.io', 'Rollout', 'AnalysisRun', 'AnalysisTemplate', 'ClusterAnalysisTemplate', 'Experiment'),
        usesGroups: uses(v.controller.metrics.enabled && monitored && MONITORING),
      };
    }
    // datadog/helm-charts datadog-3.74.1 charts/datadog/templates: rbac.yaml and cluster-agent-rbac.yaml
    // (ClusterRoles, ClusterRoleBindings, Roles, RoleBindings, ServiceAccounts), kube-state-metrics-core-rbac.yaml,
    // daemonset.yaml, cluster-agent-deployment.yaml, agent-services.yaml, install_info- and kpi-telemetry-
    // configmap.yaml, cluster-agent-confd-configmap.yaml, cluster-agent-pdb.yaml (createPodDisruptionBudget).
    // No Secret: the API key and the token are existing Secrets (secret-api-key.yaml, secret-cluster-agent-
    // token.yaml render only without them); no APIService (metricsProvider off) and no webhook (the admission
    // controller, off, would register its own at run time); no CRD (Chart.yaml's datadog-crds subchart is
    // conditioned on clusterAgent.metricsProvider.useDatadogMetrics, false).
    case 'datadog':
      return {
        ...none,
        cluster: RBAC_CLUSTER,
        namespaced: [{ namespace: ns, kinds: [...CORE('ConfigMap', 'Service', 'ServiceAccount'), ...APPS('DaemonSet', 'Deployment'), ...RBAC_NS, ...PDB] }],
        needsSecrets: [`${ns}/datadog-api-key`, `${ns}/datadog-cluster-agent-token`],
        usesGroups: [],
      };
    // open-telemetry/opentelemetry-helm-charts opentelemetry-collector-0.106.1 charts/opentelemetry-collector/
    // templates: configmap.yaml, deployment.yaml (mode deployment), service.yaml, serviceaccount.yaml, pdb.yaml,
    // servicemonitor.yaml; clusterrole.yaml only with presets or clusterRole.create (neither here).
    case 'otel-collector':
      return {
        ...none,
        cluster: [],
        namespaced: [{ namespace: ns, kinds: [...CORE('ConfigMap', 'Service', 'ServiceAccount'), ...APPS('Deployment'), ...PDB, ...sm] }],
        usesGroups: uses(monitored && MONITORING),
      };
    // jaegertracing/helm-charts jaeger-3.3.1 charts/jaeger/templates: collector-*.yaml and query-*.yaml
    // (Deployment, Service, ServiceAccount, ServiceMonitor), es-index-cleaner-cronjob.yaml and -sa.yaml, or
    // allinone-*.yaml (Deployment, three Services, ServiceAccount) for memory storage; elasticsearch-secret.yaml
    // only without storage.elasticsearch.existingSecret. No RBAC.
    case 'jaeger': {
      const es = c.addons.tracing.storage.type === 'elasticsearch';
      return {
        ...none,
        cluster: [],
        namespaced: [{ namespace: ns, kinds: [...CORE('Service', 'ServiceAccount'), ...APPS('Deployment'), ...(es ? [...k('batch', 'CronJob'), ...sm] : [])] }],
        needsSecrets: es ? [`${ns}/jaeger-elasticsearch`] : [],
        usesGroups: uses(es && monitored && MONITORING),
      };
    }
    // falcosecurity/charts falco-4.8.3 charts/falco/templates: daemonset.yaml, configmap.yaml, rules-configmap.yaml,
    // serviceaccount.yaml; role.yaml and roleBinding.yaml only for driver.kind auto; falcoctl-configmap.yaml only
    // with falcoctl on; services.yaml, grpc-service.yaml, certs-secret.yaml only with their features (all off).
    case 'falco':
      return {
        ...none,
        cluster: [],
        namespaced: [{ namespace: ns, kinds: [...CORE('ConfigMap', 'ServiceAccount'), ...APPS('DaemonSet')] }],
        usesGroups: [],
      };
    // FairwindsOps/charts stable/vpa 4.6.0 (commit 8033729): crds/vpa-v1-crd.yaml, clusterroles.yaml,
    // clusterrolebindings.yaml, recommender-deployment.yaml, recommender-service-account.yaml,
    // recommender-podmonitor.yaml. The updater and admission controller (with its certgen Jobs and webhook) are off;
    // templates/tests/ are `helm.sh/hook: test` objects, which Argo CD does not apply.
    case 'vpa':
      return {
        ...none,
        cluster: [...CRD, ...RBAC_CLUSTER],
        namespaced: [{ namespace: ns, kinds: [...CORE('ServiceAccount'), ...APPS('Deployment'), ...(monitored ? k(MONITORING, 'PodMonitor') : [])] }],
        crdGroups: ['autoscaling.k8s.io'],
        usesGroups: uses(monitored && MONITORING),
      };
    case 'fluent-bit': return fluentBitResources(c, a);
    case 'loki': return lokiResources(c, a);
    default: {
      const never: never = a.name;
      throw new Error(`add-on "${String(never)}" has no record of what its chart creates (charts/gitops/addons-resources.ts)`);
    }
  }
}

export const kindKey = (x: Kind) => `${x.group}/${x.kind}`;

/** Distinct kinds, sorted by group then kind (deterministic whitelists). */
export function distinctKinds(kinds: Iterable<Kind>): Kind[] {
  const m = new Map<string, Kind>();
  for (const x of kinds) m.set(kindKey(x), { group: x.group, kind: x.kind });
  return [...m.keys()].sort().map((key) => m.get(key)!);
}
