/**
 * Properties that hold for every object of every environment: schema validity, scope, labels, Pod Security,
 * default-deny networking, references between objects, security contexts and secrets.
 */
import { describeObject, manifestsOf, nameOf, podTemplates, renderEvery } from './support/render';
import { modelErrors, unknownFields } from './support/k8s-schema';
import { imagesOf, toFileTree } from '../charts/output/render';
import type { Manifest } from '../charts/platform';
import { platformKeys } from '../charts/lib/labels';

// Kinds that the Kubernetes API serves without a namespace (kubectl api-resources --namespaced=false).
const CLUSTER_SCOPED = new Set([
  'Namespace', 'Node', 'PersistentVolume', 'ClusterRole', 'ClusterRoleBinding', 'StorageClass', 'PriorityClass',
  'CustomResourceDefinition', 'IngressClass', 'RuntimeClass', 'CSIDriver', 'APIService', 'ClusterIssuer',
  'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration',
]);
// Custom resources: validated by their @kubernetes-models package, but the unknown-field check knows only core types.
const isCoreApi = (m: Manifest) => !/(argoproj\.io|cert-manager\.io|monitoring\.coreos\.com|external-secrets\.io)\//.test(m.apiVersion);

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const REQUIRED_LABELS = [
  'app.kubernetes.io/name', 'app.kubernetes.io/instance', 'app.kubernetes.io/component',
  'app.kubernetes.io/part-of', 'app.kubernetes.io/managed-by',
];

const rows = renderEvery().flatMap((p) => manifestsOf(p).map((m): [string, Manifest] => [nameOf(p), m]));
const coreRows = rows.filter(([, m]) => isCoreApi(m));
const byEnv = renderEvery().map((p) => ({ p, ms: manifestsOf(p) }));
// Each platform's own label keys (`<labelDomain>/environment`, `…/role`), by `<platform>/<env>`.
const keysOf = new Map(renderEvery().map((p) => [nameOf(p), platformKeys(p.config)]));

const matches = (selector: Record<string, string>, labels: Record<string, string> | undefined) =>
  Object.entries(selector).every(([k, v]) => labels?.[k] === v);

describe('schema', () => {
  test('every environment renders objects', () => {
    for (const { p, ms } of byEnv) expect({ env: p.config.name, count: ms.length }).toEqual({ env: p.config.name, count: expect.any(Number) });
    expect(Math.min(...byEnv.map(({ ms }) => ms.length))).toBeGreaterThan(30);
  });

  test.each(rows.map(([env, m]) => [env, describeObject(m), m]))('%s: %s validates against kubernetes-models', (_e, _d, m) => {
    expect(modelErrors(m as Manifest)).toBeUndefined();
  });

  test.each(coreRows.map(([env, m]) => [env, describeObject(m), m]))('%s: %s has no unknown field', (_e, _d, m) => {
    expect(unknownFields(m as Manifest)).toEqual([]);
  });

  test('the unknown-field check catches a misspelt field at any depth', () => {
    const [, deny] = rows.find(([, m]) => m.kind === 'NetworkPolicy')!;
    const broken = { ...deny, spec: { ...deny.spec, polcyTypes: ['Ingress'], egress: [{ to: [{ namespaceSelectr: {} }] }] } };
    expect(unknownFields(broken)).toEqual(['spec.polcyTypes', 'spec.egress[0].to[0].namespaceSelectr']);
    expect(modelErrors({ ...deny, spec: { ...deny.spec, podSelector: 'all' } })).toMatch(/podSelector/);
  });
});

describe('scope and names', () => {
  test.each(rows.map(([env, m]) => [env, describeObject(m), m]))('%s: %s has a namespace exactly when namespaced', (_e, _d, m) => {
    const obj = m as Manifest;
    if (CLUSTER_SCOPED.has(obj.kind)) expect(obj.metadata.namespace).toBeUndefined();
    else expect(obj.metadata.namespace).toEqual(expect.stringMatching(/^[a-z0-9-]+$/));
  });

  test('every namespace an object lives in is rendered in the same environment', () => {
    for (const { p, ms } of byEnv) {
      const namespaces = new Set(ms.filter((m) => m.kind === 'Namespace').map((m) => m.metadata.name));
      const missing = ms.filter((m) => m.metadata.namespace && !namespaces.has(m.metadata.namespace)).map(describeObject);
      expect({ env: p.config.name, missing }).toEqual({ env: p.config.name, missing: [] });
    }
  });

  test('names are chosen, never hashed by cdk8s', () => {
    const hashed = rows.filter(([, m]) => /-c8[0-9a-f]{6}$/.test(m.metadata.name)).map(([e, m]) => `${e}: ${describeObject(m)}`);
    expect(hashed).toEqual([]);
  });

  test('no environment names another platform: its paths, users, roles and indices are its own', () => {
    const platforms = [...new Set(byEnv.map(({ p }) => p.config.platform.name))];
    expect(platforms.length).toBeGreaterThan(1);
    for (const { p, ms } of byEnv) {
      const text = JSON.stringify(ms);
      for (const other of platforms.filter((n) => n !== p.config.platform.name)) {
        // As a word (`harbor` is not arbor), and as the identifier form (`eks_platform`).
        const word = new RegExp(`(?<![A-Za-z0-9])(${other}|${other.replace(/-/g, '_')})(?![A-Za-z0-9])`, 'i');
        expect({ env: nameOf(p), other, found: text.match(word)?.[0] }).toEqual({ env: nameOf(p), other, found: undefined });
      }
    }
  });

  test('every object has a distinct file in dist', () => {
    for (const { p } of byEnv) expect(() => toFileTree(p)).not.toThrow();
  });
});

describe('labels', () => {
  test.each(rows.map(([env, m]) => [env, describeObject(m), m]))('%s: %s carries the standard labels, all valid', (env, _d, m) => {
    const labels: Record<string, string> = (m as Manifest).metadata.labels ?? {};
    for (const key of [...REQUIRED_LABELS, keysOf.get(env)!.environment]) expect(Object.keys(labels)).toContain(key);
    expect(labels[keysOf.get(env)!.environment]).toBe(env.slice(env.indexOf('/') + 1));
    for (const [k, v] of Object.entries(labels)) {
      expect(k).toMatch(LABEL_KEY);
      expect(v).toMatch(LABEL_VALUE);
      expect(v.length).toBeLessThanOrEqual(63);
    }
  });

  test('selectors use only the stable subset (name, instance, component, and a member role, shard or pool), never a version', () => {
    const stable = new Set(['app.kubernetes.io/name', 'app.kubernetes.io/instance', 'app.kubernetes.io/component']);
    for (const [env, m] of rows) {
      const sel = m.spec?.selector?.matchLabels ?? (m.kind === 'Service' ? m.spec?.selector : undefined);
      if (!sel) continue;
      const keys = keysOf.get(env)!;
      const extra = Object.keys(sel).filter((k) => !stable.has(k) && !([keys.role, keys.shard, keys.pool] as string[]).includes(k));
      expect({ obj: `${env}: ${describeObject(m)}`, extra }).toEqual({ obj: `${env}: ${describeObject(m)}`, extra: [] });
    }
  });
});

describe('namespaces', () => {
  test('every namespace carries Pod Security labels for enforce, audit and warn with the pinned version', () => {
    for (const { p, ms } of byEnv) {
      const version = p.config.podSecurity.version;
      for (const ns of ms.filter((m) => m.kind === 'Namespace')) {
        const l = ns.metadata.labels;
        for (const mode of ['enforce', 'audit', 'warn']) {
          expect(['restricted', 'baseline', 'privileged']).toContain(l[`pod-security.kubernetes.io/${mode}`]);
          expect(l[`pod-security.kubernetes.io/${mode}-version`]).toBe(version);
        }
        if (l['pod-security.kubernetes.io/enforce'] !== 'restricted') {
          expect(ns.metadata.annotations?.[platformKeys(p.config).podSecurityReason]).toEqual(expect.stringMatching(/\w+ \w+/));
        }
      }
    }
  });

  test('every namespace that runs pods denies ingress and egress by default and allows DNS to kube-dns only', () => {
    for (const { p, ms } of byEnv) {
      const withPods = new Set([
        ...p.config.namespaces.filter((n) => n.runsPods).map((n) => n.name),
        ...p.config.tenants.map((t) => `tenant-${t.id}`),
        ...podTemplates(ms).map(({ owner }) => owner.metadata.namespace),
      ]);
      for (const ns of withPods) {
        const policies = ms.filter((m) => m.kind === 'NetworkPolicy' && m.metadata.namespace === ns);
        const deny = policies.find((np) => Object.keys(np.spec.podSelector).length === 0
          && [...np.spec.policyTypes].sort().join() === 'Egress,Ingress' && !np.spec.ingress && !np.spec.egress);
        expect({ ns, env: p.config.name, deny: !!deny }).toEqual({ ns, env: p.config.name, deny: true });
        const dns = policies.find((np) => np.spec.egress?.some((e: Manifest) =>
          e.to?.some((t: Manifest) => t.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === 'kube-system'
            && t.podSelector?.matchLabels?.['k8s-app'] === 'kube-dns')
          && e.ports?.every((port: Manifest) => port.port === 53)));
        expect({ ns, env: p.config.name, dns: !!dns }).toEqual({ ns, env: p.config.name, dns: true });
      }
    }
  });

  test('every namespace has a ResourceQuota and a LimitRange', () => {
    for (const { ms } of byEnv) {
      for (const ns of ms.filter((m) => m.kind === 'Namespace').map((m) => m.metadata.name)) {
        expect(ms.filter((m) => m.kind === 'ResourceQuota' && m.metadata.namespace === ns)).toHaveLength(1);
        expect(ms.filter((m) => m.kind === 'LimitRange' && m.metadata.namespace === ns)).toHaveLength(1);
      }
    }
  });
});

describe('workloads', () => {
  const workloads = byEnv.flatMap(({ p, ms }) => podTemplates(ms).map((w) => ({ env: p.config.name, ms, ...w })));

  test('selectors of Deployments and StatefulSets match their own pod template', () => {
    for (const { env, owner, template } of workloads) {
      if (!owner.spec.selector) continue;
      expect({ w: `${env}: ${describeObject(owner)}`, ok: matches(owner.spec.selector.matchLabels, template.metadata.labels) })
        .toEqual({ w: `${env}: ${describeObject(owner)}`, ok: true });
    }
  });

  test('every container satisfies Pod Security restricted', () => {
    for (const { env, owner, template } of workloads) {
      const pod = template.spec;
      const where = `${env}: ${describeObject(owner)}`;
      expect({ where, hostNetwork: pod.hostNetwork ?? false, hostPID: pod.hostPID ?? false, hostIPC: pod.hostIPC ?? false })
        .toEqual({ where, hostNetwork: false, hostPID: false, hostIPC: false });
      expect((pod.volumes ?? []).filter((v: Manifest) => v.hostPath)).toEqual([]);
      for (const c of [...(pod.containers ?? []), ...(pod.initContainers ?? [])]) {
        const sc = { ...pod.securityContext, ...c.securityContext };
        expect({ where, c: c.name, runAsNonRoot: sc.runAsNonRoot, ape: sc.allowPrivilegeEscalation, drop: sc.capabilities?.drop, seccomp: sc.seccompProfile?.type, privileged: sc.privileged ?? false })
          .toEqual({ where, c: c.name, runAsNonRoot: true, ape: false, drop: ['ALL'], seccomp: 'RuntimeDefault', privileged: false });
        expect(sc.capabilities?.add ?? []).toEqual([]);
      }
    }
  });

  test('every container has requests, limits and a pinned image; long-running ones have probes', () => {
    for (const { env, owner, template } of workloads) {
      const longRunning = ['Deployment', 'StatefulSet', 'DaemonSet'].includes(owner.kind);
      for (const c of template.spec.containers) {
        const where = `${env}: ${describeObject(owner)} ${c.name}`;
        expect({ where, cpu: !!c.resources?.requests?.cpu, mem: !!c.resources?.requests?.memory, memLimit: !!c.resources?.limits?.memory })
          .toEqual({ where, cpu: true, mem: true, memLimit: true });
        expect(c.image).toMatch(/^[a-z0-9.-]+(:[0-9]+)?\/[^:@]+(:[A-Za-z0-9._-]+)?(@sha256:[a-f0-9]{64})?$/);
        expect(c.image).not.toMatch(/:latest$/);
        if (longRunning) expect({ where, liveness: !!c.livenessProbe }).toEqual({ where, liveness: true });
      }
      // Readiness belongs to the container that serves; a sidecar's readiness would take the pod out of its
      // Services for the sidecar's sake (issue 13, defect 7). So: at least one per pod, not one per container.
      if (longRunning) {
        const where = `${env}: ${describeObject(owner)}`;
        expect({ where, ready: template.spec.containers.some((c: Manifest) => !!c.readinessProbe) }).toEqual({ where, ready: true });
      }
    }
  });

  test('images.txt lists exactly the images of the rendered containers, and the registry rewrite covers all', () => {
    for (const { p, ms } of byEnv) {
      const listed = (toFileTree(p).get('images.txt') ?? '').split('\n').filter(Boolean);
      expect(listed).toEqual(imagesOf(ms, p.config));
      const registry = p.config.images.registry;
      if (registry) for (const image of listed) expect(image.startsWith(`${registry}/`)).toBe(true);
    }
  });
});

describe('references', () => {
  test('Services select pods of a rendered workload and target ports those pods declare', () => {
    for (const { p, ms } of byEnv) {
      const pods = podTemplates(ms);
      for (const svc of ms.filter((m) => m.kind === 'Service' && m.spec.selector)) {
        // A member's role label is rewritten at run time (Patroni: primary/replica): the template must carry the
        // key, its rendered value is only the starting one.
        const roleKey = platformKeys(p.config).role;
        const { [roleKey]: role, ...fixedSelector } = svc.spec.selector;
        const targets = pods.filter(({ owner, template }) => owner.metadata.namespace === svc.metadata.namespace
          && matches(fixedSelector, template.metadata.labels) && (role === undefined || roleKey in template.metadata.labels));
        const where = `${p.config.name}: ${describeObject(svc)}`;
        expect({ where, selects: targets.length > 0 }).toEqual({ where, selects: true });
        for (const port of svc.spec.ports) {
          const target = port.targetPort ?? port.port;
          const served = targets.some(({ template }) => template.spec.containers.some((c: Manifest) =>
            (c.ports ?? []).some((cp: Manifest) => (typeof target === 'string' ? cp.name === target : cp.containerPort === target))));
          expect({ where, port: port.name ?? port.port, served }).toEqual({ where, port: port.name ?? port.port, served: true });
        }
      }
    }
  });

  test('PodDisruptionBudgets and HPAs point at rendered workloads', () => {
    for (const { p, ms } of byEnv) {
      const pods = podTemplates(ms);
      for (const pdb of ms.filter((m) => m.kind === 'PodDisruptionBudget')) {
        const n = pods.filter(({ owner, template }) => owner.metadata.namespace === pdb.metadata.namespace
          && matches(pdb.spec.selector.matchLabels, template.metadata.labels)).length;
        expect({ pdb: `${p.config.name}: ${describeObject(pdb)}`, n: n > 0 }).toEqual({ pdb: `${p.config.name}: ${describeObject(pdb)}`, n: true });
      }
      for (const hpa of ms.filter((m) => m.kind === 'HorizontalPodAutoscaler')) {
        const ref = hpa.spec.scaleTargetRef;
        const target = ms.find((m) => m.kind === ref.kind && m.metadata.name === ref.name && m.metadata.namespace === hpa.metadata.namespace);
        expect({ hpa: describeObject(hpa), found: !!target, replicas: target?.spec?.replicas })
          .toEqual({ hpa: describeObject(hpa), found: true, replicas: undefined });
        expect(hpa.spec.minReplicas).toBeLessThanOrEqual(hpa.spec.maxReplicas);
      }
    }
  });

  test('ConfigMaps, PVCs and ServiceAccounts that pods use are rendered; Secrets they use are declared', () => {
    for (const { p, ms } of byEnv) {
      const has = (kind: string, ns: string, name: string) => ms.some((m) => m.kind === kind && m.metadata.namespace === ns && m.metadata.name === name);
      // Declared for the installer to generate, or issued by a rendered cert-manager Certificate.
      const declaredSecrets = new Set([
        ...p.secrets.map((s) => `${s.namespace}/${s.name}`),
        ...ms.filter((m) => m.kind === 'Certificate').map((m) => `${m.metadata.namespace}/${m.spec.secretName}`),
      ]);
      for (const { owner, template } of podTemplates(ms)) {
        const ns = owner.metadata.namespace;
        const where = `${p.config.name}: ${describeObject(owner)}`;
        const pod = template.spec;
        const claimTemplates = new Set((owner.spec.volumeClaimTemplates ?? []).map((t: Manifest) => t.metadata.name));
        const missing: string[] = [];
        const secret = (name: string) => { if (!declaredSecrets.has(`${ns}/${name}`)) missing.push(`Secret ${name}`); };
        const configMap = (name: string) => { if (!has('ConfigMap', ns, name)) missing.push(`ConfigMap ${name}`); };
        for (const v of pod.volumes ?? []) {
          if (v.configMap) configMap(v.configMap.name);
          if (v.secret) secret(v.secret.secretName);
          if (v.persistentVolumeClaim && !has('PersistentVolumeClaim', ns, v.persistentVolumeClaim.claimName)) missing.push(`PVC ${v.persistentVolumeClaim.claimName}`);
          for (const s of v.projected?.sources ?? []) { if (s.configMap) configMap(s.configMap.name); if (s.secret) secret(s.secret.name); }
        }
        const volumeNames = new Set([...(pod.volumes ?? []).map((v: Manifest) => v.name), ...claimTemplates]);
        for (const c of [...pod.containers, ...(pod.initContainers ?? [])]) {
          for (const e of c.env ?? []) {
            if (e.valueFrom?.secretKeyRef) secret(e.valueFrom.secretKeyRef.name);
            if (e.valueFrom?.configMapKeyRef) configMap(e.valueFrom.configMapKeyRef.name);
          }
          for (const e of c.envFrom ?? []) { if (e.secretRef) secret(e.secretRef.name); if (e.configMapRef) configMap(e.configMapRef.name); }
          for (const vm of c.volumeMounts ?? []) if (!volumeNames.has(vm.name)) missing.push(`volume ${vm.name}`);
        }
        const sa = pod.serviceAccountName;
        if (sa && sa !== 'default' && !has('ServiceAccount', ns, sa)) missing.push(`ServiceAccount ${sa}`);
        expect({ where, missing }).toEqual({ where, missing: [] });
      }
    }
  });

  test('StatefulSets render volumeClaimTemplates with apiVersion and kind, and a headless governing Service', () => {
    for (const { p, ms } of byEnv) {
      for (const sts of ms.filter((m) => m.kind === 'StatefulSet')) {
        const where = `${p.config.name}: ${describeObject(sts)}`;
        for (const t of sts.spec.volumeClaimTemplates ?? []) {
          expect({ where, apiVersion: t.apiVersion, kind: t.kind, storageClassName: t.spec.storageClassName })
            .toEqual({ where, apiVersion: 'v1', kind: 'PersistentVolumeClaim', storageClassName: p.config.storageClass });
        }
        const svc = ms.find((m) => m.kind === 'Service' && m.metadata.namespace === sts.metadata.namespace && m.metadata.name === sts.spec.serviceName);
        expect({ where, headless: svc?.spec?.clusterIP }).toEqual({ where, headless: 'None' });
      }
    }
  });
});

describe('secrets', () => {
  test('no Secret object, and no secret value, is rendered', () => {
    const secrets = rows.filter(([, m]) => m.kind === 'Secret').map(([e, m]) => `${e}: ${describeObject(m)}`);
    expect(secrets).toEqual([]);
    // A PEM certificate is public (a site CA Argo CD and External Secrets trust); a private key is not.
    const suspicious = /(-----BEGIN (?!CERTIFICATE-----)|password\s*[:=]\s*\S{6,}|AKIA[0-9A-Z]{16})/i;
    for (const { p } of byEnv) {
      for (const [file, content] of toFileTree(p)) {
        const hit = content.split('\n').find((l) => suspicious.test(l) && !/\$\{|\$\(|%ENV|from_env|valueFrom|secretKeyRef|_FILE|\/secrets?\//.test(l));
        expect({ file, hit }).toEqual({ file, hit: undefined });
      }
    }
  });
});
