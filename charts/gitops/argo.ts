/**
 * Small builders shared by the GitOps charts: Argo CD objects built with @kubernetes-models/argo-cd (validated
 * against the Application and AppProject CRD schemas while rendering), sync policy, and naming.
 */
import { ApiObject, type Chart } from 'cdk8s';
import { AppProject, Application, type IAppProject, type IApplication } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1';
import type { EnvironmentConfig } from '../../environments/schema';
import { meta, platformKeys } from '../lib/labels';
import { deploymentName } from '../lib/naming';
import { ARGOCD_NAMESPACE } from './addons-catalog';

export const CASCADE_FINALIZER = 'resources-finalizer.argocd.argoproj.io';
export const SYNC_WAVE = 'argocd.argoproj.io/sync-wave';

export type ApplicationSpec = IApplication['spec'];
export type SyncPolicy = NonNullable<ApplicationSpec['syncPolicy']>;

export const projectName = (c: EnvironmentConfig, kind: 'platform' | 'system') => `${deploymentName(c)}-${kind}`;

/** Retries with exponential backoff: 10 s, 20 s, 40 s, 80 s, 160 s. */
const RETRY = { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '5m' } };

/**
 * Automated sync with prune and self-heal where the environment syncs on its own; none (a person approves each
 * sync) where it does not. Server-side apply always: it merges fields owned by controllers (HPAs, cainjector)
 * instead of overwriting them, and the Prometheus CRDs exceed client-side apply's annotation size limit.
 */
export function syncPolicy(c: EnvironmentConfig, extra: readonly string[] = []): SyncPolicy {
  return {
    ...(c.gitops.autoSync ? { automated: { prune: true, selfHeal: true, allowEmpty: false } } : {}),
    syncOptions: ['ServerSideApply=true', 'PruneLast=true', ...extra],
    retry: RETRY,
  };
}

/** `waveLabel`: the wave label is for the folders' Applications only (the add-ons have their own waves inside 90-addons). */
export function argoMeta(c: EnvironmentConfig, name: string, component: string, p: { wave?: number; waveLabel?: boolean; finalizer?: boolean; annotations?: Record<string, string> } = {}) {
  const m = meta(c, {
    name, namespace: ARGOCD_NAMESPACE, id: { name: 'argocd', component, instance: name },
    extraLabels: p.wave === undefined || p.wave < 0 || p.waveLabel === false ? undefined : { [platformKeys(c).wave]: String(p.wave).padStart(2, '0') },
    annotations: { ...(p.wave === undefined ? {} : { [SYNC_WAVE]: String(p.wave) }), ...p.annotations },
  });
  return { ...m, ...(p.finalizer ? { finalizers: [CASCADE_FINALIZER] } : {}) } as IApplication['metadata'];
}

/** Adds a validated Application to the chart. */
export function addApplication(scope: Chart, id: string, metadata: IApplication['metadata'], spec: ApplicationSpec): void {
  const app = new Application({ metadata, spec });
  app.validate();
  new ApiObject(scope, id, app.toJSON() as any);
}

export function addProject(scope: Chart, id: string, metadata: IAppProject['metadata'], spec: IAppProject['spec']): void {
  const p = new AppProject({ metadata, spec });
  p.validate();
  new ApiObject(scope, id, p.toJSON() as any);
}
