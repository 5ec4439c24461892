/**
 * What each store kind gives the registries: its configuration section and facts (namespace, refs, Secrets;
 * registered in ./stores.ts) and its chart and alerts (registered in ./index.ts). The two registries are typed
 * over the same store names, so a kind registered in one and not the other is a compile error. They are
 * separate because the facts sit below the environment shape (whose `stores` section they define) and below
 * every chart (which reads the refs of every store), while the charts sit above both.
 */
import type { z } from 'zod';
import type { DeclaredSecret, Endpoint } from '../lib/endpoint';
import type { Identity } from '../lib/identity';

/** An endpoint in the store's own namespace: its Service, port, port name and the pods behind it. */
export type EndpointIn = (service: string, port: number, portName: string, pods: Identity) => Endpoint;

export interface StoreFacts<S extends z.ZodType, R> {
  /** The kind's section of an environment, `stores.<kind>` (./<kind>/config.ts). */
  readonly config: S;
  /** The namespace the store runs in. */
  readonly namespace: string;
  /**
   * The other store kinds this one's pods use (MinIO for backups, Kafka for ClickHouse's Kafka engine): a
   * platform that has this kind must have those (test/stores.registry.test.ts checks them against the flows).
   */
  readonly requires: readonly string[];
  /** How the rest of the platform reaches the store: the only place its hosts, ports and Secret names are spelt. */
  readonly refs: (section: z.infer<S>, endpoint: EndpointIn) => R;
  /** The Secrets the store itself reads, each in its namespace (the secret generator creates exactly these). */
  readonly secrets: (ref: R, namespace: string) => DeclaredSecret[];
}

/** Keeps a kind's section and ref types where it is declared (`storeFacts<typeof section, PostgresRef>({ … })`). */
export function storeFacts<S extends z.ZodType, R>(facts: StoreFacts<S, R>): StoreFacts<S, R> {
  return facts;
}

export const userPassword = ['username', 'password'] as const;
