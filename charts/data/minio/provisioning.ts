/**
 * What the MinIO provisioning Job creates: the platform's buckets with their versioning and lifecycle, and one
 * user per client limited to its own bucket. Rendered as data files next to one generic POSIX script, so the
 * script is the same in every environment and is linted as it is (shellcheck, sh -n) in the tests.
 */
import type { MinioClient, MinioRef } from '../refs';

/** Lifecycle of a bucket. Versioned buckets keep overwritten or deleted objects for `noncurrentDays`. */
export interface BucketPolicy {
  readonly bucket: string;
  readonly versioning: boolean;
  /** Days a non-current version survives (versioned buckets). */
  readonly noncurrentDays?: number;
  /** Days after which current objects expire. @default never */
  readonly expireDays?: number;
}

/**
 * Documents and backups are versioned: a client's DeleteObject only writes a delete marker, and its policy has
 * no DeleteObjectVersion, so a leaked backup credential cannot destroy the backups (the old versions stay for
 * the noncurrent period). Logs are an append-only archive that simply expires.
 */
export function bucketPolicies(minio: MinioRef, clients: readonly MinioClient[]): BucketPolicy[] {
  const b = minio.buckets;
  return [
    { bucket: b.documents, versioning: true, noncurrentDays: 90 },
    { bucket: b.logs, versioning: false, expireDays: 365 },
    ...Object.entries(b.backups).filter(([client]) => clients.includes(client as MinioClient))
      .map(([, bucket]) => ({ bucket, versioning: true, noncurrentDays: 30 })),
  ];
}

/** S3 lifecycle configuration in the JSON form `mc ilm import` reads (minio-go lifecycle.Configuration). */
export function lifecycleJson(p: BucketPolicy): string {
  const rules: Record<string, unknown>[] = [];
  if (p.expireDays) {
    rules.push({ ID: 'expire-objects', Status: 'Enabled', Filter: { Prefix: '' }, Expiration: { Days: p.expireDays } });
  }
  if (p.versioning && p.noncurrentDays) {
    rules.push({
      ID: 'expire-noncurrent-versions', Status: 'Enabled', Filter: { Prefix: '' },
      NoncurrentVersionExpiration: { NoncurrentDays: p.noncurrentDays },
      // A delete marker with no versions left behind is removed too, so deleted prefixes do not linger.
      Expiration: { ExpiredObjectDeleteMarker: true },
    });
  }
  return `${JSON.stringify({ Rules: rules }, null, 2)}\n`;
}

/** IAM policy of a client: its own bucket, read and write, no version deletion, nothing else. */
export function bucketPolicyJson(bucket: string): string {
  return `${JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads', 's3:ListBucketVersions'],
        Resource: [`arn:aws:s3:::${bucket}`],
      },
      {
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
        Resource: [`arn:aws:s3:::${bucket}/*`],
      },
    ],
  }, null, 2)}\n`;
}

/** The script's data files and the script, as ConfigMap data. */
export function provisioningFiles(minio: MinioRef, clients: readonly MinioClient[]): Record<string, string> {
  const policies = bucketPolicies(minio, clients);
  const files: Record<string, string> = {
    'provision.sh': PROVISION_SCRIPT,
    'buckets.txt': policies.map((p) => `${p.bucket} ${p.versioning ? 'on' : 'off'}\n`).join(''),
    'clients.txt': clients.map((c) => `${c} ${minio.bucketOf(c)}\n`).join(''),
  };
  for (const p of policies) {
    files[`lifecycle-${p.bucket}.json`] = lifecycleJson(p);
    files[`policy-${p.bucket}.json`] = bucketPolicyJson(p.bucket);
  }
  return files;
}

/**
 * Idempotent: `mb --ignore-existing`, `version enable`, `ilm import` (replaces the whole lifecycle), `policy
 * create` (replaces the document), `user add` (sets the secret again) and attach-if-missing all converge.
 * Runs with /bin/sh (the mc image has no guarantee of bash); data files are read on fd 3 so that mc, which may
 * read stdin, cannot swallow them.
 */
export const PROVISION_SCRIPT = `#!/bin/sh
# Creates the platform's buckets (versioning, lifecycle) and one user per client limited to its own bucket.
set -eu

conf=/config
target=platform

echo "waiting for MinIO at \${MINIO_URL}"
tries=0
until mc alias set "$target" "$MINIO_URL" "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD" >/dev/null 2>&1 \\
  && mc admin info "$target" >/dev/null 2>&1; do
  tries=$((tries + 1))
  if [ "$tries" -ge 60 ]; then
    echo "MinIO did not answer within 10 minutes" >&2
    exit 1
  fi
  sleep 10
done

# buckets.txt: <bucket> <versioning on|off>
while read -r bucket versioning <&3; do
  [ -n "$bucket" ] || continue
  mc mb --ignore-existing "$target/$bucket" </dev/null
  if [ "$versioning" = on ]; then
    mc version enable "$target/$bucket" </dev/null
  fi
  mc ilm import "$target/$bucket" <"$conf/lifecycle-$bucket.json"
  echo "bucket $bucket ready (versioning $versioning)"
done 3<"$conf/buckets.txt"

# clients.txt: <client> <bucket>; credentials come from the Secret minio-<client>, mounted under /clients/<client>/
while read -r client bucket <&3; do
  [ -n "$client" ] || continue
  access_key=$(cat "/clients/$client/accessKey")
  secret_key=$(cat "/clients/$client/secretKey")
  policy="readwrite-$bucket"
  mc admin policy create "$target" "$policy" "$conf/policy-$bucket.json" </dev/null
  mc admin user add "$target" "$access_key" "$secret_key" </dev/null
  # The mc image (UBI micro) has no grep or sed: match the user's policies with the shell itself.
  info=$(mc admin user info "$target" "$access_key" --json </dev/null) || info=
  case "$info" in
    *"\\"$policy\\""*) ;;
    *) mc admin policy attach "$target" "$policy" --user "$access_key" </dev/null ;;
  esac
  echo "user for $client ready (bucket $bucket)"
done 3<"$conf/clients.txt"
`;
