/** How the platform reaches PostgreSQL (through PgBouncer) and the Secrets its cluster reads. */
import type { Endpoint, SecretRef } from '../../lib/endpoint';
import { postgresRules, postgresSection } from './config';
import { z } from 'zod';
import { externalEndpoint, externalStoreFields, storeFacts, userPassword } from '../kind';

export interface PostgresRef {
  /** PgBouncer in front of the primary: what applications use. */
  readonly pooler: Endpoint;
  /** The primary, whose Endpoints Patroni maintains (the Service is named after the Patroni scope). */
  readonly primary: Endpoint;
  /** Streaming replicas, for read scaling (spec 002 §7.1.3). */
  readonly replicas: Endpoint;
  readonly database: string;
  /** Servers only accept TLS; in the cluster certificates are per-pod self-signed, so `require`, not `verify-full`. */
  readonly sslMode: 'require' | 'verify-full';
  readonly secrets: { readonly superuser: SecretRef; readonly replication: SecretRef; readonly rewind: SecretRef; readonly app: SecretRef };
}

/** PostgreSQL role of each system credentials Secret (by Secret name); the application's role is the database's name. */
export const POSTGRES_USERS: Readonly<Record<string, string>> = {
  'postgres-superuser': 'postgres', 'postgres-replication': 'replicator', 'postgres-rewind': 'rewind',
};

/**
 * PostgreSQL as a managed service (RDS, Cloud SQL, Neon…): consumers connect straight to `host` (the service
 * pools and fails over itself), with the credentials of `credentialsSecret` (keys username, password).
 */
export const externalPostgresSection = z.strictObject({
  ...externalStoreFields,
  /** @default 5432 */
  port: externalStoreFields.port.default(5432),
  database: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, { message: 'must be a PostgreSQL database name such as app' }),
  /** `verify-full` where the clients trust the service's CA (RDS: its CA bundle); `require` encrypts only. */
  sslMode: z.enum(['require', 'verify-full']),
});

export const postgres = storeFacts<typeof postgresSection, PostgresRef>({
  config: postgresSection,
  namespace: 'db-postgres',
  requires: ['minio'],
  rules: postgresRules,
  refs: (section, ep) => ({
    pooler: ep('pgbouncer', 6432, 'pgbouncer', { name: 'postgres', component: 'pooler' }),
    primary: ep('postgres', 5432, 'postgresql', { name: 'postgres', component: 'database' }),
    replicas: ep('postgres-replicas', 5432, 'postgresql', { name: 'postgres', component: 'database' }),
    database: section.database,
    sslMode: 'require',
    secrets: {
      superuser: { name: 'postgres-superuser', keys: userPassword },
      replication: { name: 'postgres-replication', keys: userPassword },
      rewind: { name: 'postgres-rewind', keys: userPassword },
      app: { name: 'postgres-app', keys: userPassword },
    },
  }),
  external: {
    config: externalPostgresSection,
    refs: (x: z.infer<typeof externalPostgresSection>, kind: string): PostgresRef => {
      const ep = externalEndpoint(kind, x, 'postgresql');
      const app = { name: x.credentialsSecret, keys: userPassword };
      // One endpoint for all three roles, and only the application's credentials: the service is the cluster.
      return { pooler: ep, primary: ep, replicas: ep, database: x.database, sslMode: x.sslMode, secrets: { superuser: app, replication: app, rewind: app, app } };
    },
  },
  // Fixed user names: Patroni and the post-bootstrap script create exactly these roles.
  secrets: (pg, namespace) => [pg.secrets.superuser, pg.secrets.replication, pg.secrets.rewind, pg.secrets.app]
    .map((s) => ({ ...s, namespace, fixed: { username: s === pg.secrets.app ? pg.database : POSTGRES_USERS[s.name] } })),
});
