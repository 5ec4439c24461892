/**
 * Kafka topics (auto.create.topics.enable=false): the declared list in the environment is created by the
 * kafka-topics Job. Its script is run with stub Kafka tools that keep the topics' partition counts in files, so
 * creation, idempotence, partition growth and retention are checked on the script's real behaviour. ClickHouse's
 * Kafka named collections may only name topics of that list.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Manifest, RenderedPlatform } from '../charts/platform';
import { KAFKA_IDS, KAFKA_IMAGES, KAFKA_NAMES } from '../charts/data/kafka/chart';
import { CLICKHOUSE_NAMES } from '../charts/data/clickhouse/chart';
import { KAFKA_PORTS } from '../charts/data/kafka/server-config';
import { KAFKA_CLIENT_USER } from '../charts/data/refs';
import { image } from '../charts/lib/images';
import { selectorLabels } from '../charts/lib/labels';
import { cleanupTmp, find, one, runScript, selects, shellcheck, tmpDir, XmlDoc } from './support/clickhouse-kafka';
import { renderAll } from './support/render';

const NS = 'db-kafka';
afterAll(cleanupTmp);
const platforms = renderAll();
const production = platforms.find((p) => p.config.name === 'production')!;

/** Stub kafka-topics.sh / kafka-configs.sh: every call is logged; topics are files holding their partition count. */
function stubKafka(dir: string, failLists = 0): { bin: string; state: string; log: string } {
  const bin = path.join(dir, 'bin');
  const state = path.join(dir, 'state');
  const log = path.join(dir, 'calls.log');
  fs.mkdirSync(bin, { recursive: true });
  fs.mkdirSync(state, { recursive: true });
  fs.writeFileSync(path.join(dir, 'lists-to-fail'), String(failLists));
  fs.writeFileSync(path.join(bin, 'kafka-topics.sh'), `#!/bin/bash
set -eu
echo "kafka-topics $*" >>${log}
args=("$@"); topic=""; parts=""; op=""
for ((i = 0; i < \${#args[@]}; i++)); do
  case "\${args[$i]}" in
    --command-config) cp "\${args[$((i + 1))]}" ${dir}/client.properties ;;
    --topic) topic="\${args[$((i + 1))]}" ;;
    --partitions) parts="\${args[$((i + 1))]}" ;;
    --list|--create|--describe|--alter) op="\${args[$i]}" ;;
  esac
done
case "$op" in
  --list) n=$(cat ${dir}/lists-to-fail); if [ "$n" -gt 0 ]; then echo $((n - 1)) >${dir}/lists-to-fail; exit 1; fi; ls ${state} ;;
  --create) [ -f "${state}/$topic" ] || echo "$parts" >"${state}/$topic" ;;
  --describe) printf 'Topic: %s\\tTopicId: x\\tPartitionCount: %s\\tReplicationFactor: 3\\tConfigs: \\n' "$topic" "$(cat "${state}/$topic")" ;;
  --alter) echo "$parts" >"${state}/$topic" ;;
esac
`, { mode: 0o755 });
  fs.writeFileSync(path.join(bin, 'kafka-configs.sh'), `#!/bin/sh\necho "kafka-configs $*" >>${log}\n`, { mode: 0o755 });
  return { bin, state, log };
}

function topicsOf(p: RenderedPlatform): { script: string; list: string } {
  const cm = one(p, 'ConfigMap', NS, KAFKA_NAMES.topics);
  return { script: cm.data['topics.sh'], list: cm.data['topics.txt'] };
}

function run(p: RenderedPlatform, dir: string, stub: { bin: string }, extra: Record<string, string> = {}) {
  const listFile = path.join(dir, 'topics.txt');
  fs.writeFileSync(listFile, topicsOf(p).list);
  return runScript('bash', topicsOf(p).script, {
    KAFKA_BIN: stub.bin, KAFKA_TOPICS_FILE: listFile, KAFKA_PASSWORD: 's3cret', KAFKA_WAIT_SECONDS: '0', TMPDIR: dir, ...extra,
  });
}

describe.each(platforms.map((p): [string, RenderedPlatform] => [p.config.name, p]))('%s', (_n, p) => {
  const k = p.config.stores.kafka;

  test('the topic list holds every declared topic, the replication factor from the environment', () => {
    const lines = topicsOf(p).list.trim().split('\n').map((l) => l.split(' '));
    expect(k!.topics.length).toBeGreaterThan(0);
    expect(lines.map((l) => l[0])).toEqual(k!.topics.map((t) => t.name));
    for (const [name, partitions, rf, retention] of lines) {
      const t = k!.topics.find((x) => x.name === name)!;
      expect(Number(partitions)).toBe(t.partitions);
      expect(Number(rf)).toBe(t.replicationFactor ?? k!.replicationFactor);
      expect(Number(rf)).toBeLessThanOrEqual(k!.brokers);
      expect(retention).toBe(t.retentionHours === undefined ? '-' : String(t.retentionHours * 3_600_000));
    }
  });

  test('ClickHouse named collections name only declared topics, one per ingested topic', () => {
    const xml = new XmlDoc(one(p, 'ConfigMap', 'db-clickhouse', CLICKHOUSE_NAMES.serverConfig).data['cluster.xml']);
    const consumed = xml.texts('/clickhouse/named_collections/*/kafka_topic_list');
    expect(consumed.length).toBe(xml.count('/clickhouse/named_collections/*'));
    expect(consumed.sort()).toEqual(k!.topics.filter((t) => t.clickhouse).map((t) => t.name).sort());
    for (const t of consumed) expect(k!.topics.map((x) => x.name)).toContain(t);
  });

  test('the Job runs after each sync with the Kafka image and the client Secret, and may reach the brokers', () => {
    const job = one(p, 'Job', NS, KAFKA_NAMES.topics);
    expect(job.metadata.annotations['argocd.argoproj.io/hook']).toBe('PostSync');
    expect(job.metadata.annotations['argocd.argoproj.io/hook-delete-policy']).toBe('BeforeHookCreation');
    const pod = job.spec.template.spec;
    const c = pod.containers[0];
    expect(c.image).toBe(image(p.config, KAFKA_IMAGES.kafka));
    expect(c.env.find((e: Manifest) => e.name === 'KAFKA_PASSWORD').valueFrom.secretKeyRef).toEqual({ name: p.refs.kafka!.secret.name, key: 'password' });
    expect(p.secrets.some((s) => s.namespace === NS && s.name === p.refs.kafka!.secret.name)).toBe(true);
    expect(pod.volumes.find((v: Manifest) => v.name === 'config').configMap.name).toBe(KAFKA_NAMES.topics);
    expect(job.spec.template.metadata.labels).toMatchObject(selectorLabels(KAFKA_IDS.topics));
    const flow = p.graph.flows.find((f) => 'pods' in f.from && selects(f.from.pods.selector, job.spec.template.metadata.labels) && f.from.pods.namespace === NS
      && 'pods' in f.to && f.to.pods.namespace === NS && f.ports.some((x) => x.port === KAFKA_PORTS.client));
    expect(flow).toBeDefined();
    const brokers = find(p, 'StatefulSet', NS)[0].spec.template.metadata.labels;
    expect(selects((flow!.to as { pods: { selector: Record<string, string> } }).pods.selector, brokers)).toBe(true);
  });
});

describe('topics script', () => {
  const p = production;

  test('passes shellcheck', () => {
    expect(shellcheck(topicsOf(p).script, 'bash')).toBe('');
  });

  test('creates every topic with --if-not-exists over SASL, sets the declared retention, and is idempotent', () => {
    const dir = tmpDir();
    const stub = stubKafka(dir, 2);
    const first = run(p, dir, stub);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    const calls = fs.readFileSync(stub.log, 'utf8').trim().split('\n');
    const clientFile = calls[0].split(' ')[4];
    expect(path.dirname(clientFile)).toBe(dir);
    expect(calls.filter((c) => c.includes('--list'))).toHaveLength(3); // two refused, the third answered
    for (const t of p.config.stores.kafka!.topics) {
      const rf = t.replicationFactor ?? p.config.stores.kafka!.replicationFactor;
      expect(calls).toContain(`kafka-topics --bootstrap-server ${p.refs.kafka!.bootstrapServers} --command-config ${clientFile} --create --if-not-exists --topic ${t.name} --partitions ${t.partitions} --replication-factor ${rf}`);
      expect(fs.readFileSync(path.join(stub.state, t.name), 'utf8').trim()).toBe(String(t.partitions));
    }
    const retained = p.config.stores.kafka!.topics.filter((t) => t.retentionHours !== undefined);
    expect(retained.length).toBeGreaterThan(0);
    expect(calls.filter((c) => c.startsWith('kafka-configs'))).toEqual(retained.map((t) =>
      expect.stringMatching(new RegExp(`--alter --entity-type topics --entity-name ${t.name} --add-config retention\\.ms=${t.retentionHours! * 3_600_000}$`))));
    const props = fs.readFileSync(path.join(dir, 'client.properties'), 'utf8');
    expect(props).toContain(`security.protocol=${p.refs.kafka!.securityProtocol}`);
    expect(props).toContain(`sasl.mechanism=${p.refs.kafka!.saslMechanism}`);
    expect(props).toContain(`username="${KAFKA_CLIENT_USER}" password="s3cret";`);
    // The client file with the password is removed at exit.
    expect(fs.existsSync(clientFile)).toBe(false);
    expect(calls.some((c) => c.startsWith('kafka-topics') && c.includes('--alter'))).toBe(false);

    // Second run: nothing changes; a grown declaration raises the partitions, a shrunk one is only reported.
    const [grown, shrunk] = p.config.stores.kafka!.topics;
    fs.writeFileSync(path.join(stub.state, grown.name), '1');
    fs.writeFileSync(path.join(stub.state, shrunk.name), String(shrunk.partitions + 5));
    fs.rmSync(stub.log);
    const second = run(p, dir, stub);
    expect(second.status).toBe(0);
    const again = fs.readFileSync(stub.log, 'utf8').trim().split('\n').filter((c) => c.startsWith('kafka-topics') && c.includes('--alter'));
    expect(again).toEqual([expect.stringMatching(new RegExp(`--alter --topic ${grown.name} --partitions ${grown.partitions}$`))]);
    expect(fs.readFileSync(path.join(stub.state, shrunk.name), 'utf8').trim()).toBe(String(shrunk.partitions + 5));
    expect(second.stderr).toMatch(new RegExp(`topic ${shrunk.name} has ${shrunk.partitions + 5} partitions, more than the ${shrunk.partitions} declared`));
  });

  test('gives up when Kafka never answers, and refuses a password JAAS cannot quote', () => {
    const dir = tmpDir();
    const stub = stubKafka(dir, 100);
    const r = run(p, dir, stub, { KAFKA_WAIT_TRIES: '3' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/does not answer/);
    expect(fs.readFileSync(stub.log, 'utf8')).not.toMatch(/--create/);
    const bad = run(p, tmpDir(), stubKafka(tmpDir()), { KAFKA_PASSWORD: 'a"b' });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/JAAS cannot quote/);
  });
});
