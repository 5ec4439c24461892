/**
 * The store kinds: one line per kind. Each kind's folder (charts/data/<kind>/) declares its configuration section
 * (config.ts) and its facts (refs.ts); the environment's `stores` section, the store names, the refs and the
 * Secrets all derive from this table, and the chart registry (./index.ts) is typed over its names. The order
 * is the order of the `stores` section and of the stores' Secrets.
 */
import type { z } from 'zod';
import { postgres } from './postgres/refs';
import { redis } from './redis/refs';
import { minio } from './minio/refs';
import { elasticsearch } from './elasticsearch/refs';
import { clickhouse } from './clickhouse/refs';
import { kafka } from './kafka/refs';
import { weaviate } from './weaviate/refs';

export const STORE_REGISTRY = { postgres, redis, minio, elasticsearch, clickhouse, kafka, weaviate } as const;

/** A store kind's name: a key of the registry. */
export type StoreName = keyof typeof STORE_REGISTRY;
export const STORE_NAMES = Object.keys(STORE_REGISTRY) as StoreName[];

/**
 * The environment's `stores` section: one optional field per kind, its kind's section. A platform runs a subset
 * of the kinds (its description lists them; environments/rules.ts requires exactly those sections).
 */
export function storeSections(): { readonly [K in StoreName]: z.ZodOptional<typeof STORE_REGISTRY[K]['config']> } {
  return Object.fromEntries(STORE_NAMES.map((k) => [k, STORE_REGISTRY[k].config.optional()])) as unknown as { [K in StoreName]: z.ZodOptional<typeof STORE_REGISTRY[K]['config']> };
}

/** Each kind's section, as parsed. */
export type StoreSections = { readonly [K in StoreName]: z.infer<typeof STORE_REGISTRY[K]['config']> };

/** The kinds that can be used as a managed service (their facts have `external`). */
export type ExternalName = { [K in StoreName]: typeof STORE_REGISTRY[K] extends { external: object } ? K : never }[StoreName];

/**
 * The environment's `external` section: per kind that can be external, the managed service's section (optional).
 * A platform's kind is either in `stores` (in the cluster) or here, never both (environments/rules.ts).
 */
export function externalSections(): Record<string, z.ZodOptional<z.ZodType>> {
  return Object.fromEntries(STORE_NAMES.flatMap((k) => {
    const ext = (STORE_REGISTRY[k] as { external?: { config: z.ZodType } }).external;
    return ext ? [[k, ext.config.optional()]] : [];
  }));
}
