/**
 * A shared content volume of a service (CatalogEntry.sharedVolume; seed 001's AI brain): one claim that every
 * replica mounts read-only, filled from MinIO by a Job that alone mounts it read-write.
 *
 * Lifecycle (docs/pcf-builder.md, "The AI brain volume"):
 *  - version `v` of the content is the folder `<sourcePrefix>/<v>/` of MinIO's documents bucket;
 *  - the fill Job is named after its script and pod template, which carry the version: a new version (or a new
 *    script) is a new Job, which `kubectl apply` and Argo CD both run once, on the first deploy and on each
 *    change. It copies the version into `versions/.partial-<v>`, marks it complete and renames it to
 *    `versions/<v>` (one rename: readers never see half a version), records `CURRENT`, and removes every version
 *    but this one and the one before it (pods of the previous version may still be running during a rollout);
 *  - a replica reads `versions/<v>` of its own pod template's version (AI_BRAIN_PATH), and an init container
 *    holds it until that folder is complete: a new version rolls the Deployment (the version is in its settings,
 *    hence in its checksum), old pods keep reading the old folder until they are replaced.
 *
 * The claim asks for ReadOnlyMany and ReadWriteMany: replicas on any node read it, the Job writes it while they
 * do. A claim of ReadOnlyMany alone may be published read-only to every pod, the Job's included (CSI provisioners
 * with --controller-publish-readonly set the PV read-only for a ReadOnlyMany-only claim:
 * kubernetes-csi/external-provisioner#469), and access modes alone never stop a writer (kubernetes/kubernetes#70505):
 * the replicas' read-only mount is what does. environments/rules.ts refuses a storage class not declared with both.
 */
import { Construct } from 'constructs';
import { k8s } from '../../imports/k8s';
import type { PlatformContext } from '../context';
import { NAMESPACES } from '../data/refs';
import { MC_IMAGE } from '../data/minio/chart';
import { container, emptyDir } from '../lib/container';
import { secretEnv } from '../lib/env';
import { pods } from '../lib/graph';
import { labels, meta, type Identity } from '../lib/labels';
import { contentName } from '../lib/naming';
import { quantities } from '../lib/resources';
import { alertId, rule, type Rule } from '../lib/alerts';
import { podSecurityContext } from '../lib/security';
import type { SharedVolume } from '../../environments/service';
import { declareSecret } from './connections';
import type { ServicePlan } from './plan';

/** What a replica needs to use the volume: its settings, volume, mount and the init container that waits for it. */
export interface SharedVolumeUse {
  readonly settings: Record<string, string>;
  readonly volumes: k8s.Volume[];
  readonly mounts: k8s.VolumeMount[];
  readonly initContainers: k8s.Container[];
}

/** The file the fill Job writes last into a version's folder, before renaming it into place. */
export const COMPLETE_MARKER = '.complete';
/** The claim's access modes (see above). */
export const SHARED_CLAIM_ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany'] as const;
/** Where the fill Job mounts the claim read-write. */
const FILL_MOUNT = '/volume';

export const fillIdentity = (v: SharedVolume): Identity => ({ name: v.claimName.replace(/-pvc$/, ''), component: 'content-fill' });
/** The folder of one version inside the volume, as a replica sees it. */
export const versionPath = (v: SharedVolume, version: string): string => `${v.mountPath}/versions/${version}`;

/**
 * The claim and its fill Job (in the service's namespace), the Secret copy and the flow to MinIO they need;
 * returns how a replica mounts it. `image` and `uid` are the service's: the init container runs the service's own
 * image, and the Job writes as the service's user so that the replicas read files of their own.
 */
export function sharedVolume(scope: Construct, ctx: PlatformContext, plan: ServicePlan, image: string, uid: number): SharedVolumeUse {
  const { config } = ctx;
  const v = plan.entry.sharedVolume!;
  const settingsOf = config.apps.sharedVolumes[v.claimName];
  if (!settingsOf) throw new Error(`environment "${config.name}": apps.sharedVolumes.${v.claimName} is required (${plan.entry.name} mounts it)`);
  const minio = ctx.refs.minio;
  if (!minio) throw new Error(`environment "${config.name}": the shared volume ${v.claimName} is filled from MinIO, which platform "${config.platform.name}" does not have`);
  const ns = plan.entry.namespace;
  const id = fillIdentity(v);
  const scopeOf = new Construct(scope, `shared-volume-${v.claimName}`);

  new k8s.KubePersistentVolumeClaim(scopeOf, 'claim', {
    metadata: meta(config, { name: v.claimName, namespace: ns, id: plan.id }),
    spec: {
      accessModes: [...SHARED_CLAIM_ACCESS_MODES],
      storageClassName: settingsOf.storageClass,
      resources: { requests: { storage: k8s.Quantity.fromString(settingsOf.size) } },
    },
  });

  // The documents bucket's credentials in this namespace (the Job reads the version's folder): a copy of the
  // in-cluster MinIO's, or the site's own for a managed S3 (external.minio).
  const creds = minio.credentials('documents');
  if (!minio.s3.external) declareSecret(ctx, ns, creds, { namespace: NAMESPACES.minio, name: creds.name });
  else if (!ctx.secrets.some((x) => x.namespace === ns && x.name === creds.name)) ctx.secrets.push({ ...creds, namespace: ns, suppliedBy: 'site' });
  ctx.graph.use(pods(ns, id), minio.s3, `the ${v.claimName} fill Job copies its content from MinIO`);

  const name = `${id.name}-fill`;
  const files = { 'fill.sh': FILL_SCRIPT };
  new k8s.KubeConfigMap(scopeOf, 'script', { metadata: meta(config, { name, namespace: ns, id }), data: files });
  const template: k8s.PodTemplateSpec = {
    metadata: { labels: labels(config, id) },
    spec: {
      restartPolicy: 'OnFailure',
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      securityContext: podSecurityContext(uid),
      containers: [container(config, 'fill', MC_IMAGE, {
        command: ['/bin/sh', '/config/fill.sh'],
        env: [
          { name: 'CONTENT_VERSION', value: settingsOf.version },
          { name: 'VOLUME', value: FILL_MOUNT },
          { name: 'S3_ENDPOINT', value: minio.url },
          { name: 'S3_SOURCE', value: `${minio.buckets.documents}/${v.sourcePrefix}` },
          secretEnv('S3_ACCESS_KEY_ID', creds.name, 'accessKey'),
          secretEnv('S3_SECRET_ACCESS_KEY', creds.name, 'secretKey'),
          { name: 'MC_CONFIG_DIR', value: '/tmp/mc' },
          { name: 'HOME', value: '/tmp' },
        ],
        resources: { requests: quantities({ cpu: '100m', memory: '128Mi' }), limits: quantities({ cpu: '1', memory: '512Mi' }) },
        volumeMounts: [
          { name: 'script', mountPath: '/config', readOnly: true },
          { name: 'content', mountPath: FILL_MOUNT },
          { name: 'tmp', mountPath: '/tmp' },
        ],
      })],
      volumes: [
        { name: 'script', configMap: { name } },
        { name: 'content', persistentVolumeClaim: { claimName: v.claimName } },
        emptyDir('tmp', '64Mi'),
      ],
    },
  };
  // Not an Argo CD hook and no TTL: a finished Job stays (Argo CD would re-create a collected one, and run it
  // again); its name changes with the version, so each version runs exactly once; Argo CD prunes the old one.
  new k8s.KubeJob(scopeOf, 'fill', {
    metadata: meta(config, { name: contentName(name, { files, template }), namespace: ns, id }),
    spec: { backoffLimit: 6, activeDeadlineSeconds: 3600, template },
  });

  const path = versionPath(v, settingsOf.version);
  const volumeName = 'shared-content';
  return {
    settings: { [v.pathEnv]: path, [`${v.pathEnv.replace(/_PATH$/, '')}_VERSION`]: settingsOf.version },
    volumes: [{ name: volumeName, persistentVolumeClaim: { claimName: v.claimName, readOnly: true } }],
    mounts: [{ name: volumeName, mountPath: v.mountPath, readOnly: true }],
    initContainers: [container(config, WAIT_CONTAINER, image, {
      // The version's folder appears whole (renamed into place) once the fill Job has copied it.
      command: ['/bin/sh', '-c', `until [ -e "${path}/${COMPLETE_MARKER}" ]; do echo "waiting for ${path}"; sleep 5; done`],
      resources: { requests: quantities({ cpu: '10m', memory: '16Mi' }), limits: quantities({ cpu: '100m', memory: '32Mi' }) },
      volumeMounts: [{ name: volumeName, mountPath: v.mountPath, readOnly: true }],
    })],
  };
}

/** The init container of a replica that waits for its version of the content. */
export const WAIT_CONTAINER = 'wait-for-content';

/**
 * Alerts for a shared volume (rendered in the service's namespace where the Prometheus stack runs): a failed fill
 * Job (its version never arrives), and replicas held by their init container (a rollout that cannot finish).
 */
export function sharedVolumeRules(v: SharedVolume, namespace: string): Rule[] {
  const id = fillIdentity(v);
  const camel = alertId(id.name);
  return [
    rule(`${camel}FillFailed`, 'critical', '0m',
      `max by (job_name) (kube_job_status_failed{namespace="${namespace}", job_name=~"${id.name}-fill-.*"}) > 0`,
      `${namespace}/{{ $labels.job_name }}: the ${v.claimName} fill Job failed`,
      `The new version never reaches the volume, and replicas of it wait in ${WAIT_CONTAINER}: kubectl -n ${namespace} logs job/{{ $labels.job_name }}.`),
    rule(`${camel}ContentWaiting`, 'warning', '15m',
      `max by (pod) (kube_pod_init_container_status_running{namespace="${namespace}", container="${WAIT_CONTAINER}"}) == 1`,
      `${namespace}/{{ $labels.pod }} waits for its version of ${v.claimName}`,
      `The pod's version folder under ${v.mountPath}/versions is not complete: is its fill Job running (or failed)?`),
  ];
}

/**
 * Copies one version from MinIO into the volume. Idempotent: a version already complete is left as it is. Runs
 * with /bin/sh in the mc image (UBI micro: coreutils, no grep or sed).
 */
export const FILL_SCRIPT = `#!/bin/sh
# Copies version $CONTENT_VERSION of the content from MinIO into $VOLUME/versions/$CONTENT_VERSION.
set -eu

versions="$VOLUME/versions"
dest="$versions/$CONTENT_VERSION"
partial="$versions/.partial-$CONTENT_VERSION"
mkdir -p "$versions"

if [ -e "$dest/${COMPLETE_MARKER}" ]; then
  echo "version $CONTENT_VERSION is already complete"
else
  tries=0
  until mc alias set source "$S3_ENDPOINT" "$S3_ACCESS_KEY_ID" "$S3_SECRET_ACCESS_KEY" >/dev/null 2>&1; do
    tries=$((tries + 1))
    if [ "$tries" -ge 60 ]; then
      echo "MinIO at $S3_ENDPOINT did not answer within 10 minutes" >&2
      exit 1
    fi
    sleep 10
  done
  rm -rf "$partial"
  mkdir -p "$partial"
  mc mirror --overwrite --remove "source/$S3_SOURCE/$CONTENT_VERSION/" "$partial/"
  if [ -z "$(ls -A "$partial")" ]; then
    echo "no objects under $S3_SOURCE/$CONTENT_VERSION/: upload the version first" >&2
    exit 1
  fi
  date -u +%Y-%m-%dT%H:%M:%SZ >"$partial/${COMPLETE_MARKER}"
  rm -rf "$dest"
  mv "$partial" "$dest"
  echo "version $CONTENT_VERSION copied"
fi

# Keep this version and the one it replaces (its pods may still be running); remove the rest.
previous=
if [ -f "$VOLUME/CURRENT" ]; then
  previous=$(cat "$VOLUME/CURRENT")
fi
if [ "$previous" != "$CONTENT_VERSION" ]; then
  printf '%s\\n' "$previous" >"$VOLUME/PREVIOUS.tmp"
  mv "$VOLUME/PREVIOUS.tmp" "$VOLUME/PREVIOUS"
fi
printf '%s\\n' "$CONTENT_VERSION" >"$VOLUME/CURRENT.tmp"
mv "$VOLUME/CURRENT.tmp" "$VOLUME/CURRENT"
keep=
if [ -f "$VOLUME/PREVIOUS" ]; then
  keep=$(cat "$VOLUME/PREVIOUS")
fi
for dir in "$versions"/* "$versions"/.partial-*; do
  [ -e "$dir" ] || continue
  version=$(basename "$dir")
  if [ "$version" != "$CONTENT_VERSION" ] && [ "$version" != "$keep" ]; then
    rm -rf "$dir"
    echo "removed $version"
  fi
done
`;
