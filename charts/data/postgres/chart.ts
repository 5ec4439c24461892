/**
 * PostgreSQL of the platform (issue 3, spec 002 §7.1): a Patroni cluster with the Kubernetes API as its DCS,
 * PgBouncer in front of the primary, WAL-G archiving and base backups to MinIO, and in the `dr` environment a
 * standby cluster following production. Operations: docs/postgres.md.
 */
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import type { PostgresContext, PostgresRefs } from './context';
import { EXPORTER_USER, POOLER_STATS_USER } from './server-config';
import { PatroniCluster } from './patroni';
import { PgBouncer } from './pgbouncer';
import { NAMESPACES, type SecretRef } from '../refs';

export class PostgresChart extends Chart {
  constructor(scope: Construct, id: string, ctx: PostgresContext) {
    super(scope, id, { disableResourceNameHashes: true });
    const ns = NAMESPACES.postgres;

    // Secrets beyond the store's own (refs.ts): the backup bucket's S3 keys (a copy of MinIO's original),
    // Patroni's REST API credentials and the pooler exporter's admin-console user.
    const s3 = ctx.refs.minio.credentials('postgres');
    const restApi: SecretRef = { name: 'postgres-patroni-api', keys: ['username', 'password'] };
    const stats: SecretRef = { name: 'pgbouncer-stats', keys: ['username', 'password'] };
    ctx.secrets.push(
      { ...s3, namespace: ns, copyOf: { namespace: NAMESPACES.minio, name: s3.name } },
      { ...restApi, namespace: ns, fixed: { username: 'patroni' } },
      { ...stats, namespace: ns, fixed: { username: POOLER_STATS_USER } },
    );

    // A standby reads the source site's WAL archive with the source's keys (the installer copies them over).
    const sourceS3: SecretRef | undefined = ctx.config.stores.postgres.standby ? { name: 'postgres-source-archive', keys: ['accessKey', 'secretKey'] } : undefined;
    if (sourceS3) ctx.secrets.push({ ...sourceS3, namespace: ns });

    // The postgres_exporter sidecar's database role (created by the post-bootstrap script with this password).
    const exporter: SecretRef | undefined = ctx.config.stores.postgres.exporter ? EXPORTER_SECRET : undefined;
    if (exporter) ctx.secrets.push({ ...exporter, namespace: ns, fixed: { username: EXPORTER_USER } });

    new PatroniCluster(this, 'patroni', { ctx, s3Credentials: s3, restApiCredentials: restApi, sourceS3Credentials: sourceS3, exporterCredentials: exporter });
    new PgBouncer(this, 'pgbouncer', { ctx, statsCredentials: stats });
  }
}

/** Credentials of the postgres_exporter role (`stores.postgres.exporter`). */
const EXPORTER_SECRET: SecretRef = { name: 'postgres-exporter', keys: ['username', 'password'] };

/**
 * A standby's Secrets that must hold its source environment's values (it is a physical copy: same roles, same
 * passwords; and it reads the source's archive with the source's MinIO keys), each with the source Secret it copies.
 * `npm run secrets -- --vault-seed --source-context <ctx>` reads them from the source's cluster.
 */
export function standbySourceSecrets(refs: PostgresRefs): { namespace: string; name: string; from: { namespace: string; name: string } }[] {
  const ns = NAMESPACES.postgres;
  const s = refs.postgres.secrets;
  return [
    // The exporter's role too, where the standby declares it (a standby that does not is skipped).
    ...[s.superuser, s.replication, s.rewind, s.app, EXPORTER_SECRET].map((x) => ({ namespace: ns, name: x.name, from: { namespace: ns, name: x.name } })),
    { namespace: ns, name: 'postgres-source-archive', from: { namespace: NAMESPACES.minio, name: refs.minio.credentials('postgres').name } },
  ];
}
