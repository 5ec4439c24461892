/**
 * The AWS Load Balancer Controller (EKS, spec 004 "Kubernetes Architecture" add-ons): it turns Ingresses of class
 * `alb` into Application Load Balancers. From aws/eks-charts stable/aws-load-balancer-controller, chart 1.9.2 /
 * controller v2.9.2 (commit f84d7ec "aws-load-balancer-controller: v2.9.2"), values.yaml and templates/ read at
 * that commit:
 *
 *  - deployment.yaml: one container, `--cluster-name` required, `--aws-region`/`--aws-vpc-id` when set (so it
 *    needs no EC2 instance metadata, which IMDSv2's hop limit hides from pods), ports webhook-server 9443 and
 *    metrics-server 8080, the webhook certificate Secret `aws-load-balancer-tls` mounted; securityContext
 *    readOnlyRootFilesystem/runAsNonRoot by default; `resources: {}` by default (set here).
 *  - serviceaccount.yaml: `serviceAccount.annotations` carry the IRSA role (eks.amazonaws.com/role-arn): the
 *    controller calls the ELB, EC2, ACM, WAF and Shield APIs as that role (its policy: docs/eks-platform.md).
 *  - webhook.yaml: mutating (pods in namespaces labelled elbv2.k8s.aws/pod-readiness-gate-inject, and Services of
 *    type LoadBalancer) and validating (IngressClassParams, TargetGroupBindings, Ingresses) webhooks, failurePolicy
 *    Fail. With `enableCertManager` the chart renders an Issuer and a Certificate and cert-manager's cainjector
 *    fills the CA bundles; without it the chart generates a new CA on every template (genCA), which Argo CD would
 *    see as a change on every refresh. The Service mutator webhook is off: it would make the creation of every
 *    Service in the cluster fail while the controller is down, and we create no LoadBalancer Service.
 *  - ingressclass.yaml: the IngressClass `alb` (controller ingress.k8s.aws/alb); IngressClassParams not created
 *    (the Ingress's annotations carry every setting; a custom resource synced with its own CRD would race it).
 *  - crds/crds.yaml: ingressclassparams and targetgroupbindings (elbv2.k8s.aws).
 *  - pdb.yaml: only when podDisruptionBudget is set and replicaCount > 1.
 *
 * Image public.ecr.aws/eks/aws-load-balancer-controller:v2.9.2: kubernetes-sigs/aws-load-balancer-controller v2.9.2
 * Dockerfile, FROM $BASE_IMAGE (Makefile: eks-distro-minimal-base-nonroot) with ENTRYPOINT ["/controller"].
 */
import type { EnvironmentConfig } from '../../../environments/schema';
import { image } from '../../lib/images';
import { PRIVATE_RANGES, type DependencyGraph, type PodGroup } from '../../lib/graph';
import type { AddonSpec, KindOf } from './shapes';

// The shared files (addons-catalog.ts, addons-resources.ts, capacity/addon-pods.ts) import this one: the shapes it
// returns come from ./shapes.ts, below them (no import cycle).
type Kind = KindOf;
type Resources = { readonly requests: { readonly cpu: string; readonly memory: string }; readonly limits: { readonly cpu: string; readonly memory: string } };
type LbcAddon = AddonSpec<typeof AWS_LBC>;

export const AWS_LBC = 'aws-load-balancer-controller' as const;
/** The chart's release namespace: kube-system, where AWS's IAM trust policies for the controller expect it. */
export const AWS_LBC_NAMESPACE = 'kube-system';
export const AWS_LBC_CHART = { repoURL: 'https://aws.github.io/eks-charts', version: '1.9.2', source: 'aws/eks-charts f84d7ec stable/aws-load-balancer-controller' } as const;
/** The ingress class the chart creates (values.yaml ingressClass). */
export const ALB_INGRESS_CLASS = 'alb';
/** deployment.yaml container ports (webhookBindPort default 9443, metricsBindAddr default :8080). */
export const AWS_LBC_PORTS = { webhook: 9443, metrics: 8080 } as const;
/** The webhook serving certificate (the chart's `<namePrefix>-tls`, namePrefix "aws-load-balancer"), issued by cert-manager. */
export const AWS_LBC_CERT_SECRET = 'aws-load-balancer-tls';

export function awsLoadBalancerController(c: EnvironmentConfig): LbcAddon | undefined {
  const x = c.addons.awsLoadBalancerController;
  if (!x) return undefined;
  const ref = image(c, 'public.ecr.aws/eks/aws-load-balancer-controller:v2.9.2');
  const at = ref.lastIndexOf(':');
  const replicas = c.ha ? 2 : 1;
  return {
    name: AWS_LBC, namespace: AWS_LBC_NAMESPACE, chart: AWS_LBC, repoURL: AWS_LBC_CHART.repoURL, version: AWS_LBC_CHART.version,
    images: [ref],
    values: {
      clusterName: x.clusterName,
      region: x.region,
      vpcId: x.vpcId,
      replicaCount: replicas,
      image: { repository: ref.slice(0, at), tag: ref.slice(at + 1), pullPolicy: c.images.pullPolicy },
      serviceAccount: { create: true, name: AWS_LBC, annotations: { 'eks.amazonaws.com/role-arn': x.iamRoleArn } },
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
      ingressClass: ALB_INGRESS_CLASS,
      createIngressClassResource: true,
      ingressClassParams: { create: false },
      enableCertManager: true,
      enableServiceMutatorWebhook: false,
      podDisruptionBudget: replicas > 1 ? { maxUnavailable: 1 } : {},
      serviceMonitor: { enabled: c.addons.monitoring.enabled },
    },
    ignoreDifferences: [],
  };
}

const k = (group: string, ...kinds: string[]): Kind[] => kinds.map((kind) => ({ group, kind }));

/** What the chart creates with the values above (templates listed in the header). */
export function awsLbcResources(c: EnvironmentConfig, a: { readonly namespace: string }, monitored: boolean) {
  return {
    cluster: [...k('rbac.authorization.k8s.io', 'ClusterRole', 'ClusterRoleBinding'), ...k('admissionregistration.k8s.io', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration'),
      ...k('apiextensions.k8s.io', 'CustomResourceDefinition'), ...k('networking.k8s.io', 'IngressClass')],
    namespaced: [{
      namespace: a.namespace,
      kinds: [...k('', 'Service', 'ServiceAccount'), ...k('apps', 'Deployment'), ...k('rbac.authorization.k8s.io', 'Role', 'RoleBinding'),
        ...k('cert-manager.io', 'Issuer', 'Certificate'), ...(c.ha ? k('policy', 'PodDisruptionBudget') : []), ...(monitored ? k('monitoring.coreos.com', 'ServiceMonitor') : [])],
    }],
    crdGroups: ['elbv2.k8s.aws'],
    apiServices: [],
    needsSecrets: [],
    issuedSecrets: [`${a.namespace}/${AWS_LBC_CERT_SECRET}`],
    usesGroups: ['cert-manager.io', ...(monitored ? ['monitoring.coreos.com'] : [])],
  };
}

/** deployment.yaml: one container sized by `resources`, `replicaCount` pods. */
export function awsLbcPods(v: Record<string, any>): { name: string; replicas: number; containers: Resources[]; source: string }[] {
  return [{ name: AWS_LBC, replicas: v.replicaCount, containers: [v.resources], source: `${AWS_LBC_CHART.source}/templates/deployment.yaml` }];
}

/**
 * Its flows (kube-system has no policies of ours: they document it and open Prometheus' egress): the API
 * server, its webhook, the AWS APIs (ELB, EC2, ACM, WAF, Shield, STS for IRSA) on 443, its metrics.
 */
export function awsLbcFlows(g: DependencyGraph, a: { readonly namespace: string }, f: {
  toApi: (p: PodGroup) => void; webhook: (p: PodGroup, port: number) => void; scrape: (p: PodGroup, ...ports: number[]) => void;
}): void {
  const controller: PodGroup = { namespace: a.namespace, selector: { 'app.kubernetes.io/name': AWS_LBC }, display: `${a.namespace}/${AWS_LBC}` };
  f.toApi(controller);
  f.webhook(controller, AWS_LBC_PORTS.webhook);
  g.connect({ pods: controller }, { addresses: { cidrs: ['0.0.0.0/0'], except: PRIVATE_RANGES, display: 'AWS APIs' } }, [{ port: 443, name: 'https' }],
    'the AWS Load Balancer Controller manages load balancers and target groups through the AWS APIs');
  f.scrape(controller, AWS_LBC_PORTS.metrics);
}
