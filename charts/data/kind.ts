/**
 * What each store kind gives the registries: its facts (namespace, refs, Secrets; registered in ./refs.ts) and
 * its chart (registered in ./index.ts). The two registries are typed over the same store names, so a kind that
 * is registered in one and not the other is a compile error. They are separate because every chart reads the
 * refs of every store (through charts/context.ts): a registry holding the charts could not also define their type.
 */
import type { EnvironmentConfig } from '../../environments/schema';
import type { DeclaredSecret, Endpoint } from '../lib/endpoint';
import type { Identity } from '../lib/labels';

/** An endpoint in the store's own namespace: its Service, port, port name and the pods behind it. */
export type EndpointIn = (service: string, port: number, portName: string, pods: Identity) => Endpoint;

export interface StoreFacts<R> {
  /** The namespace the store runs in. */
  readonly namespace: string;
  /** How the rest of the platform reaches the store: the only place its hosts, ports and Secret names are spelt. */
  readonly refs: (config: EnvironmentConfig, endpoint: EndpointIn) => R;
  /** The Secrets the store itself reads, each in its namespace (the secret generator creates exactly these). */
  readonly secrets: (ref: R, namespace: string) => DeclaredSecret[];
}

/** Helper that keeps a kind's ref type when it is declared (`storeFacts<PostgresRef>({ … })`). */
export function storeFacts<R>(facts: StoreFacts<R>): StoreFacts<R> {
  return facts;
}

export const userPassword = ['username', 'password'] as const;
