/** How the platform reaches Redis (through Sentinel) and the Secret its servers read. */
import type { Endpoint, SecretRef } from '../../lib/endpoint';
import { redisRules, redisSection } from './config';
import { storeFacts } from '../kind';

export interface RedisRef {
  /** Sentinel: clients discover the current master here. */
  readonly sentinel: Endpoint;
  /** The Redis servers behind a headless Service (replication and Sentinel-resolved addresses). */
  readonly server: Endpoint;
  readonly masterSet: string;
  readonly secret: SecretRef;
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
});
