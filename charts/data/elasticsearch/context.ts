/** What Elasticsearch's chart, alerts and client read: an environment that has elasticsearch and minio (charts/context.ts). */
import type { ConfigWith, StoreContext } from '../../context';
import type { RefsWith } from '../refs';

/** The kinds Elasticsearch's pods use: its own and minio. */
export const ELASTICSEARCH_USES = ['elasticsearch', 'minio'] as const;
export type ElasticsearchConfig = ConfigWith<'elasticsearch' | 'minio'>;
export type ElasticsearchContext = StoreContext<'elasticsearch' | 'minio'>;
export type ElasticsearchRefs = RefsWith<'elasticsearch' | 'minio'>;
