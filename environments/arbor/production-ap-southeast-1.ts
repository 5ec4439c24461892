/** production-ap-southeast-1: a secondary region running only the APIs (and the CDN in front of them), a read replica of the primary database (spec 003 "Production Environment"). */
import { deepMerge, type DeepPartial } from '../merge';
import type { EnvironmentInput } from '../schema';
import { QUEUES } from './catalog';
import { PRIMARY_MINIO, PRIMARY_POSTGRES, region, REGION_NODES } from './regions';

export const productionApSoutheast1: DeepPartial<EnvironmentInput> = deepMerge(region('ap-southeast-1', 4), {
  description: 'Production, ap-southeast-1: a secondary region running only the APIs (and the CDN in front of them), a read replica of the primary database',
  // Spec 003: services [api, cdn] only: no queue workers here (the other regions work the queues).
  apps: { services: Object.fromEntries(QUEUES.map((q) => [`${q}-worker`, { enabled: false }])) },
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
