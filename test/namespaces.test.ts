/** The namespaces and tenants charts: Pod Security, quotas sized from demand, limit ranges, tenants by plan. */
import { demandByNamespace, emptyDemand } from '../charts/lib/demand';
import { parseCpu, parseMemory, formatCpu, formatMemory } from '../charts/lib/quantity';
import { sizeQuota } from '../charts/namespaces';
import { renderPlatform, type Manifest, type RenderedPlatform } from '../charts/platform';
import { environmentInput, loadEnvironment, validateEnvironment } from '../environments';
import { manifestsOf, podTemplates, renderAll, renderEvery } from './support/render';
import { platformKeys } from '../charts/lib/labels';

const withoutFlowPolicies = (p: RenderedPlatform) => p.charts.filter((c) => c.folder !== '02-network').flatMap((c) => c.manifests);
const find = (ms: Manifest[], kind: string, ns: string, name?: string) =>
  ms.find((m) => m.kind === kind && (m.kind === 'Namespace' ? m.metadata.name === ns : m.metadata.namespace === ns) && (!name || m.metadata.name === name));

describe('quantities', () => {
  test('parse and format round-trip in the units Kubernetes uses', () => {
    expect(parseCpu('250m')).toBe(250);
    expect(parseCpu('2')).toBe(2000);
    expect(parseCpu('1.5')).toBe(1500);
    expect(parseMemory('512Mi')).toBe(512 * 2 ** 20);
    expect(parseMemory('1G')).toBe(1e9);
    expect(formatCpu(2000)).toBe('2');
    expect(formatCpu(2500)).toBe('2500m');
    expect(formatMemory(3 * 2 ** 30)).toBe('3Gi');
    expect(formatMemory(1.5 * 2 ** 20 + 1)).toBe('2Mi');
    expect(() => parseCpu('two')).toThrow(/"two" is not a CPU quantity/);
  });
});

describe('workload demand', () => {
  const pod = (cpu: string, memory: string, init?: [string, string]) => ({
    containers: [{ name: 'c', resources: { requests: { cpu, memory }, limits: { cpu, memory } } }],
    ...(init ? { initContainers: [{ name: 'i', resources: { requests: { cpu: init[0], memory: init[1] }, limits: { cpu: init[0], memory: init[1] } } }] } : {}),
  });

  test('an HPA target counts at its maximum plus the rolling-update surge', () => {
    const d = demandByNamespace([
      { kind: 'Deployment', metadata: { name: 'api', namespace: 'a' }, spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }, template: { spec: pod('100m', '128Mi') } } },
      { kind: 'HorizontalPodAutoscaler', metadata: { name: 'api', namespace: 'a' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'api' }, minReplicas: 3, maxReplicas: 10 } },
    ]).get('a')!;
    expect(d.pods).toBe(11);
    expect(d.requestsCpu).toBe(1100);
    expect(d.limitsMemory).toBe(11 * 128 * 2 ** 20);
  });

  test('a StatefulSet counts its claim templates per replica; init containers count by their maximum', () => {
    const d = demandByNamespace([{
      kind: 'StatefulSet', metadata: { name: 'db', namespace: 'b' },
      spec: { replicas: 3, template: { spec: pod('500m', '1Gi', ['2', '64Mi']) }, volumeClaimTemplates: [{ spec: { resources: { requests: { storage: '10Gi' } } } }] },
    }]).get('b')!;
    expect(d).toMatchObject({ pods: 3, persistentVolumeClaims: 3, storage: 30 * 2 ** 30, requestsCpu: 6000, requestsMemory: 3 * 2 ** 30 });
  });

  test('a CronJob that may overlap counts two runs, a Forbid one counts one; GPUs are counted', () => {
    const job = (policy?: string) => ({
      kind: 'CronJob', metadata: { name: `j-${policy}`, namespace: 'c' },
      spec: { ...(policy ? { concurrencyPolicy: policy } : {}), jobTemplate: { spec: { template: { spec: pod('1', '1Gi') } } } },
    });
    expect(demandByNamespace([job()]).get('c')!.pods).toBe(2);
    expect(demandByNamespace([job('Forbid')]).get('c')!.pods).toBe(1);
    const gpu = demandByNamespace([{ kind: 'Deployment', metadata: { name: 'm', namespace: 'g' }, spec: { replicas: 2, strategy: { type: 'Recreate' },
      template: { spec: { containers: [{ name: 'm', resources: { limits: { cpu: '4', memory: '16Gi', 'nvidia.com/gpu': '1' } } }] } } } }]).get('g')!;
    expect(gpu).toMatchObject({ pods: 2, requestsCpu: 8000, extended: { 'nvidia.com/gpu': 2 } });
  });

  test('a quota is the tier floor plus the demand with headroom, in readable units', () => {
    const floor = { requestsCpu: '1', requestsMemory: '1Gi', limitsCpu: '2', limitsMemory: '2Gi', storage: '10Gi', pods: 10, persistentVolumeClaims: 2 };
    const d = { ...emptyDemand(), requestsCpu: 800, limitsCpu: 1600, requestsMemory: 2 ** 30, limitsMemory: 2 ** 31, storage: 2 ** 33, pods: 4, persistentVolumeClaims: 2, extended: { 'nvidia.com/gpu': 1 } };
    expect(sizeQuota(floor, d, 0.25)).toEqual({
      requestsCpu: '2', limitsCpu: '4', requestsMemory: '2304Mi', limitsMemory: '4608Mi', storage: '20Gi',
      pods: 15, persistentVolumeClaims: 4, extended: { 'requests.nvidia.com/gpu': '1' },
    });
  });
});

describe('platform namespaces', () => {
  test('every namespace of the configuration is rendered, restricted unless it states a reason', () => {
    for (const p of renderEvery()) {
      const ms = manifestsOf(p);
      for (const ns of p.config.namespaces) {
        const obj = find(ms, 'Namespace', ns.name)!;
        expect(obj.metadata.labels['pod-security.kubernetes.io/enforce']).toBe(ns.podSecurity);
        if (ns.podSecurity !== 'restricted') {
          expect(obj.metadata.annotations[platformKeys(p.config).podSecurityReason]).toBe(ns.podSecurityReason);
        }
      }
    }
  });

  test('the namespaces of spec 002 §5.1 exist in every environment', () => {
    const spec = ['monitoring', 'ingress', 'cert-manager', 'security', 'app-core', 'app-agents', 'app-frontend',
      'app-integration', 'app-batch', 'db-postgres', 'db-clickhouse', 'db-redis', 'db-elasticsearch', 'storage-minio'];
    for (const p of renderAll()) {
      const names = manifestsOf(p).filter((m) => m.kind === 'Namespace').map((m) => m.metadata.name);
      expect(names).toEqual(expect.arrayContaining(spec));
    }
  });

  test('quotas admit every rendered workload at full scale', () => {
    for (const p of renderEvery()) {
      const ms = manifestsOf(p);
      const hpaMax = (kind: string, ns: string, name: string) => ms.find((m) => m.kind === 'HorizontalPodAutoscaler'
        && m.metadata.namespace === ns && m.spec.scaleTargetRef.kind === kind && m.spec.scaleTargetRef.name === name)?.spec.maxReplicas;
      const need = new Map<string, { cpu: number; memory: number; pods: number }>();
      for (const { owner, template } of podTemplates(ms)) {
        const ns = owner.metadata.namespace;
        const n = hpaMax(owner.kind, ns, owner.metadata.name) ?? owner.spec.replicas ?? owner.spec.parallelism ?? 1;
        const cur = need.get(ns) ?? { cpu: 0, memory: 0, pods: 0 };
        for (const c of template.spec.containers) {
          cur.cpu += n * parseCpu(String(c.resources?.requests?.cpu ?? '0'));
          cur.memory += n * parseMemory(String(c.resources?.requests?.memory ?? '0'));
        }
        cur.pods += n;
        need.set(ns, cur);
      }
      for (const [ns, n] of need) {
        const hard = find(ms, 'ResourceQuota', ns)!.spec.hard;
        expect({ ns, cpu: parseCpu(hard['requests.cpu']) >= n.cpu, memory: parseMemory(hard['requests.memory']) >= n.memory, pods: Number(hard.pods) >= n.pods })
          .toEqual({ ns, cpu: true, memory: true, pods: true });
      }
    }
  });

  test('a namespace without workloads gets exactly its tier floor', () => {
    const p = renderAll().find((x) => x.config.name === 'production')!;
    const hard = find(manifestsOf(p), 'ResourceQuota', 'security')!.spec.hard;
    const floor = p.config.quota.floors.system;
    expect(hard).toMatchObject({ 'requests.cpu': floor.requestsCpu, 'limits.memory': floor.limitsMemory, pods: String(floor.pods) });
  });

  test('limit ranges give containers the defaults of their tier', () => {
    const p = renderAll().find((x) => x.config.name === 'dev')!;
    const lr = find(manifestsOf(p), 'LimitRange', 'db-redis')!;
    expect(lr.spec.limits).toEqual([{ type: 'Container', ...p.config.quota.limitRange.data }]);
  });
});

describe('tenants', () => {
  test('each tenant gets a restricted, default-deny namespace with its plan\'s quota and limits', () => {
    for (const p of renderEvery()) {
      const ms = manifestsOf(p);
      for (const t of p.config.tenants) {
        const ns = `tenant-${t.id}`;
        const plan = p.config.tenantPlans[t.plan];
        const obj = find(ms, 'Namespace', ns)!;
        expect(obj.metadata.labels).toMatchObject({
          [platformKeys(p.config).tenant]: t.id, [platformKeys(p.config).plan]: t.plan, 'pod-security.kubernetes.io/enforce': 'restricted',
        });
        expect(find(ms, 'ResourceQuota', ns)!.spec.hard).toEqual({
          'requests.cpu': plan.requestsCpu, 'requests.memory': plan.requestsMemory, 'limits.cpu': plan.limitsCpu,
          'limits.memory': plan.limitsMemory, 'requests.storage': plan.storage, pods: String(plan.pods),
          persistentvolumeclaims: String(plan.persistentVolumeClaims),
        });
        expect(find(ms, 'LimitRange', ns)!.spec.limits[0]).toMatchObject(plan.limitRange);
        expect(find(ms, 'NetworkPolicy', ns, 'default-deny')!.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
      }
    }
  });

  test('adding a tenant adds exactly its namespace objects and changes nothing else', () => {
    // The policies of 02-network follow the tenant's declared flows (its peers' change too): see test/network.test.ts.
    const before = withoutFlowPolicies(renderPlatform(loadEnvironment('staging')));
    const input = structuredClone(environmentInput('staging')) as Record<string, any>;
    input.tenants.push({ id: 'newco', plan: 'enterprise' });
    const after = withoutFlowPolicies(renderPlatform(validateEnvironment('staging', input)));
    const key = (m: Manifest) => `${m.kind}/${m.metadata.namespace ?? ''}/${m.metadata.name}`;
    const beforeKeys = new Set(before.map(key));
    const added = after.filter((m) => !beforeKeys.has(key(m)));
    expect(added.every((m) => m.metadata.name === 'tenant-newco' || m.metadata.namespace === 'tenant-newco')).toBe(true);
    expect(added.map((m) => m.kind).sort()).toEqual(expect.arrayContaining(['LimitRange', 'Namespace', 'NetworkPolicy', 'ResourceQuota']));
    const afterByKey = new Map(after.map((m) => [key(m), JSON.stringify(m)]));
    const changed = before.filter((m) => afterByKey.get(key(m)) !== JSON.stringify(m)).map(key);
    // The tenant's API host and its plan's rate limit at the gateway are the only other changes (charts/apps).
    const tenantAware = ['ConfigMap/app-core/api-gateway-declarative', 'Deployment/app-core/api-gateway', 'Certificate/app-core/api-tls', 'Ingress/app-core/api'];
    expect(changed.filter((k) => !tenantAware.includes(k))).toEqual([]);
  });
});
