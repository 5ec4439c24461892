/** What Weaviate's chart, alerts and client read: an environment that has weaviate and minio (charts/context.ts). */
import type { ConfigWith, StoreContext } from '../../context';
import type { RefsWith } from '../refs';

/** The kinds Weaviate's pods use: its own and minio (backups). */
export const WEAVIATE_USES = ['weaviate', 'minio'] as const;
export type WeaviateConfig = ConfigWith<'weaviate' | 'minio'>;
export type WeaviateContext = StoreContext<'weaviate' | 'minio'>;
export type WeaviateRefs = RefsWith<'weaviate' | 'minio'>;
