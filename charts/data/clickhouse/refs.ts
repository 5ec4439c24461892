/** How the platform reaches ClickHouse (HTTP, native, Keeper) and the Secrets its servers read. */
import type { Endpoint, SecretRef } from '../../lib/endpoint';
import type { Identity } from '../../lib/identity';
import { clickhouseRules, clickhouseSection } from './config';
import { platformIdentifier } from '../../lib/platform-names';
import { storeFacts, userPassword } from '../kind';

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

/** ClickHouse users defined by the server configuration (users.d); their passwords come from the Secrets below. */
export const CLICKHOUSE_USERS = { admin: 'admin', app: 'app' } as const;

export const clickhouse = storeFacts<typeof clickhouseSection, ClickhouseRef>({
  config: clickhouseSection,
  namespace: 'db-clickhouse',
  requires: ['minio', 'kafka'],
  rules: clickhouseRules,
  refs: (_config, ep, platform) => {
    const pods: Identity = { name: 'clickhouse', component: 'server' };
    return {
      http: ep('clickhouse', 8123, 'http', pods),
      native: ep('clickhouse', 9000, 'native', pods),
      keeper: ep('clickhouse-keeper', 9181, 'keeper', { name: 'clickhouse', component: 'keeper' }),
      cluster: platformIdentifier(platform),
      database: platformIdentifier(platform),
      secret: { name: 'clickhouse-app', keys: userPassword },
      adminSecret: { name: 'clickhouse-admin', keys: userPassword },
    };
  },
  // Usernames are fixed (the server configuration names them); only the passwords are generated.
  secrets: (c, namespace) => [
    { ...c.secret, namespace, fixed: { username: CLICKHOUSE_USERS.app } },
    { ...c.adminSecret, namespace, fixed: { username: CLICKHOUSE_USERS.admin } },
  ],
});
