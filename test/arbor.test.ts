/**
 * The Arbor/Kumori platform (spec 003, environments/arbor/): the document's numbers in the rendered objects.
 * Every expected value below is the document's (section named beside it), not copied from the output.
 */
import { renderPlatform, type Manifest, type RenderedPlatform } from '../charts/platform';
import { entryProbes } from '../charts/apps/workload';
import { catalogProblems } from '../environments/catalog';
import { environmentInput, loadEnvironment, PLATFORMS, validateEnvironment } from '../environments';
import { deepMerge } from '../environments/merge';
import { CATALOG } from '../environments/arbor/catalog';
import { httpProbe } from '../charts/lib/container';
import { ingressController } from '../charts/lib/graph';
import { manifestsOf } from './support/render';
import { siteChecklist } from '../charts/output/checklist';
import { addons } from '../charts/gitops/addons-catalog';
import { modelErrors, unknownFields } from './support/k8s-schema';
import { promtool } from './support/monitoring';
import { standbySourceSecrets } from '../charts/data/postgres/chart';
import type { PostgresRefs } from '../charts/data/postgres/context';

const ENVS = Object.keys(PLATFORMS.arbor.environments);
const rendered = new Map<string, RenderedPlatform>(ENVS.map((e) => [e, renderPlatform(loadEnvironment(e, 'arbor'))]));
const objects = (env: string) => manifestsOf(rendered.get(env)!);
const find = (env: string, kind: string, name: string): Manifest | undefined => objects(env).find((m) => m.kind === kind && m.metadata.name === name);
const get = (env: string, kind: string, name: string): Manifest => {
  const m = find(env, kind, name);
  if (!m) throw new Error(`${env}: no ${kind} ${name}`);
  return m;
};
const container = (env: string, name: string) => get(env, 'Deployment', name).spec.template.spec.containers[0];
const PRIMARY = 'production-us-east-1';

describe('environments (spec 003 "Deployment Environments", "Production Environment")', () => {
  test('development, staging and one environment per production region', () => {
    expect(ENVS).toEqual(['development', 'staging', 'production-us-east-1', 'production-eu-west-1', 'production-ap-southeast-1']);
  });

  test('development: instances 1, auto_scaling false', () => {
    for (const api of ['arbor-api', 'kumori-api']) {
      expect(get('development', 'Deployment', api).spec.replicas).toBe(1);
      expect(find('development', 'HorizontalPodAutoscaler', api)).toBeUndefined();
    }
  });

  test('staging: instances 2, auto_scaling true, max_instances 4', () => {
    for (const api of ['arbor-api', 'kumori-api']) {
      const hpa = get('staging', 'HorizontalPodAutoscaler', api);
      expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual([2, 4]);
      // An HPA owns the count: no spec.replicas for Argo CD to fight over.
      expect(get('staging', 'Deployment', api).spec.replicas).toBeUndefined();
    }
  });

  test('us-east-1 is the database primary; eu-west-1 and ap-southeast-1 hold read replicas of it', () => {
    expect(rendered.get(PRIMARY)!.config.stores.postgres!.standby).toBeUndefined();
    for (const env of ['production-eu-west-1', 'production-ap-southeast-1']) {
      expect(rendered.get(env)!.config.stores.postgres!.standby?.sourceEnvironment).toBe(PRIMARY);
    }
  });
});

describe('arbor-api: spec 003 "Container Architecture §2 Kubernetes Deployment" and "Service Deployment Architecture §1"', () => {
  test.each(ENVS.filter((e) => e !== 'development'))('%s: port 3000, requests 1000m / 2Gi, limits 2000m / 4Gi, NODE_ENV production', (env) => {
    const c = container(env, 'arbor-api');
    expect(c.ports).toEqual([{ name: 'http', containerPort: 3000, protocol: 'TCP' }]);
    expect(c.resources).toEqual({ requests: { cpu: '1000m', memory: '2Gi' }, limits: { cpu: '2000m', memory: '4Gi' } });
    expect(get(env, 'ConfigMap', 'arbor-api-config').data.NODE_ENV).toBe('production');
  });

  test.each(ENVS)('%s: liveness GET /api/health (initial delay 30 s, period 10 s), readiness GET /api/ready (5 s, 5 s)', (env) => {
    for (const api of ['arbor-api', 'kumori-api']) {
      const c = container(env, api);
      expect(c.livenessProbe).toMatchObject({ httpGet: { path: '/api/health', port: 'http' }, initialDelaySeconds: 30, periodSeconds: 10 });
      expect(c.readinessProbe).toMatchObject({ httpGet: { path: '/api/ready', port: 'http' }, initialDelaySeconds: 5, periodSeconds: 5 });
      // The kind's startup probe checked another path: stating liveness drops it.
      expect(c.startupProbe).toBeUndefined();
    }
  });

  test('production: 3 replicas at least, HPA 3-50 at CPU 70 % / memory 80 %', () => {
    const hpa = get(PRIMARY, 'HorizontalPodAutoscaler', 'arbor-api');
    expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual([3, 50]);
    expect(hpa.spec.metrics.map((m: Manifest) => [m.resource.name, m.resource.target.averageUtilization])).toEqual([['cpu', 70], ['memory', 80]]);
  });
});

describe('kumori-api: spec 003 "Service Deployment Architecture §2"', () => {
  test('production: HPA 2-30 at CPU 75 % / memory 85 %, the same stack and sizes as Arbor', () => {
    const hpa = get(PRIMARY, 'HorizontalPodAutoscaler', 'kumori-api');
    expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual([2, 30]);
    expect(hpa.spec.metrics.map((m: Manifest) => [m.resource.name, m.resource.target.averageUtilization])).toEqual([['cpu', 75], ['memory', 85]]);
    expect(container(PRIMARY, 'kumori-api').resources).toEqual({ requests: { cpu: '1000m', memory: '2Gi' }, limits: { cpu: '2000m', memory: '4Gi' } });
  });

  test('the third region (ap-southeast-1) runs the APIs too', () => {
    for (const api of ['arbor-api', 'kumori-api']) expect(find('production-ap-southeast-1', 'Deployment', api)).toBeDefined();
  });
});

describe('a catalog entry states its own probes (environments/service.ts, charts/apps/workload.ts)', () => {
  const kind = {
    startup: httpProbe('/health/live', 'http', { periodSeconds: 5, failureThreshold: 24 }),
    liveness: httpProbe('/health/live', 'http', { periodSeconds: 10 }),
    readiness: httpProbe('/health/ready', 'http', { periodSeconds: 5 }),
  };

  test('without its own, the kind\'s probes stay exactly as they were', () => {
    expect(entryProbes(kind, undefined)).toBe(kind);
  });

  test('a stated readiness probe alone keeps the kind\'s startup and liveness', () => {
    const p = entryProbes(kind, { readiness: { path: '/ready', periodSeconds: 2 } });
    expect(p.startup).toBe(kind.startup);
    expect(p.liveness).toBe(kind.liveness);
    expect(p.readiness).toMatchObject({ httpGet: { path: '/ready' }, periodSeconds: 2 });
  });

  test('a stated startup probe is kept beside a stated liveness probe', () => {
    const p = entryProbes(kind, { liveness: { path: '/l' }, startup: { path: '/s', failureThreshold: 30 } });
    expect(p.startup).toMatchObject({ httpGet: { path: '/s' }, failureThreshold: 30 });
  });

  test('bad paths and timings are refused with the entry and field named', () => {
    const bad = { ...CATALOG[0], probes: { liveness: { path: 'api/health', periodSeconds: 0 } } };
    expect(catalogProblems([bad], ['app-core'], ['postgres', 'minio']).map((p) => p.path)).toEqual([
      'catalog.arbor-api.probes.liveness.path', 'catalog.arbor-api.probes.liveness.periodSeconds',
    ]);
  });
});

describe('migrations (spec 003 "Database Migration Strategy": Prisma, before the APIs roll)', () => {
  test('a PreSync hook Job per API in the primary region, on the primary, not through the pooler', () => {
    for (const api of ['arbor-api', 'kumori-api']) {
      const job = get(PRIMARY, 'Job', `${api}-migrate`);
      expect(job.metadata.annotations['argocd.argoproj.io/hook']).toBe('PreSync');
      const c = job.spec.template.spec.containers[0];
      expect(c.args).toEqual(['npx', 'prisma', 'migrate', 'deploy']);
      expect(c.image).toBe(container(PRIMARY, api).image);
      const env = Object.fromEntries(c.env.filter((e: Manifest) => e.value).map((e: Manifest) => [e.name, e.value]));
      expect(env.DATABASE_PORT).toBe('5432');
      expect(env.DATABASE_HOST).toMatch(/^postgres\.db-postgres\.svc/);
      // Not picked by the API's Service.
      const selector = get(PRIMARY, 'Service', api).spec.selector;
      expect(Object.entries(selector).every(([k, v]) => job.spec.template.metadata.labels[k] === v)).toBe(false);
    }
  });

  test('the read-replica regions migrate nothing (their standby replays the primary\'s schema)', () => {
    for (const env of ['production-eu-west-1', 'production-ap-southeast-1']) {
      expect(objects(env).filter((m) => m.kind === 'Job' && /-migrate-?/.test(m.metadata.name))).toEqual([]);
    }
  });
});

describe('spec 003 "Infrastructure Monitoring": Prometheus retention 30d', () => {
  test.each(ENVS.filter((e) => rendered.get(e)!.config.addons.monitoring.enabled))('%s', (env) => {
    const app = objects(env).find((m) => m.kind === 'Application' && m.spec.source?.chart === 'kube-prometheus-stack')!;
    const values = JSON.parse(JSON.stringify(app.spec.source.helm.valuesObject ?? {}));
    expect(values.prometheus.prometheusSpec.retention).toBe('30d');
  });
});

describe('spec 003 "Monitoring & Observability" alerting rules: high_error_rate (> 0.05, critical), high_latency (p99 > 1000 ms, warning)', () => {
  const monitored = ENVS.filter((e) => rendered.get(e)!.config.addons.monitoring.enabled);

  test.each(monitored)('%s: a rule for each API, in its namespace, valid', (env) => {
    for (const api of ['arbor-api', 'kumori-api']) {
      const r = get(env, 'PrometheusRule', `${api}-requests`);
      expect(r.metadata.namespace).toBe('app-core');
      expect(modelErrors(r)).toBeUndefined();
      expect(r.spec.groups[0].rules.map((x: Manifest) => [x.labels.severity, x.for])).toEqual([['critical', '5m'], ['warning', '5m']]);
      // Over the requests of the API's own Ingress, which ingress-nginx serves here.
      expect(find(env, 'Ingress', api)?.metadata.namespace).toBe('app-core');
      expect(ingressController(rendered.get(env)!.config).selector['app.kubernetes.io/name']).toBe('ingress-nginx');
    }
  });

  test('development (no Prometheus) has none', () => {
    expect(objects('development').filter((m) => m.kind === 'PrometheusRule' && m.metadata.name.endsWith('-requests'))).toEqual([]);
  });

  test('the rules fire as the document says (promtool test rules, Prometheus\'s own engine)', () => {
    const rule = get('staging', 'PrometheusRule', 'arbor-api-requests');
    const groups = rule.spec.groups.map((g: Manifest) => ({ ...g, rules: g.rules.map(({ annotations: _a, ...r }: Manifest) => r) }));
    const series = (metric: string, labels: string, perMinute: number) =>
      ({ series: `nginx_ingress_controller_${metric}{namespace="app-core",ingress="arbor-api",service="arbor-api",canary="",method="GET",path="/",${labels}}`, values: `0+${perMinute}x30` });
    const labels = { namespace: 'app-core', severity: 'critical' };
    const tests = {
      rule_files: ['rules.yaml'], evaluation_interval: '1m',
      tests: [
        {
          // 6 % answered 5xx (above 0.05): critical after 5 minutes, not before. Another Ingress's failures do not count.
          interval: '1m',
          input_series: [
            series('requests', 'status="200"', 94), series('requests', 'status="503"', 6),
            { series: 'nginx_ingress_controller_requests{namespace="app-core",ingress="kumori-api",status="500"}', values: '0+50x30' },
          ],
          alert_rule_test: [
            { eval_time: '4m', alertname: 'ArborApiHighErrorRate', exp_alerts: [] },
            { eval_time: '12m', alertname: 'ArborApiHighErrorRate', exp_alerts: [{ exp_labels: labels }] },
          ],
        },
        {
          // 4 % (below): nothing.
          interval: '1m',
          input_series: [series('requests', 'status="200"', 96), series('requests', 'status="500"', 4)],
          alert_rule_test: [{ eval_time: '20m', alertname: 'ArborApiHighErrorRate', exp_alerts: [] }],
        },
        {
          // 98 of 100 within 1 s, all within 2.5 s: p99 1.75 s, a warning; no requests at all: no alert.
          interval: '1m',
          input_series: [
            series('request_duration_seconds_bucket', 'status="200",le="0.5"', 90), series('request_duration_seconds_bucket', 'status="200",le="1"', 98),
            series('request_duration_seconds_bucket', 'status="200",le="2.5"', 100), series('request_duration_seconds_bucket', 'status="200",le="+Inf"', 100),
          ],
          alert_rule_test: [
            { eval_time: '12m', alertname: 'ArborApiHighLatency', exp_alerts: [{ exp_labels: { namespace: 'app-core', severity: 'warning' } }] },
            { eval_time: '12m', alertname: 'ArborApiHighErrorRate', exp_alerts: [] },
          ],
        },
      ],
    };
    expect(promtool(['test', 'rules', 'tests.yaml'], { 'rules.yaml': { groups }, 'tests.yaml': tests })).toMatch(/SUCCESS/);
  });
});

describe('spec 003 "Infrastructure Monitoring": exporters node_exporter and postgres_exporter', () => {
  test.each(ENVS)('%s: a postgres_exporter beside every member, as the pg_monitor role, scraped through the NetworkPolicies', (env) => {
    const p = rendered.get(env)!;
    const sts = objects(env).find((m) => m.kind === 'StatefulSet' && m.metadata.namespace === 'db-postgres')!;
    const exporter = sts.spec.template.spec.containers.find((c: Manifest) => c.name === 'exporter');
    expect(exporter.image).toMatch(/\/prometheuscommunity\/postgres-exporter:v\d+\.\d+\.\d+$/);
    expect(exporter.ports).toEqual([{ name: 'metrics', containerPort: 9187, protocol: 'TCP' }]);
    expect(exporter.readinessProbe).toBeUndefined();
    expect(exporter.livenessProbe.httpGet.port).toBe('metrics');
    expect(exporter.resources.limits).toBeDefined();
    const env$ = Object.fromEntries(exporter.env.map((e: Manifest) => [e.name, e]));
    expect(env$.DATA_SOURCE_URI.value).toBe(`127.0.0.1:5432/${p.refs.postgres!.database}?sslmode=require`);
    expect(env$.DATA_SOURCE_USER.valueFrom.secretKeyRef).toEqual({ name: 'postgres-exporter', key: 'username' });
    expect(env$.DATA_SOURCE_PASS.valueFrom.secretKeyRef).toEqual({ name: 'postgres-exporter', key: 'password' });
    // A generated Secret, the role's name fixed (the post-bootstrap script creates exactly that role).
    expect(p.secrets.find((x) => x.name === 'postgres-exporter')).toMatchObject({ namespace: 'db-postgres', fixed: { username: 'postgres_exporter' } });
    const cm = objects(env).find((m) => m.kind === 'ConfigMap' && m.metadata.name === 'postgres-patroni')!;
    expect(cm.data['post-bootstrap.sh']).toContain("GRANT pg_monitor TO %I");
    if (!p.config.addons.monitoring.enabled) return;
    const pm = objects(env).find((m) => m.kind === 'PodMonitor' && m.metadata.namespace === 'db-postgres' && m.spec.selector.matchLabels['app.kubernetes.io/component'] === 'database')!;
    expect(pm.spec.podMetricsEndpoints.map((e: Manifest) => e.port)).toContain('metrics');
    const ingress = objects(env).find((m) => m.kind === 'NetworkPolicy' && m.metadata.namespace === 'db-postgres' && m.metadata.name === 'postgres-database-ingress')!;
    const fromPrometheus = ingress.spec.ingress.filter((r: Manifest) => (r.from ?? []).some((f: Manifest) => f.podSelector?.matchLabels?.['app.kubernetes.io/name'] === 'prometheus'));
    expect(fromPrometheus.flatMap((r: Manifest) => r.ports.map((x: Manifest) => x.port))).toContain(9187);
  });

  test('the read-replica regions take the exporter\'s password from the primary region (a standby is a physical copy)', () => {
    const standby = rendered.get('production-eu-west-1')!;
    expect(standby.config.stores.postgres!.standby).toBeDefined();
    expect(standbySourceSecrets(standby.refs as PostgresRefs).map((x) => x.name)).toContain('postgres-exporter');
  });
});

describe('spec 003 "Disaster Recovery §1 Backup Strategy": frequency hourly; retention hourly 24, daily 7, weekly 4, monthly 12', () => {
  test.each(ENVS.filter((e) => e.startsWith('production') || e === 'staging'))('%s: a base backup every hour, pruned by the four tiers; WAL archived within the hour', (env) => {
    const p = rendered.get(env)!;
    const cm = objects(env).find((m) => m.kind === 'ConfigMap' && m.metadata.name === 'postgres-patroni')!;
    const timeout = /archive_timeout: "?(\d+)s"?/.exec(cm.data['patroni.yml'])!;
    expect(Number(timeout[1])).toBeLessThanOrEqual(3600);
    expect(p.config.stores.postgres!.backup).toEqual({ intervalHours: 1, retention: { hourly: 24, daily: 7, weekly: 4, monthly: 12 } });
    // Which backups the tiers keep: test/postgres.retention.test.ts runs the rendered script.
    expect(cm.data['backup-retention.sh']).toContain('backup-list --detail --json');
  });
});

describe('queue workers: spec 003 "Service Deployment Architecture §1" workers (Kubernetes Jobs, 2 cores / 4GB, 30 minutes)', () => {
  const QUEUES = ['generation', 'memory-processing', 'webhooks'];

  test.each(QUEUES)('%s: a ScaledJob starting one Job of 2 CPU / 4Gi with activeDeadlineSeconds 1800 per queued item', (queue) => {
    const sj = get(PRIMARY, 'ScaledJob', `${queue}-worker`);
    const job = sj.spec.jobTargetRef;
    expect(job.activeDeadlineSeconds).toBe(30 * 60);
    expect(job.template.spec.containers[0].resources).toEqual({ requests: { cpu: '2', memory: '4Gi' }, limits: { cpu: '2', memory: '4Gi' } });
    expect(job.template.spec.containers[0].args).toEqual(['worker', '--queue', queue]);
    const [trigger] = sj.spec.triggers;
    expect(trigger.type).toBe('postgresql');
    expect(trigger.metadata.targetQueryValue).toBe('1');
    expect(trigger.metadata.query).toBe(`SELECT count(*) FROM shared.queue_items WHERE queue = '${queue}' AND state = 'queued'`);
    // Permissions: credentials only through the TriggerAuthentication; the workers get no API token.
    const auth = get(PRIMARY, 'TriggerAuthentication', trigger.authenticationRef.name);
    expect(auth.spec.secretTargetRef.map((r: Manifest) => r.parameter).sort()).toEqual(['password', 'userName']);
    expect(job.template.spec.automountServiceAccountToken).toBe(false);
  });

  test('concurrency bound and clean-up: at most maxReplicaCount Jobs, history limits, a TTL on every Job', () => {
    for (const [env, bound] of [[PRIMARY, 10], ['staging', 2], ['development', 1]] as const) {
      for (const q of QUEUES) {
        const sj = get(env, 'ScaledJob', `${q}-worker`);
        expect({ env, q, max: sj.spec.maxReplicaCount }).toEqual({ env, q, max: bound });
        expect(sj.spec.successfulJobsHistoryLimit).toBeGreaterThan(0);
        expect(sj.spec.failedJobsHistoryLimit).toBeGreaterThan(0);
        expect(sj.spec.jobTargetRef.ttlSecondsAfterFinished).toBeGreaterThan(0);
      }
    }
  });

  test('KEDA is installed exactly where a ScaledJob is rendered, and the operator may reach the queue', () => {
    for (const env of ENVS) {
      const scaled = objects(env).some((m) => m.kind === 'ScaledJob');
      const keda = objects(env).some((m) => m.kind === 'Application' && m.spec.source?.chart === 'keda');
      expect({ env, scaled, keda }).toEqual({ env, scaled, keda: scaled });
      if (scaled) {
        expect(rendered.get(env)!.graph.flows.some((f) => f.why.startsWith('KEDA counts the queued items of generation'))).toBe(true);
      }
    }
  });

  test('the third region (ap-southeast-1: api and cdn only) runs no queue worker and no KEDA', () => {
    expect(objects('production-ap-southeast-1').filter((m) => m.kind === 'ScaledJob')).toEqual([]);
  });

  test('the KEDA shape check catches an unknown field, a wrong type and a bad Job template', () => {
    const sj = get(PRIMARY, 'ScaledJob', 'generation-worker');
    expect(modelErrors(sj)).toBeUndefined();
    expect(modelErrors({ ...sj, spec: { ...sj.spec, maxReplicaCont: 3 } })).toMatch(/spec\.maxReplicaCont: unknown field/);
    expect(modelErrors({ ...sj, spec: { ...sj.spec, pollingInterval: '10' } })).toMatch(/spec\.pollingInterval: must be an integer/);
    expect(modelErrors({ ...sj, spec: { ...sj.spec, triggers: [{ metadata: {} }] } })).toMatch(/spec\.triggers\[\]\.type: is required/);
    const badJob = { ...sj, spec: { ...sj.spec, jobTargetRef: { ...sj.spec.jobTargetRef, template: { ...sj.spec.jobTargetRef.template, spec: { ...sj.spec.jobTargetRef.template.spec, restartPolicy: 7 } } } } };
    expect(modelErrors(badJob)).toMatch(/jobTargetRef/);
    expect(unknownFields({ ...sj, spec: { ...sj.spec, jobTargetRef: { ...sj.spec.jobTargetRef, activeDeadline: 1 } } })).toEqual(['spec.jobTargetRef.activeDeadline']);
  });
});

describe('GPU workers: spec 003 "Service Deployment Architecture §2" gpu_workers', () => {
  test('us-east-1: 10-50 on the A100 pool; eu-west-1: 5-25 on the V100 pool; one GPU each, tolerating the pool\'s taint', () => {
    for (const [env, range, product] of [[PRIMARY, [10, 50], 'NVIDIA-A100-SXM4-80GB'], ['production-eu-west-1', [5, 25], 'Tesla-V100-SXM2-32GB']] as const) {
      const hpa = get(env, 'HorizontalPodAutoscaler', 'kumori-gpu-worker');
      expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual(range);
      const pod = get(env, 'Deployment', 'kumori-gpu-worker').spec.template.spec;
      expect(pod.nodeSelector['nvidia.com/gpu.product']).toBe(product);
      expect(pod.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
      expect(pod.containers[0].resources.limits['nvidia.com/gpu']).toBe('1');
      // The pool can hold the maximum: one GPU node per replica.
      const pool = rendered.get(env)!.config.cluster.nodePools.find((p) => p.gpus > 0)!;
      expect(pool.count * pool.gpus).toBeGreaterThanOrEqual(range[1]);
    }
  });

  test('off where the hosted service is used (development, staging, ap-southeast-1); Kumori\'s API reaches it over 443 everywhere', () => {
    for (const env of ['development', 'staging', 'production-ap-southeast-1']) {
      expect(find(env, 'Deployment', 'kumori-gpu-worker')).toBeUndefined();
    }
    for (const env of ENVS) {
      const egress = rendered.get(env)!.graph.flows.filter((f) => 'pods' in f.from && f.from.pods.display === 'app-core/kumori-api-api' && 'addresses' in f.to);
      expect({ env, ports: egress.flatMap((f) => f.ports.map((p) => p.port)) }).toEqual({ env, ports: [443] });
    }
  });
});

describe('spec 003 "Network Security": 443 from anywhere to web, 3000 from web to the API, 5432 from the API only', () => {
  type Flow = RenderedPlatform['graph']['flows'][number];
  const display = (end: Flow['from']) => ('pods' in end ? end.pods.display : end.addresses.display);

  test.each(ENVS.filter((e) => e.startsWith('production')))('%s', (env) => {
    const p = rendered.get(env)!;
    const flows = p.graph.flows;
    const web = ingressController(p.config).display;
    // web: 443 from anywhere (the ingress controller; kubeadm environments run ingress-nginx).
    expect(flows.some((f) => display(f.to) === web && f.ports.some((x) => x.port === 443) && 'addresses' in f.from && f.from.addresses.cidrs.includes('0.0.0.0/0'))).toBe(true);
    // api: 3000 from web, each API behind its own host.
    for (const api of ['arbor-api', 'kumori-api']) {
      expect(flows.filter((f) => display(f.to) === `app-core/${api}-api` && display(f.from) === web).flatMap((f) => f.ports.map((x) => x.port))).toEqual([3000]);
      const ing = get(env, 'Ingress', api);
      expect(ing.spec.rules[0].host).toBe(`${api.split('-')[0]}.${p.config.ingress.baseDomain}`);
    }
    // database: only the API side (the APIs and their migrations, the queue and GPU workers) and KEDA's queue
    // count reach PostgreSQL from outside its namespace (Prometheus scrapes its exporters; the primary region
    // also admits the read-replica regions' standbys, by their node addresses).
    const intoDb = flows.filter((f) => 'pods' in f.to && f.to.pods.namespace === 'db-postgres' && !('pods' in f.from && f.from.pods.namespace === 'db-postgres'));
    const sources = [...new Set(intoDb.map((f) => display(f.from)))].sort();
    for (const s of sources) expect({ s, allowed: /^(app-core\/(arbor|kumori)-api-(api|migration)|app-batch\/[a-z-]+-worker-worker|app-gpu\/kumori-gpu-worker-gpu-worker|keda\/keda-operator|monitoring\/prometheus|postgres-standby-clients)$/.test(s) }).toEqual({ s, allowed: true });
    // The APIs reach the database through PgBouncer; the migrations alone on PostgreSQL's own port (5432).
    const to5432 = intoDb.filter((f) => f.ports.some((x) => x.port === 5432) && 'pods' in f.from).map((f) => display(f.from));
    expect([...new Set(to5432)].sort()).toEqual(p.config.stores.postgres!.standby ? [] : ['app-core/arbor-api-migration', 'app-core/kumori-api-migration']);
  });
});

describe('hosted services: Ably (realtime) and Replicate (GPU), R2 / Vercel Blob as MinIO', () => {
  test.each(ENVS)('%s: site-supplied credentials, never generated, reached over 443', (env) => {
    const p = rendered.get(env)!;
    for (const [api, secret, variable] of [['arbor-api', 'ably', 'ABLY_API_KEY'], ['kumori-api', 'replicate', 'REPLICATE_API_TOKEN']]) {
      const decl = p.secrets.find((s) => s.namespace === 'app-core' && s.name === secret);
      expect(decl?.suppliedBy).toBe('site');
      expect(container(env, api).env.find((e: Manifest) => e.name === variable).valueFrom.secretKeyRef.name).toBe(secret);
    }
  });

  test('objects go to the in-cluster MinIO (documents bucket) with per-service credentials', () => {
    const env = Object.fromEntries(container(PRIMARY, 'arbor-api').env.map((e: Manifest) => [e.name, e.valueFrom?.secretKeyRef?.name]));
    expect(env.S3_ACCESS_KEY_ID).toBe('minio-documents');
  });
});

describe('catalog fields added for this platform: checks that name the entry and field', () => {
  const entry = (name: string) => CATALOG.find((e) => e.name === name)!;
  const problems = (e: typeof CATALOG[number]) => catalogProblems([e], ['app-core', 'app-batch', 'app-gpu'], ['postgres', 'minio']).map((p) => `${p.path}: ${p.message}`);

  test('the catalog as it is has no problem', () => {
    expect(catalogProblems(CATALOG, ['app-core', 'app-batch', 'app-gpu'], ['postgres', 'minio'])).toEqual([]);
  });

  test('a queue worker needs its queue and a deadline, and cannot be public', () => {
    const w = entry('webhooks-worker');
    expect(problems({ ...w, queue: undefined, deadlineSeconds: undefined, publicPath: '/hooks' })).toEqual([
      'catalog.webhooks-worker.queue: is required for a queue worker (the queue whose items start its Jobs)',
      'catalog.webhooks-worker.publicPath: a queue worker cannot be public',
      'catalog.webhooks-worker.deadlineSeconds: is required for a queue worker (a Job that hangs would hold its slot forever)',
    ]);
    expect(problems({ ...w, queue: { name: 'Web Hooks', maxJobs: 0 } })).toEqual([
      'catalog.webhooks-worker.queue.name: "Web Hooks" must be a queue name such as memory-processing',
      'catalog.webhooks-worker.queue.maxJobs: 0 must be a whole number of at least 1',
    ]);
  });

  test('request alerts need a threshold, a share below 1, and an Ingress of the service\'s own', () => {
    const a = entry('arbor-api');
    expect(problems({ ...a, requestAlerts: {} })).toEqual(['catalog.arbor-api.requestAlerts: must set maxErrorRate, maxP99LatencyMs or both']);
    expect(problems({ ...a, requestAlerts: { maxErrorRate: 1.5 }, ingressHost: undefined, rollout: undefined })).toEqual([
      'catalog.arbor-api.requestAlerts.maxErrorRate: 1.5 must be a share between 0 and 1, such as 0.05',
      'catalog.arbor-api.requestAlerts: measures the requests of the service\'s own Ingress, and the service has no ingressHost',
    ]);
  });

  test('a hosted service needs a Secret name, variable names and HTTPS egress', () => {
    const a = entry('arbor-api');
    expect(problems({ ...a, internetPorts: [], externalServices: [{ name: 'ably', secret: 'Ably', env: { 'ably-key': 'apiKey' } }] })).toEqual([
      'catalog.arbor-api.externalServices[0].secret: "Ably" must be a Secret name (a DNS label)',
      'catalog.arbor-api.externalServices[0].env.ably-key: must be an environment variable name such as ABLY_API_KEY',
      'catalog.arbor-api.externalServices[0]: ably is reached over HTTPS: internetPorts must include 443',
    ]);
  });

  test('Next.js\'s cache is writable on the read-only root filesystem', () => {
    for (const api of ['arbor-api', 'kumori-api']) {
      const pod = get(PRIMARY, 'Deployment', api).spec.template.spec;
      expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'next-cache', mountPath: '/app/.next/cache' });
      expect(pod.volumes.find((v: Manifest) => v.name === 'next-cache').emptyDir.sizeLimit).toBe('1Gi');
      expect(pod.containers[0].securityContext.readOnlyRootFilesystem).toBe(true);
    }
  });

  test('a queue worker\'s concurrency is set per environment with maxReplicas only', () => {
    const input = environmentInput('staging', 'arbor');
    const bad = deepMerge(input, { apps: { services: { 'generation-worker': { minReplicas: 1 } } } });
    expect(() => validateEnvironment('staging', bad)).toThrow(/apps\.services\.generation-worker\.minReplicas = 1: does not apply: generation-worker is a queue worker \(maxReplicas bounds its Jobs at once\)/);
  });
});

test('the site checklist lists the Secrets the site supplies (Ably\'s key, Replicate\'s token)', () => {
  const md = siteChecklist(rendered.get(PRIMARY)!, (field) => `(${field})`);
  expect(md).toContain('## Secrets the site creates');
  expect(md).toContain('- `app-core/ably` with keys `apiKey`');
  expect(md).toContain('- `app-core/replicate` with keys `apiToken`');
});

test('KEDA and a queue-depth HPA (prometheus-adapter) cannot share external.metrics.k8s.io: refused with both named', () => {
  const config = rendered.get(PRIMARY)!.config;
  const queued = { ...config.platform.catalog[0], scaling: { type: 'horizontal' as const, minReplicas: 1, maxReplicas: 2, cpuPercent: 70, queue: { metric: 'agent_task_queue_depth', averageValue: 10 } } };
  const both = { ...config, platform: { ...config.platform, catalog: [queued, ...config.platform.catalog.slice(1)] } };
  expect(() => addons(both)).toThrow(/KEDA \(queue workers\) and prometheus-adapter \(queue-depth HPAs\) would both serve v1beta1\.external\.metrics\.k8s\.io/);
  // Without queue-depth HPAs there is no adapter beside KEDA.
  expect(addons(config).map((a) => a.name)).toEqual(expect.arrayContaining(['keda']));
  expect(addons(config).map((a) => a.name)).not.toContain('prometheus-adapter');
});
