/**
 * What each store kind gives the registries: its configuration section and facts (namespace, refs, Secrets;
 * registered in ./stores.ts) and its chart and alerts (registered in ./index.ts). The two registries are typed
 * over the same store names, so a kind registered in one and not the other is a compile error. They are
 * separate because the facts sit below the environment shape (whose `stores` section they define) and below
 * every chart (which reads the refs of every store), while the charts sit above both.
 */
import { z } from 'zod';
import { cidr, dnsLabel, dnsName } from '../../environments/values';
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
  /**
   * How the rest of the platform reaches the store: the only place its hosts, ports and Secret names are spelt.
   * `platform` is the platform's name (config.platform.name), for names the platform's own data goes under.
   */
  readonly refs: (section: z.infer<S>, endpoint: EndpointIn, platform: string) => R;
  /**
   * The section's cross-field rules (HA minimums, topologies that cannot work), reported at their full paths
   * (`stores.<kind>.…`); environments/rules.ts runs them for every kind.
   */
  readonly rules: (section: z.infer<S>, env: RuleContext, issue: Issue) => void;
  /** The Secrets the store itself reads, each in its namespace (the secret generator creates exactly these). */
  readonly secrets: (ref: R, namespace: string) => DeclaredSecret[];
  /**
   * How the kind is used as a managed service outside the cluster (`external.<kind>` of an environment instead
   * of `stores.<kind>`): its section and the refs consumers are wired with (endpoints with `external` address
   * ranges, a site-supplied credentials Secret). Absent: the kind only runs in the cluster.
   */
  readonly external?: { readonly config: z.ZodType; readonly refs: (section: any, kind: string) => R };
}

/**
 * The endpoint of a managed service: its host and port, reached through egress to its address ranges (the
 * dependency graph turns a flow to it into exactly that), never through a Service or pods of ours.
 */
export function externalEndpoint(kind: string, x: { readonly host: string; readonly port: number; readonly cidrs: readonly string[] }, portName: string): Endpoint {
  return {
    namespace: '', service: '', host: x.host, port: x.port, portName, pods: { name: kind, component: 'external' },
    external: { cidrs: x.cidrs, display: `external ${kind} (${x.host})` },
  };
}

/** What every external store states: where it is, whether it speaks TLS, its credentials and its addresses. */
export const externalStoreFields = {
  /** The service's DNS name, e.g. an RDS endpoint. */
  host: dnsName,
  port: z.number().int().min(1).max(65535),
  /** A Secret the site creates in each consuming namespace before the install (keys per kind); never generated. */
  credentialsSecret: dnsLabel,
  /** The service's addresses: the only egress the consumers get for it (NetworkPolicies). */
  cidrs: z.array(cidr).min(1, { message: 'must list at least one CIDR (the service\'s subnets)' }),
  /** The engine version the site provisioned (e.g. RDS PostgreSQL 15.4), for the documentation and the clients. @default unstated */
  engineVersion: z.string().regex(/^[0-9]+(\.[0-9]+)*$/, { message: 'must be a version such as 15.4' }).optional(),
};

/** Keeps a kind's section and ref types where it is declared (`storeFacts<typeof section, PostgresRef>({ … })`). */
export function storeFacts<S extends z.ZodType, R>(facts: StoreFacts<S, R>): StoreFacts<S, R> {
  return facts;
}

/** What a store's rules may know of the environment besides its own section. */
export interface RuleContext {
  readonly name: string;
  readonly ha: boolean;
  /** `cluster.nodes` */
  readonly nodes: number;
  readonly namespaces: readonly { readonly name: string; readonly podSecurity: string }[];
}

/** Reports a problem at a full path of the environment. */
export type Issue = (path: (string | number)[], message: string) => void;

/** HA means every store survives the loss of one pod (or one node) without losing quorum or data. */
export function haMinimum(env: RuleContext, issue: Issue, path: (string | number)[], value: number, min: number, why: string): void {
  if (env.ha && value < min) issue(path, `must be at least ${min} when ha is true (${why})`);
}

export const userPassword = ['username', 'password'] as const;
