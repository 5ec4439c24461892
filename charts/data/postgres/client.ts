/** How a service uses PostgreSQL, through PgBouncer: its settings, Secret copies, volumes and network flows. */
import { secretEnv } from '../../lib/env';
import type { ClientKit } from '../client';

export function postgresClient({ refs, settings, env, copySecret, use }: ClientKit<'postgres'>): void {
  const pg = refs.postgres;
  // PgBouncer refuses clients without TLS; PGSSLMODE is what libpq-based drivers read.
  Object.assign(settings, { DATABASE_HOST: pg.pooler.host, DATABASE_PORT: String(pg.pooler.port), DATABASE_NAME: pg.database, DATABASE_SSLMODE: pg.sslMode, PGSSLMODE: pg.sslMode });
  copySecret(pg.secrets.app);
  env.push(secretEnv('DATABASE_USER', pg.secrets.app.name, 'username'), secretEnv('DATABASE_PASSWORD', pg.secrets.app.name, 'password'));
  use(pg.pooler, pg.pooler.external ? 'postgres (a managed service)' : 'postgres (through PgBouncer)');
}
