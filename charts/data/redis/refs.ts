/** How the platform reaches Redis (through Sentinel) and the Secret its servers read. */
import type { Endpoint, SecretRef } from '../../lib/endpoint';
import type { z } from 'zod';
import { externalRedisSection, redisRules, redisSection } from './config';
import { externalEndpoint, storeFacts } from '../kind';

export interface RedisRef {
  /** Sentinel: clients discover the current master here. */
  readonly sentinel: Endpoint;
  /** The Redis servers behind a headless Service (replication and Sentinel-resolved addresses). */
  readonly server: Endpoint;
  readonly masterSet: string;
  readonly secret: SecretRef;
  /**
   * Set for a managed Redis in cluster mode (`external.redis`): clients connect to `endpoint` as a cluster (no
   * Sentinel: `sentinel`, `server` and `masterSet` are then unused by ./client.ts).
   */
  readonly cluster?: { readonly endpoint: Endpoint; readonly shards: number; readonly replicasPerShard: number };
}

export const redis = storeFacts<typeof redisSection, RedisRef>({
  config: redisSection,
  namespace: 'db-redis',
  requires: ['minio'],
  rules: redisRules,
  // Sentinels run in their own StatefulSet (see ./chart.ts for why not as a sidecar).
  refs: (section, ep) => ({
    sentinel: ep('redis-sentinel', 26379, 'sentinel', { name: 'redis', component: 'sentinel' }),
    server: ep('redis-headless', 6379, 'redis', { name: 'redis', component: 'server' }),
    masterSet: section.masterSet,
    secret: { name: 'redis-auth', keys: ['password'] },
  }),
  secrets: (r, namespace) => [{ ...r.secret, namespace }],
  external: {
    config: externalRedisSection,
    refs: (x: z.infer<typeof externalRedisSection>, kind: string): RedisRef => {
      // Every shard's nodes sit in the cache subnets on the same port: one range covers them all. The topology
      // shows in dist/<platform>/<env>/reachability.md beside the ranges.
      const any = externalEndpoint(kind, x, 'redis');
      const display = `${any.external!.display}, cluster mode: ${x.shards} shards x ${1 + x.replicasPerShard} nodes`;
      const endpoint: Endpoint = { ...any, external: { cidrs: x.cidrs, display } };
      return {
        sentinel: endpoint, server: endpoint, masterSet: '',
        secret: { name: x.credentialsSecret, keys: ['password'] },
        cluster: { endpoint, shards: x.shards, replicasPerShard: x.replicasPerShard },
      };
    },
  },
});
