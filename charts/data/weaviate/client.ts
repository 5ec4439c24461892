/** How a service uses Weaviate: its settings, its API key (a copy of the client key's Secret) and network flows. */
import { secretEnv } from '../../lib/env';
import type { ClientKit } from '../client';

export function weaviateClient({ refs, settings, env, copySecret, use }: ClientKit<'weaviate'>): void {
  const w = refs.weaviate;
  Object.assign(settings, {
    WEAVIATE_URL: w.url,
    WEAVIATE_HOST: w.http.host, WEAVIATE_PORT: String(w.http.port), WEAVIATE_SCHEME: 'http',
    WEAVIATE_GRPC_HOST: w.grpc.host, WEAVIATE_GRPC_PORT: String(w.grpc.port),
  });
  copySecret(w.clientKey);
  env.push(secretEnv('WEAVIATE_API_KEY', w.clientKey, 'apiKey'));
  use(w.http, 'weaviate (REST, GraphQL)');
  use(w.grpc, 'weaviate (gRPC)');
}
