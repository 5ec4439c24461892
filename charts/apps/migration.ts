/**
 * The schema migrations of a service (catalog `migrate`): a Job with the service's image and settings, run by
 * Argo CD as a PreSync hook of the service's Application, so the schema is migrated before any pod of the new
 * version starts (spec 003 "Database Migration Strategy"). It reaches PostgreSQL's primary directly: PgBouncer's
 * transaction pooling drops the session-level advisory lock migration tools (Prisma among them) take.
 */
import type { Construct } from 'constructs';
import { k8s } from '../../imports/k8s';
import { withStores, type PlatformContext } from '../context';
import { container, emptyDir } from '../lib/container';
import { pods } from '../lib/graph';
import { meta, type Identity } from '../lib/labels';
import { FINISHED_JOB_TTL_SECONDS } from '../lib/naming';
import { resources } from '../lib/resources';
import { placement } from '../lib/scheduling';
import { DEFAULT_UID, podSecurityContext } from '../lib/security';
import type { ServicePlan } from './plan';

/** Argo CD runs it before the Application's other objects; the previous run is replaced (its template is immutable). */
export const PRE_SYNC_HOOK: Readonly<Record<string, string>> = {
  'argocd.argoproj.io/hook': 'PreSync',
  'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
};

/** A migration may hold its lock this long before the sync fails (and the rollout does not start). */
export const MIGRATION_DEADLINE_SECONDS = 1800;

export interface MigrationProps {
  readonly ctx: PlatformContext;
  readonly plan: ServicePlan;
  readonly configMap: string;
  readonly secretEnv: readonly k8s.EnvVar[];
  readonly uid?: number;
}

export function migrationJob(scope: Construct, { ctx, plan, configMap, secretEnv, uid }: MigrationProps): k8s.KubeJob | undefined {
  const e = plan.entry;
  if (!e.migrate) return undefined;
  const { config } = ctx;
  const name = `${e.name}-migrate`;
  // Not the service's component: the Service's selector must not pick the Job's pod.
  const id: Identity = { name: e.name, component: 'migration' };
  const version = e.image.split(':').pop();
  const m = meta(config, { name, namespace: e.namespace, id, version, annotations: { ...PRE_SYNC_HOOK } });
  if (!e.dependsOn.some((d) => d.target === 'postgres')) throw new Error(`catalog.${e.name}.migrate: the service does not depend on postgres`);
  const stores = withStores(ctx, ['postgres'], `${e.name}'s migrations`);
  // A standby cluster is read-only and replays the primary's WAL, schema changes included: its site migrates nothing.
  if (stores.config.stores.postgres.standby) return undefined;
  const pg = stores.refs.postgres;
  ctx.graph.use(pods(e.namespace, id), pg.primary, `${e.name} migrates its schema on the primary`);
  return new k8s.KubeJob(scope, 'migrate', {
    metadata: m,
    spec: {
      backoffLimit: 2,
      activeDeadlineSeconds: MIGRATION_DEADLINE_SECONDS,
      ttlSecondsAfterFinished: FINISHED_JOB_TTL_SECONDS,
      template: {
        metadata: { labels: meta(config, { name, namespace: e.namespace, id, version }).labels },
        spec: {
          restartPolicy: 'Never',
          serviceAccountName: e.name,
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: podSecurityContext(uid ?? DEFAULT_UID),
          ...placement(config, e.namespace),
          containers: [container(config, 'migrate', e.image, {
            args: [...e.migrate.args],
            envFrom: [{ configMapRef: { name: configMap } }],
            // The primary, not the pooler (the ConfigMap's DATABASE_HOST/PORT are the pooler's).
            env: [
              ...secretEnv,
              { name: 'DATABASE_HOST', value: pg.primary.host },
              { name: 'DATABASE_PORT', value: String(pg.primary.port) },
            ],
            resources: resources(plan.resources),
            // The image's writable paths, as in the service's pods (same image, same read-only root).
            volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }, ...(e.writable ?? []).map((w) => ({ name: w.name, mountPath: w.path }))],
          })],
          volumes: [emptyDir('tmp', '256Mi'), ...(e.writable ?? []).map((w) => emptyDir(w.name, w.sizeLimit))],
        },
      },
    },
  });
}
