/** How the platform reaches PostgreSQL (through PgBouncer) and the Secrets its cluster reads. */
import type { Endpoint, SecretRef } from '../../lib/endpoint';
import { postgresRules, postgresSection } from './config';
import { storeFacts, userPassword } from '../kind';

export interface PostgresRef {
  /** PgBouncer in front of the primary: what applications use. */
  readonly pooler: Endpoint;
  /** The primary, whose Endpoints Patroni maintains (the Service is named after the Patroni scope). */
  readonly primary: Endpoint;
  /** Streaming replicas, for read scaling (spec 002 §7.1.3). */
  readonly replicas: Endpoint;
  /** Whether the cluster has a streaming replica (more than one member): the replicas Service has endpoints. */
  readonly hasReplicas: boolean;
  readonly database: string;
  /** Servers only accept TLS; certificates are per-pod self-signed for now, so `require`, not `verify-full`. */
  readonly sslMode: 'require';
  readonly secrets: { readonly superuser: SecretRef; readonly replication: SecretRef; readonly rewind: SecretRef; readonly app: SecretRef };
}

/** PostgreSQL role of each credentials Secret (by Secret name). */
export const POSTGRES_USERS: Readonly<Record<string, string>> = {
  'postgres-superuser': 'postgres', 'postgres-replication': 'replicator', 'postgres-rewind': 'rewind', 'postgres-app': 'receivables',
};

export const postgres = storeFacts<typeof postgresSection, PostgresRef>({
  config: postgresSection,
  namespace: 'db-postgres',
  requires: ['minio'],
  rules: postgresRules,
  refs: (section, ep) => ({
    pooler: ep('pgbouncer', 6432, 'pgbouncer', { name: 'postgres', component: 'pooler' }),
    primary: ep('postgres', 5432, 'postgresql', { name: 'postgres', component: 'database' }),
    replicas: ep('postgres-replicas', 5432, 'postgresql', { name: 'postgres', component: 'database' }),
    hasReplicas: section.replicas > 1,
    database: 'receivables',
    sslMode: 'require',
    secrets: {
      superuser: { name: 'postgres-superuser', keys: userPassword },
      replication: { name: 'postgres-replication', keys: userPassword },
      rewind: { name: 'postgres-rewind', keys: userPassword },
      app: { name: 'postgres-app', keys: userPassword },
    },
  }),
  // Fixed user names: Patroni and the post-bootstrap script create exactly these roles.
  secrets: (pg, namespace) => [pg.secrets.superuser, pg.secrets.replication, pg.secrets.rewind, pg.secrets.app]
    .map((s) => ({ ...s, namespace, fixed: { username: POSTGRES_USERS[s.name] } })),
});
