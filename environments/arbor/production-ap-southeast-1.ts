/** production-ap-southeast-1: a secondary region running only the APIs (and the CDN in front of them), a read replica of the primary database (spec 003 "Production Environment"). */
import { deepMerge, type DeepPartial } from '../merge';
import type { EnvironmentInput } from '../schema';
import { QUEUES } from './catalog';
import { READ_REPLICA_STORES, region } from './regions';

export const productionApSoutheast1: DeepPartial<EnvironmentInput> = deepMerge(region('ap-southeast-1', 4), {
  description: 'Production, ap-southeast-1: a secondary region running only the APIs (and the CDN in front of them), a read replica of the primary database',
  // Spec 003: services [api, cdn] only: no queue workers here (the other regions work the queues).
  apps: { services: Object.fromEntries(QUEUES.map((q) => [`${q}-worker`, { enabled: false }])) },
  // database: read_replica (spec 003): a Patroni standby cluster following the primary region's.
  stores: READ_REPLICA_STORES,
} satisfies DeepPartial<EnvironmentInput>);
