/**
 * How a service uses Elasticsearch (HTTPS, the internal CA) or a managed Elasticsearch/OpenSearch (HTTPS, a public
 * certificate): its settings, Secret copies, volumes and network flows.
 */
import { secretEnv } from '../../lib/env';
import { storeCaDir } from '../../lib/platform-names';
import type { ClientKit } from '../client';

export function elasticsearchClient({ refs, platform, settings, env, volumes, mounts, copySecret, internalCertificate, use }: ClientKit<'elasticsearch'>): void {
  const es = refs.elasticsearch;
  // A managed service has a public certificate (the system trust store verifies it: no CA file) and says which
  // engine answers (the Elasticsearch clients refuse OpenSearch: ./config.ts).
  const managed = es.http.external !== undefined;
  const caDir = storeCaDir(platform, 'elasticsearch');
  // The applications' own user (limited to the app index patterns), never the `elastic` superuser.
  Object.assign(settings, {
    ELASTICSEARCH_URL: es.url, ...(managed ? {} : { ELASTICSEARCH_CA_FILE: `${caDir}/ca.crt` }), ELASTICSEARCH_INDEX_PREFIX: es.appIndexPrefix,
    ...(managed ? { ELASTICSEARCH_ENGINE: es.engine ?? 'elasticsearch' } : {}),
  });
  copySecret(es.appSecret);
  env.push(secretEnv('ELASTICSEARCH_USERNAME', es.appSecret.name, 'username'), secretEnv('ELASTICSEARCH_PASSWORD', es.appSecret.name, 'password'));
  if (managed) {
    use(es.http, `${es.engine ?? 'elasticsearch'} (a managed service, HTTPS)`);
    return;
  }
  // Elasticsearch serves TLS from the internal CA: the client gets its own certificate from the same issuer,
  // whose Secret carries the CA certificate to trust (and a client certificate, should ES require one).
  const certName = internalCertificate();
  volumes.push({ name: 'elasticsearch-ca', secret: { secretName: certName, items: [{ key: 'ca.crt', path: 'ca.crt' }], defaultMode: 0o444 } });
  mounts.push({ name: 'elasticsearch-ca', mountPath: caDir, readOnly: true });
  use(es.http, 'elasticsearch (HTTPS)');
}
