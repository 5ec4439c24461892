/**
 * How the rest of the platform reaches each store: Service names, ports, pod identities and Secret names.
 *
 * The registry of the store kinds' facts: each kind declares them in charts/data/<kind>/refs.ts and is listed
 * once in STORE_FACTS below; the store constructs build their Services and Secret references from them, the
 * application tier builds connection settings from them, and the network policies allow exactly these ports
 * between exactly these pods. Nothing else may spell a store's host, port or Secret name. The kinds' charts are
 * registered in ./index.ts, typed over the same names.
 */
import type { EnvironmentConfig } from '../../environments/schema';
import { selectorLabels, type Labels } from '../lib/labels';
import { serviceHost } from '../lib/naming';
import type { DeclaredSecret, Endpoint, SecretRef } from '../lib/endpoint';
import type { StoreFacts } from './kind';
import { postgres } from './postgres/refs';
import { redis } from './redis/refs';
import { minio } from './minio/refs';
import { elasticsearch } from './elasticsearch/refs';
import { clickhouse } from './clickhouse/refs';
import { kafka } from './kafka/refs';

export type { DeclaredSecret, Endpoint, SecretRef };
export { POSTGRES_USERS, type PostgresRef } from './postgres/refs';
export type { RedisRef } from './redis/refs';
export { MINIO_CLIENTS, type MinioClient, type MinioRef } from './minio/refs';
export { ELASTICSEARCH_APP_USER, type ElasticsearchRef } from './elasticsearch/refs';
export { CLICKHOUSE_USERS, type ClickhouseRef } from './clickhouse/refs';
export { KAFKA_CLIENT_USER, type KafkaRef } from './kafka/refs';

/** Every store kind, once. The order is the order of storeSecrets (the secret generator's). */
export const STORE_FACTS = { postgres, redis, minio, elasticsearch, clickhouse, kafka } as const;

/** A store kind's name: a key of the registry. */
export type StoreName = keyof typeof STORE_FACTS;
export const STORE_NAMES = Object.keys(STORE_FACTS) as StoreName[];

type RefOf<F> = F extends StoreFacts<infer R> ? R : never;
export type StoreRefs = { readonly [K in StoreName]: RefOf<typeof STORE_FACTS[K]> };

/** The registry typed per kind, so a generic loop keeps each kind's ref type. */
const FACTS: { readonly [K in StoreName]: StoreFacts<StoreRefs[K]> } = STORE_FACTS;

/** The namespace of each store. */
export const NAMESPACES = Object.fromEntries(STORE_NAMES.map((k) => [k, STORE_FACTS[k].namespace])) as { readonly [K in StoreName]: string };

export function storeRefs(config: EnvironmentConfig): StoreRefs {
  const refsOf = <K extends StoreName>(kind: K): StoreRefs[K] => {
    const { namespace, refs } = FACTS[kind];
    return refs(config, (service, port, portName, pods) => ({ namespace, service, host: serviceHost(config, service, namespace), port, portName, pods }));
  };
  return Object.fromEntries(STORE_NAMES.map((k) => [k, refsOf(k)])) as unknown as StoreRefs;
}

/** The Secrets the stores themselves read, each in its store's namespace. */
export function storeSecrets(refs: StoreRefs): DeclaredSecret[] {
  return STORE_NAMES.flatMap(<K extends StoreName>(k: K) => {
    const facts = FACTS[k];
    return facts.secrets(refs[k], facts.namespace);
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
