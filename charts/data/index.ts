/**
 * The store kinds' charts: one line per kind, typed over the store names of the facts registry (./refs.ts), so
 * a kind registered there without a chart here (or the reverse) does not compile. charts/platform.ts builds
 * every chart of this table; nothing else lists the stores.
 */
import type { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import type { PlatformContext } from '../context';
import type { StoreName } from './refs';
import { ClickhouseChart } from './clickhouse/chart';
import { ElasticsearchChart } from './elasticsearch/chart';
import { KafkaChart } from './kafka/chart';
import { MinioChart } from './minio/chart';
import { PostgresChart } from './postgres/chart';
import { RedisChart } from './redis/chart';

export interface StoreKind<K extends StoreName> {
  /**
   * The chart's folder under dist/<env>/ and its id: `1x-<kind>`, the 1x numbers being the stores' place in
   * the apply order (after namespaces, network and the CA; before the applications). MinIO comes first: the
   * other stores' backups write to it.
   */
  readonly folder: `1${number}-${K}`;
  readonly chart: new (scope: Construct, id: string, ctx: PlatformContext) => Chart;
}

export const STORE_KINDS: { readonly [K in StoreName]: StoreKind<K> } = {
  minio: { folder: '10-minio', chart: MinioChart },
  postgres: { folder: '11-postgres', chart: PostgresChart },
  redis: { folder: '12-redis', chart: RedisChart },
  kafka: { folder: '13-kafka', chart: KafkaChart },
  clickhouse: { folder: '14-clickhouse', chart: ClickhouseChart },
  elasticsearch: { folder: '15-elasticsearch', chart: ElasticsearchChart },
};

/** Every store's chart, built in apply order. */
export function storeCharts(scope: Construct, ctx: PlatformContext): Chart[] {
  return Object.values<StoreKind<StoreName>>(STORE_KINDS)
    .sort((a, b) => a.folder.localeCompare(b.folder))
    .map((k) => new k.chart(scope, k.folder, ctx));
}
