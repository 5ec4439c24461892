/**
 * A service's dependencies turned into what its pods need: connection settings for its ConfigMap (built only
 * from the store references in charts/data/refs.ts and the plans of other services), Secret references for
 * credentials (copies of the stores' Secrets declared in the service's namespace), the internal CA for
 * Elasticsearch's TLS, and one declared network flow per dependency. Since the settings, the Secrets and the
 * flows come from the same loop, they cannot disagree.
 */
import type { Construct } from 'constructs';
import { isStore } from '../../environments/catalog';
import { storeKind } from '../data';
import { k8s } from '../../imports/k8s';
import { INTERNAL_CA_ISSUER, NAMESPACES, type Endpoint, type SecretRef } from '../data/refs';
import { isExternal, withRefs, type PlatformContext } from '../context';
import { pods } from '../lib/graph';
import { certificate } from '../lib/certificate';
import { secretEnv } from '../lib/env';
import { envName, type ServicePlan } from './plan';
import { MODELS } from './models';

export interface Wiring {
  /** Non-secret settings: the service's ConfigMap. */
  readonly settings: Record<string, string>;
  /** Secret values, by reference only. */
  readonly secretEnv: k8s.EnvVar[];
  readonly volumes: k8s.Volume[];
  readonly mounts: k8s.VolumeMount[];
}


/** Declares a Secret in a namespace once, however many services of that namespace use it. */
export function declareSecret(ctx: PlatformContext, namespace: string, ref: SecretRef, copyOf?: { namespace: string; name: string }): void {
  if (ctx.secrets.some((s) => s.namespace === namespace && s.name === ref.name)) return;
  ctx.secrets.push({ ...ref, namespace, ...(copyOf ? { copyOf } : {}) });
}

/** A managed service's credentials in `namespace`: created there by the site, never generated. */
function siteSecret(ctx: PlatformContext, namespace: string, ref: SecretRef): void {
  if (ctx.secrets.some((s) => s.namespace === namespace && s.name === ref.name)) return;
  ctx.secrets.push({ ...ref, namespace, suppliedBy: 'site' });
}

/** A copy, in `namespace`, of a store's Secret (a pod can only read Secrets of its own namespace). */
function copyOfStoreSecret(ctx: PlatformContext, namespace: string, storeNamespace: string, ref: SecretRef): void {
  declareSecret(ctx, namespace, ref, { namespace: storeNamespace, name: ref.name });
}

/** The internal-CA Certificate of a service that talks to Elasticsearch or Redis (its Secret carries ca.crt). */
export function internalCertificateName(service: string): string {
  return `${service}-internal-tls`;
}

export function wire(scope: Construct, ctx: PlatformContext, plan: ServicePlan, plans: readonly ServicePlan[]): Wiring {
  const { config, graph } = ctx;
  const e = plan.entry;
  const ns = e.namespace;
  const self = pods(ns, plan.id);
  const settings: Record<string, string> = {};
  const env: k8s.EnvVar[] = [];
  const volumes: k8s.Volume[] = [];
  const mounts: k8s.VolumeMount[] = [];
  const use = (endpoint: Endpoint, what: string) => graph.use(self, endpoint, `${e.name} uses ${what}`);

  /** The service's internal-CA Certificate (once, whichever stores need it); its Secret carries ca.crt. */
  const internalCertificate = (): string => {
    const certName = internalCertificateName(e.name);
    if (scope.node.tryFindChild('internal-certificate')) return certName;
    certificate(scope, 'internal-certificate', {
      config, name: certName, namespace: ns, id: plan.id,
      issuer: { name: INTERNAL_CA_ISSUER, kind: 'ClusterIssuer' },
      subject: {
        commonName: plan.endpoint?.host ?? `${e.name}.${ns}`,
        dnsNames: [plan.endpoint?.host ?? `${e.name}.${ns}`],
        usages: ['digital signature', 'client auth'],
      },
    });
    return certName;
  };


  for (const d of e.dependsOn) {
    if (isStore(d.target)) {
      // An optional store this environment leaves out (environments/rules.ts allows only optional ones).
      if (d.optional && ctx.refs[d.target] === undefined) continue;
      // The store kind's own wiring (charts/data/<kind>/client.ts).
      const storeNamespace = NAMESPACES[d.target];
      const external = isExternal(config, d.target);
      storeKind(d.target).client({
        refs: withRefs(ctx.refs, [d.target], e.name), platform: config.platform.name, dependency: d, settings, env, volumes, mounts, internalCertificate, use,
        // A managed service's credentials: the site creates that Secret in the service's namespace.
        copySecret: (ref: SecretRef) => (external ? siteSecret(ctx, ns, ref) : copyOfStoreSecret(ctx, ns, storeNamespace, ref)),
      });
      continue;
    }
    const target = plans.find((p) => p.entry.name === d.target);
    if (!target?.enabled || !target.endpoint) continue; // an optional dependency, disabled here
    const ep = target.endpoint;
    if (target.entry.kind === 'model-server') {
      settings.MODEL_SERVER_URL = `http://${ep.host}:${ep.port}/v1`;
      // The model the server loads in this environment (seed 000: model names in a ConfigMap).
      settings.MODEL_NAME = MODELS[config.apps.modelServer.mode === 'gpu' ? 'gpu' : 'cpu'];
    } else {
      settings[`${envName(d.target)}_URL`] = `http://${ep.host}:${ep.port}`;
    }
    use(ep, d.target);
  }
  // Services outside the cluster (environments/service.ts ExternalService): credentials from Secrets the site
  // creates, each declared once with every key its services name, in the order they are named.
  const siteKeys = new Map<string, string[]>();
  for (const x of e.externalServices ?? []) siteKeys.set(x.secret, [...(siteKeys.get(x.secret) ?? []), ...Object.values(x.env)]);
  for (const [name, keys] of siteKeys) siteSecret(ctx, ns, { name, keys: [...new Set(keys)] });
  for (const x of e.externalServices ?? []) {
    for (const [variable, key] of Object.entries(x.env)) env.push(secretEnv(variable, x.secret, key));
  }
  return { settings, secretEnv: env, volumes, mounts };
}
