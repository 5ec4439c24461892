/**
 * Cross-area properties of the integrated platform: what one area renders must fit what another expects.
 * Applications use least-privilege store users; External metrics of HPAs are served; declared Secret copies
 * match their originals; Services, probes and HPAs point at what the pods really have.
 */
import { CLICKHOUSE_USERS, KAFKA_CLIENT_USER, MINIO_CLIENTS, NAMESPACES, type DeclaredSecret } from '../charts/data/refs';
import { isStore } from '../environments/catalog';
import { renderPlatform, type Manifest } from '../charts/platform';
import { containerEnv, podOf, rendered } from './support/apps';
import { describeObject, manifestsOf, podTemplates } from './support/render';

const envs = rendered();
const eachEnv = envs.map((r) => [r.env, r] as const);

describe('applications use their own store users, never a store superuser', () => {
  test.each(eachEnv)('%s: no application container reads a store administrator Secret', (_e, r) => {
    const admin = new Set([
      r.p.refs.elasticsearch!.secret.name, r.p.refs.clickhouse!.adminSecret.name, r.p.refs.postgres!.secrets.superuser.name,
      r.p.refs.minio!.rootSecret.name,
    ]);
    let checked = 0;
    for (const plan of r.plans.filter((p) => p.enabled)) {
      const pod = podOf(r, plan);
      if (!pod) continue;
      for (const c of [...pod.spec.containers, ...(pod.spec.initContainers ?? [])]) {
        const used = [
          ...Object.values(containerEnv(r, plan.entry.namespace, c).secrets).map((s) => s.name),
          ...(pod.spec.volumes ?? []).map((v: { secret?: { secretName: string } }) => v.secret?.secretName).filter(Boolean),
        ];
        for (const s of used) expect({ svc: plan.entry.name, secret: s, admin: admin.has(s) }).toEqual({ svc: plan.entry.name, secret: s, admin: false });
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  test.each(eachEnv)('%s: Elasticsearch clients get the application user, whose role covers exactly their index prefix', (_e, r) => {
    const es = r.p.refs.elasticsearch;
    const original = r.p.secrets.find((s) => s.namespace === NAMESPACES.elasticsearch && s.name === es!.appSecret.name);
    // Named after the platform (receivables here), never the `elastic` superuser.
    expect(original?.fixed).toEqual({ username: 'receivables-app' });
    expect(original?.copyOf).toBeUndefined();

    // The setup Job creates that user from that Secret, with the role whose definition it PUTs.
    // The Job's name carries a hash of its configuration (a changed setup runs again): match the prefix.
    const job = manifestsOf(r.p).find((m) => m.kind === 'Job' && m.metadata.namespace === NAMESPACES.elasticsearch && /^elasticsearch-setup-[0-9a-f]+$/.test(m.metadata.name))!;
    const { settings, secrets } = containerEnv(r, NAMESPACES.elasticsearch, job.spec.template.spec.containers[0]);
    expect(secrets.APP_USERNAME).toEqual({ name: es!.appSecret.name, key: 'username' });
    expect(secrets.APP_PASSWORD).toEqual({ name: es!.appSecret.name, key: 'password' });
    expect(settings.APP_ROLE).toBe('receivables_app');
    const files = r.find('ConfigMap', NAMESPACES.elasticsearch, 'elasticsearch-setup')!.data;
    expect(files['setup.sh']).toContain('_security/user/$APP_USERNAME');
    const role = JSON.parse(files['app-role.json']);
    // No cluster privilege that changes anything (security, snapshots, lifecycle); no restricted indices.
    expect(role.cluster).toEqual(['monitor']);
    expect(role.indices.every((i: { allow_restricted_indices?: boolean }) => !i.allow_restricted_indices)).toBe(true);
    const patterns: string[] = role.indices.flatMap((i: { names: string[] }) => i.names);
    expect(patterns).not.toContain('*');
    const covered = (index: string) => patterns.some((p) => new RegExp(`^${p.split('*').map((x) => x.replace(/[.+?^${}()|[\]\\-]/g, '\\$&')).join('.*')}$`).test(index));
    // The applications' indices are covered; the log data streams and system indices are not.
    expect(covered(`${es!.appIndexPrefix}invoices`)).toBe(true);
    expect(covered('receivables-logs-2026.11.23')).toBe(false);
    expect(covered('.security-7')).toBe(false);

    const clients = r.plans.filter((p) => p.enabled && p.entry.dependsOn.some((d) => d.target === 'elasticsearch'));
    expect(clients.length).toBeGreaterThan(0);
    for (const plan of clients) {
      const pod = podOf(r, plan)!;
      const env = containerEnv(r, plan.entry.namespace, pod.spec.containers[0]);
      expect(env.secrets.ELASTICSEARCH_USERNAME).toEqual({ name: es!.appSecret.name, key: 'username' });
      expect(env.secrets.ELASTICSEARCH_PASSWORD).toEqual({ name: es!.appSecret.name, key: 'password' });
      expect(env.settings.ELASTICSEARCH_INDEX_PREFIX).toBe(es!.appIndexPrefix);
      const copy = r.p.secrets.find((s) => s.namespace === plan.entry.namespace && s.name === es!.appSecret.name);
      expect(copy?.copyOf).toEqual({ namespace: NAMESPACES.elasticsearch, name: es!.appSecret.name });
    }
  });

  test.each(eachEnv)('%s: ClickHouse clients use clickhouse-app (user app); Kafka clients get the SASL settings', (_e, r) => {
    const { clickhouse, kafka } = r.p.refs;
    expect(r.p.secrets.find((s) => s.namespace === NAMESPACES.clickhouse && s.name === clickhouse!.secret.name)?.fixed).toEqual({ username: CLICKHOUSE_USERS.app });
    expect(r.p.secrets.find((s) => s.namespace === NAMESPACES.kafka && s.name === kafka!.secret.name)?.fixed).toEqual({ username: KAFKA_CLIENT_USER });
    let ch = 0;
    let kf = 0;
    for (const plan of r.plans.filter((p) => p.enabled)) {
      const stores = plan.entry.dependsOn.map((d) => d.target).filter(isStore);
      const pod = podOf(r, plan);
      if (!pod) continue;
      const env = containerEnv(r, plan.entry.namespace, pod.spec.containers[0]);
      if (stores.includes('clickhouse')) {
        ch++;
        expect(env.secrets.CLICKHOUSE_USER).toEqual({ name: clickhouse!.secret.name, key: 'username' });
        expect(env.secrets.CLICKHOUSE_PASSWORD).toEqual({ name: clickhouse!.secret.name, key: 'password' });
      }
      if (stores.includes('kafka')) {
        kf++;
        expect({ svc: plan.entry.name, protocol: env.settings.KAFKA_SECURITY_PROTOCOL, mechanism: env.settings.KAFKA_SASL_MECHANISM })
          .toEqual({ svc: plan.entry.name, protocol: kafka!.securityProtocol, mechanism: kafka!.saslMechanism });
        expect(env.secrets.KAFKA_USERNAME).toEqual({ name: kafka!.secret.name, key: 'username' });
      }
    }
    expect(ch).toBeGreaterThan(0);
    expect(kf).toBeGreaterThan(0);
  });
});

describe('prometheus-adapter serves the External metrics the HPAs scale on', () => {
  const adapterOf = (r: (typeof envs)[number]) => {
    const app = r.ms.find((m) => m.kind === 'Application' && m.spec?.source?.chart === 'prometheus-adapter');
    return app && { app, values: app.spec.source.helm.valuesObject };
  };

  test.each(eachEnv)('%s: every External metric of an HPA has an adapter rule that names it and keeps its selector label', (_e, r) => {
    const external = r.ms.filter((m) => m.kind === 'HorizontalPodAutoscaler')
      .flatMap((h) => h.spec.metrics.filter((x: { type: string }) => x.type === 'External').map((x: { external: { metric: { name: string; selector?: { matchLabels?: Record<string, string> } } } }) => ({ hpa: h.metadata.name, metric: x.external.metric })));
    if (!r.p.config.addons.monitoring.enabled) {
      // Nothing would serve them: the HPAs must not depend on them.
      expect(external).toEqual([]);
      return;
    }
    if (r.env === 'production') expect(external.length).toBeGreaterThan(0); // the agents scale on queue depth there
    const a = adapterOf(r)!;
    expect(a).toBeDefined();
    const rules: { seriesQuery: string; name: { as: string }; metricsQuery: string }[] = a.values.rules.external;
    for (const { hpa, metric } of external) {
      const rule = rules.find((x) => x.name.as === metric.name);
      expect({ hpa, metric: metric.name, served: !!rule }).toEqual({ hpa, metric: metric.name, served: true });
      // The series the rule discovers are that metric, and the query applies the HPA's label matchers and
      // keeps every label it selects on (else the selector would match nothing).
      expect(rule!.seriesQuery.startsWith(`${metric.name}{`)).toBe(true);
      expect(rule!.metricsQuery).toContain('<<.LabelMatchers>>');
      for (const label of Object.keys(metric.selector?.matchLabels ?? {})) {
        expect(rule!.seriesQuery).toContain(`${label}!=""`);
        expect(rule!.metricsQuery).toMatch(new RegExp(`by \\(([^)]*\\b)?${label}\\b`));
      }
    }
  });

  test.each(eachEnv.filter(([, r]) => r.p.config.addons.monitoring.enabled))('%s: the adapter is pinned, queries the Prometheus Service, and its flows are declared', (_e, r) => {
    const a = adapterOf(r)!;
    expect(a.app.spec.source.targetRevision).toMatch(/^\d+\.\d+\.\d+$/);
    expect(a.values.image.tag).toMatch(/^v\d+\.\d+\.\d+$/);
    // HA: more than one adapter, and a valid PDB: the chart writes every field that is set, and its own default
    // maxUnavailable (1) survives a null (the emitter drops nulls), so minAvailable must stay unset.
    const pdb = a.values.podDisruptionBudget;
    expect(a.values.replicas).toBe(r.p.config.ha ? 2 : 1);
    expect(pdb.enabled).toBe(a.values.replicas > 1);
    expect(pdb.minAvailable).toBeUndefined();
    expect(pdb.maxUnavailable).toBe(1);
    // The Prometheus URL names the Service the Prometheus operator creates for kube-prometheus-stack.
    const promUrl = new URL(`${a.values.prometheus.url}:${a.values.prometheus.port}`);
    const [svc, ns] = promUrl.hostname.split('.');
    const stack = r.ms.find((m) => m.kind === 'Application' && m.spec?.source?.chart === 'kube-prometheus-stack')!;
    expect(svc).toBe(`${stack.spec.source.helm.releaseName}-prometheus`);
    expect(ns).toBe(stack.spec.destination.namespace);
    expect(a.app.spec.destination.namespace).toBe(ns);

    const adapterNs = a.app.spec.destination.namespace;
    const isAdapter = (p: { pods?: { namespace: string; selector: Record<string, string> } }) =>
      p.pods?.namespace === adapterNs && p.pods?.selector['app.kubernetes.io/name'] === 'prometheus-adapter';
    const flows = r.p.graph.flows;
    const api = r.p.config.cluster.apiServerCidrs;
    const fromApi = flows.filter((f) => 'addresses' in f.from && JSON.stringify(f.from.addresses.cidrs) === JSON.stringify(api) && isAdapter(f.to as never));
    expect(fromApi.flatMap((f) => f.ports.map((p) => p.port))).toContain(a.values.listenPort);
    const toApi = flows.filter((f) => isAdapter(f.from as never) && 'addresses' in f.to && JSON.stringify(f.to.addresses.cidrs) === JSON.stringify(api));
    expect(toApi.length).toBeGreaterThan(0);
    const toProm = flows.filter((f) => isAdapter(f.from as never) && 'pods' in f.to && f.to.pods.namespace === ns
      && f.to.pods.selector['app.kubernetes.io/name'] === 'prometheus');
    expect(toProm.flatMap((f) => f.ports.map((p) => p.port))).toContain(Number(promUrl.port));
  });

  test('without monitoring there is no adapter, and the HPAs scale on resources only', () => {
    const base = envs.find((r) => r.env === 'production')!.p.config;
    const cfg = { ...base, addons: { ...base.addons, monitoring: { ...base.addons.monitoring, enabled: false } } };
    const p = renderPlatform(cfg);
    const ms = p.charts.flatMap((c) => c.manifests);
    expect(ms.some((m) => m.kind === 'Application' && m.spec?.source?.chart === 'prometheus-adapter')).toBe(false);
    const hpas = ms.filter((m) => m.kind === 'HorizontalPodAutoscaler');
    expect(hpas.length).toBeGreaterThan(0);
    for (const h of hpas) expect({ hpa: h.metadata.name, types: [...new Set(h.spec.metrics.map((x: { type: string }) => x.type))] }).toEqual({ hpa: h.metadata.name, types: ['Resource'] });
  });
});

describe('declared Secrets: every copy has its original, no declaration contradicts another', () => {
  const key = (s: { namespace: string; name: string }) => `${s.namespace}/${s.name}`;
  const canonical = (s: DeclaredSecret) => JSON.stringify([s.namespace, s.name, [...s.keys].sort(), s.copyOf ? [s.copyOf.namespace, s.copyOf.name] : null,
    Object.entries(s.fixed ?? {}).sort()]);

  test.each(eachEnv)('%s: each copyOf names a declared original (not itself a copy) with the same keys', (_e, r) => {
    const secrets = r.p.secrets;
    const copies = secrets.filter((s) => s.copyOf);
    expect(copies.length).toBeGreaterThan(0);
    for (const c of copies) {
      const originals = secrets.filter((s) => key(s) === key(c.copyOf!));
      const where = `${key(c)} ← ${key(c.copyOf!)}`;
      expect({ where, declared: originals.length > 0 }).toEqual({ where, declared: true });
      for (const o of originals) {
        // A copy of a copy would depend on the order the generator creates them in.
        expect({ where, originalIsCopy: !!o.copyOf }).toEqual({ where, originalIsCopy: false });
        expect({ where, keys: [...c.keys].sort() }).toEqual({ where, keys: [...o.keys].sort() });
        // A copy's values are the original's: its own fixed keys could only contradict them.
        if (c.fixed) expect({ where, fixed: c.fixed }).toEqual({ where, fixed: o.fixed });
      }
    }
  });

  test.each(eachEnv)('%s: every MinIO client credentials copy has its original in storage-minio, declared by the MinIO chart', (_e, r) => {
    const minioCopies = r.p.secrets.filter((s) => s.copyOf && /^minio-/.test(s.name));
    expect(minioCopies.length).toBeGreaterThan(0);
    for (const c of minioCopies) {
      expect(c.copyOf).toEqual({ namespace: NAMESPACES.minio, name: c.name });
      const client = MINIO_CLIENTS.find((x) => r.p.refs.minio!.credentials(x).name === c.name);
      expect({ copy: key(c), client }).toEqual({ copy: key(c), client: expect.any(String) });
      // The MinIO chart provisions the user from the original (its bucket and policy follow the client).
      const provisioning = JSON.stringify(r.ms.filter((m) => m.metadata?.namespace === NAMESPACES.minio));
      expect(provisioning).toContain(c.name);
    }
  });

  test.each(eachEnv)('%s: declarations of one namespace/name agree; fixed keys are declared keys; one original name, one namespace', (_e, r) => {
    const byKey = new Map<string, Set<string>>();
    for (const s of r.p.secrets) byKey.set(key(s), (byKey.get(key(s)) ?? new Set()).add(canonical(s)));
    for (const [k, forms] of byKey) expect({ secret: k, forms: forms.size }).toEqual({ secret: k, forms: 1 });
    for (const s of r.p.secrets) {
      for (const f of Object.keys(s.fixed ?? {})) expect({ secret: key(s), fixed: f, declared: s.keys.includes(f) }).toEqual({ secret: key(s), fixed: f, declared: true });
    }
    // An original of the same name in two namespaces would be two independent random values where a client
    // expects the server's: a second namespace must declare a copy instead.
    const originals = new Map<string, Set<string>>();
    for (const s of r.p.secrets.filter((x) => !x.copyOf)) originals.set(s.name, (originals.get(s.name) ?? new Set()).add(s.namespace));
    for (const [name, nss] of originals) expect({ name, namespaces: nss.size }).toEqual({ name, namespaces: 1 });
  });
});

describe('Services, probes and HPAs point at what the pods have', () => {
  type Pod = { owner: Manifest; template: Manifest };
  const portMatches = (target: number | string, cp: Manifest) => (typeof target === 'string' ? cp.name === target : cp.containerPort === target);

  test.each(eachEnv)('%s: every Service port is a container port (by number or name, same protocol) of every pod it selects', (_e, r) => {
    const pods: Pod[] = podTemplates(r.ms);
    let checked = 0;
    for (const svc of r.ms.filter((m) => m.kind === 'Service' && m.spec.selector)) {
      const selected = pods.filter(({ owner, template }) => owner.metadata.namespace === svc.metadata.namespace
        && Object.entries(svc.spec.selector as Record<string, string>).every(([k, v]) => template.metadata.labels?.[k] === v));
      for (const port of svc.spec.ports) {
        const target = port.targetPort ?? port.port;
        for (const { owner, template } of selected) {
          const hit = template.spec.containers.flatMap((c: Manifest) => c.ports ?? []).find((cp: Manifest) => portMatches(target, cp));
          const where = `${describeObject(svc)}:${port.name ?? port.port} → ${describeObject(owner)}`;
          expect({ where, protocol: hit ? (hit.protocol ?? 'TCP') : 'no such container port' }).toEqual({ where, protocol: port.protocol ?? 'TCP' });
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(20);
  });

  test.each(eachEnv)('%s: every probe port is a port of its own container', (_e, r) => {
    let checked = 0;
    for (const { owner, template } of podTemplates(r.ms) as Pod[]) {
      for (const c of [...template.spec.containers, ...(template.spec.initContainers ?? [])]) {
        for (const kind of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
          const probe = c[kind];
          const port = probe?.httpGet?.port ?? probe?.tcpSocket?.port ?? probe?.grpc?.port;
          if (port === undefined) continue;
          // A named port resolves only among the container's own ports.
          const ok = (c.ports ?? []).some((cp: Manifest) => portMatches(port, cp));
          const where = `${describeObject(owner)} ${c.name} ${kind} ${port}`;
          expect({ where, ok }).toEqual({ where, ok: true });
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(10);
  });

  test.each(eachEnv)('%s: every HPA resource metric has a request for that resource in each container of its target', (_e, r) => {
    for (const hpa of r.ms.filter((m) => m.kind === 'HorizontalPodAutoscaler')) {
      const ref = hpa.spec.scaleTargetRef;
      const target = r.ms.find((m) => m.kind === ref.kind && m.metadata.name === ref.name && m.metadata.namespace === hpa.metadata.namespace)!;
      const containers: Manifest[] = target.spec.template.spec.containers;
      for (const metric of hpa.spec.metrics) {
        // Utilization is usage over the sum of the requests: the HPA refuses to compute it if one container lacks one.
        if (metric.type === 'Resource') {
          for (const c of containers) {
            const where = `${describeObject(hpa)} ${metric.resource.name} ${c.name}`;
            expect({ where, request: c.resources?.requests?.[metric.resource.name] !== undefined }).toEqual({ where, request: true });
          }
        }
        if (metric.type === 'ContainerResource') {
          const c = containers.find((x) => x.name === metric.containerResource.container);
          expect(c?.resources?.requests?.[metric.containerResource.name]).toBeDefined();
        }
      }
    }
  });
});
