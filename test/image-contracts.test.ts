/**
 * Image contracts (issue 13): every image the platform runs has a contract read from its own source
 * (charts/lib/image-contracts.ts), and every rendered pod of every environment respects the contracts of the
 * images it runs: VOLUMEs on claims or emptyDirs, writes on writable mounts under a read-only root, every ${VAR}
 * of a configuration file set where it is read, every program our scripts run present in the image, and the
 * image's own user where it needs it. The checker (test/support/image-contracts.ts) is unit-tested below on
 * small hand-made pods that break each rule.
 *
 * What this leaves unproven: the contracts are read from Dockerfiles and entry points, not from the built images
 * (no registry here); the script reader (test/support/shell.ts) reads the constructs our scripts use, not all of
 * sh; add-on images are only checked for having a sourced contract, since upstream charts render their pods.
 */
import { contractFor, IMAGE_CONTRACTS, type ImageContract, type Source } from '../charts/lib/image-contracts';
import { DATADOG_IMAGES } from '../charts/gitops/addons/datadog';
import { FALCO_IMAGES } from '../charts/gitops/addons/falco';
import { TRACING_IMAGES } from '../charts/gitops/addons/tracing';
import { VPA_IMAGES } from '../charts/gitops/addons/vpa';
import { toFileTree } from '../charts/output/render';
import type { Manifest } from '../charts/platform';
import { checkPod, expand, type PodUnderTest, type Violation } from './support/image-contracts';
import { describeObject, manifestsOf, nameOf, podTemplates, renderEvery } from './support/render';
import { parseShell, programsOf } from './support/shell';

const platforms = renderEvery();
const lookupIn = (registry: string) => (image: string) => contractFor(image, registry || undefined);

function podsOf(p: (typeof platforms)[number]): PodUnderTest[] {
  const ms = manifestsOf(p);
  const configMaps = new Map<string, Map<string, Record<string, string>>>();
  for (const m of ms.filter((x) => x.kind === 'ConfigMap')) {
    const ns = configMaps.get(m.metadata.namespace) ?? new Map<string, Record<string, string>>();
    ns.set(m.metadata.name, m.data ?? {});
    configMaps.set(m.metadata.namespace, ns);
  }
  return podTemplates(ms).map(({ owner, template }) => ({
    env: nameOf(p),
    workload: describeObject(owner as Manifest),
    template,
    claimTemplates: (owner.spec.volumeClaimTemplates ?? []).map((t: Manifest) => t.metadata.name),
    configMaps: configMaps.get(owner.metadata.namespace) ?? new Map(),
  }));
}

const rows = platforms.flatMap((p) => podsOf(p).map((pod) => ({ pod, violations: checkPod(pod, lookupIn(p.config.images.registry)) })));
const show = (vs: readonly Violation[]) => vs.map((v) => `[${v.rule}] ${v.container} (${v.image}): ${v.message}`);

describe('every image has a contract with its source', () => {
  const listed = platforms.flatMap((p) => (toFileTree(p).get('images.txt') ?? '').split('\n').filter(Boolean).map((image) => ({ env: nameOf(p), registry: p.config.images.registry, image })));

  test('the environments list images', () => {
    expect(listed.length).toBeGreaterThan(40);
  });

  test.each(listed.map((l) => [l.env, l.image, l.registry]))('%s: %s has a contract', (_env, image, registry) => {
    expect({ image, contract: contractFor(image as string, (registry as string) || undefined)?.repository }).toEqual({ image, contract: expect.any(String) });
  });

  test('every contract is for an image some environment runs (no stale entry)', () => {
    // The optional add-ons (charts/gitops/addons/, off by default) count as run: an environment may turn them on.
    const optional = [...DATADOG_IMAGES, ...TRACING_IMAGES, ...FALCO_IMAGES, ...VPA_IMAGES].map((i) => contractFor(i));
    expect(optional.every(Boolean)).toBe(true);
    const used = new Set([...listed.map((l) => contractFor(l.image, l.registry || undefined)), ...optional].filter(Boolean).map((c) => `${c!.repository}:${c!.tag}`));
    expect(Object.keys(IMAGE_CONTRACTS).filter((k) => !used.has(k))).toEqual([]);
  });

  const sources = (s: Source | readonly Source[]) => (Array.isArray(s) ? s : [s]) as readonly Source[];
  test.each(Object.entries(IMAGE_CONTRACTS))('%s: every fact names its source (repository, path, tag)', (_k, c) => {
    const contract = c as ImageContract;
    const facts = [contract.user, contract.volumes, contract.entrypoint, contract.cmd, contract.startRuns, contract.env, contract.path,
      contract.writes, contract.envConfig, ...(contract.programs ?? [])].filter((f) => f !== undefined);
    for (const f of facts) {
      expect(sources(f!.source).length).toBeGreaterThan(0);
      for (const s of sources(f!.source)) expect(s).toEqual(expect.objectContaining({ repo: expect.stringMatching(/\S/), path: expect.stringMatching(/\S/), tag: expect.stringMatching(/\S/) }));
    }
    if (contract.origin === 'upstream') expect(contract.programs?.length).toBeGreaterThan(0);
  });

  test('the dr registry rewrite finds the same contract as the upstream reference', () => {
    expect(contractFor('registry.dr.example:5000/library/redis:7.2.5', 'registry.dr.example:5000')?.repository).toBe('docker.io/library/redis');
    expect(contractFor('registry.dr.example:5000/docker/library/redis:7.2.5-alpine', 'registry.dr.example:5000')?.repository).toBe('public.ecr.aws/docker/library/redis');
    expect(contractFor('docker.io/library/redis:7.2.6')).toBeUndefined();
  });
});

describe('every rendered pod respects the contracts of its images', () => {
  test('pods of every kind are checked', () => {
    const kinds = new Set(rows.map((r) => r.pod.workload.split(' ')[0]));
    expect([...kinds].sort()).toEqual(expect.arrayContaining(['CronJob', 'Deployment', 'Job', 'StatefulSet']));
    expect(new Set(rows.map((r) => r.pod.env))).toEqual(new Set(platforms.map(nameOf)));
  });

  test.each(rows.map((r) => [r.pod.env, r.pod.workload, r.violations]))('%s: %s', (_env, _w, violations) => {
    expect(show(violations as Violation[])).toEqual([]);
  });
});

// ---- the checker on hand-made pods ------------------------------------------------------------------------------

const KAFKA = 'docker.io/apache/kafka:3.9.1';
const ES = 'docker.elastic.co/elasticsearch/elasticsearch:8.19.8';
const restricted = { readOnlyRootFilesystem: true, runAsNonRoot: true };
function pod(containers: Manifest[], opts: { init?: Manifest[]; volumes?: Manifest[]; claims?: string[]; configMaps?: Record<string, Record<string, string>>; sc?: Manifest } = {}): PodUnderTest {
  return {
    env: 'unit', workload: 'StatefulSet unit/pod',
    template: { metadata: {}, spec: { securityContext: opts.sc ?? { runAsUser: 1000, fsGroup: 1000 }, initContainers: opts.init, containers, volumes: opts.volumes ?? [] } },
    claimTemplates: opts.claims ?? [],
    configMaps: new Map(Object.entries(opts.configMaps ?? {})),
  };
}
const check = (p: PodUnderTest) => checkPod(p, (image) => contractFor(image));
const rulesOf = (vs: Violation[]) => vs.map((v) => v.rule);
const scriptPod = (image: string, body: string, sc: Manifest = { runAsUser: 1000, fsGroup: 1000 }) => pod(
  [{ name: 'c', image, command: ['/bin/sh', '/scripts/run.sh'], env: [{ name: 'HOME', value: '/tmp' }, { name: 'LOG_DIR', value: '/tmp/logs' }], securityContext: restricted, volumeMounts: [{ name: 'scripts', mountPath: '/scripts' }, { name: 'tmp', mountPath: '/tmp' }] }],
  { volumes: [{ name: 'scripts', configMap: { name: 's', items: [{ key: 'run.sh', path: 'run.sh' }] } }, { name: 'tmp', emptyDir: {} }], configMaps: { s: { 'run.sh': body } }, sc },
);

describe('the checker catches each rule on a small pod', () => {
  const broker = (dataMount: string, env: Manifest[] = [{ name: 'LOG_DIR', value: '/tmp/logs' }]) => pod([{
    name: 'kafka', image: KAFKA, command: ['/bin/bash', '/scripts/run.sh'], env, securityContext: restricted,
    volumeMounts: [{ name: 'data', mountPath: dataMount }, { name: 'scripts', mountPath: '/scripts' }, { name: 'tmp', mountPath: '/tmp' }],
  }], {
    claims: ['data'], volumes: [{ name: 'scripts', configMap: { name: 's' } }, { name: 'tmp', emptyDir: {} }],
    configMaps: { s: { 'run.sh': 'exec /opt/kafka/bin/kafka-server-start.sh /tmp/server.properties\n' } },
  });

  test('volume: a claim at a parent of the image VOLUME fails; exactly at it passes', () => {
    const bad = check(broker('/var/lib/kafka'));
    expect(bad).toEqual([expect.objectContaining({ rule: 'volume', message: expect.stringMatching(/mounted at \/var\/lib\/kafka, a parent of the image's VOLUME \/var\/lib\/kafka\/data/) })]);
    expect(check(broker('/var/lib/kafka/data'))).toEqual([]);
  });

  test('volume: a program that writes the VOLUME path needs a claim or emptyDir there', () => {
    const redis = (mounts: Manifest[]) => pod([{ name: 'redis', image: 'docker.io/library/redis:7.2.5', securityContext: restricted, volumeMounts: mounts }],
      { volumes: [{ name: 'data', emptyDir: {} }, { name: 'cfg', configMap: { name: 'x' } }], configMaps: { x: {} }, sc: { runAsUser: 999, fsGroup: 999 } });
    expect(rulesOf(check(redis([])))).toEqual(['volume', 'write']);
    expect(check(redis([{ name: 'data', mountPath: '/data' }]))).toEqual([]);
    expect(check(redis([{ name: 'cfg', mountPath: '/data' }]))[0].message).toMatch(/is a configMap mount/);
  });

  test('write: with a read-only root, a path the image writes must be on a writable mount', () => {
    const logsOnRoot = check(broker('/var/lib/kafka/data', [{ name: 'LOG_DIR', value: '/opt/kafka/logs' }]));
    expect(logsOnRoot).toEqual([expect.objectContaining({ rule: 'write', message: expect.stringMatching(/writes \/opt\/kafka\/logs/) })]);
    const unset = check(broker('/var/lib/kafka/data', []));
    expect(unset[0].message).toMatch(/writes \/opt\/kafka\/logs, which is on no writable mount/);
    const redirect = check(scriptPod(KAFKA, 'echo x > /etc/kafka/out.txt\necho y > /tmp/ok\n'));
    expect(show(redirect)).toEqual(['[write] c (docker.io/apache/kafka:3.9.1): a script writes /etc/kafka/out.txt, which is on no writable mount with readOnlyRootFilesystem']);
  });

  test('config-env: every ${VAR} of a configuration file is set in each container that reads it, init containers too', () => {
    const es = (initEnv: Manifest[]) => pod([
      { name: 'elasticsearch', image: ES, env: [{ name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }], securityContext: restricted,
        volumeMounts: [{ name: 'config', mountPath: '/usr/share/elasticsearch/config' }, { name: 'data', mountPath: '/usr/share/elasticsearch/data' }, { name: 'config', mountPath: '/usr/share/elasticsearch/logs', subPath: 'logs' }, { name: 'config', mountPath: '/tmp', subPath: 'tmp' }] },
    ], {
      init: [{ name: 'prepare', image: ES, command: ['bash', '/mnt/scripts/prep.sh'], env: initEnv, securityContext: restricted,
        volumeMounts: [{ name: 'settings', mountPath: '/mnt/settings' }, { name: 'scripts', mountPath: '/mnt/scripts' }, { name: 'config', mountPath: '/mnt/config' }, { name: 'config', mountPath: '/tmp', subPath: 'tmp' }] }],
      claims: ['data'],
      volumes: [{ name: 'config', emptyDir: {} }, { name: 'settings', configMap: { name: 'settings' } }, { name: 'scripts', configMap: { name: 'scripts' } }],
      configMaps: { settings: { 'elasticsearch.yml': 'network.publish_host: ${POD_IP}\n' }, scripts: { 'prep.sh': 'export ES_PATH_CONF=/mnt/config\n/usr/share/elasticsearch/bin/elasticsearch-keystore create\n' } },
    });
    expect(show(check(es([])))).toEqual([`[config-env] prepare (${ES}): reads elasticsearch.yml (via elasticsearch-keystore), which uses \${POD_IP}: not set in this container`]);
    expect(check(es([{ name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }]))).toEqual([]);
  });

  test('config-env: ClickHouse from_env attributes; a variable the start script exports counts', () => {
    const ch = (scriptBody: string) => pod([{ name: 'ch', image: 'docker.io/clickhouse/clickhouse-server:24.8.14.39', command: ['/bin/sh', '/s/run.sh'], securityContext: restricted,
      volumeMounts: [{ name: 'cfg', mountPath: '/etc/clickhouse-server/config.d' }, { name: 's', mountPath: '/s' }, { name: 'data', mountPath: '/var/lib/clickhouse' }] }], {
      claims: ['data'], volumes: [{ name: 'cfg', configMap: { name: 'cfg' } }, { name: 's', configMap: { name: 's' } }],
      configMaps: { cfg: { 'x.xml': '<clickhouse><log remove="1"/><password from_env="SECRET_SHA"/></clickhouse>' }, s: { 'run.sh': scriptBody } }, sc: { runAsUser: 101, fsGroup: 101 },
    });
    expect(check(ch('exec /usr/bin/clickhouse-server\n'))[0].message).toMatch(/from_env="SECRET_SHA": not set/);
    expect(check(ch('SECRET_SHA=$(printf x | sha256sum)\nexport SECRET_SHA\nexec /usr/bin/clickhouse-server\n'))).toEqual([]);
  });

  test('program: every program a script runs exists in the image', () => {
    const mc = 'quay.io/minio/mc:RELEASE.2025-08-13T08-35-41Z';
    expect(show(check(scriptPod(mc, 'mc ls x | grep -q y\n', { runAsUser: 10001 })))).toEqual([`[program] c (${mc}): /scripts/run.sh runs "grep", which the image does not have`]);
    expect(check(scriptPod(mc, 'out=$(mc ls x)\ncase "$out" in *y*) echo yes ;; esac\n', { runAsUser: 10001 }))).toEqual([]);
    expect(check(scriptPod('docker.io/library/redis:7.2.5', 'timeout 3 redis-cli ping | grep -q PONG\n', { runAsUser: 999 }))).toEqual([]);
    expect(check(scriptPod('docker.io/library/redis:7.2.5', 'timeout 3 kafka-topics.sh --list\n', { runAsUser: 999 }))[0].message).toMatch(/runs "kafka-topics.sh", which the image does not have/);
    expect(check(scriptPod(KAFKA, '"$BIN/kafka-topics.sh" --list\n'))[0].message).toMatch(/cannot tell which program "\$BIN\/kafka-topics.sh" is/);
    expect(check(scriptPod(KAFKA, 'bin="${KAFKA_BIN:-/opt/kafka/bin}"\n"$bin/kafka-topics.sh" --list\n'))).toEqual([]);
    const notMounted = check(pod([{ name: 'c', image: KAFKA, command: ['/bin/bash', '/etc/x/run.sh'], securityContext: restricted }]));
    expect(notMounted[0].message).toMatch(/runs the script \/etc\/x\/run.sh, which no ConfigMap mounts/);
  });

  test('program: scripts and command settings of a configuration file given to the container\'s program run there too', () => {
    const spilo = (archive: string) => pod([{ name: 'pg', image: 'ghcr.io/zalando/spilo-17:4.0-p3', command: ['patroni', '/etc/patroni/patroni.yml'],
      volumeMounts: [{ name: 'cfg', mountPath: '/etc/patroni' }] }], {
      volumes: [{ name: 'cfg', configMap: { name: 'cfg' } }], sc: { runAsUser: 101, fsGroup: 103 },
      configMaps: { cfg: { 'patroni.yml': `postgresql:\n  parameters:\n    archive_command: ${archive}\n  callbacks:\n    on_start: /etc/patroni/cb.sh\n`, 'cb.sh': 'psql -c "select 1"\nbarman-cloud-backup x\n' } },
    });
    expect(show(check(spilo('wal-g wal-push "%p"')))).toEqual(['[program] pg (ghcr.io/zalando/spilo-17:4.0-p3): /etc/patroni/cb.sh runs "barman-cloud-backup", which the image does not have']);
    expect(check(spilo('pgbackrest archive-push "%p"')).map((v) => v.message)).toContain('/etc/patroni/patroni.yml#archive_command runs "pgbackrest", which the image does not have');
  });

  test('program: a program copied in by an init container counts, if the init image has it', () => {
    const copy = (src: string) => pod([{ name: 'c', image: 'docker.io/clickhouse/clickhouse-server:24.8.14.39', command: ['/opt/tools/mc', 'ls'], securityContext: { runAsNonRoot: true },
      volumeMounts: [{ name: 'tools', mountPath: '/opt/tools', readOnly: true }] }], {
      init: [{ name: 'mc', image: 'quay.io/minio/mc:RELEASE.2025-08-13T08-35-41Z', command: ['cp', src, '/opt/tools/mc'], volumeMounts: [{ name: 'tools', mountPath: '/opt/tools' }] }],
      volumes: [{ name: 'tools', emptyDir: {} }], sc: { runAsUser: 101, fsGroup: 101 },
    });
    expect(check(copy('/usr/bin/mc'))).toEqual([]);
    expect(rulesOf(check(copy('/usr/local/bin/mc')))).toEqual(['program', 'program']);
  });

  test('user: the image\'s own uid and group where it needs them; a numeric non-root uid where the image has none', () => {
    const spilo = (sc: Manifest) => pod([{ name: 'pg', image: 'ghcr.io/zalando/spilo-17:4.0-p3', command: ['patroni', '/x.yml'] }], { sc });
    expect(check(spilo({ runAsUser: 101, fsGroup: 103 }))).toEqual([]);
    expect(show(check(spilo({ runAsUser: 1000, fsGroup: 1000 })))).toEqual([
      '[user] pg (ghcr.io/zalando/spilo-17:4.0-p3): runs as uid 1000; the image needs its own user postgres uid 101',
      '[user] pg (ghcr.io/zalando/spilo-17:4.0-p3): fsGroup is 1000; the image\'s group is gid 103',
    ]);
    const exporter = pod([{ name: 'e', image: 'quay.io/prometheuscommunity/pgbouncer-exporter:v0.10.2' }], { sc: {} });
    expect(check(exporter)[0].message).toMatch(/"nobody" \(not numeric\): runAsUser must be set/);
  });

  test('contract: an image without a contract fails, naming it', () => {
    const v = check(pod([{ name: 'x', image: 'docker.io/library/busybox:1.36' }]));
    expect(show(v)).toEqual(['[contract] x (docker.io/library/busybox:1.36): image docker.io/library/busybox:1.36 has no contract in charts/lib/image-contracts.ts']);
  });
});

describe('the checker fails real pods when they are broken', () => {
  // Rendered pods, each changed in one place: the check must notice.
  const find = (env: string, workload: string) => rows.find((r) => r.pod.env === `receivables/${env}` && r.pod.workload === workload)!.pod;
  const prod = platforms.find((p) => nameOf(p) === 'receivables/production')!;
  const lookup = lookupIn(prod.config.images.registry);
  const withContainer = (p: PodUnderTest, name: string, change: (c: Manifest) => Manifest): PodUnderTest => {
    const spec = p.template.spec;
    const map = (cs?: Manifest[]) => cs?.map((c) => (c.name === name ? change(structuredClone(c)) : c));
    return { ...p, template: { ...p.template, spec: { ...spec, initContainers: map(spec.initContainers), containers: map(spec.containers) } } };
  };

  test('Redis without its /data claim', () => {
    const broken = withContainer(find('production', 'StatefulSet db-redis/redis'), 'redis', (c) => ({ ...c, volumeMounts: c.volumeMounts.filter((m: Manifest) => m.mountPath !== '/data') }));
    expect(rulesOf(checkPod(broken, lookup))).toEqual(expect.arrayContaining(['volume', 'write']));
  });

  test('Elasticsearch without POD_IP in its main container', () => {
    const broken = withContainer(find('production', 'StatefulSet db-elasticsearch/elasticsearch-data'), 'elasticsearch', (c) => ({ ...c, env: c.env.filter((e: Manifest) => e.name !== 'POD_IP') }));
    expect(checkPod(broken, lookup).filter((v) => v.container === 'elasticsearch').map((v) => v.message)).toEqual([expect.stringMatching(/uses \$\{POD_IP\}: not set/)]);
  });

  test('the Redis start script run in the mc image', () => {
    const broken = withContainer(find('production', 'StatefulSet db-redis/redis'), 'redis', (c) => ({ ...c, image: 'quay.io/minio/mc:RELEASE.2025-08-13T08-35-41Z' }));
    expect(checkPod(broken, lookup).filter((v) => v.rule === 'program').map((v) => /runs "([^"]+)"/.exec(v.message)?.[1])).toEqual(expect.arrayContaining(['redis-cli', 'redis-server', 'awk', 'grep', 'sed']));
  });

  test('Patroni as another uid', () => {
    const p = find('production', 'StatefulSet db-postgres/postgres-production');
    const broken = { ...p, template: { ...p.template, spec: { ...p.template.spec, securityContext: { ...p.template.spec.securityContext, runAsUser: 1000 } } } };
    expect(checkPod(broken, lookup).filter((v) => v.rule === 'user').map((v) => v.container)).toEqual(['postgres']);
  });

  test('Kafka with its logs on the read-only root', () => {
    const broken = withContainer(find('production', 'StatefulSet db-kafka/kafka'), 'kafka', (c) => ({ ...c, env: c.env.filter((e: Manifest) => e.name !== 'LOG_DIR') }));
    expect(checkPod(broken, lookup).map((v) => v.message)).toEqual(expect.arrayContaining([expect.stringMatching(/writes \/opt\/kafka\/logs/)]));
  });
});

describe('the script reader', () => {
  test('finds the programs past quoting, substitutions, wrappers, case patterns, functions and here-documents', () => {
    const s = parseShell([
      'set -eu',
      'f() { printf "%s" "$(sed -n 1p "$1")"; }',
      'x=$(timeout 3 redis-cli ping | awk \'{ print $1 }\')',
      'case "$x" in',
      '  PONG|LOADING*) echo ok ;;',
      '  *) exec "${BIN:-/usr/bin/redis-server}" /run/r.conf ;;',
      'esac',
      'cat >/tmp/out <<EOF',
      'not a command',
      'EOF',
      'while read -r a <&3; do [ -n "$a" ] || continue; done 3<"/x"',
      "trap 'rm -f /tmp/out' EXIT",
      'export A=1 B',
    ].join('\n'));
    const programs = s.commands.flatMap((c) => programsOf(c.words));
    expect(programs).toEqual(expect.arrayContaining(['timeout', 'redis-cli', 'awk', 'sed', '${BIN:-/usr/bin/redis-server}', 'cat', 'rm', 'read']));
    expect(programs).not.toEqual(expect.arrayContaining(['not', 'PONG', 'LOADING*', '/x']));
    expect([...s.functions]).toEqual(['f']);
    expect([...s.exports].sort()).toEqual(['A', 'B']);
    expect(s.commands.flatMap((c) => c.writes)).toEqual(['/tmp/out']);
  });

  test('expands defaults and reports what it cannot know', () => {
    const vars = (n: string) => (n === 'HOME' ? { set: true, value: '/tmp' } : n === 'SECRET' ? { set: true } : { set: false });
    expect(expand('${HOME:-/}/.mc', vars)).toBe('/tmp/.mc');
    expect(expand('${NOPE:-/opt/kafka}/bin', vars)).toBe('/opt/kafka/bin');
    expect(expand('$SECRET', vars)).toBeUndefined();
    expect(expand('$NOPE/x', vars)).toBeUndefined();
    expect(expand('$(date)', vars)).toBeUndefined();
  });
});
