/**
 * Elasticsearch (spec 002 §7.4): one StatefulSet per node role (master, data, coordinating), security on with TLS
 * on transport and HTTP from cert-manager Certificates of the internal CA, discovery through the masters' headless
 * Service, a preStop that drains through the node shutdown API, an exporter for Prometheus, and a setup Job for
 * the exporter's user, the snapshot repository on MinIO, snapshot and index lifecycle policies. Dev runs a single
 * node holding every role through the same code.
 */
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { stringify } from 'yaml';
import type { ElasticsearchConfig } from './context';
import { k8s } from '../../../imports/k8s';
import type { ElasticsearchContext } from './context';
import { disruptionBudget } from '../../lib/disruption';
import { PROMETHEUS, pods } from '../../lib/graph';
import { certificate } from '../../lib/certificate';
import { configChecksum } from '../../lib/checksum';
import { image } from '../../lib/images';
import { container, emptyDir, tcpProbe } from '../../lib/container';
import { annotationKey, labels, meta, selectorLabels, type Identity } from '../../lib/labels';
import { fieldEnv, secretEnv, secretEnvs } from '../../lib/env';
import { clusterService, headlessService, namedPort } from '../../lib/service';
import { setupJob } from '../../lib/job';
import { podNames, serviceHost } from '../../lib/naming';
import { platformIdentifier } from '../../lib/platform-names';
import { parseMemory } from '../../lib/quantity';
import { quantities, resources } from '../../lib/resources';
import { spreadOverNodes } from '../../lib/scheduling';
import { containerSecurityContext, podSecurityContext } from '../../lib/security';
import { storeStatefulSet } from '../../lib/stateful-set';
import { POST_START, PRE_STOP, PREPARE_CONFIG, SETUP } from './scripts';
import { INTERNAL_CA_ISSUER, NAMESPACES } from '../refs';

export const ES_VERSION = '8.19.8';
export const ES_IMAGE = `docker.elastic.co/elasticsearch/elasticsearch:${ES_VERSION}`;
export const EXPORTER_IMAGE = 'quay.io/prometheuscommunity/elasticsearch-exporter:v1.9.0';

export type Role = 'master' | 'data' | 'coordinating';

const NS = NAMESPACES.elasticsearch;
const UID = 1000; // the elasticsearch user of the image
const HTTP_PORT = 9200;
const TRANSPORT_PORT = 9300;
/** Elasticsearch opens this port only while the node is in a cluster with an elected master (readiness.port). */
const READINESS_PORT = 9400;
const EXPORTER_PORT = 9114;
const CONFIG_DIR = '/usr/share/elasticsearch/config';
const DATA_DIR = '/usr/share/elasticsearch/data';
/** Above ~31 GiB the JVM loses compressed object pointers: a larger heap holds less. */
const MAX_HEAP_MIB = 31744;
/** Dedicated masters keep only the cluster state. */
const DEFAULT_MASTER_VOLUME = '10Gi';

export const SECRETS = {
  transportTls: 'elasticsearch-transport-tls',
  httpTls: 'elasticsearch-http-tls',
  exporter: { name: 'elasticsearch-exporter', keys: ['username', 'password'] as const },
} as const;
/**
 * The transport layer's own CA: a namespaced cert-manager CA Issuer over a root only it uses (charts/ingress/pki.ts).
 * Transport verifies the chain only (verification_mode certificate: nodes publish pod IPs no certificate names), so
 * the CA it trusts must issue node certificates and nothing else; the platform CA also issues client
 * certificates to the applications, any of which would otherwise be accepted as a cluster node.
 */
export const TRANSPORT_CA = { issuer: 'elasticsearch-transport-ca', secret: 'elasticsearch-transport-ca' } as const;
export const SNAPSHOT_REPOSITORY = 'minio';
export const SLM_POLICY = 'nightly-snapshots';

/** The cluster's own names, after the platform (`receivables`, `eks-platform`…: config.platform.name). */
export function clusterNames(platform: string) {
  return {
    cluster: platform,
    /** The role of the applications' user (refs.elasticsearch.appSecret). */
    appRole: `${platformIdentifier(platform)}_app`,
    ilmPolicy: `${platform}-logs`,
    indexTemplate: `${platform}-logs`,
    logIndices: `${platform}-logs-*`,
  };
}

export function id(role: Role): Identity {
  return { name: 'elasticsearch', component: role };
}
export function statefulSetName(role: Role): string {
  return `elasticsearch-${role}`;
}
/** The ConfigMap of a role's elasticsearch.yml. */
function settingsName(role: Role): string {
  return `${statefulSetName(role)}-config`;
}
export function headlessName(role: Role): string {
  return `elasticsearch-${role}-hl`;
}

export interface RoleSpec {
  readonly role: Role;
  readonly replicas: number;
  /** node.roles of these nodes. */
  readonly nodeRoles: readonly string[];
  /** Persistent volume size; undefined for coordinating nodes (an emptyDir holds their node metadata). */
  readonly volume?: string;
}

/** The node sets of an environment. With no data nodes the masters hold every role (dev's single node). */
export function roleSpecs(config: ElasticsearchConfig): RoleSpec[] {
  const es = config.stores.elasticsearch;
  const mastersHoldData = es.data === 0;
  const specs: RoleSpec[] = [{
    role: 'master',
    replicas: es.masters,
    nodeRoles: mastersHoldData ? ['master', 'data', 'ingest'] : ['master'],
    volume: mastersHoldData ? es.volume.size : (es.masterVolume?.size ?? DEFAULT_MASTER_VOLUME),
  }];
  if (es.data > 0) specs.push({ role: 'data', replicas: es.data, nodeRoles: ['data', 'ingest'], volume: es.volume.size });
  if (es.coordinating > 0) specs.push({ role: 'coordinating', replicas: es.coordinating, nodeRoles: [] });
  return specs;
}

/** Heap: half the container's memory limit (the rest is the OS page cache Lucene lives on), in MiB. */
export function heapMiB(config: ElasticsearchConfig): number {
  const limit = parseMemory(config.stores.elasticsearch.resources.limits.memory);
  return Math.min(MAX_HEAP_MIB, Math.floor(limit / 2 / 2 ** 20));
}

/** Every node of the cluster is one pod: is this a single-node cluster? */
function singleNode(config: ElasticsearchConfig): boolean {
  return roleSpecs(config).reduce((n, r) => n + r.replicas, 0) === 1;
}

/** elasticsearch.yml of one role, as an object (rendered as YAML; the tests parse it back). */
export function elasticsearchYml(config: ElasticsearchConfig, spec: RoleSpec, s3: { host: string; port: number }): Record<string, unknown> {
  const es = config.stores.elasticsearch;
  const certs = (kind: 'transport' | 'http') => ({
    key: `certs/${kind}/tls.key`, certificate: `certs/${kind}/tls.crt`, certificate_authorities: [`certs/${kind}/ca.crt`],
  });
  const discovery: Record<string, unknown> = singleNode(config)
    ? { 'discovery.type': 'single-node' }
    : {
      'discovery.seed_hosts': [`${serviceHost(config, headlessName('master'), NS)}:${TRANSPORT_PORT}`],
      // cluster.initial_master_nodes is not here: prepare-config.sh adds it for the first bootstrap only.
    };
  const t = certs('transport');
  const h = certs('http');
  return {
    'cluster.name': clusterNames(config.platform.name).cluster,
    'node.name': '${POD_NAME}',
    'node.roles': [...spec.nodeRoles],
    'network.host': '0.0.0.0',
    'network.publish_host': '${POD_IP}',
    'http.port': HTTP_PORT,
    'transport.port': TRANSPORT_PORT,
    'readiness.port': READINESS_PORT,
    'path.data': DATA_DIR,
    ...discovery,
    // Without mmap Lucene uses NIO: slower on large indices, but no vm.max_map_count and no privileged pod.
    ...(es.maxMapCount === 'disableMmap' ? { 'node.store.allow_mmap': false } : {}),
    'action.destructive_requires_name': true,
    // No egress to the internet: the GeoIP database download could only fail (and log it) on every node.
    'ingest.geoip.downloader.enabled': false,
    'xpack.security.enabled': true,
    'xpack.security.enrollment.enabled': false,
    'xpack.security.transport.ssl.enabled': true,
    // Nodes publish pod IPs, which no certificate names: the chain is what is verified, to the transport layer's
    // own CA (TRANSPORT_CA), which issues node certificates only.
    'xpack.security.transport.ssl.verification_mode': 'certificate',
    'xpack.security.transport.ssl.client_authentication': 'required',
    'xpack.security.transport.ssl.key': t.key,
    'xpack.security.transport.ssl.certificate': t.certificate,
    'xpack.security.transport.ssl.certificate_authorities': t.certificate_authorities,
    'xpack.security.http.ssl.enabled': true,
    'xpack.security.http.ssl.key': h.key,
    'xpack.security.http.ssl.certificate': h.certificate,
    'xpack.security.http.ssl.certificate_authorities': h.certificate_authorities,
    // The snapshot repository's S3 client: MinIO by path-style HTTP; its keys are in the keystore.
    's3.client.default.endpoint': `${s3.host}:${s3.port}`,
    's3.client.default.protocol': 'http',
    's3.client.default.path_style_access': true,
  };
}

/**
 * The node names that bootstrap the cluster (cluster.initial_master_nodes): exactly the master pods' names, for
 * the masters of a multi-node cluster; none for a single node (discovery.type single-node) or other roles.
 * prepare-config.sh sets them only while the node's data path records no formed cluster.
 */
export function initialMasterNodes(config: ElasticsearchConfig, spec: RoleSpec): string[] {
  if (singleNode(config) || spec.role !== 'master') return [];
  return podNames(statefulSetName('master'), spec.replicas);
}

/** The DNS names clients and nodes use, which the HTTP certificate must cover. */
export function httpDnsNames(config: ElasticsearchConfig, service: string): string[] {
  const d = config.cluster.clusterDomain;
  return [
    service, `${service}.${NS}`, `${service}.${NS}.svc`, `${service}.${NS}.svc.${d}`,
    ...roleSpecs(config).map((r) => `*.${headlessName(r.role)}.${NS}.svc.${d}`),
    'localhost',
  ];
}

const EXPORTER_ID: Identity = { name: 'elasticsearch', component: 'exporter' };
const SETUP_ID: Identity = { name: 'elasticsearch', component: 'setup' };

export class ElasticsearchChart extends Chart {
  constructor(scope: Construct, chartId: string, ctx: ElasticsearchContext) {
    super(scope, chartId, { disableResourceNameHashes: true });
    const { config, refs } = ctx;
    const http = refs.elasticsearch.http;
    this.secrets(ctx);
    this.flows(ctx);
    this.certificates(config, http.service);
    clusterService(this, 'http', meta(config, { name: http.service, namespace: NS, id: http.pods }), selectorLabels(http.pods),
      [namedPort(http.portName, http.port, 'http')]);
    for (const spec of roleSpecs(config)) this.nodeSet(ctx, spec);
    this.exporter(ctx, EXPORTER_ID);
    this.setupJob(ctx, SETUP_ID);
  }

  /** The Secrets this chart's pods read besides the store's own: MinIO keys for snapshots, the exporter's user. */
  private secrets(ctx: ElasticsearchContext): void {
    const minioCopy = ctx.refs.minio.credentials('elasticsearch');
    ctx.secrets.push(
      { ...minioCopy, namespace: NS, copyOf: { namespace: NAMESPACES.minio, name: minioCopy.name } },
      { ...SECRETS.exporter, keys: [...SECRETS.exporter.keys], namespace: NS, fixed: { username: 'exporter' } },
    );
  }

  /** Every node talks transport to every node; masters and data nodes write snapshots to MinIO. */
  private flows(ctx: ElasticsearchContext): void {
    const { config, refs, graph } = ctx;
    const http = refs.elasticsearch.http;
    const specs = roleSpecs(config);
    for (const a of specs) {
      for (const b of specs) {
        graph.connect({ pods: pods(NS, id(a.role)) }, { pods: pods(NS, id(b.role)) }, [{ port: TRANSPORT_PORT, name: 'transport' }],
          `Elasticsearch ${a.role} nodes talk to ${b.role} nodes (cluster coordination, shard traffic)`);
      }
      if (a.role !== 'coordinating') graph.use(pods(NS, id(a.role)), refs.minio.s3, `Elasticsearch ${a.role} nodes write snapshots to MinIO`);
    }
    graph.use(pods(NS, EXPORTER_ID), http, 'the exporter reads cluster, node and index statistics');
    graph.use(pods(NS, SETUP_ID), http, 'the setup Job registers users, the snapshot repository and lifecycle policies');
    graph.connect({ pods: PROMETHEUS }, { pods: pods(NS, EXPORTER_ID) }, [{ port: EXPORTER_PORT, name: 'metrics' }],
      'Prometheus scrapes the Elasticsearch exporter');
  }

  private certificates(config: ElasticsearchConfig, service: string): void {
    const d = config.cluster.clusterDomain;
    const common = {
      config, namespace: NS, id: { name: 'elasticsearch', component: 'tls' },
      // Elasticsearch reads PKCS#8 PEM keys and reloads the files when cert-manager renews them.
      privateKey: { encoding: 'PKCS8' },
    };
    certificate(this, SECRETS.transportTls, {
      ...common, name: SECRETS.transportTls,
      issuer: { name: TRANSPORT_CA.issuer, kind: 'Issuer' },
      subject: {
        dnsNames: roleSpecs(config).map((r) => `*.${headlessName(r.role)}.${NS}.svc.${d}`),
        usages: ['server auth', 'client auth', 'digital signature', 'key encipherment'],
      },
    });
    certificate(this, SECRETS.httpTls, {
      ...common, name: SECRETS.httpTls,
      // Clients (the applications, the exporter) trust the platform CA for HTTPS.
      issuer: { name: INTERNAL_CA_ISSUER, kind: 'ClusterIssuer' },
      subject: {
        dnsNames: httpDnsNames(config, service),
        ipAddresses: ['127.0.0.1'],
        usages: ['server auth', 'digital signature', 'key encipherment'],
      },
    });
  }

  /** The nodes of one role: their headless Service, settings, StatefulSet and disruption budget. */
  private nodeSet(ctx: ElasticsearchContext, spec: RoleSpec): void {
    const { config } = ctx;
    const ident = id(spec.role);
    // Discovery must find masters that are not ready yet: readiness needs an elected master.
    headlessService(this, `${spec.role}-headless`, meta(config, { name: headlessName(spec.role), namespace: NS, id: ident }), selectorLabels(ident),
      [namedPort('http', HTTP_PORT), namedPort('transport', TRANSPORT_PORT)]);
    const checksum = this.nodeSettings(ctx, spec);
    this.nodeStatefulSet(ctx, spec, checksum);
    // Masters: one down keeps a majority of an odd count. Data: one down keeps a copy of every shard (1 replica).
    disruptionBudget(this, { config, name: statefulSetName(spec.role), namespace: NS, id: ident, replicas: spec.replicas, maxUnavailable: 1 });
  }

  /** elasticsearch.yml of one role in its ConfigMap; returns the checksum that rolls the nodes. */
  private nodeSettings(ctx: ElasticsearchContext, spec: RoleSpec): string {
    const { config, refs } = ctx;
    const yml = stringify(elasticsearchYml(config, spec, refs.minio.s3), { lineWidth: 0 });
    new k8s.KubeConfigMap(this, `${spec.role}-config`, {
      metadata: meta(config, { name: settingsName(spec.role), namespace: NS, id: id(spec.role) }),
      data: { 'elasticsearch.yml': yml },
    });
    // Pods read their settings once, at start: a changed file or script rolls the StatefulSet.
    return configChecksum(yml + PREPARE_CONFIG + PRE_STOP + POST_START);
  }

  /** The containers of a node: the optional sysctl and prepare-config (init), then Elasticsearch. */
  private nodeContainers(ctx: ElasticsearchContext, spec: RoleSpec): { readonly init: k8s.Container[]; readonly main: k8s.Container } {
    const { config, refs } = ctx;
    const es = config.stores.elasticsearch;
    const heap = heapMiB(config);
    const password = secretEnv('ELASTIC_PASSWORD', refs.elasticsearch.secret.name, 'password');
    // What elasticsearch.yml's placeholders refer to. Every container that loads elasticsearch.yml gets them: the
    // keystore tool of prepare-config resolves them too (elastic/cloud-on-k8s#5577), not only the node.
    const placeholders: k8s.EnvVar[] = [fieldEnv('POD_NAME', 'metadata.name'), fieldEnv('POD_IP', 'status.podIP')];
    const bootstrap = initialMasterNodes(config, spec);
    const scriptsMount = { name: 'scripts', mountPath: '/mnt/scripts', readOnly: true };

    const init: k8s.Container[] = [];
    if (es.maxMapCount === 'sysctlInitContainer') {
      // The environment chose mmap: raise the host's limit (needs the namespace at Pod Security privileged).
      init.push(container(config, 'sysctl', ES_IMAGE, {
        command: ['sysctl', '-w', 'vm.max_map_count=262144'],
        securityContext: { privileged: true, runAsUser: 0, runAsNonRoot: false },
        resources: { requests: quantities({ cpu: '10m', memory: '16Mi' }), limits: quantities({ cpu: '100m', memory: '32Mi' }) },
      }));
    }
    init.push(container(config, 'prepare-config', ES_IMAGE, {
      command: ['bash', '/mnt/scripts/prepare-config.sh'],
      env: [
        ...placeholders,
        password,
        { name: 'ES_TMPDIR', value: '/tmp' },
        ...(bootstrap.length ? [{ name: 'INITIAL_MASTER_NODES', value: bootstrap.join(',') }] : []),
      ],
      resources: { requests: quantities({ cpu: '100m', memory: '256Mi' }), limits: quantities({ cpu: '1', memory: '512Mi' }) },
      volumeMounts: [
        { name: 'config', mountPath: '/mnt/config' },
        { name: 'settings', mountPath: '/mnt/settings', readOnly: true },
        { name: 'minio-credentials', mountPath: '/mnt/minio', readOnly: true },
        // Only read: whether this node has already joined a formed cluster (post-start.sh records it there).
        { name: 'data', mountPath: '/mnt/data', readOnly: true },
        scriptsMount,
        { name: 'tmp', mountPath: '/tmp' },
      ],
    }));

    const main = container(config, 'elasticsearch', ES_IMAGE, {
      env: [
        ...placeholders,
        password,
        { name: 'ES_JAVA_OPTS', value: `-Xms${heap}m -Xmx${heap}m` },
        { name: 'ES_TMPDIR', value: '/tmp' },
        { name: 'NODE_HOLDS_DATA', value: String(spec.nodeRoles.includes('data')) },
        { name: 'DRAIN_TIMEOUT_SECONDS', value: '120' },
      ],
      ports: [
        { name: 'http', containerPort: HTTP_PORT },
        { name: 'transport', containerPort: TRANSPORT_PORT },
        { name: 'readiness', containerPort: READINESS_PORT },
      ],
      // Recovery of a large node may take long: liveness only applies once the transport port is up.
      startupProbe: tcpProbe('transport', { periodSeconds: 10, failureThreshold: 60 }),
      livenessProbe: tcpProbe('transport', { periodSeconds: 10, failureThreshold: 6 }),
      readinessProbe: tcpProbe('readiness', { periodSeconds: 5, failureThreshold: 3 }),
      lifecycle: {
        preStop: { exec: { command: ['bash', '/mnt/scripts/pre-stop.sh'] } },
        postStart: { exec: { command: ['bash', '/mnt/scripts/post-start.sh'] } },
      },
      resources: resources(es.resources),
      volumeMounts: [
        { name: 'config', mountPath: CONFIG_DIR },
        { name: 'transport-tls', mountPath: `${CONFIG_DIR}/certs/transport`, readOnly: true },
        { name: 'http-tls', mountPath: `${CONFIG_DIR}/certs/http`, readOnly: true },
        { name: 'data', mountPath: DATA_DIR },
        { name: 'logs', mountPath: '/usr/share/elasticsearch/logs' },
        { name: 'tmp', mountPath: '/tmp' },
        scriptsMount,
      ],
    });
    return { init, main };
  }

  /** The StatefulSet of one role: its pods, volumes and, for master and data nodes, their data volume. */
  private nodeStatefulSet(ctx: ElasticsearchContext, spec: RoleSpec, checksum: string): void {
    const { config, refs } = ctx;
    const name = statefulSetName(spec.role);
    const ident = id(spec.role);
    const selector = selectorLabels(ident);
    const volumes: k8s.Volume[] = [
      emptyDir('config', '64Mi'), emptyDir('tmp', '1Gi'), emptyDir('logs', '1Gi'),
      { name: 'settings', configMap: { name: settingsName(spec.role) } },
      { name: 'scripts', configMap: { name: 'elasticsearch-scripts', defaultMode: 0o555 } },
      // Keys readable by the elasticsearch user and group only (0440 with fsGroup).
      { name: 'minio-credentials', secret: { secretName: refs.minio.credentials('elasticsearch').name, defaultMode: 0o440 } },
      { name: 'transport-tls', secret: { secretName: SECRETS.transportTls, defaultMode: 0o440 } },
      { name: 'http-tls', secret: { secretName: SECRETS.httpTls, defaultMode: 0o440 } },
    ];
    if (!spec.volume) volumes.push(emptyDir('data', '1Gi'));
    const containers = this.nodeContainers(ctx, spec);

    storeStatefulSet(this, name, {
      config,
      metadata: meta(config, { name, namespace: NS, id: ident, version: ES_VERSION }),
      serviceName: headlessName(spec.role),
      replicas: spec.replicas,
      // Nodes join independently; a master quorum forms as soon as a majority is up.
      podManagementPolicy: 'Parallel',
      selector,
      template: {
        metadata: { labels: labels(config, ident, ES_VERSION), annotations: { [annotationKey(config, 'config-checksum')]: checksum } },
        spec: {
          automountServiceAccountToken: false,
          securityContext: podSecurityContext(UID),
          // preStop drains for up to 120 s; Elasticsearch then needs time to close cleanly.
          terminationGracePeriodSeconds: 180,
          initContainers: containers.init,
          containers: [containers.main],
          volumes,
        },
      },
      // Coordinating nodes keep their node metadata in an emptyDir (see the volumes above).
      claims: spec.volume ? [{ name: 'data', size: spec.volume }] : [],
    });
  }

  private exporter(ctx: ElasticsearchContext, ident: Identity): void {
    const { config, refs } = ctx;
    const name = 'elasticsearch-exporter';
    const selector = selectorLabels(ident);
    new k8s.KubeDeployment(this, 'exporter', {
      metadata: meta(config, { name, namespace: NS, id: ident }),
      spec: {
        replicas: 1,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels: labels(config, ident) },
          spec: {
            automountServiceAccountToken: false,
            securityContext: podSecurityContext(),
            topologySpreadConstraints: spreadOverNodes(selector),
            containers: [container(config, 'exporter', EXPORTER_IMAGE, {
              args: [
                `--es.uri=${refs.elasticsearch.url}`,
                '--es.ca=/certs/ca.crt',
                '--es.all',
                '--es.indices',
                '--es.timeout=30s',
                `--web.listen-address=:${EXPORTER_PORT}`,
              ],
              // Least privilege: a user with the monitor privileges only, created by the setup Job.
              env: secretEnvs(SECRETS.exporter.name, { ES_USERNAME: 'username', ES_PASSWORD: 'password' }),
              ports: [{ name: 'metrics', containerPort: EXPORTER_PORT }],
              livenessProbe: tcpProbe('metrics', { periodSeconds: 20 }),
              readinessProbe: tcpProbe('metrics', { periodSeconds: 10 }),
              resources: { requests: quantities({ cpu: '50m', memory: '64Mi' }), limits: quantities({ cpu: '250m', memory: '128Mi' }) },
              volumeMounts: [{ name: 'ca', mountPath: '/certs', readOnly: true }],
            })],
            volumes: [{ name: 'ca', secret: { secretName: SECRETS.httpTls, items: [{ key: 'ca.crt', path: 'ca.crt' }] } }],
          },
        },
      },
    });
    clusterService(this, 'exporter-service', meta(config, { name, namespace: NS, id: ident }), selector, [namedPort('metrics', EXPORTER_PORT)]);
  }

  private setupJob(ctx: ElasticsearchContext, ident: Identity): void {
    const { config, refs } = ctx;
    const name = 'elasticsearch-setup';
    new k8s.KubeConfigMap(this, 'scripts', {
      metadata: meta(config, { name: 'elasticsearch-scripts', namespace: NS, id: { name: 'elasticsearch', component: 'scripts' } }),
      data: { 'prepare-config.sh': PREPARE_CONFIG, 'pre-stop.sh': PRE_STOP, 'post-start.sh': POST_START },
    });
    const files = setupFiles(config, refs.minio.buckets.backups.elasticsearch, refs.elasticsearch.appIndexPatterns);
    const names = clusterNames(config.platform.name);
    new k8s.KubeConfigMap(this, 'setup-config', {
      metadata: meta(config, { name, namespace: NS, id: ident }),
      data: files,
    });
    const template: k8s.PodTemplateSpec = {
      metadata: { labels: labels(config, ident) },
      spec: {
        restartPolicy: 'OnFailure',
        automountServiceAccountToken: false,
        securityContext: podSecurityContext(UID),
        // Spelt out rather than built with container(): the Job's name hashes this template as written, key order
        // included, so building it differently would rename (and re-run) the Job.
        containers: [{
          name: 'setup',
          image: image(config, ES_IMAGE),
          imagePullPolicy: config.images.pullPolicy,
          command: ['bash', '/setup/setup.sh'],
          env: [
            { name: 'ES_URL', value: refs.elasticsearch.url },
            secretEnv('ELASTIC_PASSWORD', refs.elasticsearch.secret.name, 'password'),
            ...secretEnvs(SECRETS.exporter.name, { EXPORTER_USERNAME: 'username', EXPORTER_PASSWORD: 'password' }),
            ...secretEnvs(refs.elasticsearch.appSecret, { APP_USERNAME: 'username', APP_PASSWORD: 'password' }),
            { name: 'APP_ROLE', value: names.appRole },
            { name: 'APP_FULL_NAME', value: `Applications of the ${config.platform.displayName} platform` },
            { name: 'REPOSITORY', value: SNAPSHOT_REPOSITORY },
            { name: 'SLM_POLICY', value: SLM_POLICY },
            { name: 'ILM_POLICY', value: names.ilmPolicy },
            { name: 'INDEX_TEMPLATE', value: names.indexTemplate },
          ],
          resources: { requests: quantities({ cpu: '50m', memory: '64Mi' }), limits: quantities({ cpu: '250m', memory: '128Mi' }) },
          securityContext: containerSecurityContext(),
          volumeMounts: [
            { name: 'setup', mountPath: '/setup', readOnly: true },
            { name: 'ca', mountPath: '/certs', readOnly: true },
          ],
        }],
        volumes: [
          { name: 'setup', configMap: { name } },
          { name: 'ca', secret: { secretName: SECRETS.httpTls, items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        ],
      },
    };
    setupJob(this, 'setup', { config, name, namespace: NS, id: ident, files, template });
  }
}

/** The setup Job's files: its script and the JSON bodies it PUTs. */
export function setupFiles(config: ElasticsearchConfig, bucket: string, appIndices: readonly string[]): Record<string, string> {
  const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;
  const replicas = config.stores.elasticsearch.data >= 2 ? 1 : 0;
  const names = clusterNames(config.platform.name);
  return {
    'setup.sh': SETUP,
    'exporter-role.json': json({
      cluster: ['monitor'],
      indices: [{ names: ['*'], privileges: ['monitor'], allow_restricted_indices: true }],
    }),
    // The applications: their own indices and aliases only (manage: create, reindex into a new index, swap the
    // alias); no cluster privilege beyond monitor, so no user, role, snapshot or lifecycle changes.
    'app-role.json': json({
      cluster: ['monitor'],
      indices: [{ names: [...appIndices], privileges: ['read', 'write', 'view_index_metadata', 'manage'] }],
    }),
    // One folder per environment, so a DR cluster can read production's snapshots without overwriting them.
    'snapshot-repository.json': json({ type: 's3', settings: { bucket, client: 'default', base_path: config.name, compress: true } }),
    'slm-policy.json': json({
      schedule: '0 30 1 * * ?',
      name: '<nightly-{now/d}>',
      repository: SNAPSHOT_REPOSITORY,
      config: { indices: ['*'], include_global_state: true },
      retention: { expire_after: '30d', min_count: 7, max_count: 60 },
    }),
    'ilm-policy.json': json({
      policy: {
        phases: {
          hot: { actions: { rollover: { max_primary_shard_size: '50gb', max_age: '1d' } } },
          warm: { min_age: '7d', actions: { forcemerge: { max_num_segments: 1 } } },
          delete: { min_age: '30d', actions: { delete: {} } },
        },
      },
    }),
    'index-template.json': json({
      index_patterns: [names.logIndices],
      data_stream: {},
      priority: 200,
      template: { settings: { 'index.lifecycle.name': names.ilmPolicy, 'index.number_of_replicas': replicas } },
    }),
  };
}

