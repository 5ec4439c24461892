/**
 * The logging add-ons of an environment (`addons.logging`): Fluent Bit always, Loki where it is the backend; both
 * sync from 41-logging-addons (./late.ts), after the stores and the CA they need.
 * With the Elasticsearch backend, Fluent Bit writes to the platform's own Elasticsearch store and Kibana is ours
 * (charts/logging/): the names both sides share are here.
 */
import { storeRefs } from '../../data/refs';
import { fluentBit, type FluentBitOutput } from './fluent-bit';
import { loki, LOKI_HTTP_PORT, LOKI_SERVICE } from './loki';
import { LOGGING_NAMESPACE, type EnvironmentConfig } from '../../../environments/schema';
import { serviceHost } from '../../lib/naming';

/** Fluent Bit's Elasticsearch user (its Secret: original in db-elasticsearch, copy in logging-agent). */
export const FLUENT_BIT_ES_SECRET = { name: 'elasticsearch-fluent-bit', keys: ['username', 'password'] } as const;
export const FLUENT_BIT_ES_USER = 'fluent-bit';
/** The data stream of the containers' logs: `logs-<dataset>-<namespace>` (Elasticsearch's naming scheme). */
export const logsDataStream = (c: EnvironmentConfig): string => `logs-kubernetes-${c.name}`;
export const LOGS_INDEX_PATTERN = 'logs-kubernetes-*';

/** Loki's S3 keys in its namespace: the copy of MinIO's `logs` client, or the site's Secret for S3. */
export function lokiCredentials(c: EnvironmentConfig): string | undefined {
  const refs = storeRefs(c);
  if (!refs.minio || c.addons.logging?.loki?.iamRoleArn) return undefined;
  return refs.minio.credentials('logs').name;
}

export function loggingAddons(c: EnvironmentConfig) {
  const l = c.addons.logging;
  if (!l) return [];
  const refs = storeRefs(c);
  if (l.backend === 'loki') {
    if (!refs.minio) throw new Error(`environment "${c.name}": addons.logging.backend "loki" needs stores.minio or external.minio`);
    const output: FluentBitOutput = { kind: 'loki', host: serviceHost(c, LOKI_SERVICE, LOGGING_NAMESPACE), port: LOKI_HTTP_PORT };
    return [loki(c, { minio: refs.minio, credentials: lokiCredentials(c) }), fluentBit(c, output)];
  }
  const es = refs.elasticsearch;
  if (!es) throw new Error(`environment "${c.name}": addons.logging.backend "elasticsearch" needs stores.elasticsearch`);
  return [fluentBit(c, { kind: 'elasticsearch', host: es.http.host, port: es.http.port, secret: FLUENT_BIT_ES_SECRET.name, dataStream: logsDataStream(c) })];
}
