/** production-eu-west-1: a secondary region, every service, a read replica of the primary database (spec 003 "Production Environment"). */
import { deepMerge, type DeepPartial } from '../merge';
import type { EnvironmentInput } from '../schema';
import { gpuPool, READ_REPLICA_STORES, region } from './regions';

/** Spec 003 Kumori §2: eu-west-1, V100, 5-25 instances. */
const GPU = gpuPool('Tesla-V100-SXM2-32GB', 25);
const base = region('eu-west-1', 6);

export const productionEuWest1: DeepPartial<EnvironmentInput> = deepMerge(base, {
  cluster: { nodePools: [...(base.cluster?.nodePools ?? []), GPU.pool] },
  apps: { ...GPU.apps, services: { 'kumori-gpu-worker': { minReplicas: 5, maxReplicas: 25 } } },
  description: 'Production, eu-west-1: a secondary region, every service, a read replica of the primary database',
  // database: read_replica (spec 003): a Patroni standby cluster following the primary region's.
  stores: READ_REPLICA_STORES,
} satisfies DeepPartial<EnvironmentInput>);
