/**
 * The shapes by which charts connect: an endpoint a Service exposes and a Secret a pod reads. Every store's refs
 * (charts/data/refs.ts) and the dependency graph (./graph.ts) are built from them; they live in the lowest layer
 * so that neither has to import the data tier for a type.
 */
import type { Identity } from './identity';

export interface Endpoint {
  readonly namespace: string;
  /** The Service name. */
  readonly service: string;
  /** The Service's cluster DNS name. */
  readonly host: string;
  readonly port: number;
  /** The named container port behind the Service. */
  readonly portName: string;
  /** Identity of the pods that serve this endpoint (NetworkPolicies select them with its selector labels). */
  readonly pods: Identity;
  /**
   * A managed service outside the cluster (an external store): flows go to these address ranges, not to pods;
   * `namespace` and `service` are then empty.
   */
  readonly external?: { readonly cidrs: readonly string[]; readonly display: string };
}

/** A Secret referenced by name; its values are generated at install time and never rendered. */
export interface SecretRef {
  readonly name: string;
  /** The keys the Secret must hold. */
  readonly keys: readonly string[];
}

/** A Secret that must exist in a namespace before the pods there start (created by the secret generator). */
export interface DeclaredSecret extends SecretRef {
  readonly namespace: string;
  /**
   * The same values as another declared Secret, e.g. an application's copy of a store's credentials (a pod
   * can only mount Secrets of its own namespace). The generator creates the original first and copies it.
   */
  readonly copyOf?: { readonly namespace: string; readonly name: string };
  /** Keys with a fixed, non-secret value (a username); every other key gets a random value. */
  readonly fixed?: Readonly<Record<string, string>>;
  /** The site creates it before the install (an external store's credentials): never generated, checked to exist. */
  readonly suppliedBy?: 'site';
  /**
   * A standby's Secret that must hold its source environment's values (a physical copy of the source's database
   * authenticates with the same passwords and reads the source's archive with its keys): copied from this Secret
   * in the source's cluster (`npm run secrets -- --source-context`), never generated.
   */
  readonly fromSource?: { readonly namespace: string; readonly name: string };
}
