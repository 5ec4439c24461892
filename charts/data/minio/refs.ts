/** How the platform reaches MinIO (S3), who its clients are, and the Secret its servers read. */
import type { Endpoint, SecretRef } from '../../lib/endpoint';
import { MINIO_CLIENTS, minioRules, minioSection, type MinioClient } from './config';
import { z } from 'zod';
import { externalEndpoint, externalStoreFields, storeFacts } from '../kind';

/**
 * Object storage as a managed service (AWS S3, Cloudflare R2, a site's S3): the services' buckets there, the
 * credentials of `credentialsSecret` (keys accessKey, secretKey). Only for the services' own buckets: the
 * in-cluster stores back up to the in-cluster MinIO (environments/rules.ts refuses the mix).
 */
export const externalMinioSection = z.strictObject({
  ...externalStoreFields,
  /** @default 443 */
  port: externalStoreFields.port.default(443),
  region: z.string().regex(/^[a-z0-9-]+$/, { message: 'must be a region such as eu-west-1' }),
  /** `false` for virtual-host addressing (`<bucket>.<host>`, AWS's default). */
  pathStyle: z.boolean(),
  buckets: z.strictObject({ documents: z.string().min(3), logs: z.string().min(3) }),
});

export interface MinioRef {
  readonly s3: Endpoint;
  /** The S3 endpoint URL (path-style addressing). */
  readonly url: string;
  readonly rootSecret: SecretRef;
  /**
   * The S3 credentials of one MinIO client (a backup job, an application). The MinIO chart declares the
   * original in storage-minio and provisions the user, its policy and its bucket from it; the client declares
   * a copy in its own namespace with `copyOf` pointing at the original.
   */
  readonly credentials: (client: MinioClient) => SecretRef;
  readonly buckets: {
    readonly documents: string;
    readonly logs: string;
    readonly backups: { readonly postgres: string; readonly clickhouse: string; readonly elasticsearch: string; readonly redis: string; readonly weaviate: string };
  };
  /** The one bucket a client's user may read and write (its policy allows nothing else). */
  readonly bucketOf: (client: MinioClient) => string;
  /** The region S3 clients must sign with (MinIO's default; clients such as pgBackRest require one). */
  readonly region: string;
  /** Path-style addressing (`<url>/<bucket>`): MinIO's; a managed S3 may use virtual hosts. @default true */
  readonly pathStyle?: boolean;
}

// Who may use MinIO (./config.ts); the store kinds among them only where the environment has that kind (`minioClientsOf`).
export { MINIO_CLIENTS, type MinioClient } from './config';

/** The clients of an environment: the application buckets, and each store kind it has that backs up here. */
export function minioClientsOf(stores: Readonly<Record<string, unknown>>): MinioClient[] {
  return MINIO_CLIENTS.filter((c) => c === 'documents' || c === 'logs' || stores[c] !== undefined);
}

export const minio = storeFacts<typeof minioSection, MinioRef>({
  config: minioSection,
  namespace: 'storage-minio',
  requires: [],
  rules: minioRules,
  refs: (_config, ep) => {
    const s3 = ep('minio', 9000, 's3', { name: 'minio', component: 'server' });
    const buckets = {
      documents: 'documents',
      logs: 'logs',
      backups: { postgres: 'backups-postgres', clickhouse: 'backups-clickhouse', elasticsearch: 'backups-elasticsearch', redis: 'backups-redis', weaviate: 'backups-weaviate' },
    };
    return {
      s3,
      url: `http://${s3.host}:${s3.port}`,
      rootSecret: { name: 'minio-root', keys: ['rootUser', 'rootPassword'] },
      credentials: (client) => ({ name: `minio-${client}`, keys: ['accessKey', 'secretKey'] }),
      buckets,
      bucketOf: (client) => (client === 'documents' || client === 'logs' ? buckets[client] : buckets.backups[client]),
      region: 'us-east-1',
    };
  },
  secrets: (m, namespace) => [{ ...m.rootSecret, namespace }],
  external: {
    config: externalMinioSection,
    refs: (x: z.infer<typeof externalMinioSection>, kind: string): MinioRef => {
      const s3 = externalEndpoint(kind, x, 'https');
      const credentials = { name: x.credentialsSecret, keys: ['accessKey', 'secretKey'] };
      const none = '';
      const buckets = { ...x.buckets, backups: { postgres: none, clickhouse: none, elasticsearch: none, redis: none, weaviate: none } };
      return {
        s3, url: `https://${x.host}${x.port === 443 ? '' : `:${x.port}`}`, rootSecret: credentials, credentials: () => credentials,
        buckets, bucketOf: (client) => (client === 'documents' || client === 'logs' ? buckets[client] : none), region: x.region, pathStyle: x.pathStyle,
      };
    },
  },
});
