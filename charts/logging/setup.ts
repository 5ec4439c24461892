/**
 * The Elasticsearch side of the logging option, as a PostSync Job in db-elasticsearch (where the `elastic`
 * password and the store's HTTP CA are): Fluent Bit's user and role (create documents in the logs data streams
 * only), Kibana's built-in kibana_system password, and the logs' index template and lifecycle policy.
 */
import type { Construct } from 'constructs';
import type { PlatformContext } from '../context';
import { k8s } from '../../imports/k8s';
import { ES_IMAGE, SECRETS } from '../data/elasticsearch/chart';
import { esSetupScript } from '../data/elasticsearch/scripts';
import { NAMESPACES } from '../data/refs';
import { LOGS_INDEX_PATTERN } from '../gitops/addons/logging';
import { image } from '../lib/images';
import { pods } from '../lib/graph';
import { secretEnv, secretEnvs } from '../lib/env';
import { setupJob } from '../lib/job';
import { labels, meta, type Identity } from '../lib/labels';
import { quantities } from '../lib/resources';
import { containerSecurityContext, podSecurityContext } from '../lib/security';

export const FLUENT_BIT_ROLE = 'fluent_bit_writer';
export const LOGS_ILM_POLICY = 'kubernetes-logs';
export const LOGS_INDEX_TEMPLATE = 'kubernetes-logs';
const SETUP_ID: Identity = { name: 'logging', component: 'setup' };
/** The elasticsearch user of the image (the store kind's pods run as it too). */
const ES_UID = 1000;

export const LOGGING_SETUP = `${esSetupScript()}
# Generated passwords are letters and digits (scripts/secrets.ts): no JSON escaping needed.
es -X PUT "$url/_security/role/$FLUENT_BIT_ROLE" --data-binary "@$conf/fluent-bit-role.json" >/dev/null
printf '{"password":"%s","roles":["%s"],"full_name":"Fluent Bit"}' "$FLUENT_BIT_PASSWORD" "$FLUENT_BIT_ROLE" \\
  | es -X PUT "$url/_security/user/$FLUENT_BIT_USERNAME" --data-binary @- >/dev/null
echo "fluent-bit user ready"

printf '{"password":"%s"}' "$KIBANA_PASSWORD" | es -X POST "$url/_security/user/kibana_system/_password" --data-binary @- >/dev/null
echo "kibana_system password set"

es -X PUT "$url/_ilm/policy/$ILM_POLICY" --data-binary "@$conf/ilm-policy.json" >/dev/null
es -X PUT "$url/_index_template/$INDEX_TEMPLATE" --data-binary "@$conf/index-template.json" >/dev/null
echo "logs lifecycle policy and index template ready"
`;

/** The Job's files: the script and the JSON bodies it PUTs. */
export function loggingSetupFiles(ctx: PlatformContext): Record<string, string> {
  const c = ctx.config;
  const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;
  const days = c.addons.logging!.kibana!.retentionDays;
  const replicas = (c.stores.elasticsearch?.data ?? 0) >= 2 ? 1 : 0;
  return {
    'setup.sh': LOGGING_SETUP,
    // create_doc: append only (no overwrite, no delete); auto_configure: create the data stream on first write.
    'fluent-bit-role.json': json({ cluster: [], indices: [{ names: [LOGS_INDEX_PATTERN], privileges: ['create_doc', 'auto_configure'] }] }),
    'ilm-policy.json': json({
      policy: {
        phases: {
          hot: { actions: { rollover: { max_primary_shard_size: '50gb', max_age: '1d' } } },
          delete: { min_age: `${days}d`, actions: { delete: {} } },
        },
      },
    }),
    // Above the built-in logs-*-* template (priority 100), so these data streams take our policy and replicas.
    'index-template.json': json({
      index_patterns: [LOGS_INDEX_PATTERN],
      data_stream: {},
      priority: 300,
      template: { settings: { 'index.lifecycle.name': LOGS_ILM_POLICY, 'index.number_of_replicas': replicas } },
    }),
  };
}

export function loggingSetup(scope: Construct, ctx: PlatformContext, secrets: { readonly fluentBit: string; readonly kibana: string }): void {
  const { config: c, refs, graph } = ctx;
  const ns = NAMESPACES.elasticsearch;
  const es = refs.elasticsearch!;
  const name = 'logging-setup';
  const files = loggingSetupFiles(ctx);
  new k8s.KubeConfigMap(scope, 'setup-config', { metadata: meta(c, { name, namespace: ns, id: SETUP_ID }), data: files });
  const template: k8s.PodTemplateSpec = {
    metadata: { labels: labels(c, SETUP_ID) },
    spec: {
      restartPolicy: 'OnFailure',
      automountServiceAccountToken: false,
      securityContext: podSecurityContext(ES_UID),
      containers: [{
        name: 'setup',
        image: image(c, ES_IMAGE),
        imagePullPolicy: c.images.pullPolicy,
        command: ['bash', '/setup/setup.sh'],
        env: [
          { name: 'ES_URL', value: es.url },
          secretEnv('ELASTIC_PASSWORD', es.secret.name, 'password'),
          ...secretEnvs(secrets.fluentBit, { FLUENT_BIT_USERNAME: 'username', FLUENT_BIT_PASSWORD: 'password' }),
          secretEnv('KIBANA_PASSWORD', secrets.kibana, 'password'),
          { name: 'FLUENT_BIT_ROLE', value: FLUENT_BIT_ROLE },
          { name: 'ILM_POLICY', value: LOGS_ILM_POLICY },
          { name: 'INDEX_TEMPLATE', value: LOGS_INDEX_TEMPLATE },
        ],
        resources: { requests: quantities({ cpu: '50m', memory: '64Mi' }), limits: quantities({ cpu: '250m', memory: '128Mi' }) },
        securityContext: containerSecurityContext(),
        volumeMounts: [{ name: 'setup', mountPath: '/setup', readOnly: true }, { name: 'ca', mountPath: '/certs', readOnly: true }],
      }],
      volumes: [
        { name: 'setup', configMap: { name } },
        { name: 'ca', secret: { secretName: SECRETS.httpTls, items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      ],
    },
  };
  setupJob(scope, 'setup', { config: c, name, namespace: ns, id: SETUP_ID, files, template });
  graph.use(pods(ns, SETUP_ID), es.http, 'the logging setup Job creates Fluent Bit\'s user, Kibana\'s password and the logs\' policies');
}
