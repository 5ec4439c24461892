/** What Postgres's chart, alerts and client read: an environment that has postgres and minio (charts/context.ts). */
import type { ConfigWith, StoreContext } from '../../context';
import type { RefsWith } from '../refs';

/** The kinds Postgres's pods use: its own and minio. */
export const POSTGRES_USES = ['postgres', 'minio'] as const;
export type PostgresConfig = ConfigWith<'postgres' | 'minio'>;
export type PostgresContext = StoreContext<'postgres' | 'minio'>;
export type PostgresRefs = RefsWith<'postgres' | 'minio'>;
