/**
 * How a service uses Redis over TLS: through Sentinel in the cluster, or as a Redis Cluster when it is a managed
 * service in cluster mode (`external.redis`): its settings, Secret copies, volumes and network flows.
 */
import { secretEnv } from '../../lib/env';
import { storeCaDir } from '../../lib/platform-names';
import type { ClientKit } from '../client';
import type { RedisRef } from './refs';

export function redisClient({ refs, platform, settings, env, volumes, mounts, copySecret, internalCertificate, use }: ClientKit<'redis'>): void {
  const r = refs.redis;
  if (r.cluster) {
    clusterClient(r, r.cluster, settings, env, copySecret, use);
    return;
  }
  // Servers and Sentinels speak TLS only: the internal CA's certificate is mounted here.
  const caDir = storeCaDir(platform, 'redis');
  Object.assign(settings, {
    REDIS_SENTINEL_HOST: r.sentinel.host, REDIS_SENTINEL_PORT: String(r.sentinel.port),
    REDIS_SENTINELS: `${r.sentinel.host}:${r.sentinel.port}`, REDIS_MASTER_NAME: r.masterSet,
    // TLS to Sentinel and to the servers it names, verified against the internal CA (no client certificate
    // needed: the password authenticates).
    REDIS_TLS: 'true', REDIS_TLS_CA_FILE: `${caDir}/ca.crt`,
  });
  const cert = internalCertificate();
  volumes.push({ name: 'redis-ca', secret: { secretName: cert, items: [{ key: 'ca.crt', path: 'ca.crt' }], defaultMode: 0o444 } });
  mounts.push({ name: 'redis-ca', mountPath: caDir, readOnly: true });
  copySecret(r.secret);
  env.push(secretEnv('REDIS_PASSWORD', r.secret.name, 'password'));
  use(r.sentinel, 'redis sentinel (master discovery)');
  // Sentinel answers with the master's address: the client then connects to that Redis server.
  use(r.server, 'redis (the master Sentinel names)');
}

/**
 * A managed Redis in cluster mode: the client takes the configuration endpoint as its one startup node and
 * discovers the shards itself (ioredis `new Redis.Cluster([{ host, port }], { redisOptions: { tls: {}, password } })`,
 * redis/ioredis README.md "Special note: AWS ElastiCache Clusters with TLS", which also needs
 * `dnsLookup: (address, cb) => cb(null, address)` so that certificates are checked against the names; redis-py
 * `RedisCluster.from_url('rediss://host:port', password=…)`, redis/redis-py redis/cluster.py, which refuses a
 * database other than 0: cluster mode has no SELECT). The service's certificate is a public one (Amazon's CA), so
 * no CA file: the system trust store verifies it. The password is the AUTH token, never in the URL.
 */
function clusterClient(
  r: RedisRef, cluster: NonNullable<RedisRef['cluster']>, settings: Record<string, string>, env: ClientKit['env'],
  copySecret: ClientKit['copySecret'], use: ClientKit['use'],
): void {
  const node = `${cluster.endpoint.host}:${cluster.endpoint.port}`;
  Object.assign(settings, { REDIS_CLUSTER_MODE: 'true', REDIS_CLUSTER_NODES: node, REDIS_URL: `rediss://${node}`, REDIS_TLS: 'true' });
  copySecret(r.secret);
  env.push(secretEnv('REDIS_PASSWORD', r.secret.name, 'password'));
  // The client then talks to every shard's primary (and replicas for READONLY reads): all in the endpoint's ranges.
  use(cluster.endpoint, 'redis (a managed cluster: every shard)');
}
