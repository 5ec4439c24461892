/**
 * Kafka (KRaft), proven on the rendered files: the entry script is run for every pod with stub Kafka
 * binaries, and the server.properties it writes is parsed and checked against the rendered StatefulSet and
 * Services (node ids, quorum voters, listeners, advertised names, SASL, replication settings).
 *
 * No Kafka broker is packaged for this machine: Debian has only clients (kcat, librdkafka), npm only client
 * libraries and a Testcontainers module that needs a container runtime and a registry, and Maven Central
 * (where the broker's jars live) is not reachable. So the broker itself is not started.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Manifest, RenderedPlatform } from '../charts/platform';
import { KAFKA_IMAGES, KAFKA_NAMES } from '../charts/data/kafka/chart';
import { KAFKA_ENV } from '../charts/data/kafka/server-config';
import { selectorLabels } from '../charts/lib/labels';
import {
  cleanupTmp, find, one, parseProperties, renderVariant, runScript, selects, shellcheck, stubExecutable, tmpDir,
} from './support/clickhouse-kafka';
import { renderAll } from './support/render';

const NS = 'db-kafka';
afterAll(cleanupTmp);

const rendered: [string, RenderedPlatform][] = [
  ...renderAll().map((p): [string, RenderedPlatform] => [`environment ${p.config.name}`, p]),
  ['5 brokers, rf 3, min.insync 2', renderVariant('production', { stores: { kafka: { brokers: 5 } } })],
  ['3 brokers, rf 3, min.insync 2 on staging', renderVariant('staging', { stores: { kafka: { brokers: 3 } } })],
];

const env = (p: RenderedPlatform) => p.config.cluster.clusterDomain;

interface NodeRun {
  status: number | null;
  stdout: string;
  stderr: string;
  props: Map<string, string>;
  duplicates: string[];
  formatted: boolean;
}

/** Runs the entry script as pod `ordinal` would, with stub kafka-storage.sh / kafka-server-start.sh. */
function runNode(p: RenderedPlatform, ordinal: number, opts: { formatted?: boolean; clientPassword?: string } = {}): NodeRun {
  const cm = one(p, 'ConfigMap', NS, KAFKA_NAMES.config);
  const sts = one(p, 'StatefulSet', NS, 'kafka');
  const container = sts.spec.template.spec.containers[0];
  const dir = tmpDir();
  const home = path.join(dir, 'kafka');
  stubExecutable(home, 'bin/kafka-storage.sh', `touch "${dir}/formatted"`);
  stubExecutable(home, 'bin/kafka-server-start.sh');
  const logDir = path.join(dir, 'data');
  fs.mkdirSync(logDir);
  if (opts.formatted) fs.writeFileSync(path.join(logDir, 'meta.properties'), 'version=1\n');
  const template = path.join(dir, 'server.properties');
  fs.writeFileSync(template, cm.data['server.properties']);
  const podEnv: Record<string, string> = {};
  for (const e of container.env) {
    podEnv[e.name] = e.valueFrom?.secretKeyRef ? `pw-${e.valueFrom.secretKeyRef.name}` : String(e.value);
  }
  if (opts.clientPassword !== undefined) podEnv[KAFKA_ENV.clientPassword] = opts.clientPassword;
  const r = runScript('bash', cm.data['entrypoint.sh'], {
    ...podEnv, HOSTNAME: `${sts.metadata.name}-${ordinal}`,
    KAFKA_HOME: home, KAFKA_RUNTIME_DIR: path.join(dir, 'run'), KAFKA_CONFIG_TEMPLATE: template, KAFKA_LOG_DIR: logDir,
  });
  const file = path.join(dir, 'run', 'server.properties');
  const { values, duplicates } = fs.existsSync(file) ? parseProperties(fs.readFileSync(file, 'utf8')) : { values: new Map<string, string>(), duplicates: [] };
  return { ...r, props: values, duplicates, formatted: fs.existsSync(path.join(dir, 'formatted')) };
}

const listenerMap = (v: string) => new Map(v.split(',').map((l) => {
  const m = /^([A-Z_]+):\/\/([^:]*):(\d+)$/.exec(l);
  if (!m) throw new Error(`not a listener: ${l}`);
  return [m[1], { host: m[2], port: Number(m[3]) }];
}));

describe.each(rendered)('%s', (_label, p) => {
  const k = p.config.stores.kafka;
  const sts = one(p, 'StatefulSet', NS, 'kafka');
  const container = sts.spec.template.spec.containers[0];
  const portOf = (name: string) => container.ports.find((cp: Manifest) => cp.name === name)?.containerPort;
  const fqdn = (i: number) => `${sts.metadata.name}-${i}.${sts.spec.serviceName}.${NS}.svc.${env(p)}`;
  const runs = Array.from({ length: sts.spec.replicas }, (_, i) => runNode(p, i));

  test('one StatefulSet of the configured brokers; every node starts, formats once and has no duplicate key', () => {
    expect(sts.spec.replicas).toBe(k!.brokers);
    expect(sts.spec.podManagementPolicy).toBe('Parallel');
    for (const r of runs) {
      expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
      expect(r.formatted).toBe(true);
      expect(r.duplicates).toEqual([]);
      expect(r.stdout).toMatch(/ARGS: \S+\/server\.properties$/m);
    }
    expect(runNode(p, 0, { formatted: true }).formatted).toBe(false);
    // Every node formats with the same cluster id, or they would refuse to form one cluster.
    const ids = new Set(runs.map((r) => /for cluster (\S+) as node/.exec(r.stdout)?.[1]));
    expect(ids.size).toBe(1);
    expect([...ids][0]).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  test('the claim is mounted exactly at the image\'s VOLUME; log.dirs and the KRaft metadata are in a sub-folder of it', () => {
    // apache/kafka 3.9.1, docker/jvm/Dockerfile: VOLUME ["/etc/kafka/secrets", "/var/lib/kafka/data", "/mnt/shared/config"].
    // A claim mounted above that path is shadowed there by the image's anonymous volume (containerd), so data
    // written below it would live on the node, not on the claim.
    const imageVolume = '/var/lib/kafka/data';
    const claims = sts.spec.volumeClaimTemplates.map((t: Manifest) => t.metadata.name);
    const claimMounts = container.volumeMounts.filter((m: Manifest) => claims.includes(m.name));
    expect(claimMounts.map((m: Manifest) => [m.mountPath, m.subPath])).toEqual([[imageVolume, undefined]]);
    for (const r of runs) {
      const logDirs = r.props.get('log.dirs')!.split(',');
      // metadata.log.dir defaults to the first log.dirs entry: unset, or also under the claim.
      const metadata = r.props.get('metadata.log.dir') ?? logDirs[0];
      for (const d of [...logDirs, metadata]) expect(d).toMatch(new RegExp(`^${imageVolume}/[^/]+$`));
    }
  });

  test('node ids are the ordinals and the controller quorum voters are exactly the rendered pods', () => {
    runs.forEach((r, i) => expect(r.props.get('node.id')).toBe(String(i)));
    const expected = runs.map((_, i) => `${i}@${fqdn(i)}:${portOf('controller')}`).join(',');
    for (const r of runs) {
      expect(r.props.get('process.roles')).toBe('broker,controller');
      expect(r.props.get('controller.quorum.voters')).toBe(expected);
    }
    // No ZooKeeper anywhere.
    expect([...runs[0].props.keys()].filter((key) => key.startsWith('zookeeper'))).toEqual([]);
  });

  test('listeners match the container ports and the headless Service; each node advertises its own DNS name', () => {
    const headless = one(p, 'Service', NS, sts.spec.serviceName);
    expect(headless.spec.clusterIP).toBe('None');
    expect(headless.spec.publishNotReadyAddresses).toBe(true);
    expect(selects(headless.spec.selector, sts.spec.template.metadata.labels)).toBe(true);
    runs.forEach((r, i) => {
      const listeners = listenerMap(r.props.get('listeners')!);
      const protocols = new Map(r.props.get('listener.security.protocol.map')!.split(',').map((x) => x.split(':') as [string, string]));
      expect(new Set(listeners.keys())).toEqual(new Set(protocols.keys()));
      for (const [name, l] of listeners) {
        expect({ name, port: l.port }).toEqual({ name, port: portOf(name.toLowerCase()) });
        expect(headless.spec.ports.find((sp: Manifest) => sp.name === name.toLowerCase())?.port).toBe(l.port);
        expect(protocols.get(name)).toBe('SASL_PLAINTEXT');
        // Every SASL listener has its JAAS configuration (server side: user_<name>="…").
        expect(r.props.get(`listener.name.${name.toLowerCase()}.plain.sasl.jaas.config`)).toMatch(/PlainLoginModule required .*user_\w+=".+";$/);
      }
      const controller = r.props.get('controller.listener.names')!;
      const interBroker = r.props.get('inter.broker.listener.name')!;
      expect(listeners.has(controller) && listeners.has(interBroker)).toBe(true);
      const advertised = listenerMap(r.props.get('advertised.listeners')!);
      expect(advertised.has(controller)).toBe(false);
      for (const [name, a] of advertised) expect({ name, host: a.host, port: a.port }).toEqual({ name, host: fqdn(i), port: listeners.get(name)!.port });
    });
  });

  test('passwords come from the Secrets into the JAAS lines only, and the broker user authenticates brokers and controllers', () => {
    const r = runs[0];
    const client = `pw-${p.refs.kafka!.secret.name}`;
    const broker = `pw-${KAFKA_NAMES.brokerSecret}`;
    const holders = [...r.props].filter(([, v]) => v.includes(client) || v.includes(broker)).map(([key]) => key).sort();
    expect(holders).toEqual(['listener.name.client.plain.sasl.jaas.config', 'listener.name.controller.plain.sasl.jaas.config', 'listener.name.internal.plain.sasl.jaas.config']);
    expect(r.props.get('listener.name.client.plain.sasl.jaas.config')).toContain(`user_client="${client}"`);
    for (const l of ['internal', 'controller']) {
      expect(r.props.get(`listener.name.${l}.plain.sasl.jaas.config`)).toContain(`username="broker" password="${broker}" user_broker="${broker}"`);
    }
    expect(r.props.get('sasl.mechanism.controller.protocol')).toBe(p.refs.kafka!.saslMechanism);
    expect(r.props.get('sasl.mechanism.inter.broker.protocol')).toBe(p.refs.kafka!.saslMechanism);
    const cm = one(p, 'ConfigMap', NS, KAFKA_NAMES.config);
    const shared = parseProperties(cm.data['server.properties']).values;
    expect([...shared].filter(([key, v]) => /jaas|password/i.test(key) || /password/i.test(v))).toEqual([]);
  });

  test('replication settings come from the environment and survive the loss of one broker', () => {
    const pr = runs[0].props;
    const rf = Number(pr.get('default.replication.factor'));
    const isr = Number(pr.get('min.insync.replicas'));
    expect([rf, isr]).toEqual([k!.replicationFactor, k!.minInsyncReplicas]);
    expect(Number(pr.get('offsets.topic.replication.factor'))).toBe(rf);
    expect(Number(pr.get('transaction.state.log.replication.factor'))).toBe(rf);
    expect(Number(pr.get('transaction.state.log.min.isr'))).toBe(isr);
    expect(rf).toBeLessThanOrEqual(k!.brokers);
    expect(pr.get('unclean.leader.election.enable')).toBe('false');
    if (k!.brokers > 1) {
      // One broker down: the remaining replicas still reach min.insync.replicas, and the quorum keeps a majority.
      expect(rf - 1).toBeGreaterThanOrEqual(isr);
      expect(isr).toBeGreaterThanOrEqual(2);
      expect(k!.brokers - 1).toBeGreaterThan(k!.brokers / 2);
    }
  });

  test('the bootstrap Service of the refs selects the brokers on their client port; the PDB keeps a majority', () => {
    const ep = p.refs.kafka!.bootstrap;
    const svc = one(p, 'Service', NS, ep.service);
    expect(svc.spec.selector).toEqual(selectorLabels(ep.pods));
    expect(selects(svc.spec.selector, sts.spec.template.metadata.labels)).toBe(true);
    const sp = svc.spec.ports.find((x: Manifest) => x.name === ep.portName);
    expect([sp.port, sp.targetPort]).toEqual([ep.port, 'client']);
    expect(portOf('client')).toBe(ep.port);
    expect(p.refs.kafka!.bootstrapServers).toBe(`kafka.${NS}.svc.${env(p)}:${ep.port}`);
    const pdbs = find(p, 'PodDisruptionBudget', NS).filter((x) => selects(x.spec.selector.matchLabels, sts.spec.template.metadata.labels));
    expect(pdbs.map((x) => x.spec.maxUnavailable)).toEqual([1]);
    // Anti-affinity: two brokers never share a node where the environment is HA and has the nodes.
    const anti = sts.spec.template.spec.affinity.podAntiAffinity;
    const required = p.config.ha && p.config.stores.kafka!.brokers <= p.config.cluster.nodes;
    const term = required ? anti.requiredDuringSchedulingIgnoredDuringExecution?.[0] : anti.preferredDuringSchedulingIgnoredDuringExecution?.[0].podAffinityTerm;
    expect(term?.topologyKey).toBe('kubernetes.io/hostname');
    expect(selects(term.labelSelector.matchLabels, sts.spec.template.metadata.labels)).toBe(true);
    expect(sts.spec.volumeClaimTemplates.map((t: Manifest) => [t.apiVersion, t.kind, t.spec.storageClassName]))
      .toEqual([['v1', 'PersistentVolumeClaim', p.config.storageClass]]);
  });

  test('kafka-exporter knows every broker and authenticates; Prometheus may reach it', () => {
    const dep = one(p, 'Deployment', NS, KAFKA_NAMES.exporter);
    const c = dep.spec.template.spec.containers[0];
    expect(c.image).toBe(p.config.images.registry ? `${p.config.images.registry}/danielqsj/kafka-exporter:v1.9.0` : KAFKA_IMAGES.exporter);
    const servers = c.args.filter((a: string) => a.startsWith('--kafka.server=')).map((a: string) => a.split('=')[1]);
    expect(servers).toEqual(runs.map((_, i) => `${fqdn(i)}:${portOf('client')}`));
    expect(c.args).toEqual(expect.arrayContaining(['--sasl.enabled', '--sasl.mechanism=plain', '--sasl.password=$(KAFKA_PASSWORD)']));
    expect(c.env.find((e: Manifest) => e.name === 'KAFKA_PASSWORD').valueFrom.secretKeyRef.name).toBe(p.refs.kafka!.secret.name);
    const flows = p.graph.flows.filter((f) => 'pods' in f.to && f.to.pods.namespace === NS);
    // Only where Prometheus is installed (the graph drops the flow otherwise).
    expect(flows.some((f) => 'pods' in f.from && f.from.pods.namespace === 'monitoring' && f.ports.some((x) => x.port === 9308))).toBe(p.config.addons.monitoring.enabled);
    expect(flows.some((f) => 'pods' in f.from && f.from.pods.namespace === NS && f.ports.map((x) => x.port).sort().join() === [portOf('controller'), portOf('internal')].sort().join())).toBe(true);
    expect(flows.some((f) => 'pods' in f.from && f.from.pods.namespace === 'db-clickhouse' && f.ports.some((x) => x.port === portOf('client')))).toBe(true);
  });
});

describe('entry script', () => {
  const p = renderAll().find((x) => x.config.name === 'production')!;

  test('passes shellcheck', () => {
    expect(shellcheck(one(p, 'ConfigMap', NS, KAFKA_NAMES.config).data['entrypoint.sh'], 'bash')).toBe('');
  });

  test('refuses a password that JAAS cannot quote, and a missing one', () => {
    const bad = runNode(p, 0, { clientPassword: 'a"b' });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/JAAS cannot quote/);
    expect(bad.formatted).toBe(false);
    expect(runNode(p, 0, { clientPassword: 'a\\b' }).stderr).toMatch(/JAAS cannot quote/);
    expect(runNode(p, 0, { clientPassword: 'Abc123-_' }).status).toBe(0);
    const missing = runNode(p, 0, { clientPassword: '' });
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain(KAFKA_ENV.clientPassword);
  });

  test('the heap is half of the memory limit and logs go to the console', () => {
    const c = one(p, 'StatefulSet', NS, 'kafka').spec.template.spec.containers[0];
    const value = (n: string) => c.env.find((e: Manifest) => e.name === n)?.value;
    expect(value('KAFKA_HEAP_OPTS')).toBe('-Xms1024m -Xmx1024m');
    expect(c.resources.limits.memory).toBe('2Gi');
    expect(value('KAFKA_LOG4J_OPTS')).toMatch(/log4j\.properties$/);
    expect(one(p, 'ConfigMap', NS, KAFKA_NAMES.config).data['log4j.properties']).toMatch(/^log4j\.rootLogger=INFO, stdout$/m);
  });
});
