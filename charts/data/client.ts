/**
 * How a service of the catalog is wired to a store it depends on. Each kind's client.ts (registered in ./index.ts)
 * adds the connection settings, Secret references, volumes and network flows through this kit, which
 * charts/apps/connections.ts builds for each (service, store) pair: settings, Secrets and flows come from one
 * function, so they cannot disagree.
 */
import type { k8s } from '../../imports/k8s';
import type { Endpoint, SecretRef } from '../lib/endpoint';
import type { RefsWith, StoreName } from './refs';
import type { Dependency } from '../../environments/service';

/** `K`: the kinds the client reads (its store's, present wherever a service depends on it). */
export interface ClientKit<K extends StoreName = StoreName> {
  readonly refs: RefsWith<K>;
  /** The platform's name (config.platform.name): the client's own paths are named after it. */
  readonly platform: string;
  /** The catalog's dependency being wired (its options, e.g. PostgreSQL's `readReplicas`). */
  readonly dependency: Dependency;
  /** The service's non-secret settings (its ConfigMap). */
  readonly settings: Record<string, string>;
  /** Environment variables from Secrets, by reference only. */
  readonly env: k8s.EnvVar[];
  readonly volumes: k8s.Volume[];
  readonly mounts: k8s.VolumeMount[];
  /** A copy, in the service's namespace, of a Secret of the store's namespace (a pod reads only its own namespace's). */
  readonly copySecret: (ref: SecretRef) => void;
  /** The service's internal-CA Certificate (created once); returns its Secret's name (which carries ca.crt). */
  readonly internalCertificate: () => string;
  /** Declares the flow from the service's pods to a store endpoint. */
  readonly use: (endpoint: Endpoint, what: string) => void;
}
