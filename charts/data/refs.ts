/**
 * How the rest of the platform reaches each store: Service names, ports, pod identities and Secret names.
 *
 * This is the single source of those facts. The store constructs build their Services and Secrets references
 * from it, the application tier builds connection settings from it, and the network policies allow exactly
 * these ports between exactly these pods. Nothing else may spell a store's host, port or Secret name.
 */
import type { EnvironmentConfig } from '../../environments/schema';
import { selectorLabels, type Identity, type Labels } from '../lib/labels';
import { serviceHost } from '../lib/naming';
import type { DeclaredSecret, Endpoint, SecretRef } from '../lib/endpoint';

export type { DeclaredSecret, Endpoint, SecretRef };



export interface PostgresRef {
  /** PgBouncer in front of the primary: what applications use. */
  readonly pooler: Endpoint;
  /** The primary, whose Endpoints Patroni maintains (the Service is named after the Patroni scope). */
  readonly primary: Endpoint;
  /** Streaming replicas, for read scaling (spec 002 §7.1.3). */
  readonly replicas: Endpoint;
  readonly database: string;
  /** Servers only accept TLS; certificates are per-pod self-signed for now, so `require`, not `verify-full`. */
  readonly sslMode: 'require';
  readonly secrets: { readonly superuser: SecretRef; readonly replication: SecretRef; readonly rewind: SecretRef; readonly app: SecretRef };
}

export interface RedisRef {
  /** Sentinel: clients discover the current master here. */
  readonly sentinel: Endpoint;
  /** The Redis servers behind a headless Service (replication and Sentinel-resolved addresses). */
  readonly server: Endpoint;
  readonly masterSet: string;
  readonly secret: SecretRef;
}

export interface MinioRef {
  readonly s3: Endpoint;
  /** The S3 endpoint URL (path-style addressing). */
  readonly url: string;
  readonly rootSecret: SecretRef;
  /**
   * The S3 credentials of one MinIO client (a backup job, an application). The MinIO chart declares the
   * original in storage-minio and provisions the user, its policy and its bucket from it; the client declares
   * a copy in its own namespace with `copyOf` pointing at the original.
   */
  readonly credentials: (client: MinioClient) => SecretRef;
  readonly buckets: {
    readonly documents: string;
    readonly logs: string;
    readonly backups: { readonly postgres: string; readonly clickhouse: string; readonly elasticsearch: string; readonly redis: string };
  };
  /** The one bucket a client's user may read and write (its policy allows nothing else). */
  readonly bucketOf: (client: MinioClient) => string;
  /** The region S3 clients must sign with (MinIO's default; clients such as pgBackRest require one). */
  readonly region: string;
}

/** Who uses MinIO: each gets its own user, limited to its own bucket. */
export const MINIO_CLIENTS = ['postgres', 'clickhouse', 'elasticsearch', 'redis', 'documents', 'logs'] as const;
export type MinioClient = typeof MINIO_CLIENTS[number];

export interface ElasticsearchRef {
  readonly http: Endpoint;
  readonly url: string;
  /** Password of the built-in `elastic` user (the store's own Jobs and hooks only; never applications). */
  readonly secret: SecretRef;
  /** The applications' user (`username` fixed): created by the setup Job, limited to `appIndexPatterns`. */
  readonly appSecret: SecretRef;
  /** The indices (and aliases) applications may read, write and manage; nothing else. */
  readonly appIndexPatterns: readonly string[];
  /** Prefix applications name their indices with, so that they fall under `appIndexPatterns`. */
  readonly appIndexPrefix: string;
}

export interface ClickhouseRef {
  readonly http: Endpoint;
  readonly native: Endpoint;
  readonly keeper: Endpoint;
  /** The cluster name of `remote_servers`, used by ON CLUSTER and Distributed tables. */
  readonly cluster: string;
  /** The application database (created by the applications' migrations with ON CLUSTER). */
  readonly database: string;
  /** The application user's credentials (`username` is fixed): what applications copy with `copyOf`. */
  readonly secret: SecretRef;
  /** The administrator (user management, ON CLUSTER DDL, backups); stays in db-clickhouse. */
  readonly adminSecret: SecretRef;
}

export interface KafkaRef {
  readonly bootstrap: Endpoint;
  /** `host:port` for clients' bootstrap.servers. */
  readonly bootstrapServers: string;
  /** Client settings: SASL PLAIN over the cluster network (NetworkPolicies restrict who reaches it). */
  readonly securityProtocol: 'SASL_PLAINTEXT';
  readonly saslMechanism: 'PLAIN';
  /** The client credentials (`username` is fixed): clients copy it into their namespace with `copyOf`. */
  readonly secret: SecretRef;
}

export interface StoreRefs {
  readonly postgres: PostgresRef;
  readonly redis: RedisRef;
  readonly minio: MinioRef;
  readonly elasticsearch: ElasticsearchRef;
  readonly clickhouse: ClickhouseRef;
  readonly kafka: KafkaRef;
}

export const NAMESPACES = {
  postgres: 'db-postgres',
  redis: 'db-redis',
  minio: 'storage-minio',
  elasticsearch: 'db-elasticsearch',
  clickhouse: 'db-clickhouse',
  kafka: 'db-kafka',
} as const;

const userPassword = ['username', 'password'] as const;

/** PostgreSQL role of each credentials Secret (by Secret name). */
export const POSTGRES_USERS: Readonly<Record<string, string>> = {
  'postgres-superuser': 'postgres', 'postgres-replication': 'replicator', 'postgres-rewind': 'rewind', 'postgres-app': 'receivables',
};

export function storeRefs(config: EnvironmentConfig): StoreRefs {
  const ep = (namespace: string, service: string, port: number, portName: string, pods: Identity): Endpoint =>
    ({ namespace, service, host: serviceHost(config, service, namespace), port, portName, pods });

  const pg = NAMESPACES.postgres;
  const postgres: PostgresRef = {
    pooler: ep(pg, 'pgbouncer', 6432, 'pgbouncer', { name: 'postgres', component: 'pooler' }),
    primary: ep(pg, 'postgres', 5432, 'postgresql', { name: 'postgres', component: 'database' }),
    replicas: ep(pg, 'postgres-replicas', 5432, 'postgresql', { name: 'postgres', component: 'database' }),
    database: 'receivables',
    sslMode: 'require',
    secrets: {
      superuser: { name: 'postgres-superuser', keys: userPassword },
      replication: { name: 'postgres-replication', keys: userPassword },
      rewind: { name: 'postgres-rewind', keys: userPassword },
      app: { name: 'postgres-app', keys: userPassword },
    },
  };

  const rd = NAMESPACES.redis;
  // Sentinels run in their own StatefulSet (see charts/data/redis/chart.ts for why not as a sidecar).
  const redis: RedisRef = {
    sentinel: ep(rd, 'redis-sentinel', 26379, 'sentinel', { name: 'redis', component: 'sentinel' }),
    server: ep(rd, 'redis-headless', 6379, 'redis', { name: 'redis', component: 'server' }),
    masterSet: 'receivables',
    secret: { name: 'redis-auth', keys: ['password'] },
  };

  const s3 = ep(NAMESPACES.minio, 'minio', 9000, 's3', { name: 'minio', component: 'server' });
  const buckets = {
    documents: 'documents',
    logs: 'logs',
    backups: { postgres: 'backups-postgres', clickhouse: 'backups-clickhouse', elasticsearch: 'backups-elasticsearch', redis: 'backups-redis' },
  };
  const minio: MinioRef = {
    s3,
    url: `http://${s3.host}:${s3.port}`,
    rootSecret: { name: 'minio-root', keys: ['rootUser', 'rootPassword'] },
    credentials: (client) => ({ name: `minio-${client}`, keys: ['accessKey', 'secretKey'] }),
    buckets,
    bucketOf: (client) => (client === 'documents' || client === 'logs' ? buckets[client] : buckets.backups[client]),
    region: 'us-east-1',
  };

  // HTTP is served by the coordinating nodes; without them by the data nodes; a lone master holds every role.
  const es = config.stores.elasticsearch;
  const httpRole = es.coordinating > 0 ? 'coordinating' : es.data > 0 ? 'data' : 'master';
  const http = ep(NAMESPACES.elasticsearch, 'elasticsearch', 9200, 'http', { name: 'elasticsearch', component: httpRole });
  const elasticsearch: ElasticsearchRef = {
    http,
    url: `https://${http.host}:${http.port}`,
    secret: { name: 'elasticsearch-credentials', keys: ['username', 'password'] },
    appSecret: { name: 'elasticsearch-app', keys: userPassword },
    appIndexPatterns: ['receivables-app-*'],
    appIndexPrefix: 'receivables-app-',
  };

  const ch = NAMESPACES.clickhouse;
  const chPods: Identity = { name: 'clickhouse', component: 'server' };
  const clickhouse: ClickhouseRef = {
    http: ep(ch, 'clickhouse', 8123, 'http', chPods),
    native: ep(ch, 'clickhouse', 9000, 'native', chPods),
    keeper: ep(ch, 'clickhouse-keeper', 9181, 'keeper', { name: 'clickhouse', component: 'keeper' }),
    cluster: 'receivables',
    database: 'receivables',
    secret: { name: 'clickhouse-app', keys: userPassword },
    adminSecret: { name: 'clickhouse-admin', keys: userPassword },
  };

  const bootstrap = ep(NAMESPACES.kafka, 'kafka', 9092, 'client', { name: 'kafka', component: 'broker' });
  const kafka: KafkaRef = {
    bootstrap,
    bootstrapServers: `${bootstrap.host}:${bootstrap.port}`,
    securityProtocol: 'SASL_PLAINTEXT',
    saslMechanism: 'PLAIN',
    secret: { name: 'kafka-credentials', keys: userPassword },
  };

  return { postgres, redis, minio, elasticsearch, clickhouse, kafka };
}


/** The Secrets the stores themselves read, each in its store's namespace. */
export function storeSecrets(refs: StoreRefs): DeclaredSecret[] {
  const inNs = (namespace: string, ...secrets: SecretRef[]) => secrets.map((s) => ({ ...s, namespace }));
  const pg = refs.postgres.secrets;
  return [
    // Fixed user names: Patroni and the post-bootstrap script create exactly these roles.
    ...inNs(NAMESPACES.postgres, pg.superuser, pg.replication, pg.rewind, pg.app).map((s) => ({ ...s, fixed: { username: POSTGRES_USERS[s.name] } })),
    ...inNs(NAMESPACES.redis, refs.redis.secret),
    ...inNs(NAMESPACES.minio, refs.minio.rootSecret),
    // The built-in superuser: its name is fixed, its password generated.
    { ...refs.elasticsearch.secret, namespace: NAMESPACES.elasticsearch, fixed: { username: 'elastic' } },
    { ...refs.elasticsearch.appSecret, namespace: NAMESPACES.elasticsearch, fixed: { username: ELASTICSEARCH_APP_USER } },
    // Usernames are fixed (the server configuration names them); only the passwords are generated.
    { ...refs.clickhouse.secret, namespace: NAMESPACES.clickhouse, fixed: { username: CLICKHOUSE_USERS.app } },
    { ...refs.clickhouse.adminSecret, namespace: NAMESPACES.clickhouse, fixed: { username: CLICKHOUSE_USERS.admin } },
    { ...refs.kafka.secret, namespace: NAMESPACES.kafka, fixed: { username: KAFKA_CLIENT_USER } },
  ];
}

/** ClickHouse users defined by the server configuration (users.d); their passwords come from the Secrets above. */
export const CLICKHOUSE_USERS = { admin: 'admin', app: 'app' } as const;
/** The Elasticsearch user of the applications (native realm; the setup Job creates it with its role). */
export const ELASTICSEARCH_APP_USER = 'receivables-app';
/** The Kafka client user (SASL PLAIN); its password comes from refs.kafka.secret. */
export const KAFKA_CLIENT_USER = 'client';

/** The selector labels of an endpoint's pods. */
export function podSelector(e: Endpoint): Labels {
  return selectorLabels(e.pods);
}

/**
 * The cluster's internal certificate authority: a cert-manager ClusterIssuer (rendered by the ingress chart,
 * bootstrapped from a self-signed root). Services with TLS inside the cluster (Elasticsearch) get their
 * certificates from it; a client that must trust them requests its own Certificate from the same issuer in its
 * own namespace and reads `ca.crt` from that Secret.
 */
export const INTERNAL_CA_ISSUER = 'platform-internal-ca';
