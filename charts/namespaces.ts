/**
 * The platform's namespaces (spec 002 §5.1), each with Pod Security labels, a quota, container defaults and
 * default-deny networking. Quotas are the tier's floor plus what the rendered workloads need at full scale
 * (HPA maximum and rolling-update surge) with the environment's headroom, so they always admit the platform.
 */
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../environments/schema';
import { emptyDemand, type Demand } from './lib/demand';
import { k8s } from '../imports/k8s';
import { meta, platformKeys } from './lib/labels';
import { PlatformNamespace, type QuotaValues } from './lib/namespace';
import { formatCpu, formatMemory, parseCpu, parseMemory } from './lib/quantity';

export interface NamespacesChartProps {
  readonly config: EnvironmentConfig;
  /** What the rest of the platform needs, by namespace (see lib/demand.ts). */
  readonly demand: ReadonlyMap<string, Demand>;
}

export class NamespacesChart extends Chart {
  constructor(scope: Construct, id: string, p: NamespacesChartProps) {
    super(scope, id, { disableResourceNameHashes: true });
    const { config } = p;
    const known = new Set(config.namespaces.map((n) => n.name));
    for (const ns of p.demand.keys()) {
      if (!known.has(ns) && !ns.startsWith('tenant-')) {
        throw new Error(`workloads are rendered into namespace "${ns}", which is not in the namespaces list of environment "${config.name}"`);
      }
    }
    // Storage classes the platform defines itself (storageClasses.<name>.definition; EKS's gp3): cluster-scoped,
    // applied with the namespaces, before any claim or add-on needs them.
    for (const [name, sc] of Object.entries(config.storageClasses)) {
      const d = sc.definition;
      if (!d) continue;
      new k8s.KubeStorageClass(this, `storage-class-${name}`, {
        metadata: meta(config, { name, id: { name: 'storage', component: 'storage-class', instance: name } }),
        provisioner: d.provisioner,
        ...(Object.keys(d.parameters).length ? { parameters: d.parameters } : {}),
        volumeBindingMode: d.volumeBindingMode,
        allowVolumeExpansion: d.allowVolumeExpansion,
        reclaimPolicy: d.reclaimPolicy,
      });
    }
    for (const ns of config.namespaces) {
      new PlatformNamespace(this, ns.name, {
        config,
        name: ns.name,
        podSecurity: ns.podSecurity,
        podSecurityReason: ns.podSecurityReason,
        runsPods: ns.runsPods,
        quota: sizeQuota(config.quota.floors[ns.tier], p.demand.get(ns.name) ?? emptyDemand(), config.quota.headroom),
        limitRange: config.quota.limitRange[ns.tier],
        extraLabels: { [platformKeys(config).tier]: ns.tier },
      });
    }
  }
}

/** floor + demand × (1 + headroom), rounded up to readable units. */
export function sizeQuota(floor: EnvironmentConfig['quota']['floors']['app'], d: Demand, headroom: number): QuotaValues {
  const grow = (n: number) => Math.ceil(n * (1 + headroom));
  const cpu = (f: string, n: number) => formatCpu(roundUp(parseCpu(f) + grow(n), 100));
  const mem = (f: string, n: number) => formatMemory(roundUp(parseMemory(f) + grow(n), 2 ** 26));
  const extended: Record<string, string> = {};
  for (const [res, n] of Object.entries(d.extended).sort()) extended[`requests.${res}`] = String(n);
  return {
    requestsCpu: cpu(floor.requestsCpu, d.requestsCpu),
    limitsCpu: cpu(floor.limitsCpu, d.limitsCpu),
    requestsMemory: mem(floor.requestsMemory, d.requestsMemory),
    limitsMemory: mem(floor.limitsMemory, d.limitsMemory),
    storage: mem(floor.storage, d.storage),
    pods: floor.pods + grow(d.pods),
    persistentVolumeClaims: floor.persistentVolumeClaims + d.persistentVolumeClaims,
    ...(Object.keys(extended).length ? { extended } : {}),
  };
}

function roundUp(n: number, step: number): number {
  return Math.ceil(n / step) * step;
}
