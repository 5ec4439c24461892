/**
 * PgBouncer in front of the primary Service (spec 002 §7.1.1): what applications connect to. Transaction
 * pooling; server connections are recycled and checked so that after a failover they reach the new leader
 * (the primary Service's Endpoints follow Patroni's lock). An exporter sidecar serves the pool statistics.
 */
import { Construct } from 'constructs';
import { k8s } from '../../../imports/k8s';
import type { PostgresContext } from './context';
import { disruptionBudget } from '../../lib/disruption';
import { endpointPods, PROMETHEUS } from '../../lib/graph';
import { configChecksum } from '../../lib/checksum';
import { container, containerPort, emptyDir } from '../../lib/container';
import { annotationKey, meta, selectorLabels } from '../../lib/labels';
import { fieldEnv, secretEnvs } from '../../lib/env';
import { quantities, resources } from '../../lib/resources';
import { spreadOverNodes } from '../../lib/scheduling';
import { servicePort } from '../../lib/service';
import { isolatedPod } from '../../lib/security';
import { PGBOUNCER_START_SH, POOLER_CONFIG_DIR, POOLER_METRICS_PORT, POOLER_PORT, TLS_DIR, TLS_INIT_SH, pgbouncerIni } from './server-config';
import type { SecretRef } from '../refs';

export const PGBOUNCER_IMAGE = 'ghcr.io/cloudnative-pg/pgbouncer:1.24.1';
export const PGBOUNCER_EXPORTER_IMAGE = 'quay.io/prometheuscommunity/pgbouncer-exporter:v0.10.2';
/** The `pgbouncer` user and group of the CloudNativePG PgBouncer image. */
const PGBOUNCER_UID = 998;
const PGBOUNCER_GID = 996;

export interface PgBouncerProps {
  readonly ctx: PostgresContext;
  /** Credentials of the exporter's admin-console user (a PgBouncer user only). */
  readonly statsCredentials: SecretRef;
}

export class PgBouncer extends Construct {
  constructor(scope: Construct, id: string, p: PgBouncerProps) {
    super(scope, id);
    const { config, refs, graph } = p.ctx;
    const pooler = config.stores.postgres.pooler;
    const ep = refs.postgres.pooler;
    const ns = ep.namespace;
    const name = ep.service;
    const selector = selectorLabels(ep.pods);
    const m = (n: string) => meta(config, { name: n, namespace: ns, id: ep.pods });

    const files = { 'pgbouncer.ini': pgbouncerIni(config, refs), 'start.sh': PGBOUNCER_START_SH, 'tls-init.sh': TLS_INIT_SH };
    new k8s.KubeConfigMap(this, 'config', { metadata: m(name), data: files });
    const checksum = configChecksum(files);
    const containers = this.containers(p);

    new k8s.KubeDeployment(this, 'deployment', {
      metadata: m(name),
      spec: {
        replicas: pooler.replicas,
        selector: { matchLabels: selector },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(0), maxSurge: k8s.IntOrString.fromNumber(1) } },
        template: {
          metadata: { labels: meta(config, { name, id: ep.pods }).labels, annotations: { [annotationKey(config, 'config-sha256')]: checksum } },
          spec: {
            ...isolatedPod(PGBOUNCER_UID, PGBOUNCER_GID),
            terminationGracePeriodSeconds: 40,
            topologySpreadConstraints: spreadOverNodes(selector),
            initContainers: containers.init,
            containers: containers.main,
            volumes: [
              { name: 'config', configMap: { name, defaultMode: 0o444 } },
              emptyDir('auth', '1Mi', 'Memory'),
              emptyDir('tmp'),
              emptyDir('tls', '1Mi', 'Memory'),
            ],
          },
        },
      },
    });

    new k8s.KubeService(this, 'svc', {
      metadata: m(name),
      spec: {
        type: 'ClusterIP',
        selector,
        ports: [servicePort(ep.portName, ep.port)],
      },
    });
    disruptionBudget(this, { config, name, namespace: ns, id: ep.pods, replicas: pooler.replicas });

    const pods = endpointPods(ep);
    graph.use(pods, refs.postgres.primary, 'pgbouncer pools connections to the postgres primary');
    graph.connect({ pods: PROMETHEUS }, { pods }, [{ port: POOLER_METRICS_PORT, name: 'metrics' }], 'Prometheus scrapes the pgbouncer exporter');
  }

  /** The pooler's containers: the TLS key maker (init), PgBouncer, and the exporter of its statistics. */
  private containers(p: PgBouncerProps): { readonly init: k8s.Container[]; readonly main: k8s.Container[] } {
    const { config, refs } = p.ctx;
    const pooler = config.stores.postgres.pooler;
    const ep = refs.postgres.pooler;
    const app = refs.postgres.secrets.app;
    const stats = secretEnvs(p.statsCredentials, { STATS_USER: 'username', STATS_PASSWORD: 'password' });
    const pgbouncer = container(config, 'pgbouncer', PGBOUNCER_IMAGE, {
      command: ['/bin/sh', `${POOLER_CONFIG_DIR}/start.sh`],
      env: [...secretEnvs(app, { APP_USER: 'username', APP_PASSWORD: 'password' }), ...stats],
      ports: [containerPort(ep.portName, POOLER_PORT)],
      resources: resources(pooler.resources),
      readinessProbe: { tcpSocket: { port: k8s.IntOrString.fromString(ep.portName) }, periodSeconds: 5, failureThreshold: 2 },
      livenessProbe: { tcpSocket: { port: k8s.IntOrString.fromString(ep.portName) }, periodSeconds: 10, failureThreshold: 6 },
      // Leave the Service's endpoints before PgBouncer stops accepting (SIGTERM lets running queries finish).
      lifecycle: { preStop: { exec: { command: ['/bin/sleep', '5'] } } },
      volumeMounts: [
        { name: 'config', mountPath: POOLER_CONFIG_DIR, readOnly: true },
        { name: 'auth', mountPath: '/etc/pgbouncer/auth' },
        { name: 'tmp', mountPath: '/tmp' },
        { name: 'tls', mountPath: TLS_DIR, readOnly: true },
      ],
    });
    // The PgBouncer image itself makes the key: it carries openssl (Debian's `postgresql` package pulls in
    // ssl-cert, which depends on it; packages.txt of cloudnative-pg/pgbouncer-containers at v1.24.1-1 … v1.24.1-23
    // lists openssl 3.0.x). No second image to pull on the pooler's nodes (Spilo is over 1 GB).
    const tlsInit = container(config, 'tls', PGBOUNCER_IMAGE, {
      command: ['/bin/sh', `${POOLER_CONFIG_DIR}/tls-init.sh`],
      env: [fieldEnv('POD_NAME', 'metadata.name', 'v1'), { name: 'TLS_DIR', value: TLS_DIR }],
      resources: { requests: quantities({ cpu: '50m', memory: '32Mi' }), limits: quantities({ cpu: '200m', memory: '64Mi' }) },
      volumeMounts: [{ name: 'config', mountPath: POOLER_CONFIG_DIR, readOnly: true }, { name: 'tls', mountPath: TLS_DIR }],
    });
    const exporter = container(config, 'exporter', PGBOUNCER_EXPORTER_IMAGE, {
      env: [
        ...stats,
        { name: 'PGBOUNCER_EXPORTER_CONNECTION_STRING', value: `postgres://$(STATS_USER):$(STATS_PASSWORD)@127.0.0.1:${POOLER_PORT}/pgbouncer?sslmode=require` },
      ],
      args: [`--web.listen-address=:${POOLER_METRICS_PORT}`],
      ports: [containerPort('metrics', POOLER_METRICS_PORT)],
      resources: { requests: quantities({ cpu: '10m', memory: '32Mi' }), limits: quantities({ cpu: '100m', memory: '64Mi' }) },
      // Liveness only: the exporter must not take the pooler out of its Service (only pgbouncer gates readiness).
      livenessProbe: { tcpSocket: { port: k8s.IntOrString.fromString('metrics') }, periodSeconds: 30 },
    });
    return { init: [tlsInit], main: [pgbouncer, exporter] };
  }
}
