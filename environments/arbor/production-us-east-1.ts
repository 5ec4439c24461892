/** production-us-east-1: the primary region, all services, the database primary (spec 003 "Production Environment"). */
import { deepMerge, type DeepPartial } from '../merge';
import type { EnvironmentInput } from '../schema';
import { gpuPool, region, REGION_NODES } from './regions';

/** Spec 003 Kumori §2: us-east-1, A100, 10-50 instances: one node per instance at the maximum. */
const GPU = gpuPool('NVIDIA-A100-SXM4-80GB', 50);
const base = region('us-east-1', 8);

export const productionUsEast1: DeepPartial<EnvironmentInput> = deepMerge(base, {
  description: 'Production, us-east-1: the primary region, every service, the database primary, the A100 GPU pool',
  cluster: { nodePools: [...(base.cluster?.nodePools ?? []), GPU.pool] },
  apps: GPU.apps,
  stores: {
    // The secondaries' standby clusters stream from this primary through a load balancer.
    postgres: {
      replicas: 3, volume: { size: '500Gi' }, synchronousMode: 'on',
      standbyClients: { cidrs: [REGION_NODES['eu-west-1'], REGION_NODES['ap-southeast-1']], service: 'LoadBalancer' },
    },
    minio: { pools: [{ name: 'pool-0', servers: 4, drivesPerServer: 4, volume: { size: '500Gi' } }] },
  },
} satisfies DeepPartial<EnvironmentInput>);
