/** How a service uses Redis, through Sentinel, over TLS: its settings, Secret copies, volumes and network flows. */
import { secretEnv } from '../../lib/env';
import type { ClientKit } from '../client';

/** Where a client of Redis finds the internal CA certificate (servers and Sentinels speak TLS only). */
export const REDIS_CA_DIR = '/etc/receivables/redis-ca';

export function redisClient({ refs, settings, env, volumes, mounts, copySecret, internalCertificate, use }: ClientKit<'redis'>): void {
  const r = refs.redis;
  Object.assign(settings, {
    REDIS_SENTINEL_HOST: r.sentinel.host, REDIS_SENTINEL_PORT: String(r.sentinel.port),
    REDIS_SENTINELS: `${r.sentinel.host}:${r.sentinel.port}`, REDIS_MASTER_NAME: r.masterSet,
    // TLS to Sentinel and to the servers it names, verified against the internal CA (no client certificate
    // needed: the password authenticates).
    REDIS_TLS: 'true', REDIS_TLS_CA_FILE: `${REDIS_CA_DIR}/ca.crt`,
  });
  const cert = internalCertificate();
  volumes.push({ name: 'redis-ca', secret: { secretName: cert, items: [{ key: 'ca.crt', path: 'ca.crt' }], defaultMode: 0o444 } });
  mounts.push({ name: 'redis-ca', mountPath: REDIS_CA_DIR, readOnly: true });
  copySecret(r.secret);
  env.push(secretEnv('REDIS_PASSWORD', r.secret.name, 'password'));
  use(r.sentinel, 'redis sentinel (master discovery)');
  // Sentinel answers with the master's address: the client then connects to that Redis server.
  use(r.server, 'redis (the master Sentinel names)');
}
