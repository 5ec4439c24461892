/**
 * Image contracts: what each pinned image declares and does, read from the image's own source at its tag, so that
 * `test/image-contracts.test.ts` can check every rendered pod against the image it runs (issue 13).
 *
 * One entry per image of `dist/<platform>/<env>/images.txt` (all environments), keyed by `<repository>:<tag>` as the charts
 * pin it before the registry rewrite. Every fact carries its `source`: repository, path and the git tag read (or,
 * where the stored snapshot has no such tag, the commit read and why it stands for the tag).
 *
 * Three kinds of entries:
 * - `upstream`: images our charts run in pods we render; complete contracts.
 * - `addon`: images run only by upstream Helm charts (Argo CD, cert-manager, Prometheus stack…): user, volumes
 *   and entry point only; the charts, not we, render their pods.
 * - `platform`: the platform's own images (`registry.receivables.internal/platform/…`) have no public source:
 *   their entries are the contract the platform requires of them (docs/apps.md "Image contracts"), not facts
 *   read from a Dockerfile.
 *
 * Program names: `<default>` stands for "the image's own entry point and command run" (the container sets no
 * `command`). Paths may use `${HOME}`; the checker expands it from the container's environment (default `/`).
 */

/** Where a fact was read. */
export interface Source {
  /** `owner/name` on GitHub. */
  readonly repo: string;
  readonly path: string;
  /** The git tag of the pinned image version (or the image tag it corresponds to, see `commit`). */
  readonly tag: string;
  /** The commit actually read, where the stored snapshot lacks `tag` (then `note` says why it stands for it). */
  readonly commit?: string;
  readonly note?: string;
}

export interface Fact<T> {
  readonly value: T;
  readonly source: Source | readonly Source[];
}

export interface ImageUser {
  /** Numeric uid the image runs as; `undefined` when the image names no numeric user (then kubelet cannot verify runAsNonRoot). */
  readonly uid?: number;
  readonly gid?: number;
  /** The user name, as the Dockerfile says it. */
  readonly name?: string;
  /**
   * The image needs to run as exactly this uid (and gid as fsGroup): its programs look the uid up, or its data
   * directories must be owned by it. Otherwise any non-root uid works.
   */
  readonly needsOwnUser: boolean;
  /** Programs that need the own user (others in the image run as any uid); all of them when absent. */
  readonly neededBy?: readonly string[];
}

export interface ImageVolume {
  /** The `VOLUME` path. */
  readonly path: string;
  /** Programs that write there (a container running one of them must mount a claim or emptyDir exactly here). */
  readonly usedBy: readonly string[];
  /** Text that, found in a configuration file mounted into the container, moves the program's data elsewhere. */
  readonly unlessConfigContains?: string;
}

export interface ImageWrite {
  /** Path written (directory or file); may contain `${HOME}`. */
  readonly path: string;
  /** Programs that write it. */
  readonly by: readonly string[];
  /** An environment variable that, when set, replaces `path`. */
  readonly redirectedByEnv?: string;
  /** A command-line flag of the program that, when given, replaces `path` (`--flag value` or `--flag=value`). */
  readonly redirectedByFlag?: string;
  /** Text that, found in a configuration file mounted into the container, turns this write off. */
  readonly unlessConfigContains?: string;
}

export interface EnvInterpolatedConfig {
  /** Regular expression (source) matched against the file name of a mounted configuration file. */
  readonly file: string;
  /** `dollar`: `${VAR}` placeholders; `from_env`: ClickHouse's `from_env="VAR"` attributes. */
  readonly syntax: 'dollar' | 'from_env';
  /** Programs that read and resolve such files. */
  readonly readBy: readonly string[];
}

export interface ImageContract {
  readonly repository: string;
  readonly tag: string;
  readonly origin: 'upstream' | 'addon' | 'platform';
  readonly user: Fact<ImageUser>;
  readonly volumes: Fact<readonly ImageVolume[]>;
  readonly entrypoint: Fact<readonly string[]>;
  readonly cmd: Fact<readonly string[]>;
  /** Programs the image's own entry point runs when the container sets no `command`. */
  readonly startRuns?: Fact<readonly string[]>;
  /** Environment the image sets (ENV) that matters to the checks. */
  readonly env?: Fact<Readonly<Record<string, string>>>;
  /** Directories of the image's PATH, to resolve bare program names. */
  readonly path?: Fact<readonly string[]>;
  /** Paths the image's programs write when they start. */
  readonly writes?: Fact<readonly ImageWrite[]>;
  /** Programs present (absolute paths), in groups with one citation each; only those our scripts may call are listed. */
  readonly programs?: readonly Fact<readonly string[]>[];
  readonly envConfig?: Fact<readonly EnvInterpolatedConfig[]>;
  /** Settings of a configuration file whose values are shell command lines the image runs (`archive_command`). */
  readonly configCommands?: Fact<readonly { readonly file: string; readonly keys: readonly string[] }[]>;
}

// ---- shared facts of base images ----------------------------------------------------------------------------

const STD_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
const at = (dir: string, names: readonly string[]) => names.map((n) => `${dir}/${n}`);
/** Programs of a Debian/Ubuntu base (packages of priority required: bash, dash, coreutils, sed, grep, mawk, findutils, util-linux, libc-bin); merged /usr, so /bin = /usr/bin. */
const DEBIAN_BASE = [
  ...at('/bin', ['sh', 'bash', 'dash']), ...at('/usr/bin', ['bash', 'sh']),
  ...['/usr/bin', '/bin'].flatMap((d) => at(d, [
    'cat', 'cp', 'mv', 'rm', 'mkdir', 'chmod', 'touch', 'sleep', 'date', 'cut', 'tr', 'head', 'tail', 'sort', 'mktemp',
    'sha256sum', 'timeout', 'id', 'env', 'basename', 'dirname', 'ls', 'ln', 'wc', 'tee', 'sed', 'grep', 'awk', 'mawk',
    'find', 'xargs', 'getent', 'hostname', 'kill', 'true', 'false', 'test', '[', 'printf', 'echo', 'stat', 'uname',
  ])),
];
/** Programs of busybox (Alpine's and the Prometheus busybox base): the applets our scripts use. */
const BUSYBOX_BASE = ['/bin', '/usr/bin'].flatMap((d) => at(d, [
  'sh', 'ash', 'cat', 'cp', 'mv', 'rm', 'mkdir', 'chmod', 'touch', 'sleep', 'date', 'cut', 'tr', 'head', 'tail',
  'sort', 'mktemp', 'sha256sum', 'timeout', 'id', 'env', 'basename', 'dirname', 'ls', 'ln', 'wc', 'sed', 'grep',
  'awk', 'nc', 'find', 'xargs', 'hostname', 'kill', 'true', 'false', 'test', '[', 'printf', 'echo',
]));
/** Red Hat UBI 9 micro: bash and coreutils-single only; no grep, sed or find (no package manager to add them). */
const UBI_MICRO_BASE = ['/bin', '/usr/bin'].flatMap((d) => at(d, [
  'sh', 'bash', 'cat', 'cp', 'mv', 'rm', 'mkdir', 'chmod', 'touch', 'sleep', 'date', 'cut', 'tr', 'head', 'tail',
  'sort', 'mktemp', 'sha256sum', 'timeout', 'id', 'env', 'basename', 'dirname', 'ls', 'ln', 'wc', 'tee', 'true',
  'false', 'test', '[', 'printf', 'echo',
]));
const UBI_MICRO_SOURCES: readonly Source[] = [
  { repo: 'minio/mc', path: 'Dockerfile.release', tag: 'RELEASE.2025-08-13T08-35-41Z', note: 'final stage FROM registry.access.redhat.com/ubi9/ubi-micro, no package installed' },
  { repo: 'minio/mc', path: 'issues/4764', tag: 'RELEASE.2023-09-29T16-41-22Z', note: 'since the switch to ubi-micro (minio/mc#4725) sed is not in the image' },
  { repo: 'jfrog/charts', path: 'issues/1721', tag: 'ubi8/ubi-micro:8.7.1', note: '"sh: grep: command not found" in ubi-micro' },
  { repo: 'fatherlinux/ubi-micro', path: 'issues/5', tag: 'ubi8', note: 'the 18 packages of ubi-micro: bash, coreutils-single, glibc, ncurses, pcre2, … (no grep, sed, findutils)' },
];


// ---- upstream images our charts run ---------------------------------------------------------------------------

const KAFKA: Source = {
  repo: 'apache/kafka', path: 'docker/jvm/Dockerfile', tag: '3.9.1', commit: '3.9.0-rc3',
  note: 'the stored snapshot ends before 3.9.1; docker/jvm is unchanged between 3.9.0-rc3 (= 3.9.0) and the 3.9 branch head',
};
const KAFKA_RUN_CLASS: Source = { ...KAFKA, path: 'bin/kafka-run-class.sh', note: 'LOG_DIR defaults to $base_dir/logs and is created when KAFKA_LOG4J_OPTS is set; the JVM writes hsperfdata to /tmp' };
const KAFKA_SCRIPTS = ['kafka-server-start.sh', 'kafka-storage.sh', 'kafka-topics.sh', 'kafka-configs.sh', 'kafka-run-class.sh'];

const REDIS: Source = { repo: 'docker-library/redis', path: '7.2/debian/Dockerfile', tag: '7.2.5', commit: 'e92049967d6baa9b4b3d6fd950553e6458e61f13', note: 'docker-library has no tags; this commit builds REDIS_VERSION 7.2.5' };
const SPILO: Source = { repo: 'zalando/spilo', path: 'postgres-appliance/Dockerfile', tag: '4.0-p3' };
const PGBOUNCER: Source = { repo: 'cloudnative-pg/pgbouncer-containers', path: 'Dockerfile', tag: 'v1.24.1-23', note: 'image tag 1.24.1 follows the newest build of 1.24.1 (release 23)' };
const CH_SERVER: Source = { repo: 'ClickHouse/ClickHouse', path: 'docker/server/Dockerfile.ubuntu', tag: 'v24.8.14.39-lts', commit: '001409ce725057e78f20cef6f6f0b18d45521a3a', note: 'repository too large to fetch; stored version read (user, VOLUME and entry point unchanged across 24.x–25.x)' };
const CH_KEEPER: Source = { repo: 'ClickHouse/ClickHouse', path: 'docker/keeper/Dockerfile', tag: 'v24.8.14.39-lts', commit: '000abf0a2aec9c2a365bbd6e11e095ea7cd7275e', note: 'stored version of 24.7 (VERSION 24.7.3.42) read; the repository is too large to fetch' };
const ES: Source = { repo: 'elastic/elasticsearch', path: 'distribution/docker/src/docker/dockerfiles/default/Dockerfile', tag: 'v8.19.8', commit: '0729e2cac0970fa2ec1cc438cc2a58ddc1b1c3d4', note: 'repository too large to fetch; the stored version of the default (Ubuntu) image template read' };
const ES_ENTRY: Source = { ...ES, path: 'distribution/docker/src/docker/bin/docker-entrypoint.sh', commit: '05a01332fef304cc73675a1fc48c8af6cc8a7fae' };
const ES_SETTINGS: readonly Source[] = [
  { repo: 'elastic/elasticsearch', path: 'server/src/main/java/org/elasticsearch/common/cli/KeyStoreAwareCommand.java', tag: 'v8.19.8', commit: '024b6ac545f59a4b7c5244cf81d6a4cb6147ae97', note: 'KeyStoreAwareCommand extends EnvironmentAwareCommand, which loads elasticsearch.yml and resolves ${VAR} placeholders from the environment' },
  { repo: 'elastic/cloud-on-k8s', path: 'issues/5577', tag: 'v8.19.8', note: 'elasticsearch-keystore in an init container fails on a ${VAR} of elasticsearch.yml unset there' },
];
const MINIO: Source = { repo: 'minio/minio', path: 'Dockerfile.release', tag: 'RELEASE.2025-09-07T16-13-09Z' };
const MC: Source = { repo: 'minio/mc', path: 'Dockerfile.release', tag: 'RELEASE.2025-08-13T08-35-41Z' };
const KONG: Source = { repo: 'Kong/docker-kong', path: 'ubuntu/Dockerfile', tag: '3.9.0' };

const KIBANA: Source = {
  repo: 'elastic/kibana', path: 'src/dev/build/tasks/os_packages/docker_generator/templates/base/Dockerfile', tag: 'v8.19.8',
  commit: '00016fb3aaa3840f7740c4561805ce8c0a510d01', note: 'repository too large to fetch; the stored version of the image template read',
};
const KIBANA_DOCKER: Source = {
  repo: 'elastic/kibana', path: 'src/dev/build/tasks/os_packages/docker_generator/resources/base/bin/kibana-docker', tag: 'v8.19.8',
  commit: '00cc64eb33dc3f617ff730dce9d6118ffd318ff1', note: 'stored version read: environment variables of its kibana_vars list become --<setting> options of bin/kibana',
};
const upstream: ImageContract[] = [
  {
    repository: 'docker.io/apache/kafka', tag: '3.9.1', origin: 'upstream',
    user: { value: { uid: 1000, gid: 1000, name: 'appuser', needsOwnUser: true }, source: { ...KAFKA, note: `${KAFKA.note}; "adduser -h /home/appuser -D appuser" (first user of the Alpine base: 1000:1000) owns /opt/kafka and /var/lib/kafka; USER appuser` } },
    volumes: {
      value: [
        { path: '/var/lib/kafka/data', usedBy: ['kafka-server-start.sh', 'kafka-storage.sh'] },
        { path: '/etc/kafka/secrets', usedBy: ['/etc/kafka/docker/run'] },
        { path: '/mnt/shared/config', usedBy: ['/etc/kafka/docker/run'] },
      ],
      source: KAFKA,
    },
    entrypoint: { value: [], source: KAFKA },
    cmd: { value: ['/etc/kafka/docker/run'], source: KAFKA },
    startRuns: { value: ['/etc/kafka/docker/run', 'kafka-run-class.sh', 'kafka-server-start.sh', 'kafka-storage.sh'], source: { ...KAFKA, path: 'docker/jvm/launch' } },
    path: { value: STD_PATH, source: { ...KAFKA, note: 'FROM eclipse-temurin:21-jre-alpine; PATH not extended to /opt/kafka/bin' } },
    writes: {
      value: [
        { path: '/opt/kafka/logs', by: KAFKA_SCRIPTS, redirectedByEnv: 'LOG_DIR' },
        { path: '/tmp', by: KAFKA_SCRIPTS },
        { path: '/opt/kafka/config', by: ['/etc/kafka/docker/run'] },
      ],
      source: KAFKA_RUN_CLASS,
    },
    programs: [
      { value: [...BUSYBOX_BASE, '/bin/bash', '/usr/bin/bash'], source: { ...KAFKA, note: 'eclipse-temurin:21-jre-alpine (busybox) plus "apk add … bash"' } },
      { value: at('/opt/kafka/bin', KAFKA_SCRIPTS), source: { ...KAFKA, note: 'the Kafka distribution unpacked into /opt/kafka' } },
    ],
  },
  {
    repository: 'docker.io/library/redis', tag: '7.2.5', origin: 'upstream',
    user: { value: { uid: 999, gid: 999, name: 'redis', needsOwnUser: false }, source: { ...REDIS, note: `${REDIS.note}; "groupadd -r -g 999 redis; useradd -r -g redis -u 999 redis"; no USER (the entry point drops from root with gosu, and runs as any uid otherwise)` } },
    volumes: { value: [{ path: '/data', usedBy: ['redis-server'] }], source: REDIS },
    entrypoint: { value: ['docker-entrypoint.sh'], source: REDIS },
    cmd: { value: ['redis-server'], source: REDIS },
    startRuns: { value: ['docker-entrypoint.sh', 'redis-server'], source: { ...REDIS, path: '7.2/debian/docker-entrypoint.sh' } },
    path: { value: STD_PATH, source: { ...REDIS, note: 'FROM debian:bookworm-slim' } },
    writes: { value: [{ path: '/data', by: ['redis-server'] }], source: { ...REDIS, note: 'WORKDIR /data: the default "dir" of dump.rdb and appendonlydir' } },
    programs: [
      { value: DEBIAN_BASE, source: { ...REDIS, note: 'FROM debian:bookworm-slim (required packages)' } },
      { value: at('/usr/local/bin', ['redis-server', 'redis-cli', 'redis-sentinel', 'redis-check-rdb', 'redis-check-aof', 'redis-benchmark', 'gosu', 'docker-entrypoint.sh']), source: { ...REDIS, note: '"make -C /usr/src/redis install" (redis-sentinel and redis-check-* are links to redis-server) and gosu into /usr/local/bin' } },
    ],
  },
  {
    repository: 'docker.io/oliver006/redis_exporter', tag: 'v1.63.0', origin: 'upstream',
    user: { value: { uid: 59000, gid: 59000, needsOwnUser: false }, source: { repo: 'oliver006/redis_exporter', path: 'docker/Dockerfile', tag: 'v1.63.0', note: 'FROM scratch; USER 59000:59000' } },
    volumes: { value: [], source: { repo: 'oliver006/redis_exporter', path: 'docker/Dockerfile', tag: 'v1.63.0' } },
    entrypoint: { value: ['/redis_exporter'], source: { repo: 'oliver006/redis_exporter', path: 'docker/Dockerfile', tag: 'v1.63.0' } },
    cmd: { value: [], source: { repo: 'oliver006/redis_exporter', path: 'docker/Dockerfile', tag: 'v1.63.0' } },
    programs: [{ value: ['/redis_exporter'], source: { repo: 'oliver006/redis_exporter', path: 'docker/Dockerfile', tag: 'v1.63.0', note: 'scratch: the exporter binary is the only program' } }],
  },
  {
    repository: 'docker.io/danielqsj/kafka-exporter', tag: 'v1.9.0', origin: 'upstream',
    user: { value: { name: 'nobody', needsOwnUser: false }, source: { repo: 'danielqsj/kafka_exporter', path: 'Dockerfile', tag: 'v1.9.0', note: 'FROM quay.io/prometheus/busybox; USER nobody (non-numeric: the pod must set runAsUser)' } },
    volumes: { value: [], source: { repo: 'danielqsj/kafka_exporter', path: 'Dockerfile', tag: 'v1.9.0' } },
    entrypoint: { value: ['/bin/kafka_exporter'], source: { repo: 'danielqsj/kafka_exporter', path: 'Dockerfile', tag: 'v1.9.0' } },
    cmd: { value: [], source: { repo: 'danielqsj/kafka_exporter', path: 'Dockerfile', tag: 'v1.9.0' } },
    programs: [{ value: ['/bin/kafka_exporter', ...BUSYBOX_BASE], source: { repo: 'danielqsj/kafka_exporter', path: 'Dockerfile', tag: 'v1.9.0' } }],
  },
  {
    repository: 'ghcr.io/zalando/spilo-17', tag: '4.0-p3', origin: 'upstream',
    user: {
      value: { uid: 101, gid: 103, name: 'postgres', needsOwnUser: true, neededBy: ['patroni', 'postgres', 'initdb', 'pg_ctl'] },
      source: [
        { ...SPILO, path: 'postgres-appliance/build_scripts/post_build.sh', note: 'the postgres user of Ubuntu\'s postgresql-common owns $PGHOME and $RW_DIR; initdb and postgres look their uid up in /etc/passwd' },
        { repo: 'zalando/postgres-operator', path: 'charts/postgres-operator/values.yaml', tag: 'v2.0.1', commit: 'a7aaad0a0b9517bb46077f2925eb80ae8ebe1a0c', note: 'spilo_runasuser: 101, spilo_runasgroup: 103, spilo_fsgroup: 103 (the ids of postgres in the Spilo image)' },
      ],
    },
    volumes: { value: [], source: { ...SPILO, note: 'no VOLUME instruction' } },
    entrypoint: { value: [], source: SPILO },
    cmd: { value: ['/bin/sh', '/launch.sh', 'init'], source: SPILO },
    startRuns: { value: ['/launch.sh', 'runsvdir', 'patroni'], source: { ...SPILO, path: 'postgres-appliance/launch.sh' } },
    env: { value: { PGHOME: '/home/postgres', PGDATA: '/home/postgres/pgdata/pgroot/data', RW_DIR: '/run' }, source: SPILO },
    path: { value: [...STD_PATH, '/usr/lib/postgresql/17/bin'], source: { ...SPILO, note: 'ENV PATH=$PATH:/usr/lib/postgresql/$PGVERSION/bin' } },
    configCommands: {
      value: [{ file: '^patroni\\.yml$', keys: ['archive_command', 'restore_command', 'recovery_min_apply_delay_command'] }],
      source: { repo: 'postgres/postgres', path: 'doc/src/sgml/config.sgml', tag: 'REL_17_0', note: 'archive_command and restore_command are shell commands run by the server (here under Patroni, in this container)' },
    },
    writes: {
      value: [
        { path: '/home/postgres/pgdata/pgroot/data', by: ['patroni'], redirectedByEnv: 'PGDATA' },
        { path: '/var/run/postgresql', by: ['patroni'] },
        { path: '/tmp', by: ['patroni', 'wal-g'] },
      ],
      source: [SPILO, { ...SPILO, path: 'postgres-appliance/scripts/configure_spilo.py', note: 'the Debian build of PostgreSQL puts its socket in /var/run/postgresql' }],
    },
    programs: [
      { value: DEBIAN_BASE, source: { ...SPILO, note: 'ARG BASE_IMAGE=ubuntu:22.04' } },
      { value: at('/usr/bin', ['curl', 'jq', 'openssl', 'runsvdir', 'chpst']), source: { ...SPILO, path: 'postgres-appliance/build_scripts/prepare.sh', note: '"apt-get install … curl ca-certificates … jq … runit" (ca-certificates depends on openssl)' } },
      { value: ['/usr/local/bin/wal-g'], source: { ...SPILO, note: 'COPY --from=dependencies-builder /builddeps/wal-g /usr/local/bin/' } },
      { value: ['/usr/local/bin/patroni', '/usr/local/bin/patronictl'], source: { ...SPILO, path: 'postgres-appliance/build_scripts/patroni_wale.sh', note: 'pip3 install "patroni[kubernetes]"' } },
      { value: at('/usr/lib/postgresql/17/bin', ['psql', 'postgres', 'pg_ctl', 'initdb', 'pg_basebackup', 'pg_rewind', 'pg_isready']), source: { ...SPILO, path: 'postgres-appliance/build_scripts/base.sh', note: 'postgresql-$version packages' } },
    ],
  },
  {
    repository: 'ghcr.io/cloudnative-pg/pgbouncer', tag: '1.24.1', origin: 'upstream',
    user: { value: { uid: 998, gid: 996, name: 'pgbouncer', needsOwnUser: false }, source: { ...PGBOUNCER, note: 'groupadd -r --gid 996 pgbouncer; useradd -r --uid 998 --gid 996 pgbouncer; USER pgbouncer' } },
    volumes: { value: [], source: PGBOUNCER },
    entrypoint: { value: ['./entrypoint.sh'], source: PGBOUNCER },
    cmd: { value: [], source: PGBOUNCER },
    startRuns: { value: ['./entrypoint.sh', 'pgbouncer'], source: { ...PGBOUNCER, path: 'entrypoint.sh' } },
    path: { value: STD_PATH, source: { ...PGBOUNCER, note: 'FROM debian:bookworm-slim' } },
    writes: { value: [{ path: '/tmp', by: ['pgbouncer'] }], source: { ...PGBOUNCER, note: 'pgbouncer\'s unix_socket_dir defaults to /tmp' } },
    programs: [
      { value: DEBIAN_BASE, source: { ...PGBOUNCER, note: 'FROM debian:bookworm-slim (required packages)' } },
      { value: ['/usr/bin/pgbouncer'], source: { ...PGBOUNCER, note: 'COPY --from=build pgbouncer /usr/bin/' } },
      { value: ['/usr/bin/openssl'], source: { ...PGBOUNCER, path: 'packages.txt', note: 'openssl 3.0.17-1~deb12u3 (apt-get install postgresql pulls postgresql-common, which depends on ssl-cert, which depends on openssl); every v1.24.1-* release lists it' } },
    ],
  },
  {
    repository: 'quay.io/prometheuscommunity/pgbouncer-exporter', tag: 'v0.10.2', origin: 'upstream',
    user: { value: { name: 'nobody', needsOwnUser: false }, source: { repo: 'prometheus-community/pgbouncer_exporter', path: 'Dockerfile', tag: 'v0.10.2', note: 'USER nobody (non-numeric: the pod must set runAsUser)' } },
    volumes: { value: [], source: { repo: 'prometheus-community/pgbouncer_exporter', path: 'Dockerfile', tag: 'v0.10.2' } },
    entrypoint: { value: ['/bin/pgbouncer_exporter'], source: { repo: 'prometheus-community/pgbouncer_exporter', path: 'Dockerfile', tag: 'v0.10.2' } },
    cmd: { value: [], source: { repo: 'prometheus-community/pgbouncer_exporter', path: 'Dockerfile', tag: 'v0.10.2' } },
    programs: [{ value: ['/bin/pgbouncer_exporter', ...BUSYBOX_BASE], source: { repo: 'prometheus-community/pgbouncer_exporter', path: 'Dockerfile', tag: 'v0.10.2', note: 'FROM quay.io/prometheus/busybox' } }],
  },
  {
    repository: 'quay.io/prometheuscommunity/postgres-exporter', tag: 'v0.20.1', origin: 'upstream',
    user: { value: { name: 'nobody', needsOwnUser: false }, source: { repo: 'prometheus-community/postgres_exporter', path: 'Dockerfile', tag: 'v0.20.1', note: 'USER nobody (non-numeric: the pod must set runAsUser)' } },
    volumes: { value: [], source: { repo: 'prometheus-community/postgres_exporter', path: 'Dockerfile', tag: 'v0.20.1' } },
    entrypoint: { value: ['/bin/postgres_exporter'], source: { repo: 'prometheus-community/postgres_exporter', path: 'Dockerfile', tag: 'v0.20.1' } },
    cmd: { value: [], source: { repo: 'prometheus-community/postgres_exporter', path: 'Dockerfile', tag: 'v0.20.1' } },
    programs: [{ value: ['/bin/postgres_exporter', ...BUSYBOX_BASE], source: { repo: 'prometheus-community/postgres_exporter', path: 'Dockerfile', tag: 'v0.20.1', note: 'FROM quay.io/prometheus/busybox-${OS}-${ARCH}:latest' } }],
  },
  {
    repository: 'docker.io/clickhouse/clickhouse-server', tag: '24.8.14.39', origin: 'upstream',
    user: { value: { uid: 101, gid: 101, name: 'clickhouse', needsOwnUser: true }, source: { ...CH_SERVER, note: `${CH_SERVER.note}; "user/group precreated explicitly with fixed uid/gid (101) … owners of mounted volumes should be configured externally"` } },
    volumes: { value: [{ path: '/var/lib/clickhouse', usedBy: ['clickhouse-server'] }], source: CH_SERVER },
    entrypoint: { value: ['/entrypoint.sh'], source: CH_SERVER },
    cmd: { value: [], source: CH_SERVER },
    startRuns: { value: ['/entrypoint.sh', 'clickhouse-server'], source: CH_SERVER },
    path: { value: STD_PATH, source: { ...CH_SERVER, note: 'FROM ubuntu:22.04' } },
    writes: {
      value: [
        { path: '/var/lib/clickhouse', by: ['clickhouse-server'] },
        { path: '/var/log/clickhouse-server', by: ['clickhouse-server'], unlessConfigContains: '<log remove="1"/>' },
      ],
      source: { ...CH_SERVER, note: 'path, tmp and preprocessed_configs under /var/lib/clickhouse; file logs in /var/log/clickhouse-server unless the logger drops them' },
    },
    programs: [
      { value: DEBIAN_BASE, source: { ...CH_SERVER, note: 'FROM ubuntu:22.04' } },
      { value: at('/usr/bin', ['clickhouse', 'clickhouse-server', 'clickhouse-client', 'clickhouse-local', 'wget']), source: { ...CH_SERVER, note: 'packages clickhouse-client clickhouse-server clickhouse-common-static; wget' } },
    ],
    envConfig: { value: [{ file: '\\.xml$', syntax: 'from_env', readBy: ['clickhouse-server'] }], source: { ...CH_SERVER, note: 'ClickHouse configuration substitutions: an element with from_env="VAR" takes the environment variable VAR' } },
  },
  {
    repository: 'docker.io/clickhouse/clickhouse-keeper', tag: '24.8.14.39', origin: 'upstream',
    user: { value: { uid: 101, gid: 101, name: 'clickhouse', needsOwnUser: true }, source: { ...CH_KEEPER, note: `${CH_KEEPER.note}; DEFAULT_UID/GID 101 "precreated explicitly with fixed uid/gid on purpose"` } },
    volumes: {
      value: [
        { path: '/var/lib/clickhouse-keeper', usedBy: ['clickhouse-keeper'] },
        // "/var/lib/clickhouse is necessary due to the current default configuration for Keeper": a configuration
        // that sets its own <path> does not use it.
        { path: '/var/lib/clickhouse', usedBy: ['clickhouse-keeper'], unlessConfigContains: '<path>' },
      ],
      source: CH_KEEPER,
    },
    entrypoint: { value: ['/entrypoint.sh'], source: CH_KEEPER },
    cmd: { value: [], source: CH_KEEPER },
    startRuns: { value: ['/entrypoint.sh', 'clickhouse-keeper'], source: CH_KEEPER },
    path: { value: STD_PATH, source: { ...CH_KEEPER, note: 'FROM alpine' } },
    writes: {
      value: [
        { path: '/var/lib/clickhouse-keeper', by: ['clickhouse-keeper'] },
        { path: '/var/log/clickhouse-keeper', by: ['clickhouse-keeper'], unlessConfigContains: '<log remove="1"/>' },
      ],
      source: CH_KEEPER,
    },
    programs: [
      { value: [...BUSYBOX_BASE, '/bin/bash', '/usr/bin/bash', '/sbin/su-exec'], source: { ...CH_KEEPER, note: 'FROM alpine (busybox) plus "apk add --no-cache su-exec bash tzdata"' } },
      { value: at('/usr/bin', ['clickhouse-keeper', 'clickhouse']), source: { ...CH_KEEPER, note: 'the clickhouse-keeper tgz unpacked into /' } },
    ],
    envConfig: { value: [{ file: '\\.xml$', syntax: 'from_env', readBy: ['clickhouse-keeper'] }], source: CH_KEEPER },
  },
  {
    repository: 'docker.elastic.co/elasticsearch/elasticsearch', tag: '8.19.8', origin: 'upstream',
    user: { value: { uid: 1000, gid: 0, name: 'elasticsearch', needsOwnUser: false }, source: { ...ES, note: `${ES.note}; "adduser --uid 1000 --gid 1000 … elasticsearch; adduser elasticsearch root"; files owned 0:0 and world-readable; USER 1000:0 (runs as any uid)` } },
    volumes: { value: [], source: { ...ES, note: 'no VOLUME instruction' } },
    entrypoint: { value: ['/bin/tini', '--', '/usr/local/bin/docker-entrypoint.sh'], source: ES },
    cmd: { value: ['eswrapper'], source: ES },
    startRuns: { value: ['/bin/tini', '/usr/local/bin/docker-entrypoint.sh', 'elasticsearch', 'elasticsearch-keystore'], source: ES_ENTRY },
    path: { value: ['/usr/share/elasticsearch/bin', ...STD_PATH], source: { ...ES, note: 'ENV PATH=/usr/share/elasticsearch/bin:$PATH' } },
    writes: {
      value: [
        { path: '/usr/share/elasticsearch/config', by: ['elasticsearch', 'elasticsearch-keystore'], redirectedByEnv: 'ES_PATH_CONF' },
        { path: '/usr/share/elasticsearch/data', by: ['elasticsearch'] },
        { path: '/usr/share/elasticsearch/logs', by: ['elasticsearch'] },
        { path: '/tmp', by: ['elasticsearch', 'elasticsearch-keystore'], redirectedByEnv: 'ES_TMPDIR' },
      ],
      source: [ES, ES_ENTRY],
    },
    programs: [
      { value: DEBIAN_BASE, source: { ...ES, note: 'Ubuntu base; "dpkg-reconfigure dash" makes bash /bin/sh' } },
      { value: at('/usr/bin', ['curl', 'nc', 'unzip', 'zip']), source: { ...ES, note: 'apt-get install ca-certificates curl netcat-openbsd p11-kit unzip zip' } },
      { value: ['/bin/tini', '/usr/local/bin/docker-entrypoint.sh', ...at('/usr/share/elasticsearch/bin', ['elasticsearch', 'elasticsearch-keystore', 'elasticsearch-certutil', 'elasticsearch-users', 'elasticsearch-node'])], source: ES },
    ],
    envConfig: { value: [{ file: '^elasticsearch\\.yml$', syntax: 'dollar', readBy: ['elasticsearch', 'elasticsearch-keystore', 'elasticsearch-certutil', 'elasticsearch-users', 'elasticsearch-node'] }], source: ES_SETTINGS },
  },
  {
    repository: 'quay.io/prometheuscommunity/elasticsearch-exporter', tag: 'v1.9.0', origin: 'upstream',
    user: { value: { name: 'nobody', needsOwnUser: false }, source: { repo: 'prometheus-community/elasticsearch_exporter', path: 'Dockerfile', tag: 'v1.9.0', note: 'USER nobody (non-numeric: the pod must set runAsUser)' } },
    volumes: { value: [], source: { repo: 'prometheus-community/elasticsearch_exporter', path: 'Dockerfile', tag: 'v1.9.0' } },
    entrypoint: { value: ['/bin/elasticsearch_exporter'], source: { repo: 'prometheus-community/elasticsearch_exporter', path: 'Dockerfile', tag: 'v1.9.0' } },
    cmd: { value: [], source: { repo: 'prometheus-community/elasticsearch_exporter', path: 'Dockerfile', tag: 'v1.9.0' } },
    programs: [{ value: ['/bin/elasticsearch_exporter', ...BUSYBOX_BASE], source: { repo: 'prometheus-community/elasticsearch_exporter', path: 'Dockerfile', tag: 'v1.9.0', note: 'FROM quay.io/prometheus/busybox:glibc' } }],
  },
  {
    // The logging option's Kibana (charts/logging/kibana.ts), at the store's Elasticsearch version.
    repository: 'docker.elastic.co/kibana/kibana', tag: '8.19.8', origin: 'upstream',
    user: { value: { uid: 1000, gid: 1000, name: 'kibana', needsOwnUser: false }, source: { ...KIBANA, note: `${KIBANA.note}; "groupadd --gid 1000 kibana; useradd --uid 1000 --gid 1000 -G 0 kibana"; files --chown=1000:0 with g=u; USER 1000` } },
    volumes: { value: [], source: { ...KIBANA, note: 'no VOLUME instruction' } },
    entrypoint: { value: ['/bin/tini', '--'], source: KIBANA },
    cmd: { value: ['/usr/local/bin/kibana-docker'], source: KIBANA },
    startRuns: { value: ['/bin/tini', '/usr/local/bin/kibana-docker', 'kibana'], source: [KIBANA, KIBANA_DOCKER] },
    path: { value: ['/usr/share/kibana/bin', ...STD_PATH], source: { ...KIBANA, note: 'ENV PATH=/usr/share/kibana/bin:$PATH' } },
    // path.data (data/ under the home, config/kibana.yml of the image sets no other): the uuid, saved-object state.
    writes: { value: [{ path: '/usr/share/kibana/data', by: ['kibana'] }], source: [KIBANA, KIBANA_DOCKER] },
    programs: [
      { value: ['/bin/tini', '/usr/local/bin/kibana-docker', '/usr/share/kibana/bin/kibana'], source: { ...KIBANA, note: 'COPY /bin/tini, bin/kibana-docker to /usr/local/bin, Kibana to /usr/share/kibana' } },
      { value: ['/usr/bin/curl'], source: { ...KIBANA, note: 'the Ubuntu variant (the default image): apt-get install fontconfig libnss3 curl ca-certificates' } },
    ],
  },
  {
    repository: 'quay.io/minio/minio', tag: 'RELEASE.2025-09-07T16-13-09Z', origin: 'upstream',
    user: { value: { uid: 0, gid: 0, needsOwnUser: false }, source: { ...MINIO, note: 'no USER: root unless the pod sets runAsUser' } },
    // MinIO writes to the drives named on its command line; /data is only the conventional path of its docs.
    volumes: { value: [{ path: '/data', usedBy: [] }], source: MINIO },
    entrypoint: { value: ['/usr/bin/docker-entrypoint.sh'], source: MINIO },
    cmd: { value: ['minio'], source: MINIO },
    env: { value: { MC_CONFIG_DIR: '/tmp/.mc' }, source: MINIO },
    path: { value: STD_PATH, source: MINIO },
    writes: { value: [{ path: '${HOME}/.minio', by: ['minio'], redirectedByFlag: '--certs-dir' }], source: { ...MINIO, note: 'the certificate directory defaults to ${HOME}/.minio/certs' } },
    programs: [
      { value: UBI_MICRO_BASE, source: [{ ...MINIO, note: 'FROM registry.access.redhat.com/ubi9/ubi-micro' }, ...UBI_MICRO_SOURCES.slice(1)] },
      { value: at('/usr/bin', ['minio', 'mc', 'curl', 'docker-entrypoint.sh']), source: MINIO },
    ],
  },
  {
    repository: 'quay.io/minio/mc', tag: 'RELEASE.2025-08-13T08-35-41Z', origin: 'upstream',
    user: { value: { uid: 0, gid: 0, needsOwnUser: false }, source: { ...MC, note: 'no USER: root unless the pod sets runAsUser' } },
    volumes: { value: [], source: MC },
    entrypoint: { value: ['mc'], source: MC },
    cmd: { value: [], source: MC },
    startRuns: { value: ['mc'], source: MC },
    path: { value: STD_PATH, source: MC },
    writes: { value: [{ path: '${HOME}/.mc', by: ['mc'], redirectedByEnv: 'MC_CONFIG_DIR', redirectedByFlag: '--config-dir' }], source: { ...MC, note: 'mc keeps its configuration in ~/.mc unless --config-dir or MC_CONFIG_DIR says otherwise' } },
    programs: [
      { value: UBI_MICRO_BASE, source: UBI_MICRO_SOURCES },
      { value: ['/usr/bin/mc'], source: { ...MC, note: 'ADD …/mc.${RELEASE} /usr/bin/mc' } },
    ],
  },
  {
    repository: 'docker.io/library/kong', tag: '3.9.0', origin: 'upstream',
    // The kong user comes from kong.deb ("useradd -U -m -s /bin/sh kong"): no fixed uid in the source, and on
    // ubuntu:noble uid 1000 already belongs to "ubuntu". Kong writes only under its prefix, so any uid works.
    user: { value: { name: 'kong', needsOwnUser: false }, source: [{ ...KONG, note: 'USER kong (non-numeric: the pod must set runAsUser); chown -R kong:0 /usr/local/kong' }, { repo: 'Kong/docker-kong', path: 'issues/675', tag: '3.9.0', note: 'the kong user is created by the .deb package' }] },
    volumes: { value: [], source: KONG },
    entrypoint: { value: ['/docker-entrypoint.sh'], source: KONG },
    cmd: { value: ['kong', 'docker-start'], source: KONG },
    startRuns: { value: ['/docker-entrypoint.sh', 'kong', 'nginx'], source: { ...KONG, path: 'docker-entrypoint.sh' } },
    path: { value: STD_PATH, source: { ...KONG, note: 'FROM ubuntu:noble' } },
    writes: { value: [{ path: '/usr/local/kong', by: ['/docker-entrypoint.sh', 'kong'], redirectedByEnv: 'KONG_PREFIX' }], source: { ...KONG, path: 'docker-entrypoint.sh', note: 'PREFIX=${KONG_PREFIX:=/usr/local/kong}; kong prepare -p "$PREFIX"' } },
    programs: [
      { value: DEBIAN_BASE, source: { ...KONG, note: 'FROM ubuntu:noble' } },
      { value: ['/docker-entrypoint.sh', '/usr/local/bin/kong', '/usr/local/bin/nginx', '/usr/local/bin/resty'], source: KONG },
    ],
  },
];

// ---- Weaviate ----------------------------------------------------------------------------------------------------

const WEAVIATE: Source = { repo: 'weaviate/weaviate', path: 'Dockerfile', tag: 'v1.38.11', note: 'final stage "weaviate", the target ci/push_docker.sh publishes as semitechnologies/weaviate:<version>' };
/**
 * Weaviate (spec 000 §3.2, charts/data/weaviate/): in IMAGE_CONTRACTS since the F&B platform runs it (the contract
 * test refuses a contract no environment runs); test/weaviate.test.ts checks the chart's pods against it too.
 */
export const WEAVIATE_CONTRACTS: readonly ImageContract[] = [
  {
    repository: 'docker.io/semitechnologies/weaviate', tag: '1.38.11', origin: 'upstream',
    user: { value: { uid: 0, gid: 0, needsOwnUser: false }, source: { ...WEAVIATE, note: `${WEAVIATE.note}; FROM alpine:3.24 and no USER: root unless the pod sets runAsUser; a static Go binary that looks up no user` } },
    volumes: { value: [], source: { ...WEAVIATE, note: 'no VOLUME instruction' } },
    entrypoint: { value: ['/bin/weaviate'], source: WEAVIATE },
    cmd: { value: ['--host', '0.0.0.0', '--port', '8080', '--scheme', 'http'], source: WEAVIATE },
    startRuns: { value: ['/bin/weaviate'], source: WEAVIATE },
    path: { value: STD_PATH, source: { ...WEAVIATE, note: 'FROM alpine:3.24; PATH not changed' } },
    writes: {
      value: [{ path: '/data', by: ['/bin/weaviate'], redirectedByEnv: 'PERSISTENCE_DATA_PATH' }],
      source: [
        { repo: 'weaviate/weaviate', path: 'usecases/config/environment.go', tag: 'v1.38.11', note: 'PERSISTENCE_DATA_PATH, else DefaultPersistenceDataPath' },
        { repo: 'weaviate/weaviate', path: 'usecases/config/config_handler.go', tag: 'v1.38.11', note: 'DefaultPersistenceDataPath = "./data", relative to the image\'s working directory / (no WORKDIR)' },
      ],
    },
    programs: [
      { value: [...BUSYBOX_BASE, '/usr/bin/wget'], source: [{ ...WEAVIATE, note: 'FROM alpine:3.24: busybox, whose wget applet is /usr/bin/wget' }, { repo: 'weaviate/weaviate-helm', path: 'weaviate/values.yaml', tag: 'v17.8.3', note: 'the chart\'s exec probe example runs "wget --spider … localhost:8080/v1/.well-known/ready" in this image' }] },
      { value: ['/bin/weaviate', '/usr/bin/openssl', '/usr/bin/bc'], source: { ...WEAVIATE, note: 'COPY --from=server_builder /weaviate-server /bin/weaviate; apk add bc ca-certificates openssl' } },
    ],
  },
];

// ---- add-on images (run by upstream Helm charts, not by pods we render) ----------------------------------------

function addon(repository: string, tag: string, user: ImageUser, volumes: readonly string[], entrypoint: readonly string[], source: Source): ImageContract {
  return {
    repository, tag, origin: 'addon',
    user: { value: user, source },
    volumes: { value: volumes.map((path) => ({ path, usedBy: ['<default>'] })), source },
    entrypoint: { value: entrypoint, source },
    cmd: { value: [], source },
  };
}
const nobody: ImageUser = { name: 'nobody', needsOwnUser: false };
const CERT_MANAGER: Source = { repo: 'cert-manager/cert-manager', path: 'make/base_images.mk', tag: 'v1.15.3', note: 'built with ko onto gcr.io/distroless/static-debian12; the build names no user (the chart sets runAsNonRoot)' };
// The entry point is set by ko at build time and not in the source read: left empty.
const certManager = (c: string) => addon(`quay.io/jetstack/cert-manager-${c}`, 'v1.15.3', { needsOwnUser: false }, [], [], CERT_MANAGER);

const addons: ImageContract[] = [
  addon('quay.io/argoproj/argocd', 'v2.12.4', { uid: 999, gid: 999, name: 'argocd', needsOwnUser: false }, [], ['/usr/bin/tini', '--'], { repo: 'argoproj/argo-cd', path: 'Dockerfile', tag: 'v2.12.4', note: 'ENV ARGOCD_USER_ID=999; groupadd/useradd argocd; USER $ARGOCD_USER_ID' }),
  addon('public.ecr.aws/docker/library/redis', '7.2.5-alpine', { uid: 999, gid: 1000, name: 'redis', needsOwnUser: false }, ['/data'], ['docker-entrypoint.sh'], { ...REDIS, path: '7.2/alpine/Dockerfile', note: 'addgroup -S -g 1000 redis; adduser -S -G redis -u 999 redis; VOLUME /data' }),
  certManager('acmesolver'), certManager('cainjector'), certManager('controller'), certManager('startupapicheck'), certManager('webhook'),
  addon('registry.k8s.io/ingress-nginx/controller', 'v1.11.2', { name: 'www-data', needsOwnUser: false }, [], ['/usr/bin/dumb-init', '--'], { repo: 'kubernetes/ingress-nginx', path: 'rootfs/Dockerfile', tag: 'controller-v1.11.2', note: 'USER www-data (non-numeric; the chart sets runAsUser)' }),
  addon('registry.k8s.io/ingress-nginx/kube-webhook-certgen', 'v1.4.3', { uid: 65532, gid: 65532, needsOwnUser: false }, [], ['/kube-webhook-certgen'], { repo: 'kubernetes/ingress-nginx', path: 'images/kube-webhook-certgen/rootfs/Dockerfile', tag: 'controller-v1.11.2', note: 'USER 65532:65532 (the v1.4.3 image is built from this folder)' }),
  addon('quay.io/prometheus/prometheus', 'v2.54.1', nobody, ['/prometheus'], ['/bin/prometheus'], { repo: 'prometheus/prometheus', path: 'Dockerfile', tag: 'v2.54.1' }),
  addon('quay.io/prometheus/alertmanager', 'v0.27.0', nobody, ['/alertmanager'], ['/bin/alertmanager'], { repo: 'prometheus/alertmanager', path: 'Dockerfile', tag: 'v0.27.0' }),
  addon('quay.io/prometheus/node-exporter', 'v1.8.2', nobody, [], ['/bin/node_exporter'], { repo: 'prometheus/node_exporter', path: 'Dockerfile', tag: 'v1.8.2' }),
  addon('quay.io/prometheus-operator/prometheus-operator', 'v0.76.1', { uid: 65534, needsOwnUser: false }, [], ['/bin/operator'], { repo: 'prometheus-operator/prometheus-operator', path: 'Dockerfile', tag: 'v0.76.1' }),
  addon('quay.io/prometheus-operator/prometheus-config-reloader', 'v0.76.1', nobody, [], ['/bin/prometheus-config-reloader'], { repo: 'prometheus-operator/prometheus-operator', path: 'cmd/prometheus-config-reloader/Dockerfile', tag: 'v0.76.1' }),
  addon('registry.k8s.io/kube-state-metrics/kube-state-metrics', 'v2.13.0', nobody, [], ['/kube-state-metrics', '--port=8080', '--telemetry-port=8081'], { repo: 'kubernetes/kube-state-metrics', path: 'Dockerfile', tag: 'v2.13.0' }),
  addon('registry.k8s.io/prometheus-adapter/prometheus-adapter', 'v0.12.0', { uid: 65534, needsOwnUser: false }, [], ['/adapter'], { repo: 'kubernetes-sigs/prometheus-adapter', path: 'Dockerfile', tag: 'v0.12.0' }),
  addon('quay.io/kiwigrid/k8s-sidecar', '1.27.4', { uid: 65534, gid: 65534, needsOwnUser: false }, [], [], { repo: 'kiwigrid/k8s-sidecar', path: 'Dockerfile', tag: '1.27.4', note: 'USER 65534:65534; CMD python -u /app/sidecar.py' }),
  addon('docker.io/grafana/grafana', '11.2.0', { uid: 472, gid: 0, needsOwnUser: false }, [], [], { repo: 'grafana/grafana', path: 'Dockerfile', tag: 'v11.2.0', note: 'repository too large to fetch; ARG GF_UID="472", GF_GID="0" read from the stored Dockerfile (entry point not read)' }),
  addon('ghcr.io/external-secrets/external-secrets', 'v0.10.3', { uid: 65534, needsOwnUser: false }, [], ['/bin/external-secrets'], { repo: 'external-secrets/external-secrets', path: 'Dockerfile', tag: 'v0.10.3' }),
  // kedacore/keda v2.15.1: FROM gcr.io/distroless/static:nonroot; USER 65532:65532 (Dockerfile, Dockerfile.adapter, Dockerfile.webhooks).
  addon('ghcr.io/kedacore/keda', '2.15.1', { uid: 65532, gid: 65532, needsOwnUser: false }, [], ['/keda', '--zap-log-level=info', '--zap-encoder=console'], { repo: 'kedacore/keda', path: 'Dockerfile', tag: 'v2.15.1' }),
  addon('ghcr.io/kedacore/keda-metrics-apiserver', '2.15.1', { uid: 65532, gid: 65532, needsOwnUser: false }, [], ['/keda-adapter', '--secure-port=6443', '--logtostderr=true', '--v=0'], { repo: 'kedacore/keda', path: 'Dockerfile.adapter', tag: 'v2.15.1' }),
  addon('ghcr.io/kedacore/keda-admission-webhooks', '2.15.1', { uid: 65532, gid: 65532, needsOwnUser: false }, [], ['/keda-admission-webhooks', '--zap-log-level=info', '--zap-encoder=console'], { repo: 'kedacore/keda', path: 'Dockerfile.webhooks', tag: 'v2.15.1' }),
  // The base image's user is not in the controller's source: eks-distro-build-tooling's minimal "nonroot" base follows
  // distroless (nonroot 65532); the chart sets runAsNonRoot, so a root user would fail at admission, not silently.
  addon('public.ecr.aws/eks/aws-load-balancer-controller', 'v2.9.2', { uid: 65532, gid: 65532, name: 'nonroot', needsOwnUser: false }, [], ['/controller'], { repo: 'kubernetes-sigs/aws-load-balancer-controller', path: 'Dockerfile', tag: 'v2.9.2', note: 'FROM $BASE_IMAGE (Makefile: public.ecr.aws/eks-distro-build-tooling/eks-distro-minimal-base-nonroot); ENTRYPOINT ["/controller"]' }),
  // argoproj/argo-rollouts v1.7.2 Dockerfile, final stage: FROM gcr.io/distroless/static-debian11; USER 999 (numeric, no group: gid 0); ENTRYPOINT [ "/bin/rollouts-controller" ].
  addon('quay.io/argoproj/argo-rollouts', 'v1.7.2', { uid: 999, gid: 0, needsOwnUser: false }, [], ['/bin/rollouts-controller'], { repo: 'argoproj/argo-rollouts', path: 'Dockerfile', tag: 'v1.7.2' }),
  // The optional add-ons (charts/gitops/addons/).
  addon('gcr.io/datadoghq/agent', '7.57.2', { uid: 0, gid: 0, needsOwnUser: false }, ['/var/run/s6', '/var/log/datadog'], [], { repo: 'DataDog/datadog-agent', path: 'Dockerfiles/agent/Dockerfile', tag: '7.57.2', commit: '00b4f913add9e85e561f77604c1c47c42096b64f', note: 'repository too large to fetch; stored version read: no USER (root; dd-agent, uid 100, is created but not switched to), VOLUME /var/run/s6 /var/log/datadog, CMD /bin/entrypoint.sh' }),
  addon('gcr.io/datadoghq/cluster-agent', '7.57.2', { needsOwnUser: false }, [], [], { repo: 'DataDog/helm-charts', path: 'charts/datadog/values.yaml', tag: 'datadog-3.74.1', note: 'the image\'s Dockerfile was not read at 7.57.2 (repository too large to fetch); the chart runs it with readOnlyRootFilesystem and no privilege escalation' }),
  addon('docker.io/otel/opentelemetry-collector-k8s', '0.109.0', { uid: 10001, needsOwnUser: false }, [], ['/otelcol-k8s'], { repo: 'open-telemetry/opentelemetry-collector-releases', path: 'distributions/otelcol-k8s/Dockerfile', tag: 'v0.109.0', commit: '00dc9449e910088ec0daf5f9b2aff3cd986c099d', note: 'stored version read (the same for every release): FROM scratch; USER 10001; ENTRYPOINT /otelcol-k8s' }),
  ...['collector', 'query', 'es-index-cleaner'].map((x) => addon(`docker.io/jaegertracing/${x === 'es-index-cleaner' ? 'jaeger-es-index-cleaner' : `jaeger-${x}`}`, '1.53.0', { uid: 10001, needsOwnUser: false }, [], [`/go/bin/${x}-linux`], { repo: 'jaegertracing/jaeger', path: `cmd/${x}/Dockerfile`, tag: 'v1.53.0', note: 'ARG USER_UID=10001; USER ${USER_UID}' })),
  addon('docker.io/jaegertracing/all-in-one', '1.53.0', { uid: 10001, needsOwnUser: false }, ['/tmp'], ['/go/bin/all-in-one-linux'], { repo: 'jaegertracing/jaeger', path: 'cmd/all-in-one/Dockerfile', tag: 'v1.53.0', note: 'ARG USER_UID=10001; USER ${USER_UID}; VOLUME /tmp' }),
  addon('docker.io/falcosecurity/falco-no-driver', '0.38.2', { uid: 0, gid: 0, needsOwnUser: false }, [], [], { repo: 'falcosecurity/falco', path: 'docker/no-driver/Dockerfile', tag: '0.38.2', note: 'FROM debian:12-slim, no USER (root); CMD /usr/bin/falco -o time_format_iso_8601=true' }),
  addon('registry.k8s.io/autoscaling/vpa-recommender', '1.0.0', { uid: 65532, gid: 65532, needsOwnUser: false }, [], ['/recommender'], { repo: 'kubernetes/autoscaler', path: 'vertical-pod-autoscaler/pkg/recommender/Dockerfile', tag: 'vertical-pod-autoscaler-1.0.0', commit: '0203ab638ce683db9972750a593c73694424c37c', note: 'repository too large to fetch; stored version read: FROM gcr.io/distroless/static:nonroot (65532); the chart runs it as 65534' }),
  // The logging option's Loki (charts/gitops/addons/loki.ts; SingleBinary, its WAL on the chart's claim at /var/loki).
  addon('docker.io/grafana/loki', '3.1.1', { uid: 10001, gid: 10001, name: 'loki', needsOwnUser: false }, [], ['/usr/bin/loki'], { repo: 'grafana/loki', path: 'cmd/loki/Dockerfile', tag: 'v3.1.1', note: 'FROM alpine:3.20.2; addgroup -g 10001 -S loki; adduser -u 10001 -S loki -G loki; USER 10001; ENTRYPOINT ["/usr/bin/loki"]; no VOLUME' }),
  // The logging option's Fluent Bit (charts/gitops/addons/fluent-bit.ts): root, since it reads the nodes' root-owned logs.
  addon('cr.fluentbit.io/fluent/fluent-bit', '3.1.9', { uid: 0, gid: 0, name: 'root', needsOwnUser: false }, [], ['/fluent-bit/bin/fluent-bit'], { repo: 'fluent/fluent-bit', path: 'dockerfiles/Dockerfile', tag: 'v3.1.9', note: 'production stage FROM gcr.io/distroless/cc-debian12, no USER (root), no VOLUME; ENTRYPOINT ["/fluent-bit/bin/fluent-bit"]' }),
  addon('registry.k8s.io/metrics-server/metrics-server', 'v0.8.0', { uid: 65534, needsOwnUser: false }, [], ['/metrics-server'], { repo: 'kubernetes-sigs/metrics-server', path: 'Dockerfile', tag: 'v0.8.0', note: 'FROM gcr.io/distroless/static; USER 65534; ENTRYPOINT ["/metrics-server"]' }),
];

// ---- the platform's own images: the contract the platform requires of them ---------------------------------------

const PLATFORM_DOC: Source = { repo: '(this repository)', path: 'docs/apps.md', tag: 'Image contracts', note: 'required of the platform\'s images, not read from a Dockerfile' };
function platform(name: string, tag: string, uid: number, extraWrites: readonly string[] = [], registry = 'registry.receivables.internal/platform'): ImageContract {
  return {
    repository: `${registry}/${name}`, tag, origin: 'platform',
    user: { value: { uid, gid: uid, needsOwnUser: true }, source: PLATFORM_DOC },
    volumes: { value: [], source: PLATFORM_DOC },
    entrypoint: { value: ['<image entry point>'], source: PLATFORM_DOC },
    cmd: { value: [], source: PLATFORM_DOC },
    startRuns: { value: ['<default>'], source: PLATFORM_DOC },
    path: { value: STD_PATH, source: PLATFORM_DOC },
    writes: { value: ['/tmp', ...extraWrites].map((path) => ({ path, by: ['<default>'] })), source: PLATFORM_DOC },
    // The 5 s preStop pause of every service runs `sleep`.
    programs: [{ value: ['/bin/sh', '/bin/sleep', '/usr/bin/sleep'], source: PLATFORM_DOC }],
  };
}
/** uid 1000: the node user of node:alpine; 10001: the platform's default for Python images; 101: nginx-unprivileged. */
const PLATFORM_VERSION = '1.8.2';
const platformImages: ImageContract[] = [
  ...['analytics-service', 'auth-service', 'customer-service', 'invoice-service', 'notification-service', 'payment-service', 'search-service', 'user-service', 'integration-service', 'mobile-backend']
    .map((n) => platform(n, PLATFORM_VERSION, 1000)),
  ...['collections-agent', 'credit-risk-agent', 'dispute-agent', 'orchestrator-agent', 'batch-jobs'].map((n) => platform(n, PLATFORM_VERSION, 10001)),
  platform('web-frontend', PLATFORM_VERSION, 101),
  platform('model-server', '2.1.0', 10001, ['/cache']),
  platform('model-server', '2.1.0-cpu', 10001, ['/cache']),
  // The PCF Builder app (seed 001: Node.js, port 3000): node:alpine's node user; its init container waits with sh and sleep.
  platform('pcf-builder', '1.0.0', 1000, [], 'registry.pcf-builder.internal/platform'),
  // The F&B platform's (spec 000, environments/fnb/catalog.ts): the Node.js services and the Python LangGraph agent.
  ...['api', 'admin', 'webhook', 'worker'].map((n) => platform(n, '1.0.0', 1000, [], 'registry.fnb.internal/platform')),
  platform('langgraph-agent', '1.0.0', 10001, [], 'registry.fnb.internal/platform'),
  // Arbor/Kumori (spec 003): built FROM node:20-alpine (the document's Dockerfile), run as its `node` user (1000).
  ...['arbor-api', 'kumori-api'].map((n) => platform(n, '3.2.0', 1000, ['/app/.next/cache'], 'registry.arbor.internal/platform')),
  platform('arbor-worker', '3.2.0', 1000, [], 'registry.arbor.internal/platform'),
  platform('kumori-gpu-worker', '3.2.0', 10001, ['/cache'], 'registry.arbor.internal/platform'),
  // The EKS platform's (spec 004, environments/eks-platform/catalog.ts), in the account's ECR: Express on node:alpine's
  // node user, the FastAPI API, the Python workers and the batch jobs as 10001.
  platform('express-api', '1.0.0', 1000, [], '123456789012.dkr.ecr.us-west-2.amazonaws.com/eks-platform'),
  ...['fastapi-api', 'langchain-worker', 'langgraph-orchestrator', 'document-processor', 'web-crawler', 'batch-jobs']
    .map((n) => platform(n, '1.0.0', 10001, [], '123456789012.dkr.ecr.us-west-2.amazonaws.com/eks-platform')),
];

/** Every contract, keyed by `<repository>:<tag>`. */
export const IMAGE_CONTRACTS: Readonly<Record<string, ImageContract>> = Object.fromEntries(
  [...upstream, ...WEAVIATE_CONTRACTS, ...addons, ...platformImages].map((c) => [`${c.repository}:${c.tag}`, c]),
);

/**
 * The contract of a rendered image reference: the pinned upstream reference itself, or, after the registry
 * rewrite of an air-gapped environment (`<registry>/<path>:<tag>`, see images.ts), the contract whose path and tag
 * match.
 */
export function contractFor(ref: string, registry?: string): ImageContract | undefined {
  const exact = IMAGE_CONTRACTS[ref];
  if (exact || !registry || !ref.startsWith(`${registry}/`)) return exact;
  const rest = ref.slice(registry.length + 1);
  return Object.values(IMAGE_CONTRACTS).find((c) => `${c.repository.slice(c.repository.indexOf('/') + 1)}:${c.tag}` === rest);
}
