/** How the platform reaches Elasticsearch (HTTPS) and the Secrets its cluster reads. */
import type { Endpoint, SecretRef } from '../../lib/endpoint';
import type { z } from 'zod';
import { elasticsearchRules, elasticsearchSection, externalElasticsearchSection } from './config';
import { externalEndpoint, storeFacts, userPassword } from '../kind';

export interface ElasticsearchRef {
  readonly http: Endpoint;
  readonly url: string;
  /** Password of the built-in `elastic` user (the store's own Jobs and hooks only; never applications). */
  readonly secret: SecretRef;
  /** The applications' user (`username` fixed): created by the setup Job, limited to `appIndexPatterns`. */
  readonly appSecret: SecretRef;
  /** That user's name in the cluster (`<platform>-app`); a managed service's is the site's, in its Secret. */
  readonly appUser?: string;
  /** The indices (and aliases) applications may read, write and manage; nothing else. */
  readonly appIndexPatterns: readonly string[];
  /** Prefix applications name their indices with, so that they fall under `appIndexPatterns`. */
  readonly appIndexPrefix: string;
  /** A managed service's engine (`external.elasticsearch`); in the cluster, Elasticsearch. */
  readonly engine?: 'opensearch' | 'elasticsearch';
}

export const elasticsearch = storeFacts<typeof elasticsearchSection, ElasticsearchRef>({
  config: elasticsearchSection,
  namespace: 'db-elasticsearch',
  requires: ['minio'],
  rules: elasticsearchRules,
  refs: (es, ep, platform) => {
    // HTTP is served by the coordinating nodes; without them by the data nodes; a lone master holds every role.
    const httpRole = es.coordinating > 0 ? 'coordinating' : es.data > 0 ? 'data' : 'master';
    const http = ep('elasticsearch', 9200, 'http', { name: 'elasticsearch', component: httpRole });
    return {
      http,
      url: `https://${http.host}:${http.port}`,
      secret: { name: 'elasticsearch-credentials', keys: ['username', 'password'] },
      appSecret: { name: 'elasticsearch-app', keys: userPassword },
      // The applications' user (native realm; the setup Job creates it with its role) and indices, named after
      // the platform.
      appUser: `${platform}-app`,
      appIndexPatterns: [`${platform}-app-*`],
      appIndexPrefix: `${platform}-app-`,
    };
  },
  secrets: (es, namespace) => [
    // The built-in superuser: its name is fixed, its password generated.
    { ...es.secret, namespace, fixed: { username: 'elastic' } },
    // In the cluster (only its refs come here) the user is ours, so its name is set.
    { ...es.appSecret, namespace, fixed: { username: es.appUser! } },
  ],
  external: {
    config: externalElasticsearchSection,
    refs: (x: z.infer<typeof externalElasticsearchSection>, kind: string): ElasticsearchRef => {
      const http = externalEndpoint(kind, x, 'https');
      // Only the applications' credentials: the service's administration is the site's.
      const app = { name: x.credentialsSecret, keys: userPassword };
      return {
        http, url: `https://${x.host}${x.port === 443 ? '' : `:${x.port}`}`, secret: app, appSecret: app,
        appIndexPatterns: [`${x.indexPrefix}*`], appIndexPrefix: x.indexPrefix, engine: x.engine,
      };
    },
  },
});
