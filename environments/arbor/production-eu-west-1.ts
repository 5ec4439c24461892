/** production-eu-west-1: a secondary region, every service, a read replica of the primary database (spec 003 "Production Environment"). */
import { deepMerge, type DeepPartial } from '../merge';
import type { EnvironmentInput } from '../schema';
import { gpuPool, PRIMARY_MINIO, PRIMARY_POSTGRES, region, REGION_NODES } from './regions';

/** Spec 003 Kumori §2: eu-west-1, V100, 5-25 instances. */
const GPU = gpuPool('Tesla-V100-SXM2-32GB', 25);
const base = region('eu-west-1', 6);

export const productionEuWest1: DeepPartial<EnvironmentInput> = deepMerge(base, {
  cluster: { nodePools: [...(base.cluster?.nodePools ?? []), GPU.pool] },
  apps: { ...GPU.apps, services: { 'kumori-gpu-worker': { minReplicas: 5, maxReplicas: 25 } } },
  description: 'Production, eu-west-1: a secondary region, every service, a read replica of the primary database',
  stores: {
    // database: read_replica: a Patroni standby cluster following the primary region's, replaying its archive.
    postgres: {
      replicas: 3, volume: { size: '500Gi' },
      standby: {
        host: PRIMARY_POSTGRES, port: 5432, cidrs: [REGION_NODES['us-east-1']], sourceEnvironment: 'production-us-east-1',
        archive: { endpoint: PRIMARY_MINIO, cidrs: [REGION_NODES['us-east-1']] },
      },
    },
    minio: { pools: [{ name: 'pool-0', servers: 4, drivesPerServer: 2, volume: { size: '250Gi' } }] },
  },
} satisfies DeepPartial<EnvironmentInput>);
