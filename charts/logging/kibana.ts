/**
 * Kibana for the logs in the platform's Elasticsearch: a Deployment in `logging` at Elasticsearch's own version,
 * authenticating as the built-in kibana_system user (Kibana 8 refuses the `elastic` superuser), verifying
 * Elasticsearch's certificate with the internal CA, reachable only through the ingress controller.
 *
 * The image (elastic/kibana v8.19.8 src/dev/build/tasks/os_packages/docker_generator/templates/base/Dockerfile)
 * runs as `USER 1000` (useradd --uid 1000 --gid 1000 kibana), ENTRYPOINT /bin/tini --, CMD /usr/local/bin/kibana-docker,
 * which turns the environment variables of its kibana_vars list (resources/base/bin/kibana-docker: elasticsearch.hosts,
 * status.allowAnonymous, xpack.encryptedSavedObjects.encryptionKey, …) into Kibana settings; it writes only to
 * path.data (an emptyDir here).
 */
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import { LOGGING_NAMESPACE } from '../../environments/schema';
import type { ComputeResources } from '../../environments/values';
import type { PlatformContext } from '../context';
import { k8s } from '../../imports/k8s';
import { ES_VERSION } from '../data/elasticsearch/chart';
import { INTERNAL_CA_ISSUER, NAMESPACES } from '../data/refs';
import { ACME_SOLVER_PORT, ingressIssuer } from '../ingress/chart';
import { certificate } from '../lib/certificate';
import { container, emptyDir, httpProbe, tcpProbe } from '../lib/container';
import { disruptionBudget } from '../lib/disruption';
import { secretEnv } from '../lib/env';
import { acmeSolver, ingressController, pods } from '../lib/graph';
import { labels, meta, selectorLabels, type Identity } from '../lib/labels';
import { resources } from '../lib/resources';
import { spreadOverNodes } from '../lib/scheduling';
import { containerSecurityContext, podSecurityContext } from '../lib/security';
import { clusterService, namedPort } from '../lib/service';

/** Same version as Elasticsearch: Kibana refuses a newer Elasticsearch major/minor and warns on any mismatch. */
export const KIBANA_IMAGE = `docker.elastic.co/kibana/kibana:${ES_VERSION}`;
export const KIBANA_PORT = 5601;
export const KIBANA_UID = 1000;
export const KIBANA_ID: Identity = { name: 'kibana', component: 'ui' };
/** kibana_system's password: original in db-elasticsearch (the setup Job sets it), copy in logging. */
export const KIBANA_SYSTEM_SECRET = { name: 'kibana-system', keys: ['username', 'password'] } as const;
/** Keys of saved objects' encryption, reporting and sessions: 40 random characters each (at least 32 needed). */
export const KIBANA_KEYS_SECRET = { name: 'kibana-encryption-keys', keys: ['encryptedSavedObjects', 'reporting', 'security'] } as const;
export const KIBANA_CA_SECRET = 'kibana-es-ca';
export const KIBANA_DEFAULT_RESOURCES: ComputeResources = { requests: { cpu: '250m', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } };
const CA_DIR = '/usr/share/kibana/config/elasticsearch-ca';

export const kibanaHost = (baseDomain: string): string => `kibana.${baseDomain}`;

export function kibana(scope: Construct, ctx: PlatformContext): void {
  const { config: c, refs, graph } = ctx;
  const k = c.addons.logging!.kibana!;
  const es = refs.elasticsearch!;
  const ns = LOGGING_NAMESPACE;
  const name = 'kibana';
  const selector = selectorLabels(KIBANA_ID);
  const self = pods(ns, KIBANA_ID);
  const host = kibanaHost(c.ingress.baseDomain);

  ctx.secrets.push(
    { ...KIBANA_SYSTEM_SECRET, keys: [...KIBANA_SYSTEM_SECRET.keys], namespace: NAMESPACES.elasticsearch, fixed: { username: 'kibana_system' } },
    { ...KIBANA_SYSTEM_SECRET, keys: [...KIBANA_SYSTEM_SECRET.keys], namespace: ns, copyOf: { namespace: NAMESPACES.elasticsearch, name: KIBANA_SYSTEM_SECRET.name } },
    { ...KIBANA_KEYS_SECRET, keys: [...KIBANA_KEYS_SECRET.keys], namespace: ns },
  );
  // TLS to Elasticsearch as the store kind's clients do: a certificate of the internal CA whose Secret holds ca.crt.
  certificate(scope, 'kibana-ca', {
    config: c, name: KIBANA_CA_SECRET, namespace: ns, id: { name: 'kibana', component: 'tls' },
    issuer: { name: INTERNAL_CA_ISSUER, kind: 'ClusterIssuer' },
    subject: { commonName: `kibana.${ns}`, dnsNames: [`kibana.${ns}`], usages: ['digital signature', 'client auth'] },
  });

  const main = container(c, 'kibana', KIBANA_IMAGE, {
    env: [
      { name: 'SERVER_NAME', value: host },
      { name: 'SERVER_PUBLICBASEURL', value: `https://${host}` },
      // kibana-docker turns ELASTICSEARCH_HOSTS into --elasticsearch.hosts (one URL: the store's client Service).
      { name: 'ELASTICSEARCH_HOSTS', value: es.url },
      secretEnv('ELASTICSEARCH_USERNAME', KIBANA_SYSTEM_SECRET.name, 'username'),
      secretEnv('ELASTICSEARCH_PASSWORD', KIBANA_SYSTEM_SECRET.name, 'password'),
      { name: 'ELASTICSEARCH_SSL_CERTIFICATEAUTHORITIES', value: `${CA_DIR}/ca.crt` },
      { name: 'ELASTICSEARCH_SSL_VERIFICATIONMODE', value: 'full' },
      secretEnv('XPACK_ENCRYPTEDSAVEDOBJECTS_ENCRYPTIONKEY', KIBANA_KEYS_SECRET.name, 'encryptedSavedObjects'),
      secretEnv('XPACK_REPORTING_ENCRYPTIONKEY', KIBANA_KEYS_SECRET.name, 'reporting'),
      secretEnv('XPACK_SECURITY_ENCRYPTIONKEY', KIBANA_KEYS_SECRET.name, 'security'),
      // /api/status answers the probes without a login (a redacted status), 503 until Kibana is available.
      { name: 'STATUS_ALLOWANONYMOUS', value: 'true' },
      // No egress to the internet: telemetry and the news feed could only fail.
      { name: 'TELEMETRY_OPTIN', value: 'false' },
      { name: 'TELEMETRY_ALLOWCHANGINGOPTINSTATUS', value: 'false' },
      { name: 'NEWSFEED_ENABLED', value: 'false' },
    ],
    ports: [{ name: 'http', containerPort: KIBANA_PORT }],
    // Start-up migrates saved objects: up to 10 minutes before liveness applies.
    startupProbe: httpProbe('/api/status', 'http', { periodSeconds: 10, failureThreshold: 60 }),
    readinessProbe: httpProbe('/api/status', 'http', { periodSeconds: 10, failureThreshold: 3 }),
    // Liveness on the port only: Kibana answers 503 while Elasticsearch is away, which a restart would not fix.
    livenessProbe: tcpProbe('http', { periodSeconds: 20, failureThreshold: 3 }),
    resources: resources(k.resources ?? KIBANA_DEFAULT_RESOURCES),
    securityContext: containerSecurityContext(),
    volumeMounts: [
      { name: 'data', mountPath: '/usr/share/kibana/data' },
      { name: 'tmp', mountPath: '/tmp' },
      { name: 'elasticsearch-ca', mountPath: CA_DIR, readOnly: true },
    ],
  });
  new k8s.KubeDeployment(scope, 'kibana', {
    metadata: meta(c, { name, namespace: ns, id: KIBANA_ID, version: ES_VERSION }),
    spec: {
      replicas: k.replicas,
      selector: { matchLabels: selector },
      template: {
        metadata: { labels: labels(c, KIBANA_ID, ES_VERSION) },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: podSecurityContext(KIBANA_UID),
          topologySpreadConstraints: spreadOverNodes(selector),
          containers: [main],
          volumes: [
            emptyDir('data', '1Gi'), emptyDir('tmp', '1Gi'),
            { name: 'elasticsearch-ca', secret: { secretName: KIBANA_CA_SECRET, items: [{ key: 'ca.crt', path: 'ca.crt' }], defaultMode: 0o444 } },
          ],
        },
      },
    },
  });
  clusterService(scope, 'kibana-service', meta(c, { name, namespace: ns, id: KIBANA_ID }), selector, [namedPort('http', KIBANA_PORT)]);
  disruptionBudget(scope, { config: c, name, namespace: ns, id: KIBANA_ID, replicas: k.replicas, maxUnavailable: 1 });

  // The public entry: https://kibana.<baseDomain>, the environment's ingress class and public issuer.
  const tls = `${name}-tls`;
  new ApiObject(scope, 'kibana-certificate', {
    apiVersion: 'cert-manager.io/v1', kind: 'Certificate',
    metadata: meta(c, { name: tls, namespace: ns, id: KIBANA_ID }),
    spec: {
      secretName: tls, dnsNames: [host], duration: '2160h', renewBefore: '720h',
      privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
      issuerRef: { name: ingressIssuer(c), kind: 'ClusterIssuer', group: 'cert-manager.io' },
    },
  });
  new k8s.KubeIngress(scope, 'kibana-ingress', {
    metadata: meta(c, { name, namespace: ns, id: KIBANA_ID }),
    spec: {
      ingressClassName: c.ingress.className,
      tls: [{ hosts: [host], secretName: tls }],
      rules: [{ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name, port: { number: KIBANA_PORT } } } }] } }],
    },
  });
  graph.connect({ pods: ingressController(c) }, { pods: self }, [{ port: KIBANA_PORT, name: 'http' }], `the ingress controller forwards ${host} to Kibana`);
  if (c.ingress.tlsIssuer === 'acme') {
    graph.connect({ pods: ingressController(c) }, { pods: acmeSolver(ns) }, [{ port: ACME_SOLVER_PORT, name: 'acme-http01' }], `Let's Encrypt validates ${tls} through the ingress controller`);
  }
  graph.use(self, es.http, 'Kibana reads and manages the logs in Elasticsearch (HTTPS, as kibana_system)');
}
