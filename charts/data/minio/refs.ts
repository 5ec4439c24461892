/** How the platform reaches MinIO (S3), who its clients are, and the Secret its servers read. */
import type { Endpoint, SecretRef } from '../../lib/endpoint';
import { minioRules, minioSection } from './config';
import { storeFacts } from '../kind';

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
}

/**
 * Who may use MinIO: each gets its own user, limited to its own bucket. The store kinds among them only where the
 * environment has that kind (`minioClientsOf`).
 */
export const MINIO_CLIENTS = ['postgres', 'clickhouse', 'elasticsearch', 'redis', 'documents', 'logs', 'weaviate'] as const;
export type MinioClient = typeof MINIO_CLIENTS[number];

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
});
