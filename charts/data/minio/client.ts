/** How a service uses MinIO (S3, the documents bucket): its settings, Secret copies, volumes and network flows. */
import { secretEnv } from '../../lib/env';
import type { ClientKit } from '../client';

export function minioClient({ refs, settings, env, copySecret, use }: ClientKit<'minio'>): void {
  const m = refs.minio;
  const creds = m.credentials('documents');
  Object.assign(settings, { S3_ENDPOINT: m.url, S3_BUCKET: m.buckets.documents, S3_FORCE_PATH_STYLE: String(m.pathStyle ?? true) });
  // A managed S3 signs per region (MinIO's in-cluster default needs none from its clients).
  if (m.s3.external) settings.S3_REGION = m.region;
  copySecret(creds);
  env.push(secretEnv('S3_ACCESS_KEY_ID', creds.name, 'accessKey'), secretEnv('S3_SECRET_ACCESS_KEY', creds.name, 'secretKey'));
  use(m.s3, 'minio (S3)');
}
