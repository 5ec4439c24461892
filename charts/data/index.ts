/**
 * The store kinds' charts: one line per kind, typed over the store names of the facts registry (./refs.ts), so
 * a kind registered there without a chart here (or the reverse) does not compile. charts/platform.ts builds
 * every chart of this table; nothing else lists the stores.
 */
import type { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../../environments/schema';
import type { PlatformContext } from '../context';
import type { ClientKit } from './client';
import type { Rule, StoreAlertKit } from '../lib/alerts';
import type { StoreName } from './refs';
import { clickhouseAlerts } from './clickhouse/alerts';
import { ClickhouseChart } from './clickhouse/chart';
import { clickhouseClient } from './clickhouse/client';
import { elasticsearchAlerts } from './elasticsearch/alerts';
import { ElasticsearchChart } from './elasticsearch/chart';
import { elasticsearchClient } from './elasticsearch/client';
import { kafkaAlerts } from './kafka/alerts';
import { KafkaChart } from './kafka/chart';
import { kafkaClient } from './kafka/client';
import { minioAlerts } from './minio/alerts';
import { MinioChart } from './minio/chart';
import { minioClient } from './minio/client';
import { MINIO_FOLDER } from './minio/guard';
import { postgresAlerts } from './postgres/alerts';
import { PostgresChart } from './postgres/chart';
import { postgresClient } from './postgres/client';
import { redisAlerts } from './redis/alerts';
import { RedisChart } from './redis/chart';
import { redisClient } from './redis/client';

export interface StoreKind<K extends StoreName> {
  /**
   * The chart's folder under dist/<env>/ and its id: `1x-<kind>`, the 1x numbers being the stores' place in
   * the apply order (after namespaces, network and the CA; before the applications). MinIO comes first: the
   * other stores' backups write to it.
   */
  readonly folder: `1${number}-${K}`;
  readonly chart: new (scope: Construct, id: string, ctx: PlatformContext) => Chart;
  /** How a service that depends on the store is wired to it (charts/apps/connections.ts calls it). */
  readonly client: (kit: ClientKit) => void;
  /** Alerting rules from the store's own metrics (the monitoring chart adds the generic StatefulSet ones). */
  readonly alerts: (config: EnvironmentConfig, kit: StoreAlertKit) => Rule[];
}

export const STORE_KINDS: { readonly [K in StoreName]: StoreKind<K> } = {
  minio: { folder: MINIO_FOLDER, chart: MinioChart, client: minioClient, alerts: minioAlerts },
  postgres: { folder: '11-postgres', chart: PostgresChart, client: postgresClient, alerts: postgresAlerts },
  redis: { folder: '12-redis', chart: RedisChart, client: redisClient, alerts: redisAlerts },
  kafka: { folder: '13-kafka', chart: KafkaChart, client: kafkaClient, alerts: kafkaAlerts },
  clickhouse: { folder: '14-clickhouse', chart: ClickhouseChart, client: clickhouseClient, alerts: clickhouseAlerts },
  elasticsearch: { folder: '15-elasticsearch', chart: ElasticsearchChart, client: elasticsearchClient, alerts: elasticsearchAlerts },
};

/** Every store's chart, built in apply order. */
export function storeCharts(scope: Construct, ctx: PlatformContext): Chart[] {
  return Object.values<StoreKind<StoreName>>(STORE_KINDS)
    .sort((a, b) => a.folder.localeCompare(b.folder))
    .map((k) => new k.chart(scope, k.folder, ctx));
}
