/** How the platform reaches Weaviate (REST and gRPC, with an API key) and the Secrets its nodes read. */
import type { Endpoint, SecretRef } from '../../lib/endpoint';
import { weaviateRules, weaviateSection } from './config';
import { storeFacts } from '../kind';

export interface WeaviateRef {
  /** REST and GraphQL (`/v1/...`), the client Service over every ready node. */
  readonly http: Endpoint;
  /** gRPC (batch imports and queries of the v4 clients), same Service. */
  readonly grpc: Endpoint;
  /** `http://<service host>:<port>` */
  readonly url: string;
  /**
   * The API key of the platform's own jobs (schema setup, backups). Kept apart from the services' key so either can
   * be rotated alone; with no authorization module configured every authenticated key may do everything.
   */
  readonly adminKey: SecretRef;
  /** The API key of the services that use Weaviate (copied into their namespaces). */
  readonly clientKey: SecretRef;
  /** Basic auth of the nodes' internal cluster API (CLUSTER_BASIC_AUTH_*): only nodes know it. */
  readonly clusterAuth: SecretRef;
  /** Weaviate's MinIO client: its user `minio-weaviate` and bucket `backups-weaviate` (charts/data/minio/refs.ts). */
  readonly minioClient: 'weaviate';
}

export const WEAVIATE_NAMESPACE = 'db-weaviate';

export const weaviate = storeFacts<typeof weaviateSection, WeaviateRef>({
  config: weaviateSection,
  namespace: WEAVIATE_NAMESPACE,
  requires: ['minio'],
  rules: weaviateRules,
  refs: (_config, ep) => {
    const pods = { name: 'weaviate', component: 'server' };
    // Ports of the image's CMD (--port 8080) and of the server's GRPC_PORT default (usecases/config/environment.go,
    // DefaultGRPCPort = 50051; weaviate/weaviate v1.38.11).
    const http = ep('weaviate', 8080, 'http', pods);
    return {
      http,
      grpc: ep('weaviate', 50051, 'grpc', pods),
      url: `http://${http.host}:${http.port}`,
      adminKey: { name: 'weaviate-admin-key', keys: ['apiKey'] },
      clientKey: { name: 'weaviate-client-key', keys: ['apiKey'] },
      clusterAuth: { name: 'weaviate-cluster-auth', keys: ['username', 'password'] },
      minioClient: 'weaviate',
    };
  },
  secrets: (w, namespace) => [
    { ...w.adminKey, namespace },
    { ...w.clientKey, namespace },
    { ...w.clusterAuth, namespace, fixed: { username: 'weaviate-cluster' } },
  ],
});
