/**
 * The Weaviate store kind (spec 000 §3.2, issue 18), rendered on its own: the production environment with a
 * `stores.weaviate` section added (the kind is not registered yet, see charts/data/weaviate/context.ts), built as
 * the platform would build it (the section validated with its rules, refs through the kind's facts) and rendered
 * with `chartManifests`. Every object is checked with kubernetes-models, every pod against the image contracts.
 *
 * What this does not prove: that Weaviate forms its Raft cluster and serves with this configuration (no weaviate
 * binary runs here; the variables are checked against the server's source at the pinned tag, cited in the chart),
 * nor the NetworkPolicies (they are generated from the flows asserted below once the kind is registered).
 */
import type { k8s } from '../imports/k8s';
import { loadEnvironment } from '../environments';
import { raftVoters } from '../charts/data/weaviate/config';
import { weaviate } from '../charts/data/weaviate/refs';
import { WEAVIATE_CONTRACTS, contractFor } from '../charts/lib/image-contracts';
import { weaviateAlerts } from '../charts/data/weaviate/alerts';
import { weaviateClient } from '../charts/data/weaviate/client';
import { WEAVIATE_DATA_PATH, WEAVIATE_IMAGE, WEAVIATE_PORTS } from '../charts/data/weaviate/chart';
import { storeAlertKit } from '../charts/lib/alerts';
import type { Manifest } from '../charts/platform';
import { checkPod } from './support/image-contracts';
import { promtool } from './support/monitoring';
import { modelErrors, unknownFields } from './support/k8s-schema';
import { describeObject, podTemplates } from './support/render';
import { problemsOf, production, renderWeaviate, SPEC_000_WEAVIATE } from './support/weaviate';

const { config, ref, ctx, manifests } = renderWeaviate();
const find = (kind: string, name?: string) => manifests.filter((m) => m.kind === kind && (!name || m.metadata.name === name));
const sts = find('StatefulSet', 'weaviate')[0];
const pod = sts.spec.template;
const server = pod.spec.containers.find((c: Manifest) => c.name === 'weaviate');
const envOf = (c: Manifest, name: string) => (c.env as Manifest[]).find((e) => e.name === name);
const valueOf = (c: Manifest, name: string) => envOf(c, name)?.value as string | undefined;

describe('the section and its rules', () => {
  test('spec 000 §3.2 is a valid section for production (3 nodes, 3 copies, 1536-dim classes)', () => {
    expect(problemsOf(SPEC_000_WEAVIATE)).toEqual([]);
  });

  test('Raft voters follow weaviate-helm: 1 below 3 nodes, 3 up to 9, 5 from 10', () => {
    expect([1, 3, 4, 9, 10, 12].map(raftVoters)).toEqual([1, 3, 3, 3, 5, 5]);
  });
});

describe('every object', () => {
  test('the chart renders the server, its Services, PDB, setup Job, backup CronJob and scripts', () => {
    expect(manifests.map(describeObject).sort()).toEqual([
      'ConfigMap db-weaviate/weaviate-scripts',
      'CronJob db-weaviate/weaviate-backup',
      expect.stringMatching(/^Job db-weaviate\/weaviate-setup-[0-9a-f]{10}$/),
      'PodDisruptionBudget db-weaviate/weaviate',
      'Service db-weaviate/weaviate',
      'Service db-weaviate/weaviate-headless',
      'StatefulSet db-weaviate/weaviate',
    ]);
  });

  test.each(manifests.map((m) => [describeObject(m), m]))('%s validates against kubernetes-models and has no unknown field', (_d, m) => {
    expect(modelErrors(m as Manifest)).toBeUndefined();
    expect(unknownFields(m as Manifest)).toEqual([]);
  });

  test('every object carries the platform labels and lives in db-weaviate', () => {
    for (const m of manifests) {
      expect(m.metadata.namespace).toBe('db-weaviate');
      expect(m.metadata.labels).toEqual(expect.objectContaining({ 'app.kubernetes.io/name': 'weaviate', 'sme-receivables.io/environment': 'production' }));
    }
  });
});

describe('the cluster (spec 000 §3.2: 3 nodes)', () => {
  test('a StatefulSet of 3 nodes, started together, with persistent claims rendered with apiVersion and kind', () => {
    expect(sts.spec.replicas).toBe(3);
    expect(sts.spec.podManagementPolicy).toBe('Parallel');
    expect(sts.spec.serviceName).toBe('weaviate-headless');
    expect(sts.spec.volumeClaimTemplates).toEqual([expect.objectContaining({
      apiVersion: 'v1', kind: 'PersistentVolumeClaim',
      spec: expect.objectContaining({ storageClassName: production.storageClass, resources: { requests: { storage: '100Gi' } } }),
    })]);
    expect(server.volumeMounts).toContainEqual({ name: 'data', mountPath: WEAVIATE_DATA_PATH });
    expect(valueOf(server, 'PERSISTENCE_DATA_PATH')).toBe(WEAVIATE_DATA_PATH);
    expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
  });

  test('Raft: the 3 pod names as voters, bootstrap expecting 3, node name from the pod name', () => {
    expect(valueOf(server, 'RAFT_JOIN')).toBe('weaviate-0,weaviate-1,weaviate-2');
    expect(valueOf(server, 'RAFT_BOOTSTRAP_EXPECT')).toBe('3');
    expect(envOf(server, 'CLUSTER_HOSTNAME')?.valueFrom).toEqual({ fieldRef: { fieldPath: 'metadata.name' } });
  });

  test('memberlist joins through the headless Service, which publishes nodes before they are ready', () => {
    const headless = find('Service', 'weaviate-headless')[0];
    expect(headless.spec).toEqual(expect.objectContaining({ clusterIP: 'None', publishNotReadyAddresses: true }));
    expect(valueOf(server, 'CLUSTER_JOIN')).toBe(`weaviate-headless.db-weaviate.svc.${production.cluster.clusterDomain}:${WEAVIATE_PORTS.gossip}`);
    expect(Object.entries(headless.spec.selector).every(([k, v]) => pod.metadata.labels[k] === v)).toBe(true);
  });

  test('every port a variable names is a container port (gossip on TCP and UDP)', () => {
    const ports: Manifest[] = server.ports;
    const has = (port: number, protocol = 'TCP') => ports.some((p) => p.containerPort === port && p.protocol === protocol);
    for (const v of ['CLUSTER_GOSSIP_BIND_PORT', 'CLUSTER_DATA_BIND_PORT', 'RAFT_PORT', 'RAFT_INTERNAL_RPC_PORT', 'PROMETHEUS_MONITORING_PORT']) {
      expect({ v, listed: has(Number(valueOf(server, v))) }).toEqual({ v, listed: true });
    }
    expect(has(WEAVIATE_PORTS.gossip, 'UDP')).toBe(true);
    expect(valueOf(server, 'PROMETHEUS_MONITORING_PORT')).toBe('2112');
    expect(server.args).toEqual(['--host', '0.0.0.0', '--port', '8080', '--scheme', 'http']);
  });

  test('the client Service serves REST (8080) and gRPC (50051) from ready nodes', () => {
    const svc = find('Service', 'weaviate')[0];
    expect(svc.spec.clusterIP).toBeUndefined();
    expect(svc.spec.ports.map((p: Manifest) => [p.name, p.port])).toEqual([['http', 8080], ['grpc', 50051]]);
    expect(ref.url).toBe(`http://weaviate.db-weaviate.svc.${production.cluster.clusterDomain}:8080`);
  });

  test('probes on /v1/.well-known/live and /v1/.well-known/ready of the REST port', () => {
    expect(server.startupProbe.httpGet).toEqual({ path: '/v1/.well-known/live', port: 'http' });
    expect(server.livenessProbe.httpGet).toEqual({ path: '/v1/.well-known/live', port: 'http' });
    expect(server.readinessProbe.httpGet).toEqual({ path: '/v1/.well-known/ready', port: 'http' });
    // 15 minutes to load shards before liveness applies.
    expect(server.startupProbe.periodSeconds * server.startupProbe.failureThreshold).toBeGreaterThanOrEqual(900);
  });

  test('the PDB keeps Raft quorum: one node at a time, selecting the nodes', () => {
    const pdb = find('PodDisruptionBudget')[0];
    expect(pdb.spec.maxUnavailable).toBe(1);
    const voters = raftVoters(3);
    expect(voters - pdb.spec.maxUnavailable).toBeGreaterThanOrEqual(Math.floor(voters / 2) + 1);
    expect(pdb.spec.selector.matchLabels).toEqual(sts.spec.selector.matchLabels);
  });

  test('a single-node dev install: one Raft voter, a PDB that never blocks a drain, anti-affinity only preferred', () => {
    const dev = loadEnvironment('dev');
    const small = { ...SPEC_000_WEAVIATE, replicas: 1, replicationFactor: 1, resources: { requests: { cpu: '100m', memory: '512Mi' }, limits: { cpu: '1', memory: '512Mi' } } };
    expect(problemsOf(small, { ha: dev.ha, nodes: dev.cluster.nodes })).toEqual([]);
    const one = renderWeaviate(small, dev).manifests;
    const s = one.find((m) => m.kind === 'StatefulSet')!;
    const c = s.spec.template.spec.containers[0];
    expect([valueOf(c, 'RAFT_JOIN'), valueOf(c, 'RAFT_BOOTSTRAP_EXPECT'), valueOf(c, 'REPLICATION_MINIMUM_FACTOR')]).toEqual(['weaviate-0', '1', '1']);
    expect(s.spec.volumeClaimTemplates[0].spec.storageClassName).toBe(dev.storageClass);
    expect(one.find((m) => m.kind === 'PodDisruptionBudget')!.spec.maxUnavailable).toBe(1);
    expect(s.spec.template.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution).toHaveLength(1);
    expect(JSON.parse(one.find((m) => m.kind === 'ConfigMap')!.data['class-Policies.json']).replicationConfig).toEqual({ factor: 1 });
  });

  test('production (ha, enough nodes) requires the nodes on distinct hosts', () => {
    const terms = pod.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution;
    expect(terms).toEqual([{ labelSelector: { matchLabels: sts.spec.selector.matchLabels }, topologyKey: 'kubernetes.io/hostname' }]);
  });

  test('requests and limits from the section; GOMEMLIMIT below the memory limit', () => {
    expect(server.resources).toEqual({ requests: { cpu: '1', memory: '8Gi' }, limits: { cpu: '4', memory: '8Gi' } });
    const mib = Number(/^([0-9]+)MiB$/.exec(valueOf(server, 'GOMEMLIMIT')!)![1]);
    expect(mib).toBeLessThan(8 * 1024);
    expect(mib).toBeGreaterThan(4 * 1024);
  });
});

describe('security', () => {
  test('non-root (the image has no USER: an unprivileged uid), read-only root, no privilege escalation', () => {
    expect(WEAVIATE_CONTRACTS[0].user.value.uid).toBe(0);
    expect(pod.spec.securityContext).toEqual(expect.objectContaining({ runAsNonRoot: true, runAsUser: expect.any(Number), fsGroup: expect.any(Number) }));
    expect(pod.spec.securityContext.runAsUser).toBeGreaterThan(0);
    for (const { template } of podTemplates(manifests)) {
      for (const c of [...(template.spec.initContainers ?? []), ...template.spec.containers]) {
        expect(c.securityContext).toEqual(expect.objectContaining({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } }));
      }
    }
  });

  test('API keys only, from Secrets the store declares; no anonymous access', () => {
    expect(valueOf(server, 'AUTHENTICATION_APIKEY_ENABLED')).toBe('true');
    expect(valueOf(server, 'AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED')).toBe('false');
    // The allowed keys are the two Secret-backed variables, expanded by Kubernetes; one user per key.
    expect(valueOf(server, 'AUTHENTICATION_APIKEY_ALLOWED_KEYS')).toBe('$(WEAVIATE_ADMIN_KEY),$(WEAVIATE_CLIENT_KEY)');
    expect(valueOf(server, 'AUTHENTICATION_APIKEY_USERS')!.split(',')).toHaveLength(2);
    const names = (server.env as Manifest[]).map((e) => e.name);
    for (const v of ['WEAVIATE_ADMIN_KEY', 'WEAVIATE_CLIENT_KEY']) expect(names.indexOf(v)).toBeLessThan(names.indexOf('AUTHENTICATION_APIKEY_ALLOWED_KEYS'));
    const declared = weaviate.secrets(ref, weaviate.namespace).map((s) => s.name);
    for (const v of ['WEAVIATE_ADMIN_KEY', 'WEAVIATE_CLIENT_KEY', 'CLUSTER_BASIC_AUTH_PASSWORD']) {
      expect(declared).toContain(envOf(server, v)!.valueFrom.secretKeyRef.name);
    }
  });

  test('no Secret values in the manifests: every key, password and S3 credential is a secretKeyRef', () => {
    for (const { template } of podTemplates(manifests)) {
      for (const c of [...(template.spec.initContainers ?? []), ...template.spec.containers]) {
        for (const e of (c.env ?? []) as Manifest[]) {
          if (/(_KEY|_KEY_ID|PASSWORD)$/.test(e.name)) expect({ name: e.name, ref: !!e.valueFrom?.secretKeyRef }).toEqual({ name: e.name, ref: true });
        }
      }
    }
    expect(manifests.some((m) => m.kind === 'Secret')).toBe(false);
  });

  test('every pod respects the contracts of its images (Weaviate and mc)', () => {
    const configMaps = new Map(find('ConfigMap').map((m) => [m.metadata.name, m.data]));
    const lookup = (image: string) => WEAVIATE_CONTRACTS.find((c) => `${c.repository}:${c.tag}` === image) ?? contractFor(image);
    expect(lookup(WEAVIATE_IMAGE)).toBeDefined();
    const pods = podTemplates(manifests);
    expect(pods.map(({ owner }) => owner.kind).sort()).toEqual(['CronJob', 'Job', 'StatefulSet']);
    for (const { owner, template } of pods) {
      const violations = checkPod({
        env: 'production', workload: describeObject(owner), template,
        claimTemplates: (owner.spec.volumeClaimTemplates ?? []).map((t: Manifest) => t.metadata.name), configMaps,
      }, lookup);
      expect({ workload: describeObject(owner), violations }).toEqual({ workload: describeObject(owner), violations: [] });
    }
  });
});

describe('backups to MinIO (S3, path style)', () => {
  test('the backup-s3 module points at MinIO over plain HTTP, one folder per environment', () => {
    expect(valueOf(server, 'ENABLE_MODULES')!.split(',')).toContain('backup-s3');
    expect(valueOf(server, 'BACKUP_S3_ENDPOINT')).toBe(`${ctx.refs.minio.s3.host}:${ctx.refs.minio.s3.port}`);
    expect(valueOf(server, 'BACKUP_S3_USE_SSL')).toBe('false');
    expect(valueOf(server, 'BACKUP_S3_PATH')).toBe('production');
    expect(valueOf(server, 'BACKUP_S3_BUCKET')).toBe('backups-weaviate');
    expect(valueOf(server, 'AWS_REGION')).toBe(ctx.refs.minio.region);
    // A MinIO endpoint (not AWS, Google or Aliyun) is addressed path-style by minio-go: no virtual-host bucket name.
    expect(valueOf(server, 'BACKUP_S3_ENDPOINT')).not.toMatch(/amazonaws\.com|googleapis\.com|aliyuncs\.com/);
    expect(envOf(server, 'AWS_ACCESS_KEY_ID')!.valueFrom.secretKeyRef).toEqual({ name: 'minio-weaviate', key: 'accessKey' });
    expect(ctx.secrets).toContainEqual(expect.objectContaining({ name: 'minio-weaviate', namespace: 'db-weaviate', copyOf: { namespace: 'storage-minio', name: 'minio-weaviate' } }));
  });

  test('a CronJob on the section\'s schedule triggers a backup through the REST API, then prunes old ones', () => {
    const cron = find('CronJob')[0];
    expect(cron.spec.schedule).toBe('45 2 * * *');
    expect(cron.spec.concurrencyPolicy).toBe('Forbid');
    const spec = cron.spec.jobTemplate.spec.template.spec;
    expect(spec.initContainers[0]).toEqual(expect.objectContaining({ image: WEAVIATE_IMAGE, command: ['/bin/sh', '/setup/backup.sh'] }));
    expect(envOf(spec.initContainers[0], 'WEAVIATE_URL')!.value).toBe(ref.url);
    const script = find('ConfigMap')[0].data['backup.sh'] as string;
    expect(script).toContain('${WEAVIATE_URL}/v1/backups/s3');
    expect(spec.containers[0].args).toEqual(expect.arrayContaining(['rm', '--older-than', '14d', 'backup/backups-weaviate/production/']));
  });
});

describe('the schema setup Job (NormalizedSKU, SupplierCatalog, Policies)', () => {
  const job = find('Job')[0];
  const data = find('ConfigMap', 'weaviate-scripts')[0].data as Record<string, string>;

  test('one class definition per class: vectors from the clients, 1536 dimensions stated, 3 copies', () => {
    const classes = Object.keys(data).filter((k) => k.startsWith('class-')).map((k) => JSON.parse(data[k]));
    expect(classes.map((c) => c.class).sort()).toEqual(['NormalizedSKU', 'Policies', 'SupplierCatalog']);
    for (const c of classes) {
      expect(c).toEqual(expect.objectContaining({ vectorizer: 'none', vectorIndexType: 'hnsw', vectorIndexConfig: { distance: 'cosine' }, replicationConfig: { factor: 3 } }));
      expect(c.description).toContain('1536 dimensions from text-embedding-ada-002');
    }
    expect(valueOf(server, 'DEFAULT_VECTORIZER_MODULE')).toBe('none');
    expect(valueOf(server, 'REPLICATION_MINIMUM_FACTOR')).toBe('3');
  });

  test('a PostSync hook named after its content, with the admin key from its Secret', () => {
    expect(job.metadata.annotations).toEqual({ 'argocd.argoproj.io/hook': 'PostSync', 'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation' });
    expect(job.spec.ttlSecondsAfterFinished).toBeGreaterThan(0);
    const c = job.spec.template.spec.containers[0];
    expect(c.command).toEqual(['/bin/sh', '/setup/setup.sh']);
    expect(envOf(c, 'WEAVIATE_API_KEY')!.valueFrom.secretKeyRef).toEqual({ name: ref.adminKey.name, key: 'apiKey' });
    // A changed class list is a new Job.
    const other = renderWeaviate({ ...SPEC_000_WEAVIATE, classes: SPEC_000_WEAVIATE.classes.slice(0, 2) }).manifests.find((m) => m.kind === 'Job')!;
    expect(other.metadata.name).not.toBe(job.metadata.name);
    expect(renderWeaviate().manifests.find((m) => m.kind === 'Job')!.metadata.name).toBe(job.metadata.name);
  });
});

describe('flows, client wiring and alerts', () => {
  const flows = ctx.graph.flows.map((f) => ({ from: 'pods' in f.from ? f.from.pods.display : f.from.addresses.display, to: 'pods' in f.to ? f.to.pods.display : f.to.addresses.display, ports: f.ports.map((p) => `${p.port}/${p.protocol ?? 'TCP'}`) }));

  test('nodes reach each other on gossip (TCP and UDP), data and Raft ports; MinIO for backups; Prometheus scrapes 2112', () => {
    expect(flows).toContainEqual({ from: 'db-weaviate/weaviate-server', to: 'db-weaviate/weaviate-server', ports: ['7946/TCP', '7946/UDP', '7947/TCP', '8300/TCP', '8301/TCP'] });
    expect(flows).toContainEqual({ from: 'db-weaviate/weaviate-server', to: 'storage-minio/minio-server', ports: ['9000/TCP'] });
    expect(flows).toContainEqual({ from: 'monitoring/prometheus', to: 'db-weaviate/weaviate-server', ports: ['2112/TCP'] });
    expect(flows).toContainEqual({ from: 'db-weaviate/weaviate-setup', to: 'db-weaviate/weaviate-server', ports: ['8080/TCP'] });
    expect(flows).toContainEqual({ from: 'db-weaviate/weaviate-backup', to: 'db-weaviate/weaviate-server', ports: ['8080/TCP'] });
  });

  test('a service is given the URL, gRPC address, its own copy of the client key, and both flows', () => {
    const settings: Record<string, string> = {};
    const env: k8s.EnvVar[] = [];
    const copied: string[] = [];
    const used: string[] = [];
    weaviateClient({
      refs: ctx.refs, platform: 'receivables', dependency: { target: 'weaviate' }, settings, env, volumes: [], mounts: [], copySecret: (s) => copied.push(s.name),
      internalCertificate: () => { throw new Error('no TLS here'); }, use: (e) => used.push(`${e.service}:${e.port}`),
    });
    expect(settings).toEqual(expect.objectContaining({ WEAVIATE_URL: ref.url, WEAVIATE_GRPC_PORT: '50051' }));
    expect(env).toEqual([{ name: 'WEAVIATE_API_KEY', valueFrom: { secretKeyRef: { name: 'weaviate-client-key', key: 'apiKey' } } }]);
    expect(copied).toEqual(['weaviate-client-key']);
    expect(used).toEqual(['weaviate:8080', 'weaviate:50051']);
  });

  test('alerts cover node loss, Raft, shard loading and the backups, in the store\'s namespace', () => {
    const rules = weaviateAlerts(config, storeAlertKit(weaviate.namespace));
    expect(rules.map((r) => r.alert)).toEqual(expect.arrayContaining(['WeaviateDown', 'WeaviateMembersMissing', 'WeaviateRaftApplyFailing', 'WeaviateBackupFailed', 'WeaviateBackupMissing']));
    for (const r of rules) expect(r.expr).toContain('namespace="db-weaviate"');
    expect(rules.find((r) => r.alert === 'WeaviateMembersMissing')!.expr).toMatch(/< 3$/);
  });
});

describe('alerts with promtool', () => {
  const rules = weaviateAlerts(config, storeAlertKit(weaviate.namespace));
  const file = { groups: [{ name: 'weaviate', rules: rules.map((r) => ({ alert: r.alert, expr: r.expr, for: r.for, labels: { severity: r.severity } })) }] };
  const n = 'namespace="db-weaviate"';

  test('promtool accepts every rule without lint findings', () => {
    const out = promtool(['check', 'rules', 'rules.yaml'], { 'rules.yaml': file });
    expect(out).toMatch(/SUCCESS/);
    expect(out).not.toMatch(/FAILED|lint/i);
  });

  test('they fire on the failures they name (promtool test rules)', () => {
    const tests = {
      rule_files: ['rules.yaml'], evaluation_interval: '1m',
      tests: [{
        interval: '1m',
        input_series: [
          // weaviate-1 stops answering at minute 2.
          { series: `up{${n}, container="weaviate", pod="weaviate-0"}`, values: '1x30' },
          { series: `up{${n}, container="weaviate", pod="weaviate-1"}`, values: '1 1 0x28' },
          { series: `up{${n}, container="weaviate", pod="weaviate-2"}`, values: '1x30' },
          // One Raft apply failure at minute 6.
          { series: `weaviate_cluster_store_fsm_apply_failures_total{${n}, pod="weaviate-0"}`, values: '0x5 1x24' },
          // The backup Job fails at minute 3.
          { series: `kube_job_status_failed{${n}, job_name="weaviate-backup-29400000"}`, values: '0 0 0 1x27' },
        ],
        alert_rule_test: [
          { eval_time: '1m', alertname: 'WeaviateDown', exp_alerts: [] },
          { eval_time: '5m', alertname: 'WeaviateDown', exp_alerts: [{ exp_labels: { severity: 'critical', namespace: 'db-weaviate', container: 'weaviate', pod: 'weaviate-1' } }] },
          { eval_time: '5m', alertname: 'WeaviateMembersMissing', exp_alerts: [] },
          { eval_time: '15m', alertname: 'WeaviateMembersMissing', exp_alerts: [{ exp_labels: { severity: 'warning' } }] },
          { eval_time: '4m', alertname: 'WeaviateRaftApplyFailing', exp_alerts: [] },
          { eval_time: '12m', alertname: 'WeaviateRaftApplyFailing', exp_alerts: [{ exp_labels: { severity: 'critical' } }] },
          { eval_time: '2m', alertname: 'WeaviateBackupFailed', exp_alerts: [] },
          { eval_time: '4m', alertname: 'WeaviateBackupFailed', exp_alerts: [{ exp_labels: { severity: 'critical' } }] },
        ],
      }, {
        // The last successful backup at time 0: missing after two days.
        interval: '1m',
        input_series: [{ series: `kube_cronjob_status_last_successful_time{${n}, cronjob="weaviate-backup"}`, values: `0x${61 * 60}` }],
        alert_rule_test: [
          { eval_time: '40h', alertname: 'WeaviateBackupMissing', exp_alerts: [] },
          { eval_time: '60h', alertname: 'WeaviateBackupMissing', exp_alerts: [{ exp_labels: { severity: 'warning' } }] },
        ],
      }],
    };
    expect(promtool(['test', 'rules', 'tests.yaml'], { 'rules.yaml': file, 'tests.yaml': tests })).toMatch(/SUCCESS/);
  });
});
