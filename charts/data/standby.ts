/**
 * What a standby environment (a second site following another environment, its source) shares with its source:
 * the Secrets that must hold the source's values. PostgreSQL's standby cluster is a physical copy of the source
 * (same roles and passwords) and reads the source's WAL archive with the source's MinIO keys. (The MinIO mirror
 * declares its copies of the source's keys `fromSource` itself: ./minio/mirror.ts.)
 */
import type { EnvironmentConfig } from '../../environments/schema';
import { hasStores, withRefs } from '../context';
import { standbySourceSecrets } from './postgres/chart';
import { POSTGRES_USES } from './postgres/context';
import type { DeclaredSecret, StoreRefs } from './refs';

export interface SharedSecret {
  readonly namespace: string;
  readonly name: string;
  /** The source's Secret it copies (in the source's cluster). */
  readonly from: { readonly namespace: string; readonly name: string };
}

/** The Secrets of a standby that take its source's values (none for an environment that follows nothing). */
export function sourceSharedSecrets(config: EnvironmentConfig, refs: StoreRefs): SharedSecret[] {
  return hasStores(config, POSTGRES_USES) && config.stores.postgres.standby
    ? standbySourceSecrets(withRefs(refs, POSTGRES_USES, 'the standby\'s shared Secrets'))
    : [];
}

/** The declared Secrets, those shared with the source marked `fromSource`. */
export function markShared(secrets: readonly DeclaredSecret[], shared: readonly SharedSecret[]): DeclaredSecret[] {
  const from = new Map(shared.map((s) => [`${s.namespace}/${s.name}`, s.from]));
  return secrets.map((s) => {
    const f = from.get(`${s.namespace}/${s.name}`);
    return f ? { ...s, fromSource: f } : s;
  });
}
