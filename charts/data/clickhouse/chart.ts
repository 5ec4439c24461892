/**
 * ClickHouse, sharded and replicated (spec 002 §7.2), with its own ClickHouse Keeper ensemble.
 *
 * - Keeper: one StatefulSet (3 in HA, 1 in dev), raft ids from pod ordinals, the raft server list by pod DNS
 *   names, OrderedReady, a PDB with maxUnavailable 1, persistent raft log and snapshots.
 * - Servers: one StatefulSet per shard (`clickhouse-shard<N>`, selected by the shard label), each with
 *   `replicas` pods whose macros come from their identity; one headless Service governs them all, so every
 *   pod has a stable DNS name that `remote_servers` and `interserver_http_host` use.
 * - Backups: a CronJob runs `BACKUP DATABASE … ON CLUSTER` to an s3_plain disk in MinIO.
 */
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { k8s } from '../../../imports/k8s';
import type { ClickhouseContext } from './context';
import { disruptionBudget } from '../../lib/disruption';
import { pods, PROMETHEUS } from '../../lib/graph';
import { CONFIG_CHECKSUM, configChecksum } from '../../lib/checksum';
import { container, containerPort, emptyDir, execProbe, httpProbe } from '../../lib/container';
import { meta, selectorLabels, type Identity, type Labels, platformKeys } from '../../lib/labels';
import { scheduledJob } from '../../lib/job';
import { fieldEnv, secretEnv, secretEnvs } from '../../lib/env';
import { quantities, resources } from '../../lib/resources';
import { isolatedPod } from '../../lib/security';
import { storeStatefulSet } from '../../lib/stateful-set';
import {
  backupScript, CLICKHOUSE_ENV, CLICKHOUSE_PATHS, CLICKHOUSE_PORTS, clickhouseTopology, keeperConfigXml,
  keeperEntryScript, keeperProbeScript, KEEPER_PORTS, serverConfigXml, serverEntryScript, serverPodDomain, usersXml,
  type ClickhouseShard,
} from './server-config';
import { MC_IMAGE } from '../minio/chart';
import { NAMESPACES, type DeclaredSecret, type SecretRef } from '../refs';
import { clusterService, headlessService, servicePort } from '../../lib/service';

/** One release line for server and Keeper (Keeper's protocol follows the server's). */
export const CLICKHOUSE_VERSION = '24.8.14.39';
export const CLICKHOUSE_IMAGES = {
  server: `docker.io/clickhouse/clickhouse-server:${CLICKHOUSE_VERSION}`,
  keeper: `docker.io/clickhouse/clickhouse-keeper:${CLICKHOUSE_VERSION}`,
} as const;
/** uid/gid of the `clickhouse` user in both images. */
const CLICKHOUSE_UID = 101;

export const CLICKHOUSE_IDS = {
  server: { name: 'clickhouse', component: 'server' },
  keeper: { name: 'clickhouse', component: 'keeper' },
  backup: { name: 'clickhouse', component: 'backup' },
} as const satisfies Record<string, Identity>;

/** Names of the objects other code (tests, docs) refers to. */
export const CLICKHOUSE_NAMES = {
  serverConfig: 'clickhouse-config',
  keeperConfig: 'clickhouse-keeper-config',
  interserverSecret: 'clickhouse-interserver',
  backupCronJob: 'clickhouse-backup',
} as const;

const NS = NAMESPACES.clickhouse;
// The server is the container's main process: a crash restarts the container, not a watchdog-forked child.
const NO_WATCHDOG: k8s.EnvVar = { name: 'CLICKHOUSE_WATCHDOG_ENABLE', value: '0' };

export class ClickhouseChart extends Chart {
  constructor(scope: Construct, id: string, ctx: ClickhouseContext) {
    super(scope, id, { disableResourceNameHashes: true });
    const minio = this.secrets(ctx);
    this.keeper(ctx);
    this.servers(ctx, minio);
    this.backups(ctx, minio);
    this.flows(ctx);
  }

  /** The Secrets this chart's pods read (values generated at install time); returns the MinIO credentials' copy. */
  private secrets(ctx: ClickhouseContext): SecretRef {
    const { refs } = ctx;
    const minio = refs.minio.credentials('clickhouse');
    const declared: DeclaredSecret[] = [
      { name: CLICKHOUSE_NAMES.interserverSecret, keys: ['interserver-password', 'cluster-secret'], namespace: NS },
      { ...minio, namespace: NS, copyOf: { namespace: NAMESPACES.minio, name: minio.name } },
      { ...refs.kafka.secret, namespace: NS, copyOf: { namespace: NAMESPACES.kafka, name: refs.kafka.secret.name } },
    ];
    ctx.secrets.push(...declared);
    return minio;
  }

  /** ClickHouse Keeper: its configuration, Services, StatefulSet and disruption budget. */
  private keeper(ctx: ClickhouseContext): void {
    const { config } = ctx;
    const files = { 'keeper.xml': keeperConfigXml(config), 'entrypoint.sh': keeperEntryScript(), 'probe.sh': keeperProbeScript() };
    new k8s.KubeConfigMap(this, 'keeper-config', {
      metadata: meta(config, { name: CLICKHOUSE_NAMES.keeperConfig, namespace: NS, id: CLICKHOUSE_IDS.keeper, version: CLICKHOUSE_VERSION }),
      data: files,
    });
    this.keeperServices(ctx);
    this.keeperStatefulSet(ctx, configChecksum([files['keeper.xml'], files['entrypoint.sh'], files['probe.sh']], 16));
    disruptionBudget(this, { config, name: clickhouseTopology(config).keeperStatefulSet, namespace: NS, id: CLICKHOUSE_IDS.keeper, replicas: config.stores.clickhouse.keepers });
  }

  /** Keeper's governing headless Service and the client Service the servers use. */
  private keeperServices(ctx: ClickhouseContext): void {
    const { config, refs } = ctx;
    const t = clickhouseTopology(config);
    const id = CLICKHOUSE_IDS.keeper;
    const selector = selectorLabels(id);
    // Raft peers must resolve each other before they are ready (publishNotReadyAddresses).
    headlessService(this, 'keeper-headless', meta(config, { name: t.keeperHeadless, namespace: NS, id }), selector,
      [servicePort('keeper', KEEPER_PORTS.client), servicePort('raft', KEEPER_PORTS.raft), servicePort('metrics', KEEPER_PORTS.metrics)]);
    clusterService(this, 'keeper', meta(config, { name: refs.clickhouse.keeper.service, namespace: NS, id }), selector,
      [servicePort(refs.clickhouse.keeper.portName, refs.clickhouse.keeper.port)]);
  }

  /** Keeper's StatefulSet: members join one at a time, raft log and snapshots on their own volume. */
  private keeperStatefulSet(ctx: ClickhouseContext, checksum: string): void {
    const { config } = ctx;
    const c = config.stores.clickhouse;
    const t = clickhouseTopology(config);
    const id = CLICKHOUSE_IDS.keeper;
    const version = CLICKHOUSE_VERSION;
    const selector = selectorLabels(id);
    // ruok, or still waiting for a quorum (see keeperProbeScript): never "ready" while hung.
    const ruok = ['/bin/sh', `${CLICKHOUSE_PATHS.keeperConfig}/probe.sh`];
    storeStatefulSet(this, 'keeper-sts', {
      config,
      metadata: meta(config, { name: t.keeperStatefulSet, namespace: NS, id, version }),
      replicas: c.keepers,
      serviceName: t.keeperHeadless,
      // Members join one by one. A member waiting for its quorum counts as ready (it cannot get one alone).
      podManagementPolicy: 'OrderedReady',
      selector,
      template: {
        metadata: {
          labels: meta(config, { name: t.keeperStatefulSet, id, version }).labels,
          annotations: { [CONFIG_CHECKSUM]: checksum },
        },
        spec: {
          ...isolatedPod(CLICKHOUSE_UID),
          terminationGracePeriodSeconds: 60,
          containers: [container(config, 'keeper', CLICKHOUSE_IMAGES.keeper, {
            command: ['/bin/sh', `${CLICKHOUSE_PATHS.keeperConfig}/entrypoint.sh`],
            env: [fieldEnv('POD_NAME', 'metadata.name'), NO_WATCHDOG],
            ports: [containerPort('keeper', KEEPER_PORTS.client), containerPort('raft', KEEPER_PORTS.raft), containerPort('metrics', KEEPER_PORTS.metrics)],
            resources: resources(c.keeper.resources),
            startupProbe: execProbe(ruok, { periodSeconds: 5, failureThreshold: 30 }),
            readinessProbe: execProbe(ruok, { periodSeconds: 10, failureThreshold: 3 }),
            livenessProbe: execProbe(ruok, { periodSeconds: 10, failureThreshold: 6 }),
            volumeMounts: [
              { name: 'config', mountPath: CLICKHOUSE_PATHS.keeperConfig, readOnly: true },
              { name: 'data', mountPath: CLICKHOUSE_PATHS.keeperData },
              { name: 'tmp', mountPath: '/tmp' },
            ],
          })],
          volumes: [
            { name: 'config', configMap: { name: CLICKHOUSE_NAMES.keeperConfig, defaultMode: 0o444 } },
            emptyDir('tmp', '256Mi'),
          ],
        },
      },
      claims: [{ name: 'data', size: c.keeper.volume.size }],
    });
  }

  /** The servers: configuration, Services, and per shard a StatefulSet of its replicas and a disruption budget. */
  private servers(ctx: ClickhouseContext, minio: SecretRef): void {
    const { config, refs } = ctx;
    const files = {
      'cluster.xml': serverConfigXml(config, refs),
      'users.xml': usersXml(config, refs),
      'entrypoint.sh': serverEntryScript(),
      'backup.sh': backupScript(config, refs),
    };
    new k8s.KubeConfigMap(this, 'server-config', {
      metadata: meta(config, { name: CLICKHOUSE_NAMES.serverConfig, namespace: NS, id: CLICKHOUSE_IDS.server, version: CLICKHOUSE_VERSION }),
      data: files,
    });
    this.serverServices(ctx);
    // Only the backup CronJob runs backup.sh (from its own mount): a new one rolls no server.
    const checksum = configChecksum([files['cluster.xml'], files['users.xml'], files['entrypoint.sh']], 16);
    for (const shard of clickhouseTopology(config).shards) this.shard(ctx, shard, checksum, minio);
  }

  /** The servers' governing headless Service and the Service clients query through. */
  private serverServices(ctx: ClickhouseContext): void {
    const { config, refs } = ctx;
    const t = clickhouseTopology(config);
    const id = CLICKHOUSE_IDS.server;
    const selector = selectorLabels(id);
    headlessService(this, 'server-headless', meta(config, { name: t.headless, namespace: NS, id }), selector, [
      servicePort('http', CLICKHOUSE_PORTS.http), servicePort('native', CLICKHOUSE_PORTS.native),
      servicePort('interserver', CLICKHOUSE_PORTS.interserver), servicePort('metrics', CLICKHOUSE_PORTS.metrics),
    ]);
    clusterService(this, 'server', meta(config, { name: refs.clickhouse.http.service, namespace: NS, id }), selector,
      [servicePort(refs.clickhouse.http.portName, refs.clickhouse.http.port), servicePort(refs.clickhouse.native.portName, refs.clickhouse.native.port)]);
  }

  /** One shard: a StatefulSet of its replicas (selected by the shard label) and its disruption budget. */
  private shard(ctx: ClickhouseContext, shard: ClickhouseShard, checksum: string, minio: SecretRef): void {
    const { config } = ctx;
    const c = config.stores.clickhouse;
    const t = clickhouseTopology(config);
    const id = CLICKHOUSE_IDS.server;
    const version = CLICKHOUSE_VERSION;
    const shardLabel: Labels = { [platformKeys(config).shard]: String(shard.index) };
    const selector = { ...selectorLabels(id), ...shardLabel };
    storeStatefulSet(this, `server-${shard.statefulSet}`, {
      config,
      metadata: meta(config, { name: shard.statefulSet, namespace: NS, id, version, extraLabels: shardLabel }),
      replicas: c.replicas,
      serviceName: t.headless,
      // Replicas of a shard do not depend on each other to start; updates still go one pod at a time.
      podManagementPolicy: 'Parallel',
      // By shard: the replicas of one shard never share a node, so losing a node never loses a shard.
      selector,
      template: {
        metadata: {
          labels: meta(config, { name: shard.statefulSet, id, version, extraLabels: shardLabel }).labels,
          annotations: { [CONFIG_CHECKSUM]: checksum },
        },
        spec: {
          ...isolatedPod(CLICKHOUSE_UID),
          terminationGracePeriodSeconds: 120,
          containers: [this.serverContainer(ctx, shard, minio)],
          volumes: [
            { name: 'config', configMap: { name: CLICKHOUSE_NAMES.serverConfig, items: [{ key: 'cluster.xml', path: 'cluster.xml' }], defaultMode: 0o444 } },
            { name: 'users', configMap: { name: CLICKHOUSE_NAMES.serverConfig, items: [{ key: 'users.xml', path: 'users.xml' }], defaultMode: 0o444 } },
            { name: 'scripts', configMap: { name: CLICKHOUSE_NAMES.serverConfig, items: [{ key: 'entrypoint.sh', path: 'entrypoint.sh' }, { key: 'backup.sh', path: 'backup.sh' }], defaultMode: 0o555 } },
            emptyDir('tmp', '1Gi'),
          ],
        },
      },
      claims: [{ name: 'data', size: c.volume.size }],
      // The claims carry the servers' identity, not the shard (as they always have: their labels are immutable).
      claimLabels: selectorLabels(id),
    });
    // Per shard: with two or more replicas one may be down, so every shard stays readable and writable.
    const pdbName = shard.statefulSet;
    new k8s.KubePodDisruptionBudget(this, `pdb-${pdbName}`, {
      metadata: meta(config, { name: pdbName, namespace: NS, id, extraLabels: shardLabel }),
      spec: {
        maxUnavailable: k8s.IntOrString.fromNumber(1),
        selector: { matchLabels: selector },
        unhealthyPodEvictionPolicy: 'AlwaysAllow',
      },
    });
  }

  /** A server of `shard`: its macros and interserver host from the pod's identity, every password from a Secret. */
  private serverContainer(ctx: ClickhouseContext, shard: ClickhouseShard, minio: SecretRef): k8s.Container {
    const { config, refs } = ctx;
    const e = CLICKHOUSE_ENV;
    const domain = serverPodDomain(config, clickhouseTopology(config));
    return container(config, 'clickhouse', CLICKHOUSE_IMAGES.server, {
      command: ['/bin/sh', `${CLICKHOUSE_PATHS.scripts}/entrypoint.sh`],
      env: [
        fieldEnv(e.podName, 'metadata.name'),
        NO_WATCHDOG,
        { name: e.shard, value: shard.macro },
        { name: e.replica, value: `$(${e.podName})` },
        { name: e.interserverHost, value: `$(${e.podName}).${domain}` },
        ...secretEnvs(CLICKHOUSE_NAMES.interserverSecret, { [e.interserverPassword]: 'interserver-password', [e.clusterSecret]: 'cluster-secret' }),
        secretEnv(e.adminPassword, refs.clickhouse.adminSecret.name, 'password'),
        secretEnv(e.appPassword, refs.clickhouse.secret.name, 'password'),
        secretEnv(e.kafkaPassword, refs.kafka.secret.name, 'password'),
        ...secretEnvs(minio, { [e.backupAccessKey]: 'accessKey', [e.backupSecretKey]: 'secretKey' }),
      ],
      ports: [
        containerPort('http', CLICKHOUSE_PORTS.http), containerPort('native', CLICKHOUSE_PORTS.native),
        containerPort('interserver', CLICKHOUSE_PORTS.interserver), containerPort('metrics', CLICKHOUSE_PORTS.metrics),
      ],
      resources: resources(config.stores.clickhouse.resources),
      // Loading many parts after a restart can take minutes: allow 10 before liveness applies.
      startupProbe: httpProbe('/ping', 'http', { periodSeconds: 10, failureThreshold: 60 }),
      readinessProbe: httpProbe('/ping', 'http', { periodSeconds: 10, failureThreshold: 3 }),
      livenessProbe: httpProbe('/ping', 'http', { periodSeconds: 20, failureThreshold: 6 }),
      volumeMounts: [
        { name: 'config', mountPath: CLICKHOUSE_PATHS.configD, readOnly: true },
        { name: 'users', mountPath: CLICKHOUSE_PATHS.usersD, readOnly: true },
        { name: 'scripts', mountPath: CLICKHOUSE_PATHS.scripts, readOnly: true },
        { name: 'data', mountPath: CLICKHOUSE_PATHS.data },
        { name: 'tmp', mountPath: '/tmp' },
      ],
    });
  }

  /** The backup CronJob: BACKUP … ON CLUSTER to MinIO, then pruning of expired backups. */
  private backups(ctx: ClickhouseContext, minio: SecretRef): void {
    const { config, refs } = ctx;
    const c = config.stores.clickhouse;
    const ids = CLICKHOUSE_IDS;
    const version = CLICKHOUSE_VERSION;
    scheduledJob(this, 'backup', {
      config, name: CLICKHOUSE_NAMES.backupCronJob, namespace: NS, id: ids.backup, version, schedule: c.backup.schedule,
      timeZone: 'Etc/UTC',
      startingDeadlineSeconds: 3600,
      activeDeadlineSeconds: 6 * 3600,
      pod: {
        ...isolatedPod(CLICKHOUSE_UID),
        // mc prunes expired backups; it is a static binary, copied from its own image.
        initContainers: [container(config, 'mc', MC_IMAGE, {
          command: ['cp', '/usr/bin/mc', `${CLICKHOUSE_PATHS.tools}/mc`],
          resources: { requests: quantities({ cpu: '10m', memory: '32Mi' }), limits: quantities({ cpu: '200m', memory: '64Mi' }) },
          volumeMounts: [{ name: 'tools', mountPath: CLICKHOUSE_PATHS.tools }],
        })],
        containers: [container(config, 'backup', CLICKHOUSE_IMAGES.server, {
          command: ['/bin/sh', `${CLICKHOUSE_PATHS.scripts}/backup.sh`],
          env: [
            { name: 'HOME', value: '/tmp' },
            ...secretEnvs(refs.clickhouse.adminSecret, { CLICKHOUSE_USER: 'username', CLICKHOUSE_PASSWORD: 'password' }),
            ...secretEnvs(minio, { [CLICKHOUSE_ENV.backupAccessKey]: 'accessKey', [CLICKHOUSE_ENV.backupSecretKey]: 'secretKey' }),
          ],
          resources: { requests: quantities({ cpu: '50m', memory: '128Mi' }), limits: quantities({ cpu: '500m', memory: '512Mi' }) },
          volumeMounts: [
            { name: 'scripts', mountPath: CLICKHOUSE_PATHS.scripts, readOnly: true },
            { name: 'tmp', mountPath: '/tmp' },
            { name: 'tools', mountPath: CLICKHOUSE_PATHS.tools, readOnly: true },
          ],
        })],
        volumes: [
          { name: 'scripts', configMap: { name: CLICKHOUSE_NAMES.serverConfig, items: [{ key: 'backup.sh', path: 'backup.sh' }], defaultMode: 0o555 } },
          emptyDir('tools', '128Mi'),
          emptyDir('tmp', '64Mi'),
        ],
      },
    });
  }

  /** The network flows of the servers, Keeper and the backup job. */
  private flows(ctx: ClickhouseContext): void {
    const { refs, graph } = ctx;
    const ids = CLICKHOUSE_IDS;
    const servers = pods(NS, ids.server);
    const keepers = pods(NS, ids.keeper);
    graph.connect({ pods: servers }, { pods: servers }, [
      { port: CLICKHOUSE_PORTS.native, name: 'native' }, { port: CLICKHOUSE_PORTS.interserver, name: 'interserver' },
    ], 'clickhouse servers run distributed queries and DDL on each other and replicas fetch parts');
    graph.connect({ pods: servers }, { pods: keepers }, [{ port: KEEPER_PORTS.client, name: 'keeper' }], 'clickhouse servers coordinate replication and DDL through Keeper');
    graph.connect({ pods: keepers }, { pods: keepers }, [{ port: KEEPER_PORTS.raft, name: 'raft' }], 'clickhouse keeper raft between ensemble members');
    graph.connect({ pods: PROMETHEUS }, { pods: servers }, [{ port: CLICKHOUSE_PORTS.metrics, name: 'metrics' }], 'prometheus scrapes clickhouse servers');
    graph.connect({ pods: PROMETHEUS }, { pods: keepers }, [{ port: KEEPER_PORTS.metrics, name: 'metrics' }], 'prometheus scrapes clickhouse keeper');
    graph.use(servers, refs.minio.s3, 'clickhouse writes backups to its MinIO bucket');
    graph.use(servers, refs.kafka.bootstrap, 'clickhouse Kafka engine tables consume from kafka');
    graph.use(pods(NS, ids.backup), refs.clickhouse.native, 'the clickhouse backup job starts BACKUP ON CLUSTER');
    graph.use(pods(NS, ids.backup), refs.minio.s3, 'the clickhouse backup job removes expired backups from its MinIO bucket');
  }
}
