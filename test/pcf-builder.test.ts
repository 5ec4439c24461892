/**
 * The PCF Builder platform (seed 001, /work/shared/spec/001_*.txt), rendered: each number of the document checked
 * where it lands, with the section it comes from. The properties every platform must pass (schemas, policies from
 * the graph, GitOps, the install simulator, image contracts) run over renderEvery() in their own files.
 *
 * The fill Job's script runs for real at the end, with /bin/sh and coreutils, against a stand-in `mc` that copies a
 * local folder (what it does not prove: the real mc's mirror, MinIO's answers, a network file system's rename).
 */
import { execFileSync } from 'child_process';
import type { z } from 'zod';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { renderPlatform, type Manifest, type RenderedPlatform } from '../charts/platform';
import { COMPLETE_MARKER, FILL_SCRIPT, SHARED_CLAIM_ACCESS_MODES } from '../charts/apps/shared-volume';
import { REQUEST_RATE_METRIC } from '../charts/apps/metrics';
import type { externalPostgresSection } from '../charts/data/postgres/refs';
import { INTERNET } from '../charts/lib/graph';
import { ConfigError, environmentInput, loadEnvironment, validateEnvironment } from '../environments';
import { deepMerge } from '../environments/merge';
import { APP_SCALING, CATALOG } from '../environments/pcf-builder/catalog';
import { shellcheck } from './support/clickhouse-kafka';
import { promtool } from './support/monitoring';
import { manifestsOf, renderEvery } from './support/render';
import { clusterFacts, preflight } from '../scripts/install';
import type { Kubectl } from '../scripts/lib/kubectl';

const PLATFORM = 'pcf-builder';
const rendered = renderEvery().filter((p) => p.config.platform.name === PLATFORM);
const env = (name: string): RenderedPlatform => rendered.find((p) => p.config.name === name)!;
const find = (p: RenderedPlatform, kind: string, name: string): Manifest | undefined => manifestsOf(p).find((m) => m.kind === kind && m.metadata.name === name);
const app = (p: RenderedPlatform) => find(p, 'Deployment', 'pcf-builder')!;
const settings = (p: RenderedPlatform) => find(p, 'ConfigMap', 'pcf-builder-config')!.data as Record<string, string>;
const fillJobs = (p: RenderedPlatform) => manifestsOf(p).filter((m) => m.kind === 'Job' && m.metadata.name.startsWith('ai-brain-fill-'));

/** Problems of an environment of the platform with `override` merged into its input. */
function problemsWith(name: string, override: unknown): string[] {
  try {
    validateEnvironment(name, deepMerge(environmentInput(name, PLATFORM), override));
    return [];
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return e.problems.map((p) => `${p.path}: ${p.message}`);
  }
}

test('the platform renders the three environments of "Deployment Environments"', () => {
  expect(rendered.map((p) => p.config.name)).toEqual(['development', 'staging', 'production']);
});

describe('"Infrastructure as Code": the Deployment', () => {
  test.each(['development', 'staging', 'production'])('%s: Deployment pcf-builder, containerPort 3000, NODE_ENV "production", a pinned image, /tmp an emptyDir', (name) => {
    const d = app(env(name));
    const c = d.spec.template.spec.containers[0];
    expect(d.metadata.namespace).toBe('pcf-builder');
    // Seed 001: containerPort 3000.
    expect(c.ports).toEqual([expect.objectContaining({ containerPort: 3000 })]);
    expect(find(env(name), 'Service', 'pcf-builder')!.spec.ports[0]).toMatchObject({ port: 3000, targetPort: 'http' });
    // Seed 001: NODE_ENV "production" (in the ConfigMap the container reads whole).
    expect(settings(env(name)).NODE_ENV).toBe('production');
    expect(c.envFrom).toContainEqual({ configMapRef: { name: 'pcf-builder-config' } });
    // Seed 001 writes `pcf-builder:latest`: pinned here, in the platform's registry.
    expect(c.image).toMatch(/^registry\.pcf-builder\.internal\/platform\/pcf-builder:[0-9]+\.[0-9]+\.[0-9]+$/);
    // Seed 001 "Container Architecture": /tmp for temporary files, on a read-only root.
    const tmp = c.volumeMounts.find((m: Manifest) => m.mountPath === '/tmp');
    expect(d.spec.template.spec.volumes.find((v: Manifest) => v.name === tmp.name).emptyDir).toBeDefined();
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
  });

  test('instances per "Deployment Environments": development 1, staging 2, production 3-10 (auto-scale)', () => {
    expect(app(env('development')).spec.replicas).toBe(1);
    expect(app(env('staging')).spec.replicas).toBe(2);
    expect(find(env('development'), 'HorizontalPodAutoscaler', 'pcf-builder')).toBeUndefined();
    expect(find(env('staging'), 'HorizontalPodAutoscaler', 'pcf-builder')).toBeUndefined();
    // Production: "replicas: 3" and "3-10": the HPA owns the count (no spec.replicas for Argo CD to fight).
    expect(app(env('production')).spec.replicas).toBeUndefined();
    expect(find(env('production'), 'HorizontalPodAutoscaler', 'pcf-builder')!.spec).toMatchObject({ minReplicas: 3, maxReplicas: 10 });
  });
});

describe('"Scaling Strategy": min 2, max 10; CPU > 70 %, memory > 80 %, requests/sec > 100', () => {
  test('the catalog carries the document\'s rule', () => {
    expect(APP_SCALING).toEqual({ type: 'horizontal', minReplicas: 2, maxReplicas: 10, cpuPercent: 70, memoryPercent: 80, requestsPerSecond: 100 });
    expect(CATALOG.find((e) => e.name === 'pcf-builder')!.scaling).toBe(APP_SCALING);
  });

  test('production\'s HPA scales on CPU 70 %, memory 80 % and 100 requests per second per pod', () => {
    const hpa = find(env('production'), 'HorizontalPodAutoscaler', 'pcf-builder')!;
    expect(hpa.spec.metrics).toEqual(expect.arrayContaining([
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
      { type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 80 } } },
      {
        type: 'External',
        external: { metric: { name: REQUEST_RATE_METRIC, selector: { matchLabels: { job: 'pcf-builder' } } }, target: { type: 'AverageValue', averageValue: '100' } },
      },
    ]));
    expect(hpa.spec.metrics).toHaveLength(3);
  });

  test('an environment\'s minimum of 2 (the document\'s) holds where it does not ask for more', () => {
    const c = loadEnvironment('production', PLATFORM);
    const input = structuredClone(environmentInput('production', PLATFORM)) as any;
    delete input.apps.services['pcf-builder'].minReplicas;
    const p = renderPlatform(validateEnvironment('production', input));
    expect(c.apps.services['pcf-builder'].minReplicas).toBe(3);
    expect(find(p, 'HorizontalPodAutoscaler', 'pcf-builder')!.spec).toMatchObject({ minReplicas: 2, maxReplicas: 10 });
  });

  test('prometheus-adapter serves the request rate the HPA reads: the service\'s summed rate, in its namespace, per job', () => {
    const adapter = find(env('production'), 'Application', 'pcf-builder-production-prometheus-adapter')!;
    const values = adapter.spec.source.helm.valuesObject ?? JSON.parse(adapter.spec.source.helm.values);
    const rule = values.rules.external.find((r: Manifest) => r.name.as === REQUEST_RATE_METRIC);
    expect(rule.seriesQuery).toMatch(/^http_requests_total\{/);
    expect(rule.metricsQuery).toBe('sum(rate(http_requests_total{<<.LabelMatchers>>}[2m])) by (job)');
    expect(rule.resources.overrides).toEqual({ namespace: { resource: 'namespace' } });
    // The series' job label is the PodMonitor's jobLabel: the pods' app.kubernetes.io/name, "pcf-builder".
    const pm = find(env('production'), 'PodMonitor', 'pcf-builder')!;
    expect(pm.spec.jobLabel).toBe('app.kubernetes.io/name');
    expect(app(env('production')).spec.template.metadata.labels['app.kubernetes.io/name']).toBe('pcf-builder');
  });
});

describe('the AI brain: PVC ai-brain-pvc, ReadOnlyMany, read-only at /app/ai-brain in every replica', () => {
  test.each(['development', 'staging', 'production'])('%s: the claim, its read-only mount, and the Job that alone writes it', (name) => {
    const p = env(name);
    const pvc = find(p, 'PersistentVolumeClaim', 'ai-brain-pvc')!;
    // "Kubernetes Deployment": Persistent Volume, AI Brain, ReadOnlyMany.
    expect(pvc.spec.accessModes).toContain('ReadOnlyMany');
    expect(pvc.spec.accessModes).toEqual([...SHARED_CLAIM_ACCESS_MODES]);
    expect(pvc.spec.storageClassName).toBe(p.config.apps.sharedVolumes['ai-brain-pvc'].storageClass);
    expect(p.config.storageClasses[pvc.spec.storageClassName].accessModes).toEqual(expect.arrayContaining(['ReadOnlyMany', 'ReadWriteMany']));

    // "Infrastructure as Code": volume ai-brain from claim ai-brain-pvc, mountPath /app/ai-brain, readOnly true.
    const spec = app(p).spec.template.spec;
    const volume = spec.volumes.find((v: Manifest) => v.persistentVolumeClaim?.claimName === 'ai-brain-pvc');
    expect(volume.persistentVolumeClaim.readOnly).toBe(true);
    for (const c of [...spec.containers, ...spec.initContainers]) {
      expect(c.volumeMounts.filter((m: Manifest) => m.name === volume.name)).toEqual([{ name: volume.name, mountPath: '/app/ai-brain', readOnly: true }]);
    }
    // The app reads its own version's folder, and waits until that folder is complete.
    const version = p.config.apps.sharedVolumes['ai-brain-pvc'].version;
    expect(settings(p).AI_BRAIN_PATH).toBe(`/app/ai-brain/versions/${version}`);
    expect(spec.initContainers[0].command.join(' ')).toContain(`/app/ai-brain/versions/${version}/${COMPLETE_MARKER}`);

    // Exactly one pod template writes the claim: the fill Job.
    const writers = manifestsOf(p).flatMap((m) => {
      const t = m.kind === 'Job' || m.kind === 'Deployment' || m.kind === 'StatefulSet' ? m.spec.template.spec : m.kind === 'CronJob' ? m.spec.jobTemplate.spec.template.spec : undefined;
      const v = t?.volumes?.find((x: Manifest) => x.persistentVolumeClaim?.claimName === 'ai-brain-pvc');
      if (!v) return [];
      const rw = [...t.containers, ...(t.initContainers ?? [])].some((c: Manifest) => c.volumeMounts?.some((mm: Manifest) => mm.name === v.name && !mm.readOnly));
      return rw && !v.persistentVolumeClaim.readOnly ? [`${m.kind} ${m.metadata.name}`] : [];
    });
    expect(writers).toEqual(fillJobs(p).map((j) => `Job ${j.metadata.name}`));
    expect(writers).toHaveLength(1);
    const job = fillJobs(p)[0];
    const env_ = Object.fromEntries(job.spec.template.spec.containers[0].env.filter((e: Manifest) => 'value' in e).map((e: Manifest) => [e.name, e.value]));
    expect(env_.CONTENT_VERSION).toBe(version);
    expect(env_.S3_SOURCE).toBe('documents/ai-brain');
    // Run once per version: no hook that re-runs it, no TTL after which Argo CD would re-create it.
    expect(job.metadata.annotations?.['argocd.argoproj.io/hook']).toBeUndefined();
    expect(job.spec.ttlSecondsAfterFinished).toBeUndefined();
    // The Job writes as the app's user, so every replica reads files of its own.
    expect(job.spec.template.spec.securityContext.runAsUser).toBe(spec.securityContext.runAsUser);
  });

  test('a new brain version is a new Job and a rollout of the app; the claim stays', () => {
    const base = env('production');
    const next = renderPlatform(validateEnvironment('production', deepMerge(environmentInput('production', PLATFORM), { apps: { sharedVolumes: { 'ai-brain-pvc': { version: '2026.12.0' } } } })));
    expect(fillJobs(next).map((j) => j.metadata.name)).not.toEqual(fillJobs(base).map((j) => j.metadata.name));
    expect(find(next, 'PersistentVolumeClaim', 'ai-brain-pvc')).toEqual(find(base, 'PersistentVolumeClaim', 'ai-brain-pvc'));
    const checksum = (p: RenderedPlatform) => app(p).spec.template.metadata.annotations['checksum/config'];
    expect(checksum(next)).not.toBe(checksum(base));
    expect(settings(next).AI_BRAIN_PATH).toBe('/app/ai-brain/versions/2026.12.0');
  });

  test('the same version renders the same Job name (deterministic)', () => {
    const again = renderPlatform(loadEnvironment('staging', PLATFORM));
    expect(fillJobs(again).map((j) => j.metadata.name)).toEqual(fillJobs(env('staging')).map((j) => j.metadata.name));
  });
});

describe('the storage class must be able to do ReadOnlyMany (a declared capability)', () => {
  test('a class declared ReadWriteOnce only (k3s local-path) is refused, naming the path, the class and the choices', () => {
    expect(problemsWith('development', { apps: { sharedVolumes: { 'ai-brain-pvc': { storageClass: 'local-path' } } } })).toEqual([
      expect.stringMatching(/^apps\.sharedVolumes\.ai-brain-pvc\.storageClass: storage class "local-path" supports ReadWriteOnce .*not ReadOnlyMany or ReadWriteMany.*NFS or CephFS/),
    ]);
  });

  test('the message names the platform, the environment, the field, the value and what is allowed', () => {
    const input = deepMerge(environmentInput('development', PLATFORM), { apps: { sharedVolumes: { 'ai-brain-pvc': { storageClass: 'local-path' } } } });
    let message = '';
    try { validateEnvironment('development', input); } catch (e) { message = (e as Error).message; }
    expect(message).toContain('environment "development": apps.sharedVolumes.ai-brain-pvc.storageClass = "local-path": storage class "local-path" supports ReadWriteOnce');
    expect(() => loadEnvironment('development', PLATFORM)).not.toThrow();
  });

  test('Ceph RBD (block, ReadWriteOnce) is refused in production', () => {
    expect(problemsWith('production', { apps: { sharedVolumes: { 'ai-brain-pvc': { storageClass: 'ceph-rbd' } } } })).toEqual([
      expect.stringMatching(/^apps\.sharedVolumes\.ai-brain-pvc\.storageClass: storage class "ceph-rbd" supports ReadWriteOnce/),
    ]);
  });

  test('a class that is not declared is refused rather than guessed', () => {
    expect(problemsWith('staging', { apps: { sharedVolumes: { 'ai-brain-pvc': { storageClass: 'longhorn' } } } })).toEqual([
      expect.stringMatching(/^apps\.sharedVolumes\.ai-brain-pvc\.storageClass: is not declared in storageClasses .*ReadOnlyMany and ReadWriteMany/),
    ]);
  });

  test('ReadOnlyMany without ReadWriteMany is refused too (the fill Job writes while replicas read)', () => {
    expect(problemsWith('staging', { storageClasses: { cephfs: { accessModes: ['ReadWriteOnce', 'ReadOnlyMany'] } } })).toEqual([
      expect.stringMatching(/storage class "cephfs" supports ReadWriteOnce, ReadOnlyMany .*not ReadWriteMany/),
    ]);
  });

  test('the brain\'s settings are required, and no other shared volume may be configured', () => {
    const input = structuredClone(environmentInput('production', PLATFORM)) as any;
    input.apps.sharedVolumes = { 'other-pvc': { storageClass: 'cephfs', size: '1Gi', version: '1' } };
    let problems: string[] = [];
    try { validateEnvironment('production', input); } catch (e) { problems = (e as ConfigError).problems.map((x) => `${x.path}: ${x.message}`); }
    expect(problems).toEqual([
      expect.stringMatching(/^apps\.sharedVolumes\.ai-brain-pvc: is required: pcf-builder mounts the shared volume ai-brain-pvc/),
      expect.stringMatching(/^apps\.sharedVolumes\.other-pvc: is not a shared volume of the catalog \(allowed: ai-brain-pvc\)/),
    ]);
  });

  test('a version that is not a folder name is refused', () => {
    expect(problemsWith('staging', { apps: { sharedVolumes: { 'ai-brain-pvc': { version: '../x' } } } })).toEqual([
      expect.stringMatching(/^apps\.sharedVolumes\.ai-brain-pvc\.version: must be a version/),
    ]);
  });
});

describe('the installer checks the brain\'s storage class before anything is applied', () => {
  // A read-only cluster that answers the pre-flight's calls: a k3s node, and the storage classes given.
  const cluster = (classes: string[]): Kubectl => ({
    show: (args: readonly string[]) => `kubectl ${args.join(' ')}`,
    run: (args: readonly string[]) => {
      const out = (stdout: string) => ({ code: 0, stdout, stderr: '' });
      if (args[0] === 'config') return out(JSON.stringify({ 'current-context': 'dev', clusters: [{ cluster: { server: 'https://127.0.0.1:6443' } }] }));
      if (args[0] === 'version') return out(JSON.stringify({ clientVersion: { gitVersion: 'v1.30.4' }, serverVersion: { gitVersion: 'v1.30.4+k3s1' } }));
      if (args[1] === 'nodes') return out(JSON.stringify({ items: [{ status: { nodeInfo: { kubeletVersion: 'v1.30.4+k3s1' }, conditions: [{ type: 'Ready', status: 'True' }] } }] }));
      if (args[1] === 'storageclass') return out(classes.includes(args[2]) ? `storageclass.storage.k8s.io/${args[2]}\n` : '');
      return out('');
    },
  } as unknown as Kubectl);
  const config = loadEnvironment('development', PLATFORM);

  test('a k3s cluster with only local-path: the NFS class of ai-brain-pvc is a problem, with what to do', () => {
    const facts = clusterFacts(config, cluster(['local-path']));
    expect(facts.sharedVolumeClasses).toEqual({ 'nfs-client': false });
    const pf = preflight(config, facts, true, false);
    expect(pf.problems).toBe(1);
    expect(pf.lines.join('\n')).toMatch(/PROBLEM storage class nfs-client \(shared volumes, ReadOnlyMany and ReadWriteMany\): missing\n\s+what to do: install the provisioner that provides StorageClass nfs-client, e\.g\. NFS or CephFS/);
  });

  test('with the NFS class installed, the pre-flight passes', () => {
    const pf = preflight(config, clusterFacts(config, cluster(['local-path', 'nfs-client'])), true, false);
    expect(pf.problems).toBe(0);
    expect(pf.lines.join('\n')).toContain('ok      storage class nfs-client (shared volumes, ReadOnlyMany and ReadWriteMany): present');
  });
});

describe('stores: Redis in its cache namespace, PostgreSQL outside development, MinIO for the brain', () => {
  test('development renders no database: SQLite in the app (seed 001), no PostgreSQL object, setting, Secret or namespace', () => {
    const p = env('development');
    expect(p.config.stores.postgres).toBeUndefined();
    expect(manifestsOf(p).filter((m) => /postgres/.test(JSON.stringify(m)))).toEqual([]);
    expect(Object.keys(settings(p)).filter((k) => k.startsWith('DATABASE'))).toEqual([]);
    expect(p.secrets.filter((s) => /postgres/.test(s.name))).toEqual([]);
  });

  test('staging runs PostgreSQL in the cluster (for "RDS (small)"), wired to the app through PgBouncer', () => {
    const p = env('staging');
    expect(p.config.stores.postgres?.replicas).toBe(3);
    expect(settings(p).DATABASE_HOST).toMatch(/^pgbouncer\.db-postgres\.svc\./);
  });

  test('production uses the site\'s managed PostgreSQL ("RDS (multi-AZ)"): nothing of it runs here, the app alone reaches its subnets on 5432', () => {
    const p = env('production');
    const x = (p.config.external as { postgres?: z.infer<typeof externalPostgresSection> }).postgres!;
    expect(p.config.stores.postgres).toBeUndefined();
    expect(manifestsOf(p).filter((m) => m.metadata?.namespace === 'db-postgres' || (m.kind === 'Namespace' && m.metadata.name === 'db-postgres'))).toEqual([]);
    expect(settings(p)).toMatchObject({ DATABASE_HOST: x.host, DATABASE_PORT: String(x.port), DATABASE_NAME: x.database });
    const toDb = p.graph.flows.filter((f) => 'addresses' in f.to && f.to.addresses.cidrs.some((c) => x.cidrs.includes(c)));
    expect(toDb.map((f) => ['pods' in f.from ? f.from.pods.display : '', f.ports.map((q) => q.port)])).toEqual([['pcf-builder/pcf-builder-api', [5432]]]);
    // The site supplies its credentials; the secret generator never creates them.
    expect(p.secrets.filter((s) => s.name === x.credentialsSecret)).toEqual([expect.objectContaining({ namespace: 'pcf-builder', suppliedBy: 'site' })]);
  });

  test('an environment may leave out PostgreSQL only because the app\'s dependency on it is optional', () => {
    const required = CATALOG.map((e) => ({ ...e, dependsOn: e.dependsOn.map((d) => ({ target: d.target })) }));
    const input = { ...environmentInput('development', PLATFORM), platform: { ...(environmentInput('development', PLATFORM).platform as object), catalog: required } };
    expect(() => validateEnvironment('development', input)).toThrow(/stores\.postgres = \(missing\): is required: pcf-builder depends on postgres \(catalog\.pcf-builder\.dependsOn\[1\] is not optional\)/);
  });

  test('Redis runs in db-redis: one server and one Sentinel in development, three and three elsewhere', () => {
    const redis = (name: string) => manifestsOf(env(name)).filter((m) => m.kind === 'StatefulSet' && m.metadata.namespace === 'db-redis').map((m) => [m.metadata.name, m.spec.replicas]);
    expect(redis('development').sort()).toEqual([['redis', 1], ['redis-sentinel', 1]]);
    expect(redis('staging').sort()).toEqual([['redis', 3], ['redis-sentinel', 3]]);
    expect(redis('production').sort()).toEqual([['redis', 3], ['redis-sentinel', 3]]);
    expect(settings(env('production')).REDIS_SENTINELS).toMatch(/\.db-redis\.svc\./);
  });
});

describe('"Kubernetes Deployment": NGINX Ingress → Service → pods', () => {
  test.each(['development', 'staging', 'production'])('%s: the app\'s own Ingress at app.<baseDomain> to port 3000, with TLS', (name) => {
    const p = env(name);
    const ing = find(p, 'Ingress', 'pcf-builder')!;
    const host = `app.${p.config.ingress.baseDomain}`;
    expect(ing.spec.ingressClassName).toBe(p.config.ingress.className);
    expect(ing.spec.rules).toEqual([{ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'pcf-builder', port: { number: 3000 } } } }] } }]);
    expect(ing.spec.tls).toEqual([{ hosts: [host], secretName: expect.any(String) }]);
  });

  test('NGINX where the cluster has no controller (kubeadm: staging, production); k3s\'s Traefik in development', () => {
    expect(env('staging').config.ingress.className).toBe('nginx');
    expect(env('production').config.ingress.className).toBe('nginx');
    expect(env('development').config.ingress.className).toBe('traefik');
  });
});

describe('the outside world: the LLM APIs on 443, from the app only', () => {
  test.each(['development', 'staging', 'production'])('%s: of the platform\'s own pods only the app reaches the internet, on 443 only', (name) => {
    const out = env(name).graph.flows.filter((f) => 'addresses' in f.to && f.to.addresses === INTERNET);
    const ours = out.filter((f) => 'pods' in f.from && !['cert-manager'].includes(f.from.pods.namespace));
    // Besides the app, Alertmanager where it notifies PagerDuty and Slack (addons.monitoring.alerting: staging, production).
    const alerts: [string, number[]][] = name === 'development' ? [] : [['monitoring/alertmanager', [443]]];
    expect(ours.map((f) => ['pods' in f.from ? f.from.pods.display : '', f.ports.map((p) => p.port)])).toEqual([...alerts, ['pcf-builder/pcf-builder-api', [443]]]);
  });
});

describe('monitoring: Prometheus scrapes the app and the stores; alerts for the stores', () => {
  test('production scrapes the app on port 3000 and alerts on its stores (Redis, MinIO; its PostgreSQL is the provider\'s)', () => {
    const p = env('production');
    const pm = find(p, 'PodMonitor', 'pcf-builder')!;
    expect(pm.metadata.namespace).toBe('pcf-builder');
    expect(pm.spec.podMetricsEndpoints.map((e: Manifest) => e.port)).toEqual(['http']);
    const rules = manifestsOf(p).filter((m) => m.kind === 'PrometheusRule').map((m) => m.metadata.namespace).sort();
    expect(rules).toEqual(expect.arrayContaining(['db-redis', 'storage-minio']));
    const staging = manifestsOf(env('staging')).filter((m) => m.kind === 'PrometheusRule').map((m) => m.metadata.namespace);
    expect(staging).toEqual(expect.arrayContaining(['db-postgres', 'db-redis', 'storage-minio']));
  });
});

describe('alerts for the brain volume (promtool test rules)', () => {
  test('a failed fill Job and a replica held waiting for its version fire; nothing fires while all is well', () => {
    const rule = find(env('production'), 'PrometheusRule', 'ai-brain-pvc-content')!;
    expect(rule.metadata.namespace).toBe('pcf-builder');
    const groups = rule.spec.groups.map((g: Manifest) => ({ ...g, rules: g.rules.map(({ annotations: _a, ...r }: Manifest) => r) }));
    const job = fillJobs(env('production'))[0].metadata.name;
    const tests = {
      rule_files: ['rules.yaml'], evaluation_interval: '1m',
      tests: [{
        interval: '1m',
        input_series: [
          { series: `kube_job_status_failed{namespace="pcf-builder", job_name="${job}"}`, values: '0x5 1x10' },
          { series: 'kube_job_status_failed{namespace="pcf-builder", job_name="other-job"}', values: '1x15' },
          { series: 'kube_pod_init_container_status_running{namespace="pcf-builder", pod="pcf-builder-abc", container="wait-for-content"}', values: '1x30' },
        ],
        alert_rule_test: [
          { eval_time: '4m', alertname: 'AiBrainFillFailed', exp_alerts: [] },
          { eval_time: '8m', alertname: 'AiBrainFillFailed', exp_alerts: [{ exp_labels: { severity: 'critical', namespace: 'pcf-builder', job_name: job } }] },
          { eval_time: '10m', alertname: 'AiBrainContentWaiting', exp_alerts: [] },
          { eval_time: '20m', alertname: 'AiBrainContentWaiting', exp_alerts: [{ exp_labels: { severity: 'warning', namespace: 'pcf-builder', pod: 'pcf-builder-abc' } }] },
        ],
      }],
    };
    expect(promtool(['test', 'rules', 'tests.yaml'], { 'rules.yaml': { groups }, 'tests.yaml': tests })).toMatch(/SUCCESS/);
  });

  test('no Prometheus stack, no rules (development)', () => {
    expect(find(env('development'), 'PrometheusRule', 'ai-brain-pvc-content')).toBeUndefined();
  });
});

// ---- the fill Job's script, run -------------------------------------------------------------------------------

describe('the fill script (sh, coreutils, a stand-in mc copying a local folder)', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pcf-fill-'));
  const bucket = path.join(work, 'bucket');
  const volume = path.join(work, 'volume');
  const bin = path.join(work, 'bin');
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));
  fs.mkdirSync(bin);
  fs.mkdirSync(volume);
  // `mc alias set …` succeeds; `mc mirror --overwrite --remove source/<path>/ <dir>/` copies <bucket>/<path>.
  fs.writeFileSync(path.join(bin, 'mc'), `#!/bin/sh
case "$1" in
  alias) exit 0 ;;
  mirror) src="$4"; dst="$5"; src="\${src#source/}"; [ -d "${bucket}/$src" ] || exit 0; cp -R "${bucket}/$src/." "$dst" ;;
  *) exit 2 ;;
esac
`, { mode: 0o755 });
  const script = path.join(work, 'fill.sh');
  fs.writeFileSync(script, FILL_SCRIPT);
  const upload = (version: string, files: Record<string, string>) => {
    for (const [name, text] of Object.entries(files)) {
      fs.mkdirSync(path.join(bucket, 'documents/ai-brain', version), { recursive: true });
      fs.writeFileSync(path.join(bucket, 'documents/ai-brain', version, name), text);
    }
  };
  const fill = (version: string) => execFileSync('/bin/sh', [script], {
    env: { PATH: `${bin}:/usr/bin:/bin`, CONTENT_VERSION: version, VOLUME: volume, S3_ENDPOINT: 'http://minio:9000', S3_SOURCE: 'documents/ai-brain', S3_ACCESS_KEY_ID: 'a', S3_SECRET_ACCESS_KEY: 'b' },
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
  });
  const versions = () => fs.readdirSync(path.join(volume, 'versions')).sort();

  test('passes shellcheck (POSIX sh: the mc image\'s /bin/sh)', () => expect(shellcheck(FILL_SCRIPT, 'sh')).toBe(''));

  test('copies a version whole, marks it complete, and is idempotent', () => {
    upload('v1', { 'rules.json': '{"a":1}' });
    expect(fill('v1')).toContain('version v1 copied');
    expect(fs.readFileSync(path.join(volume, 'versions/v1/rules.json'), 'utf8')).toBe('{"a":1}');
    expect(fs.existsSync(path.join(volume, 'versions/v1', COMPLETE_MARKER))).toBe(true);
    expect(fill('v1')).toContain('version v1 is already complete');
    expect(versions()).toEqual(['v1']);
    expect(fs.readFileSync(path.join(volume, 'CURRENT'), 'utf8')).toBe('v1\n');
  });

  test('a new version keeps the one it replaces (pods of a rollout still read it) and removes older ones', () => {
    upload('v2', { 'rules.json': '{"a":2}' });
    fill('v2');
    expect(versions()).toEqual(['v1', 'v2']);
    upload('v3', { 'rules.json': '{"a":3}' });
    expect(fill('v3')).toContain('removed v1');
    expect(versions()).toEqual(['v2', 'v3']);
    expect(fs.readFileSync(path.join(volume, 'PREVIOUS'), 'utf8')).toBe('v2\n');
  });

  test('a version with no objects fails and leaves no complete folder behind', () => {
    expect(() => fill('v9')).toThrow(/no objects under documents\/ai-brain\/v9\//);
    expect(fs.existsSync(path.join(volume, 'versions/v9'))).toBe(false);
  });
});
