/**
 * The NetworkPolicies of one environment, rendered from the flows every other chart declared in `ctx.graph`.
 * Built after all other charts (see platform.ts) but applied as folder 02, right after the namespaces.
 */
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../../environments/schema';
import { k8s } from '../../imports/k8s';
import type { DependencyGraph } from '../lib/graph';
import { meta, type Identity, platformKeys } from '../lib/labels';
import { planPolicies, type PlannedPolicy, type PolicyPeer } from './policies';

const ID: Identity = { name: 'network-policy', component: 'network', instance: 'platform' };

export interface NetworkChartProps {
  readonly config: EnvironmentConfig;
  readonly graph: DependencyGraph;
}

export class NetworkChart extends Chart {
  /** What was rendered, for the reachability matrix and the tests. */
  readonly policies: readonly PlannedPolicy[];

  constructor(scope: Construct, id: string, p: NetworkChartProps) {
    super(scope, id, { disableResourceNameHashes: true });
    this.policies = planPolicies(p.config, p.graph);
    for (const policy of this.policies) {
      new k8s.KubeNetworkPolicy(this, `${policy.namespace}-${policy.name}`, {
        metadata: meta(p.config, {
          name: policy.name,
          namespace: policy.namespace,
          id: ID,
          annotations: { [platformKeys(p.config).description]: policy.reasons.join('; ') },
        }),
        spec: networkPolicySpec(policy),
      });
    }
  }
}

export function networkPolicySpec(policy: PlannedPolicy): k8s.NetworkPolicySpec {
  const rules = policy.rules.map((r) => ({
    ports: r.ports.map((port) => ({ protocol: port.protocol, port: k8s.IntOrString.fromNumber(port.port) })),
    peers: r.peers.map(peer),
  }));
  return {
    podSelector: { matchLabels: { ...policy.podSelector } },
    policyTypes: [policy.direction],
    ...(policy.direction === 'Ingress'
      ? { ingress: rules.map(({ peers, ports }) => ({ from: peers, ports })) }
      : { egress: rules.map(({ peers, ports }) => ({ to: peers, ports })) }),
  };
}

function peer(p: PolicyPeer): k8s.NetworkPolicyPeer {
  if ('ipBlock' in p) return { ipBlock: { cidr: p.ipBlock.cidr, ...(p.ipBlock.except ? { except: [...p.ipBlock.except] } : {}) } };
  return {
    ...(p.namespaceSelector ? { namespaceSelector: { matchLabels: { ...p.namespaceSelector.matchLabels } } } : {}),
    podSelector: { matchLabels: { ...p.podSelector.matchLabels } },
  };
}
