/**
 * The store kinds' charts: one line per kind, typed over the store names of the facts registry (./refs.ts), so
 * a kind registered there without a chart here (or the reverse) does not compile. charts/platform.ts builds
 * every chart of this table; nothing else lists the stores.
 */
import type { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { withStores, type ConfigWith, type PlatformContext, type StoreContext } from '../context';
import type { ClientKit } from './client';
import type { Rule, StoreAlertKit } from '../lib/alerts';
import { storeKindsOf, type StoreName } from './refs';
import { clickhouseAlerts } from './clickhouse/alerts';
import { ClickhouseChart } from './clickhouse/chart';
import { clickhouseClient } from './clickhouse/client';
import { CLICKHOUSE_USES } from './clickhouse/context';
import { elasticsearchAlerts } from './elasticsearch/alerts';
import { ElasticsearchChart } from './elasticsearch/chart';
import { elasticsearchClient } from './elasticsearch/client';
import { ELASTICSEARCH_USES } from './elasticsearch/context';
import { kafkaAlerts } from './kafka/alerts';
import { KafkaChart } from './kafka/chart';
import { kafkaClient } from './kafka/client';
import { KAFKA_USES } from './kafka/context';
import { minioAlerts } from './minio/alerts';
import { MinioChart } from './minio/chart';
import { minioClient } from './minio/client';
import { MINIO_USES } from './minio/context';
import { MINIO_FOLDER } from './minio/guard';
import { postgresAlerts } from './postgres/alerts';
import { PostgresChart } from './postgres/chart';
import { postgresClient } from './postgres/client';
import { POSTGRES_USES } from './postgres/context';
import { redisAlerts } from './redis/alerts';
import { RedisChart } from './redis/chart';
import { redisClient } from './redis/client';
import { weaviateAlerts } from './weaviate/alerts';
import { WeaviateChart, WEAVIATE_FOLDER } from './weaviate/chart';
import { weaviateClient } from './weaviate/client';
import { WEAVIATE_USES } from './weaviate/context';
import { REDIS_USES } from './redis/context';

/**
 * `K`: the kind; `U`: every kind its pods read (its own and what it requires, as its ./<kind>/context.ts says).
 * The chart and the alerts are built only where the environment has all of `U` (`storeCharts` narrows).
 */
export interface StoreKind<K extends StoreName, U extends StoreName = K> {
  /**
   * The chart's folder under dist/<platform>/<env>/ and its id: `1x-<kind>`, the 1x numbers being the stores'
   * place in the apply order (after namespaces, network and the CA; before the applications). MinIO comes
   * first: the other stores' backups write to it.
   */
  readonly folder: `1${number}-${K}`;
  /** The kinds the chart and alerts read (`U` as a value, so the narrowing is checked at run time too). */
  readonly uses: readonly U[];
  readonly chart: new (scope: Construct, id: string, ctx: StoreContext<U>) => Chart;
  /** How a service that depends on the store is wired to it (charts/apps/connections.ts calls it). */
  readonly client: (kit: ClientKit<K>) => void;
  /** Alerting rules from the store's own metrics (the monitoring chart adds the generic StatefulSet ones). */
  readonly alerts: (config: ConfigWith<U>, kit: StoreAlertKit) => Rule[];
}

/** Keeps an entry's `U` where it is written. */
const kind = <K extends StoreName, U extends StoreName>(k: StoreKind<K, U>): StoreKind<K, U> => k;

export const STORE_KINDS = {
  minio: kind({ folder: MINIO_FOLDER, uses: MINIO_USES, chart: MinioChart, client: minioClient, alerts: minioAlerts }),
  postgres: kind({ folder: '11-postgres', uses: POSTGRES_USES, chart: PostgresChart, client: postgresClient, alerts: postgresAlerts }),
  redis: kind({ folder: '12-redis', uses: REDIS_USES, chart: RedisChart, client: redisClient, alerts: redisAlerts }),
  kafka: kind({ folder: '13-kafka', uses: KAFKA_USES, chart: KafkaChart, client: kafkaClient, alerts: kafkaAlerts }),
  clickhouse: kind({ folder: '14-clickhouse', uses: CLICKHOUSE_USES, chart: ClickhouseChart, client: clickhouseClient, alerts: clickhouseAlerts }),
  elasticsearch: kind({ folder: '15-elasticsearch', uses: ELASTICSEARCH_USES, chart: ElasticsearchChart, client: elasticsearchClient, alerts: elasticsearchAlerts }),
  weaviate: kind({ folder: WEAVIATE_FOLDER, uses: WEAVIATE_USES, chart: WeaviateChart, client: weaviateClient, alerts: weaviateAlerts }),
} satisfies { readonly [K in StoreName]: StoreKind<K, StoreName> };

/** A kind's entry with its `U` forgotten: callers narrow with `uses` first. */
export function storeKind(k: StoreName): StoreKind<StoreName, StoreName> {
  return STORE_KINDS[k] as unknown as StoreKind<StoreName, StoreName>;
}

/** Every store's chart, built in apply order. */
export function storeCharts(scope: Construct, ctx: PlatformContext): Chart[] {
  return storeKindsOf(ctx.config).map(storeKind)
    .sort((a, b) => a.folder.localeCompare(b.folder))
    .map((k) => new k.chart(scope, k.folder, withStores(ctx, k.uses, k.folder)));
}
