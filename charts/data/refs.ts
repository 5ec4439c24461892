/**
 * How the rest of the platform reaches each store: Service names, ports, pod identities and Secret names.
 *
 * Built from the store kinds' facts (each kind's charts/data/<kind>/refs.ts, registered in ./stores.ts); the store constructs build their Services and Secret references from them, the
 * application tier builds connection settings from them, and the network policies allow exactly these ports
 * between exactly these pods. Nothing else may spell a store's host, port or Secret name. The kinds' charts are
 * registered in ./index.ts, typed over the same names.
 */
import type { z } from 'zod';
import type { EnvironmentConfig } from '../../environments/schema';
import { selectorLabels, type Labels } from '../lib/labels';
import { serviceHost } from '../lib/naming';
import type { DeclaredSecret, Endpoint, SecretRef } from '../lib/endpoint';
import type { StoreFacts } from './kind';
import { STORE_NAMES, STORE_REGISTRY, type StoreName, type StoreSections } from './stores';

export type { DeclaredSecret, Endpoint, SecretRef };
export { POSTGRES_USERS, type PostgresRef } from './postgres/refs';
export type { RedisRef } from './redis/refs';
export { MINIO_CLIENTS, minioClientsOf, type MinioClient, type MinioRef } from './minio/refs';
export type { ElasticsearchRef } from './elasticsearch/refs';
export { CLICKHOUSE_USERS, type ClickhouseRef } from './clickhouse/refs';
export { KAFKA_CLIENT_USER, type KafkaRef } from './kafka/refs';
export type { WeaviateRef } from './weaviate/refs';

export { STORE_NAMES, type StoreName };

type RefOf<F> = F extends StoreFacts<any, infer R> ? R : never;
/** The refs of each kind the environment has (none for kinds its platform does not have). */
export type StoreRefs = { readonly [K in StoreName]?: RefOf<typeof STORE_REGISTRY[K]> };
/** Refs where the kinds K are present. */
export type RefsWith<K extends StoreName> = StoreRefs & { readonly [P in K]: RefOf<typeof STORE_REGISTRY[P]> };

/** The registry typed per kind, so a generic loop keeps each kind's section and ref types. */
type Facts<K extends StoreName> = {
  readonly namespace: string;
  readonly refs: (section: StoreSections[K], endpoint: Parameters<typeof STORE_REGISTRY[K]['refs']>[1], platform: string) => RefOf<typeof STORE_REGISTRY[K]>;
  readonly secrets: (ref: RefOf<typeof STORE_REGISTRY[K]>, namespace: string) => DeclaredSecret[];
};
const FACTS: { readonly [K in StoreName]: Facts<K> } = STORE_REGISTRY;

/** The namespace of each store. */
export const NAMESPACES = Object.fromEntries(STORE_NAMES.map((k) => [k, FACTS[k].namespace])) as { readonly [K in StoreName]: string };

/** The kinds the environment runs in the cluster, in the registry's order. */
export function storeKindsOf(config: EnvironmentConfig): StoreName[] {
  return STORE_NAMES.filter((k) => config.stores[k] !== undefined);
}

/** The kinds the environment uses as managed services (`external.<kind>`). */
export function externalKindsOf(config: EnvironmentConfig): StoreName[] {
  return STORE_NAMES.filter((k) => (config.external as Record<string, unknown>)[k] !== undefined);
}

export function storeRefs(config: EnvironmentConfig): StoreRefs {
  const refsOf = <K extends StoreName>(kind: K, section: StoreSections[K]): RefOf<typeof STORE_REGISTRY[K]> => {
    const { namespace, refs } = FACTS[kind];
    return refs(section, (service, port, portName, pods) => ({ namespace, service, host: serviceHost(config, service, namespace), port, portName, pods }), config.platform.name);
  };
  const external = (k: StoreName) => (STORE_REGISTRY[k] as StoreFacts<z.ZodType, unknown>).external!.refs((config.external as Record<string, unknown>)[k], k);
  return Object.fromEntries([
    ...storeKindsOf(config).map((k) => [k, refsOf(k, config.stores[k]!)]),
    ...externalKindsOf(config).map((k) => [k, external(k)]),
  ]) as StoreRefs;
}

/** The Secrets the in-cluster stores themselves read, each in its store's namespace. */
export function storeSecrets(refs: StoreRefs, config: EnvironmentConfig): DeclaredSecret[] {
  return storeKindsOf(config).flatMap(<K extends StoreName>(k: K) => {
    const facts = FACTS[k];
    const ref = refs[k];
    return ref === undefined ? [] : facts.secrets(ref as RefOf<typeof STORE_REGISTRY[K]>, facts.namespace);
  });
}

/** The selector labels of an endpoint's pods. */
export function podSelector(e: Endpoint): Labels {
  return selectorLabels(e.pods);
}

/**
 * The cluster's internal certificate authority: a cert-manager ClusterIssuer (rendered by the ingress chart,
 * bootstrapped from a self-signed root). Services with TLS inside the cluster (Elasticsearch) get their
 * certificates from it; a client that must trust them requests its own Certificate from the same issuer in its
 * own namespace and reads `ca.crt` from that Secret.
 */
export const INTERNAL_CA_ISSUER = 'platform-internal-ca';
