/** What Redis's chart, alerts and client read: an environment that has redis and minio (charts/context.ts). */
import type { ConfigWith, StoreContext } from '../../context';
import type { RefsWith } from '../refs';

/** The kinds Redis's pods use: its own and minio. */
export const REDIS_USES = ['redis', 'minio'] as const;
export type RedisConfig = ConfigWith<'redis' | 'minio'>;
export type RedisContext = StoreContext<'redis' | 'minio'>;
export type RedisRefs = RefsWith<'redis' | 'minio'>;
