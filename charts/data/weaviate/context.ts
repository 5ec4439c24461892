/**
 * What Weaviate's chart, client and alerts read of the platform: its section and its refs. Until the kind is
 * registered (charts/data/stores.ts, charts/data/index.ts), EnvironmentConfig and StoreRefs do not list it, so these
 * narrow them and fail loudly when it is missing; once it is registered they are plain reads.
 */
import type { EnvironmentConfig } from '../../../environments/schema';
import type { PlatformContext } from '../../context';
import type { StoreRefs } from '../refs';
import type { WeaviateSection } from './config';
import type { WeaviateRef } from './refs';

export type WeaviateConfig = EnvironmentConfig & { readonly stores: { readonly weaviate: WeaviateSection } };
export type WeaviateRefs = StoreRefs & { readonly weaviate: WeaviateRef };
export interface WeaviateContext extends PlatformContext {
  readonly config: WeaviateConfig;
  readonly refs: WeaviateRefs;
}

export function weaviateSectionOf(config: EnvironmentConfig): WeaviateSection {
  const section = (config as Partial<WeaviateConfig>).stores?.weaviate;
  if (!section) throw new Error(`environment "${config.name}": stores.weaviate is missing`);
  return section;
}

export function weaviateRefOf(refs: StoreRefs): WeaviateRef {
  const ref = (refs as Partial<WeaviateRefs>).weaviate;
  if (!ref) throw new Error('refs.weaviate is missing (is the weaviate kind registered in charts/data/stores.ts?)');
  return ref;
}

export function weaviateContext(ctx: PlatformContext): WeaviateContext {
  weaviateSectionOf(ctx.config);
  weaviateRefOf(ctx.refs);
  return ctx as WeaviateContext;
}
