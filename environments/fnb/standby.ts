/**
 * standby: spec 000 §7.1's hot standby in a second region: production's shape in its own cluster, PostgreSQL
 * streaming from production's primary (§7.1 "Database (Read Replica)", as a Patroni standby cluster), the
 * applications deployed and waiting at zero replicas until failover (their database is read-only until it is
 * promoted). §7.1's failure detection (a health check every 30 s, failover after 3 consecutive failures, the DNS
 * update) belongs to the DNS or global load balancer in front of both sites, not to a cluster: docs/fnb.md.
 */
import { deepMerge, type DeepPartial } from '../merge';
import type { EnvironmentInput } from '../schema';
import { production } from './production';

export const standby: DeepPartial<EnvironmentInput> = deepMerge(production, {
  description: 'Hot standby (spec 000 §7.1): production in a second region, PostgreSQL streaming from the primary, promoted on failover',
  cluster: {
    apiServerCidrs: ['10.96.0.1/32', '10.130.0.0/24'], nodeCidrs: ['10.130.0.0/24'], server: 'https://standby-cluster.fnb.internal:6443',
  },
  ingress: { baseDomain: 'standby.fnb.example.com' },
  stores: {
    postgres: {
      standby: {
        host: 'postgres.fnb.example.com', port: 5432, cidrs: ['10.110.0.0/24'], sourceEnvironment: 'production',
        // Production's MinIO, reachable from this region: restore_command replays its WAL archive.
        archive: { endpoint: 'http://minio.fnb.example.com:9000', cidrs: ['10.110.0.0/24'] },
      },
      // After a failover production is rebuilt as a standby of this site.
      standbyClients: { cidrs: ['10.110.0.0/24'] },
    },
    // §7.1 "Replication", §7.2 "S3 version control": documents and images, and Weaviate's backups (restored here
    // after a failover), copied from production's MinIO every 15 minutes.
    minio: {
      mirror: { sourceEnvironment: 'production', endpoint: 'http://minio.fnb.example.com:9000', cidrs: ['10.110.0.0/24'], clients: ['documents', 'weaviate'] },
    },
  },
  apps: { standby: true },
} satisfies DeepPartial<EnvironmentInput>);
