/**
 * MinIO, distributed and erasure-coded (spec 002 §7.5): one StatefulSet per server pool behind one headless
 * Service, every server started with the same `{0...N}` argument per pool, and a provisioning Job for the
 * buckets, their lifecycle and one user per client. Dev runs one server with one drive (MinIO's single-drive
 * mode) through the same code.
 */
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import type { MinioPool } from '../../../environments/schema';
import type { MinioConfig } from './context';
import { k8s } from '../../../imports/k8s';
import type { MinioContext } from './context';
import { PROMETHEUS, pods } from '../../lib/graph';
import { image } from '../../lib/images';
import { annotationKey, labels, meta, selectorLabels, type Identity, type Labels, platformKeys } from '../../lib/labels';
import { container, emptyDir, httpProbe } from '../../lib/container';
import { secretEnv, secretEnvs } from '../../lib/env';
import { clusterService, headlessService, namedPort } from '../../lib/service';
import { setupJob } from '../../lib/job';
import { serviceHost } from '../../lib/naming';
import { quantities, resources } from '../../lib/resources';
import { containerSecurityContext, DEFAULT_UID, podSecurityContext } from '../../lib/security';
import { storeStatefulSet } from '../../lib/stateful-set';
import { erasureLayout, type ErasureLayout } from './erasure';
import { provisioningFiles } from './provisioning';
import { minioMirror } from './mirror';
import { minioClientsOf, NAMESPACES } from '../refs';

export const MINIO_IMAGE = 'quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z';
export const MC_IMAGE = 'quay.io/minio/mc:RELEASE.2025-08-13T08-35-41Z';
export const MINIO_VERSION = 'RELEASE.2025-09-07T16-13-09Z';

/** The headless Service that gives every server its stable DNS name (shared by all pools). */
export const MINIO_HEADLESS = 'minio-hl';
/** The annotation that records each pool's shape on its StatefulSet; the synth refuses to change it (see ./guard.ts). */
export function poolAnnotation(config: MinioConfig): string {
  return annotationKey(config, 'minio-pool');
}

const NS = NAMESPACES.minio;
const SERVER: Identity = { name: 'minio', component: 'server' };
const PROVISIONER: Identity = { name: 'minio', component: 'provisioner' };
const API_PORT = 9000;
/** MinIO serves Prometheus metrics here (and per node at /minio/v2/metrics/node), not at /metrics. */
export const METRICS_PATH = '/minio/v2/metrics/cluster';
const CONSOLE_PORT = 9001;

export function poolStatefulSet(pool: MinioPool): string {
  return `minio-${pool.name}`;
}

/** The mount path of drive `i` of a server. */
export function drivePath(i: number): string {
  return `/data${i}`;
}

/**
 * The server argument of one pool: `http://minio-<pool>-{0...S-1}.<headless>.<ns>.svc.<domain>:9000/data{0...D-1}`.
 * A single range collapses to its only value (MinIO rejects `{0...0}` nowhere, but it reads worse).
 */
export function poolArgument(config: MinioConfig, pool: MinioPool): string {
  const range = (n: number) => (n === 1 ? '0' : `{0...${n - 1}}`);
  const host = `${poolStatefulSet(pool)}-${range(pool.servers)}.${serviceHost(config, MINIO_HEADLESS, NS)}`;
  return `http://${host}:${API_PORT}/data${range(pool.drivesPerServer)}`;
}

/** `minio server` arguments: every pool, in order; a lone single-drive server uses its local path. */
export function serverArguments(config: MinioConfig): string[] {
  const pools = config.stores.minio.pools;
  if (pools.length === 1 && pools[0].servers * pools[0].drivesPerServer === 1) return [drivePath(0)];
  return pools.map((p) => poolArgument(config, p));
}

/** The erasure layout of a pool under the environment's parity (validated when the configuration loads). */
export function poolLayout(config: MinioConfig, pool: MinioPool): ErasureLayout {
  const layout = erasureLayout(pool, config.stores.minio.parity);
  if ('error' in layout) throw new Error(`stores.minio pool "${pool.name}": ${layout.error}`);
  return layout;
}

export class MinioChart extends Chart {
  constructor(scope: Construct, id: string, ctx: MinioContext) {
    super(scope, id, { disableResourceNameHashes: true });
    const { config, refs } = ctx;
    const m = config.stores.minio;
    const s3 = refs.minio.s3;
    const clients = minioClientsOf(config.stores);

    // The original of every client's credentials lives here; the provisioning Job creates the user from it.
    // The access key is the client's name (a user name, not a secret); the secret key is generated.
    for (const client of clients) {
      ctx.secrets.push({ ...refs.minio.credentials(client), namespace: NS, fixed: { accessKey: client } });
    }

    const serverPods = pods(NS, SERVER);
    ctx.graph.connect({ pods: serverPods }, { pods: serverPods }, [{ port: API_PORT, name: 'internode' }],
      'MinIO servers talk to each other (storage REST and lock grid) on the API port');
    ctx.graph.connect({ pods: PROMETHEUS }, { pods: serverPods }, [{ port: API_PORT, name: 'metrics' }],
      `Prometheus scrapes ${METRICS_PATH}`);
    ctx.graph.use(pods(NS, PROVISIONER), s3, 'the provisioning Job creates buckets, policies and users');

    // Servers must resolve each other before they are ready: MinIO only becomes ready once the sets form.
    headlessService(this, 'headless', meta(config, { name: MINIO_HEADLESS, namespace: NS, id: SERVER }), selectorLabels(SERVER),
      [namedPort(s3.portName, API_PORT)]);
    clusterService(this, 'service', meta(config, { name: s3.service, namespace: NS, id: SERVER }), selectorLabels(SERVER),
      [namedPort(s3.portName, s3.port)]);

    const args = serverArguments(config);
    for (const pool of m.pools) this.pool(config, pool, args, refs.minio.rootSecret.name, refs.minio.region);
    this.provisioning(ctx);
    minioMirror(this, ctx, MC_IMAGE);
  }

  private pool(config: MinioConfig, pool: MinioPool, args: string[], rootSecret: string, region: string): void {
    const name = poolStatefulSet(pool);
    const layout = poolLayout(config, pool);
    const poolLabels: Labels = { [platformKeys(config).pool]: pool.name };
    const selector = { ...selectorLabels(SERVER), ...poolLabels };
    const drives = Array.from({ length: pool.drivesPerServer }, (_, i) => `data${i}`);

    storeStatefulSet(this, name, {
      config,
      metadata: meta(config, {
        name, namespace: NS, id: SERVER, version: MINIO_VERSION, extraLabels: poolLabels,
        annotations: {
          // Position: MinIO knows pools by their place in the server arguments.
          [poolAnnotation(config)]: JSON.stringify({
            position: config.stores.minio.pools.indexOf(pool), servers: pool.servers, drivesPerServer: pool.drivesPerServer, volume: pool.volume.size,
          }),
        },
      }),
      serviceName: MINIO_HEADLESS,
      replicas: pool.servers,
      // All servers of a pool must start together: MinIO waits for its erasure sets before serving.
      podManagementPolicy: 'Parallel',
      // A new pool or a new MinIO release must reach every server at once (servers with different pool lists
      // or versions refuse each other), which a rolling update cannot do: the operator restarts all servers
      // together after a sync (docs/minio.md, "Changing MinIO").
      updateStrategy: 'OnDelete',
      selector,
      template: {
        metadata: {
          labels: { ...labels(config, SERVER, MINIO_VERSION), ...poolLabels },
          annotations: {
            [`${poolAnnotation(config)}-layout`]: `sets=${layout.sets} setSize=${layout.setSize} parity=EC:${layout.parity}`,
            // The PodMonitor takes its path from here (charts/monitoring/targets.ts).
            'prometheus.io/path': METRICS_PATH,
          },
        },
        spec: {
          automountServiceAccountToken: false,
          securityContext: podSecurityContext(DEFAULT_UID),
          terminationGracePeriodSeconds: 60,
          containers: [container(config, 'minio', MINIO_IMAGE, {
            command: ['minio'],
            args: ['server', '--address', `:${API_PORT}`, '--console-address', `:${CONSOLE_PORT}`, '--certs-dir', '/tmp/certs', ...args],
            env: [
              ...secretEnvs(rootSecret, { MINIO_ROOT_USER: 'rootUser', MINIO_ROOT_PASSWORD: 'rootPassword' }),
              // Metrics without a token: only Prometheus may reach the port (NetworkPolicy from the graph).
              { name: 'MINIO_PROMETHEUS_AUTH_TYPE', value: 'public' },
              { name: 'MINIO_SITE_REGION', value: region },
              ...(layout.setSize > 1 ? [{ name: 'MINIO_STORAGE_CLASS_STANDARD', value: `EC:${layout.parity}` }] : []),
              { name: 'HOME', value: '/tmp' },
            ],
            ports: [
              { name: 's3', containerPort: API_PORT },
              { name: 'console', containerPort: CONSOLE_PORT },
            ],
            // Distributed start-up waits for the other servers; allow it 10 minutes before liveness applies.
            startupProbe: httpProbe('/minio/health/live', 's3', { periodSeconds: 10, failureThreshold: 60 }),
            livenessProbe: httpProbe('/minio/health/live', 's3', { periodSeconds: 10, failureThreshold: 3 }),
            readinessProbe: httpProbe('/minio/health/ready', 's3', { periodSeconds: 10, failureThreshold: 3 }),
            resources: resources(config.stores.minio.resources),
            volumeMounts: [
              ...drives.map((d, i) => ({ name: d, mountPath: drivePath(i) })),
              { name: 'tmp', mountPath: '/tmp' },
            ],
          })],
          volumes: [emptyDir('tmp', '64Mi')],
        },
      },
      claims: drives.map((d) => ({ name: d, size: pool.volume.size })),
    });

    // Every erasure set keeps write quorum with `serversTolerated` servers of this pool down; pools have their
    // own sets, so the budget is per pool. A single server may always be drained.
    const maxUnavailable = pool.servers <= 1 ? 1 : Math.max(1, layout.serversTolerated);
    new k8s.KubePodDisruptionBudget(this, `pdb-${name}`, {
      metadata: meta(config, { name, namespace: NS, id: SERVER, extraLabels: poolLabels }),
      spec: {
        maxUnavailable: k8s.IntOrString.fromNumber(maxUnavailable),
        selector: { matchLabels: selector },
        unhealthyPodEvictionPolicy: 'AlwaysAllow',
      },
    });
  }

  private provisioning(ctx: MinioContext): void {
    const { config, refs } = ctx;
    const name = 'minio-provisioning';
    const clients = minioClientsOf(config.stores);
    const files = provisioningFiles(refs.minio, clients);
    new k8s.KubeConfigMap(this, 'provisioning-config', {
      metadata: meta(config, { name, namespace: NS, id: PROVISIONER }),
      data: files,
    });
    const root = refs.minio.rootSecret.name;
    // Spelt out rather than built with container(): the Job's name hashes this template as written, key order
    // included, so building it differently would rename (and re-run) the Job.
    const template: k8s.PodTemplateSpec = {
      metadata: { labels: labels(config, PROVISIONER) },
      spec: {
        restartPolicy: 'OnFailure',
        automountServiceAccountToken: false,
        securityContext: podSecurityContext(DEFAULT_UID),
        containers: [{
          name: 'mc',
          image: image(config, MC_IMAGE),
          imagePullPolicy: config.images.pullPolicy,
          command: ['/bin/sh', '/config/provision.sh'],
          env: [
            { name: 'MINIO_URL', value: refs.minio.url },
            secretEnv('MINIO_ROOT_USER', root, 'rootUser'),
            secretEnv('MINIO_ROOT_PASSWORD', root, 'rootPassword'),
            { name: 'MC_CONFIG_DIR', value: '/tmp/mc' },
            { name: 'HOME', value: '/tmp' },
          ],
          resources: {
            requests: quantities({ cpu: '50m', memory: '64Mi' }),
            limits: quantities({ cpu: '500m', memory: '256Mi' }),
          },
          securityContext: containerSecurityContext(),
          volumeMounts: [
            { name: 'config', mountPath: '/config', readOnly: true },
            { name: 'clients', mountPath: '/clients', readOnly: true },
            { name: 'tmp', mountPath: '/tmp' },
          ],
        }],
        volumes: [
          { name: 'config', configMap: { name } },
          {
            name: 'clients',
            projected: {
              defaultMode: 0o440,
              sources: clients.map((client) => ({
                secret: {
                  name: refs.minio.credentials(client).name,
                  items: [
                    { key: 'accessKey', path: `${client}/accessKey` },
                    { key: 'secretKey', path: `${client}/secretKey` },
                  ],
                },
              })),
            },
          },
          { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } },
        ],
      },
    };
    // Re-run on every Argo CD sync once MinIO is healthy (the script is idempotent).
    setupJob(this, 'provisioning', { config, name, namespace: NS, id: PROVISIONER, files, template });
  }
}
