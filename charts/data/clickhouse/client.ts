/** How a service uses ClickHouse (HTTP interface): its settings, Secret copies, volumes and network flows. */
import { secretEnv } from '../../lib/env';
import type { ClientKit } from '../client';

export function clickhouseClient({ refs, settings, env, copySecret, use }: ClientKit<'clickhouse'>): void {
  const c = refs.clickhouse;
  Object.assign(settings, {
    CLICKHOUSE_HOST: c.http.host, CLICKHOUSE_PORT: String(c.http.port), CLICKHOUSE_URL: `http://${c.http.host}:${c.http.port}`,
    CLICKHOUSE_CLUSTER: c.cluster,
  });
  copySecret(c.secret);
  env.push(secretEnv('CLICKHOUSE_USER', c.secret.name, 'username'), secretEnv('CLICKHOUSE_PASSWORD', c.secret.name, 'password'));
  use(c.http, 'clickhouse (HTTP interface)');
}
