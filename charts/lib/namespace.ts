/**
 * One namespace with everything that makes it safe to run pods in: Pod Security labels, a ResourceQuota,
 * a LimitRange, default-deny NetworkPolicies and the DNS allowance. Used for platform and tenant namespaces.
 */
import { Construct } from 'constructs';
import type { EnvironmentConfig } from '../../environments/schema';
import { k8s } from '../../imports/k8s';
import { meta, type Identity, type Labels, platformKeys } from './labels';
import { quantities } from './resources';

export interface QuotaValues {
  readonly requestsCpu: string;
  readonly requestsMemory: string;
  readonly limitsCpu: string;
  readonly limitsMemory: string;
  readonly storage: string;
  readonly pods: number;
  readonly persistentVolumeClaims: number;
  /** e.g. { 'requests.nvidia.com/gpu': '2' } */
  readonly extended?: Record<string, string>;
}

export interface NamespaceProps {
  readonly config: EnvironmentConfig;
  readonly name: string;
  readonly podSecurity: 'restricted' | 'baseline' | 'privileged';
  /** Rendered as an annotation; required by the schema for anything looser than restricted. */
  readonly podSecurityReason?: string;
  readonly quota: QuotaValues;
  readonly limitRange: { defaultRequest: { cpu: string; memory: string }; default: { cpu: string; memory: string } };
  /** Whether pods run here: then ingress and egress are denied by default and DNS is allowed. */
  readonly runsPods: boolean;
  readonly extraLabels?: Labels;
}

const ID: Identity = { name: 'namespace', component: 'tenancy', instance: 'platform' };

/** The DNS servers of both k3s and kubeadm: CoreDNS pods labelled k8s-app=kube-dns in kube-system. */
export const CLUSTER_DNS = {
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
  podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
} as const;

export class PlatformNamespace extends Construct {
  constructor(scope: Construct, id: string, p: NamespaceProps) {
    super(scope, id);
    const { config, name } = p;
    const version = config.podSecurity.version;
    const base = { name, namespace: name, id: ID };

    new k8s.KubeNamespace(this, 'namespace', {
      metadata: meta(config, {
        name,
        id: ID,
        extraLabels: {
          'pod-security.kubernetes.io/enforce': p.podSecurity,
          'pod-security.kubernetes.io/enforce-version': version,
          // Audit and warn at restricted everywhere, so anything looser than restricted stays visible.
          'pod-security.kubernetes.io/audit': 'restricted',
          'pod-security.kubernetes.io/audit-version': version,
          'pod-security.kubernetes.io/warn': 'restricted',
          'pod-security.kubernetes.io/warn-version': version,
          ...p.extraLabels,
        },
        annotations: p.podSecurityReason ? { [platformKeys(config).podSecurityReason]: p.podSecurityReason } : undefined,
      }),
    });

    const q = p.quota;
    new k8s.KubeResourceQuota(this, 'quota', {
      metadata: meta(config, { ...base, name: 'quota' }),
      spec: {
        hard: quantities({
          'requests.cpu': q.requestsCpu,
          'requests.memory': q.requestsMemory,
          'limits.cpu': q.limitsCpu,
          'limits.memory': q.limitsMemory,
          'requests.storage': q.storage,
          pods: String(q.pods),
          persistentvolumeclaims: String(q.persistentVolumeClaims),
          ...q.extended,
        }),
      },
    });

    new k8s.KubeLimitRange(this, 'limits', {
      metadata: meta(config, { ...base, name: 'container-defaults' }),
      spec: {
        limits: [{
          type: 'Container',
          defaultRequest: quantities(p.limitRange.defaultRequest),
          default: quantities(p.limitRange.default),
        }],
      },
    });

    if (!p.runsPods) return;
    new k8s.KubeNetworkPolicy(this, 'default-deny', {
      metadata: meta(config, { ...base, name: 'default-deny' }),
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    });
    new k8s.KubeNetworkPolicy(this, 'allow-dns', {
      metadata: meta(config, { ...base, name: 'allow-dns' }),
      spec: {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [{
          to: [CLUSTER_DNS],
          ports: [
            { protocol: 'UDP', port: k8s.IntOrString.fromNumber(53) },
            { protocol: 'TCP', port: k8s.IntOrString.fromNumber(53) },
          ],
        }],
      },
    });
  }
}
