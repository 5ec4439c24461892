/** What Minio's chart, alerts and client read: an environment that has minio (charts/context.ts). */
import type { ConfigWith, StoreContext } from '../../context';
import type { RefsWith } from '../refs';

/** The kinds Minio's pods use: its own. */
export const MINIO_USES = ['minio'] as const;
export type MinioConfig = ConfigWith<'minio'>;
export type MinioContext = StoreContext<'minio'>;
export type MinioRefs = RefsWith<'minio'>;
