/**
 * A service's dependencies turned into what its pods need: connection settings for its ConfigMap (built only
 * from the store references in charts/data/refs.ts and the plans of other services), Secret references for
 * credentials (copies of the stores' Secrets declared in the service's namespace), the internal CA for
 * Elasticsearch's TLS, and one declared network flow per dependency. Since the settings, the Secrets and the
 * flows come from the same loop, they cannot disagree.
 */
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import { isStore, type StoreName } from '../../environments/catalog';
import { k8s } from '../../imports/k8s';
import { INTERNAL_CA_ISSUER, NAMESPACES, type Endpoint, type SecretRef } from '../data/refs';
import type { PlatformContext } from '../context';
import { pods } from '../lib/graph';
import { meta } from '../lib/labels';
import { envName, type ServicePlan } from './plan';
import { MODELS } from './models';

export interface Wiring {
  /** Non-secret settings: the service's ConfigMap. */
  readonly settings: Record<string, string>;
  /** Secret values, by reference only. */
  readonly secretEnv: k8s.EnvVar[];
  readonly volumes: k8s.Volume[];
  readonly mounts: k8s.VolumeMount[];
}

/** Where a client of Elasticsearch finds the internal CA certificate. */
export const ES_CA_DIR = '/etc/receivables/elasticsearch-ca';
/** Where a client of Redis finds the internal CA certificate (servers and Sentinels speak TLS only). */
export const REDIS_CA_DIR = '/etc/receivables/redis-ca';

/** Declares a Secret in a namespace once, however many services of that namespace use it. */
export function declareSecret(ctx: PlatformContext, namespace: string, ref: SecretRef, copyOf?: { namespace: string; name: string }): void {
  if (ctx.secrets.some((s) => s.namespace === namespace && s.name === ref.name)) return;
  ctx.secrets.push({ ...ref, namespace, ...(copyOf ? { copyOf } : {}) });
}

/** A copy, in `namespace`, of a store's Secret (a pod can only read Secrets of its own namespace). */
function copyOfStoreSecret(ctx: PlatformContext, namespace: string, storeNamespace: string, ref: SecretRef): void {
  declareSecret(ctx, namespace, ref, { namespace: storeNamespace, name: ref.name });
}

const secretEnv = (name: string, secret: string, key: string): k8s.EnvVar => ({ name, valueFrom: { secretKeyRef: { name: secret, key } } });

/** The internal-CA Certificate of a service that talks to Elasticsearch or Redis (its Secret carries ca.crt). */
export function internalCertificateName(service: string): string {
  return `${service}-internal-tls`;
}

export function wire(scope: Construct, ctx: PlatformContext, plan: ServicePlan, plans: readonly ServicePlan[]): Wiring {
  const { config, refs, graph } = ctx;
  const e = plan.entry;
  const ns = e.namespace;
  const self = pods(ns, plan.id);
  const settings: Record<string, string> = {};
  const env: k8s.EnvVar[] = [];
  const volumes: k8s.Volume[] = [];
  const mounts: k8s.VolumeMount[] = [];
  const use = (endpoint: Endpoint, what: string) => graph.use(self, endpoint, `${e.name} uses ${what}`);

  /** The service's internal-CA Certificate (once, whichever stores need it); its Secret carries ca.crt. */
  const internalCertificate = (): string => {
    const certName = internalCertificateName(e.name);
    if (scope.node.tryFindChild('internal-certificate')) return certName;
    new ApiObject(scope, 'internal-certificate', {
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: meta(config, { name: certName, namespace: ns, id: plan.id }),
      spec: {
        secretName: certName,
        commonName: plan.endpoint?.host ?? `${e.name}.${ns}`,
        dnsNames: [plan.endpoint?.host ?? `${e.name}.${ns}`],
        usages: ['digital signature', 'client auth'],
        duration: '2160h',
        renewBefore: '360h',
        privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
        issuerRef: { name: INTERNAL_CA_ISSUER, kind: 'ClusterIssuer', group: 'cert-manager.io' },
      },
    });
    return certName;
  };

  const stores: Record<StoreName, () => void> = {
    postgres: () => {
      const pg = refs.postgres;
      // PgBouncer refuses clients without TLS; PGSSLMODE is what libpq-based drivers read.
      Object.assign(settings, { DATABASE_HOST: pg.pooler.host, DATABASE_PORT: String(pg.pooler.port), DATABASE_NAME: pg.database, DATABASE_SSLMODE: pg.sslMode, PGSSLMODE: pg.sslMode });
      copyOfStoreSecret(ctx, ns, NAMESPACES.postgres, pg.secrets.app);
      env.push(secretEnv('DATABASE_USER', pg.secrets.app.name, 'username'), secretEnv('DATABASE_PASSWORD', pg.secrets.app.name, 'password'));
      use(pg.pooler, 'postgres (through PgBouncer)');
    },
    redis: () => {
      const r = refs.redis;
      Object.assign(settings, {
        REDIS_SENTINEL_HOST: r.sentinel.host, REDIS_SENTINEL_PORT: String(r.sentinel.port),
        REDIS_SENTINELS: `${r.sentinel.host}:${r.sentinel.port}`, REDIS_MASTER_NAME: r.masterSet,
        // TLS to Sentinel and to the servers it names, verified against the internal CA (no client certificate
        // needed: the password authenticates).
        REDIS_TLS: 'true', REDIS_TLS_CA_FILE: `${REDIS_CA_DIR}/ca.crt`,
      });
      internalCertificate();
      volumes.push({ name: 'redis-ca', secret: { secretName: internalCertificateName(e.name), items: [{ key: 'ca.crt', path: 'ca.crt' }], defaultMode: 0o444 } });
      mounts.push({ name: 'redis-ca', mountPath: REDIS_CA_DIR, readOnly: true });
      copyOfStoreSecret(ctx, ns, NAMESPACES.redis, r.secret);
      env.push(secretEnv('REDIS_PASSWORD', r.secret.name, 'password'));
      use(r.sentinel, 'redis sentinel (master discovery)');
      // Sentinel answers with the master's address: the client then connects to that Redis server.
      use(r.server, 'redis (the master Sentinel names)');
    },
    kafka: () => {
      const k = refs.kafka;
      // The listener is SASL PLAIN: without these a client speaks PLAINTEXT and the broker drops it.
      Object.assign(settings, { KAFKA_BOOTSTRAP_SERVERS: k.bootstrapServers, KAFKA_SECURITY_PROTOCOL: k.securityProtocol, KAFKA_SASL_MECHANISM: k.saslMechanism });
      copyOfStoreSecret(ctx, ns, NAMESPACES.kafka, k.secret);
      env.push(secretEnv('KAFKA_USERNAME', k.secret.name, 'username'), secretEnv('KAFKA_PASSWORD', k.secret.name, 'password'));
      // Bootstrap returns the brokers' advertised addresses: the same pods and port.
      use(k.bootstrap, 'kafka');
    },
    clickhouse: () => {
      const c = refs.clickhouse;
      Object.assign(settings, {
        CLICKHOUSE_HOST: c.http.host, CLICKHOUSE_PORT: String(c.http.port), CLICKHOUSE_URL: `http://${c.http.host}:${c.http.port}`,
        CLICKHOUSE_CLUSTER: c.cluster,
      });
      copyOfStoreSecret(ctx, ns, NAMESPACES.clickhouse, c.secret);
      env.push(secretEnv('CLICKHOUSE_USER', c.secret.name, 'username'), secretEnv('CLICKHOUSE_PASSWORD', c.secret.name, 'password'));
      use(c.http, 'clickhouse (HTTP interface)');
    },
    elasticsearch: () => {
      const es = refs.elasticsearch;
      // The applications' own user (limited to the app index patterns), never the `elastic` superuser.
      Object.assign(settings, { ELASTICSEARCH_URL: es.url, ELASTICSEARCH_CA_FILE: `${ES_CA_DIR}/ca.crt`, ELASTICSEARCH_INDEX_PREFIX: es.appIndexPrefix });
      copyOfStoreSecret(ctx, ns, NAMESPACES.elasticsearch, es.appSecret);
      env.push(secretEnv('ELASTICSEARCH_USERNAME', es.appSecret.name, 'username'), secretEnv('ELASTICSEARCH_PASSWORD', es.appSecret.name, 'password'));
      // Elasticsearch serves TLS from the internal CA: the client gets its own certificate from the same issuer,
      // whose Secret carries the CA certificate to trust (and a client certificate, should ES require one).
      const certName = internalCertificate();
      volumes.push({ name: 'elasticsearch-ca', secret: { secretName: certName, items: [{ key: 'ca.crt', path: 'ca.crt' }], defaultMode: 0o444 } });
      mounts.push({ name: 'elasticsearch-ca', mountPath: ES_CA_DIR, readOnly: true });
      use(es.http, 'elasticsearch (HTTPS)');
    },
    minio: () => {
      const m = refs.minio;
      const creds = m.credentials('documents');
      Object.assign(settings, { S3_ENDPOINT: m.url, S3_BUCKET: m.buckets.documents, S3_FORCE_PATH_STYLE: 'true' });
      copyOfStoreSecret(ctx, ns, NAMESPACES.minio, creds);
      env.push(secretEnv('S3_ACCESS_KEY_ID', creds.name, 'accessKey'), secretEnv('S3_SECRET_ACCESS_KEY', creds.name, 'secretKey'));
      use(m.s3, 'minio (S3)');
    },
  };

  for (const d of e.dependsOn) {
    if (isStore(d.target)) {
      stores[d.target]();
      continue;
    }
    const target = plans.find((p) => p.entry.name === d.target);
    if (!target?.enabled || !target.endpoint) continue; // an optional dependency, disabled here
    const ep = target.endpoint;
    if (target.entry.kind === 'model-server') {
      settings.MODEL_SERVER_URL = `http://${ep.host}:${ep.port}/v1`;
      // The model the server loads in this environment (seed 000: model names in a ConfigMap).
      settings.MODEL_NAME = MODELS[config.apps.modelServer.mode === 'gpu' ? 'gpu' : 'cpu'];
    } else {
      settings[`${envName(d.target)}_URL`] = `http://${ep.host}:${ep.port}`;
    }
    use(ep, d.target);
  }
  return { settings, secretEnv: env, volumes, mounts };
}
