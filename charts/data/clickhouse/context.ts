/** What Clickhouse's chart, alerts and client read: an environment that has clickhouse and minio and kafka (charts/context.ts). */
import type { ConfigWith, StoreContext } from '../../context';
import type { RefsWith } from '../refs';

/** The kinds Clickhouse's pods use: its own and minio, kafka. */
export const CLICKHOUSE_USES = ['clickhouse', 'minio', 'kafka'] as const;
export type ClickhouseConfig = ConfigWith<'clickhouse' | 'minio' | 'kafka'>;
export type ClickhouseContext = StoreContext<'clickhouse' | 'minio' | 'kafka'>;
export type ClickhouseRefs = RefsWith<'clickhouse' | 'minio' | 'kafka'>;
