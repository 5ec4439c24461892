/**
 * Kafka in KRaft mode (spec 002 §7.2.3 ingestion, §8.2.1): combined broker/controller nodes in one
 * StatefulSet (3 in HA, 1 in dev), listeners advertised by pod DNS name, SASL PLAIN on every listener with
 * passwords from Secrets, replication settings from the environment, a PDB, anti-affinity, and
 * kafka-exporter for Prometheus (brokers, partitions, under-replication, consumer-group lag).
 */
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { k8s } from '../../../imports/k8s';
import type { KafkaContext } from './context';
import { disruptionBudget } from '../../lib/disruption';
import { pods, PROMETHEUS } from '../../lib/graph';
import { CONFIG_CHECKSUM, configChecksum } from '../../lib/checksum';
import { POST_SYNC_HOOK } from '../../lib/job';
import { container, containerPort, emptyDir, httpProbe, tcpProbe } from '../../lib/container';
import { meta, selectorLabels, type Identity } from '../../lib/labels';
import { secretEnv } from '../../lib/env';
import { quantities, resources } from '../../lib/resources';
import { isolatedPod } from '../../lib/security';
import { storeStatefulSet } from '../../lib/stateful-set';
import {
  KAFKA_BROKER_USER, KAFKA_ENV, KAFKA_PATHS, KAFKA_PORTS, kafkaEntryScript, kafkaHeadlessDomain, kafkaHeapMiB,
  kafkaLog4j, kafkaServerProperties, kafkaTopicsFile, kafkaTopicsScript, kafkaTopology,
} from './server-config';
import { KAFKA_CLIENT_USER, NAMESPACES } from '../refs';
import { clusterService, headlessService, servicePort } from '../../lib/service';

export const KAFKA_VERSION = '3.9.1';
export const KAFKA_IMAGES = {
  kafka: `docker.io/apache/kafka:${KAFKA_VERSION}`,
  exporter: 'docker.io/danielqsj/kafka-exporter:v1.9.0',
} as const;
/** uid/gid of `appuser` in the apache/kafka image. */
const KAFKA_UID = 1000;
const NOBODY = 65534;

export const KAFKA_IDS = {
  broker: { name: 'kafka', component: 'broker' },
  exporter: { name: 'kafka', component: 'exporter' },
  topics: { name: 'kafka', component: 'topics' },
} as const satisfies Record<string, Identity>;

export const KAFKA_NAMES = {
  config: 'kafka-config',
  brokerSecret: 'kafka-broker',
  exporter: 'kafka-exporter',
  topics: 'kafka-topics',
} as const;

export class KafkaChart extends Chart {
  constructor(scope: Construct, id: string, ctx: KafkaContext) {
    super(scope, id, { disableResourceNameHashes: true });
    this.secrets(ctx);
    this.brokers(ctx);
    this.exporter(ctx);
    this.topics(ctx);
    this.flows(ctx);
  }

  /** The Secret the brokers authenticate each other with (the client one is the store's, refs.ts). */
  private secrets(ctx: KafkaContext): void {
    const ns = NAMESPACES.kafka;
    ctx.secrets.push({ name: KAFKA_NAMES.brokerSecret, keys: ['username', 'password'], namespace: ns, fixed: { username: KAFKA_BROKER_USER } });
  }

  /** The brokers (KRaft, combined controller and broker): configuration, Services, StatefulSet, disruption budget. */
  private brokers(ctx: KafkaContext): void {
    const { config } = ctx;
    const t = kafkaTopology(config);
    const checksum = this.brokerConfig(ctx);
    this.brokerServices(ctx);
    this.brokerStatefulSet(ctx, checksum);
    disruptionBudget(this, { config, name: t.statefulSet, namespace: NAMESPACES.kafka, id: KAFKA_IDS.broker, replicas: config.stores.kafka.brokers });
  }

  /** server.properties, the entry script and log4j in one ConfigMap; returns the checksum that rolls the brokers. */
  private brokerConfig(ctx: KafkaContext): string {
    const { config, refs } = ctx;
    const files = { 'server.properties': kafkaServerProperties(config, refs), 'entrypoint.sh': kafkaEntryScript(), 'log4j.properties': kafkaLog4j() };
    new k8s.KubeConfigMap(this, 'config', {
      metadata: meta(config, { name: KAFKA_NAMES.config, namespace: NAMESPACES.kafka, id: KAFKA_IDS.broker, version: KAFKA_VERSION }),
      data: files,
    });
    return configChecksum([files['server.properties'], files['entrypoint.sh'], files['log4j.properties']], 16);
  }

  /** The governing headless Service and the bootstrap Service clients start from. */
  private brokerServices(ctx: KafkaContext): void {
    const { config, refs } = ctx;
    const ns = NAMESPACES.kafka;
    const t = kafkaTopology(config);
    const id = KAFKA_IDS.broker;
    const selector = selectorLabels(id);
    // Controllers must reach each other before any of them is ready (publishNotReadyAddresses).
    headlessService(this, 'headless', meta(config, { name: t.headless, namespace: ns, id }), selector,
      [servicePort('client', KAFKA_PORTS.client), servicePort('internal', KAFKA_PORTS.internal), servicePort('controller', KAFKA_PORTS.controller)]);
    clusterService(this, 'bootstrap', meta(config, { name: refs.kafka.bootstrap.service, namespace: ns, id }), selector,
      [servicePort(refs.kafka.bootstrap.portName, refs.kafka.bootstrap.port)]);
  }

  /** The brokers' StatefulSet: one pod per KRaft node, its log directories on its own volume. */
  private brokerStatefulSet(ctx: KafkaContext, checksum: string): void {
    const { config } = ctx;
    const k = config.stores.kafka;
    const ns = NAMESPACES.kafka;
    const t = kafkaTopology(config);
    const version = KAFKA_VERSION;
    const id = KAFKA_IDS.broker;
    const selector = selectorLabels(id);
    storeStatefulSet(this, 'sts', {
      config,
      metadata: meta(config, { name: t.statefulSet, namespace: ns, id, version }),
      replicas: k.brokers,
      serviceName: t.headless,
      // The controller quorum needs a majority running before any broker can become ready.
      podManagementPolicy: 'Parallel',
      selector,
      template: {
        metadata: {
          labels: meta(config, { name: t.statefulSet, id, version }).labels,
          annotations: { [CONFIG_CHECKSUM]: checksum },
        },
        spec: {
          ...isolatedPod(KAFKA_UID),
          // Controlled shutdown moves partition leaderships away before the broker stops.
          terminationGracePeriodSeconds: 120,
          containers: [this.brokerContainer(ctx)],
          volumes: [
            { name: 'config', configMap: { name: KAFKA_NAMES.config, defaultMode: 0o444 } },
            // The per-pod server.properties holds the JAAS passwords: memory only, never on a disk.
            emptyDir('runtime', '16Mi', 'Memory'),
            emptyDir('tmp', '1Gi'),
          ],
        },
      },
      claims: [{ name: 'data', size: k.volume.size }],
    });
  }

  /** The broker container: the entry script renders the pod's server.properties, then starts Kafka. */
  private brokerContainer(ctx: KafkaContext): k8s.Container {
    const { config, refs } = ctx;
    const t = kafkaTopology(config);
    const heap = kafkaHeapMiB(config);
    return container(config, 'kafka', KAFKA_IMAGES.kafka, {
      command: ['/bin/bash', `${KAFKA_PATHS.config}/entrypoint.sh`],
      env: [
        { name: KAFKA_ENV.headlessDomain, value: kafkaHeadlessDomain(config, t) },
        { name: KAFKA_ENV.clusterId, value: t.clusterId },
        secretEnv(KAFKA_ENV.clientPassword, refs.kafka.secret.name, 'password'),
        secretEnv(KAFKA_ENV.brokerPassword, KAFKA_NAMES.brokerSecret, 'password'),
        { name: 'KAFKA_HEAP_OPTS', value: `-Xms${heap}m -Xmx${heap}m` },
        { name: 'KAFKA_LOG4J_OPTS', value: `-Dlog4j.configuration=file:${KAFKA_PATHS.config}/log4j.properties` },
        // kafka-run-class.sh writes there; no GC log file (-loggc is left out of EXTRA_ARGS).
        { name: 'LOG_DIR', value: '/tmp/logs' },
        { name: 'EXTRA_ARGS', value: '-name kafkaServer' },
      ],
      ports: [containerPort('client', KAFKA_PORTS.client), containerPort('internal', KAFKA_PORTS.internal), containerPort('controller', KAFKA_PORTS.controller)],
      resources: resources(config.stores.kafka.resources),
      startupProbe: tcpProbe('client', { periodSeconds: 10, failureThreshold: 60 }),
      readinessProbe: tcpProbe('client', { periodSeconds: 10, failureThreshold: 3 }),
      livenessProbe: tcpProbe('client', { periodSeconds: 20, failureThreshold: 6 }),
      volumeMounts: [
        { name: 'config', mountPath: KAFKA_PATHS.config, readOnly: true },
        { name: 'data', mountPath: KAFKA_PATHS.data },
        { name: 'runtime', mountPath: KAFKA_PATHS.runtime },
        { name: 'tmp', mountPath: '/tmp' },
      ],
    });
  }

  /** kafka-exporter: one per cluster (it reads cluster-wide metadata; one per broker would duplicate series). */
  private exporter(ctx: KafkaContext): void {
    const { config, refs } = ctx;
    const ns = NAMESPACES.kafka;
    const t = kafkaTopology(config);
    const ids = KAFKA_IDS;
    const exporterSelector = selectorLabels(ids.exporter);
    new k8s.KubeDeployment(this, 'exporter', {
      metadata: meta(config, { name: KAFKA_NAMES.exporter, namespace: ns, id: ids.exporter }),
      spec: {
        replicas: 1,
        selector: { matchLabels: exporterSelector },
        template: {
          metadata: { labels: meta(config, { name: KAFKA_NAMES.exporter, id: ids.exporter }).labels },
          spec: {
            ...isolatedPod(NOBODY),
            containers: [container(config, 'exporter', KAFKA_IMAGES.exporter, {
              args: [
                ...t.nodes.map((n) => `--kafka.server=${n.host}:${KAFKA_PORTS.client}`),
                '--sasl.enabled',
                '--sasl.mechanism=plain',
                `--sasl.username=${KAFKA_CLIENT_USER}`,
                '--sasl.password=$(KAFKA_PASSWORD)',
                `--web.listen-address=:${KAFKA_PORTS.exporter}`,
              ],
              env: [secretEnv('KAFKA_PASSWORD', refs.kafka.secret.name, 'password')],
              ports: [containerPort('metrics', KAFKA_PORTS.exporter)],
              resources: { requests: quantities({ cpu: '50m', memory: '64Mi' }), limits: quantities({ cpu: '250m', memory: '128Mi' }) },
              readinessProbe: httpProbe('/', 'metrics', { periodSeconds: 15 }),
              livenessProbe: httpProbe('/', 'metrics', { periodSeconds: 30, failureThreshold: 4 }),
            })],
          },
        },
      },
    });
    clusterService(this, 'exporter-svc', meta(config, { name: KAFKA_NAMES.exporter, namespace: ns, id: ids.exporter }), exporterSelector,
      [servicePort('metrics', KAFKA_PORTS.exporter)]);
  }

  /** The declared topics: created (when missing) by a Job after every sync. */
  private topics(ctx: KafkaContext): void {
    const { config, refs } = ctx;
    const ns = NAMESPACES.kafka;
    const ids = KAFKA_IDS;
    // auto.create.topics.enable is false: this Job creates the declared topics. An Argo CD PostSync hook, so it
    // runs once the brokers are healthy, after every sync (idempotent); the previous run is deleted first.
    new k8s.KubeConfigMap(this, 'topics-config', {
      metadata: meta(config, { name: KAFKA_NAMES.topics, namespace: ns, id: ids.topics }),
      data: { 'topics.sh': kafkaTopicsScript(refs), 'topics.txt': kafkaTopicsFile(config) },
    });
    new k8s.KubeJob(this, 'topics', {
      metadata: meta(config, {
        name: KAFKA_NAMES.topics, namespace: ns, id: ids.topics,
        annotations: { ...POST_SYNC_HOOK },
      }),
      spec: {
        backoffLimit: 6,
        activeDeadlineSeconds: 1800,
        template: {
          metadata: { labels: meta(config, { name: KAFKA_NAMES.topics, id: ids.topics }).labels },
          spec: {
            restartPolicy: 'OnFailure',
            ...isolatedPod(KAFKA_UID),
            containers: [container(config, 'topics', KAFKA_IMAGES.kafka, {
              command: ['/bin/bash', `${KAFKA_PATHS.config}/topics.sh`],
              env: [
                secretEnv('KAFKA_PASSWORD', refs.kafka.secret.name, 'password'),
                { name: 'KAFKA_HEAP_OPTS', value: '-Xms128m -Xmx256m' },
                { name: 'LOG_DIR', value: '/tmp/logs' },
              ],
              resources: { requests: quantities({ cpu: '100m', memory: '384Mi' }), limits: quantities({ cpu: '1', memory: '512Mi' }) },
              volumeMounts: [
                { name: 'config', mountPath: KAFKA_PATHS.config, readOnly: true },
                { name: 'tmp', mountPath: '/tmp' },
              ],
            })],
            volumes: [
              { name: 'config', configMap: { name: KAFKA_NAMES.topics, defaultMode: 0o444 } },
              emptyDir('tmp', '64Mi'),
            ],
          },
        },
      },
    });
  }

  /** The network flows of the brokers, the topics Job and the exporter. */
  private flows(ctx: KafkaContext): void {
    const { refs, graph } = ctx;
    const ns = NAMESPACES.kafka;
    const ids = KAFKA_IDS;
    const brokers = pods(ns, ids.broker);
    graph.connect({ pods: brokers }, { pods: brokers }, [
      { port: KAFKA_PORTS.controller, name: 'controller' }, { port: KAFKA_PORTS.internal, name: 'internal' },
    ], 'kafka nodes run the KRaft controller quorum and replicate partitions');
    graph.use(pods(ns, ids.topics), refs.kafka.bootstrap, 'the kafka-topics job creates the declared topics');
    graph.use(pods(ns, ids.exporter), refs.kafka.bootstrap, 'kafka-exporter reads cluster metadata and consumer-group offsets');
    graph.connect({ pods: PROMETHEUS }, { pods: pods(ns, ids.exporter) }, [{ port: KAFKA_PORTS.exporter, name: 'metrics' }], 'prometheus scrapes kafka-exporter');
  }
}
