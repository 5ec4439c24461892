/**
 * The Kong gateway: its declarative configuration parses, routes every public service exactly once to a
 * rendered Service, and limits each tenant at its plan's rate; the tenant-lookup Lua compiles with Lua 5.1
 * (Kong runs LuaJIT, a Lua 5.1 dialect) and, run against a stand-in for Kong's PDK, authenticates exactly the
 * tenant whose host was called.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import { renderPlatform, type Manifest } from '../charts/platform';
import { environmentInput, validateEnvironment } from '../environments';
import { containerEnv, rendered, type Rendered } from './support/apps';
import { manifestsOf } from './support/render';

const envs = rendered();
const eachEnv = envs.map((r) => [r.env, r] as const);

function kongOf(ms: Manifest[]): Record<string, any> {
  const cm = ms.find((m) => m.kind === 'ConfigMap' && m.metadata.namespace === 'app-core' && m.metadata.name === 'api-gateway-declarative')!;
  return parse(cm.data['kong.yml']);
}

// A standby site (0 replicas) limits per pod as if one pod served everything.
const gatewayMin = (r: Rendered) => Math.max(1, r.find('HorizontalPodAutoscaler', 'app-core', 'api-gateway')?.spec.minReplicas
  ?? r.find('Deployment', 'app-core', 'api-gateway')!.spec.replicas);

describe('declarative configuration', () => {
  test.each(eachEnv)('%s: parses as YAML in Kong 3 format, without YAML aliases', (_e, r) => {
    const cm = r.find('ConfigMap', 'app-core', 'api-gateway-declarative')!;
    expect(cm.data['kong.yml']).not.toMatch(/[&*][a-z]\d+\b/);
    const kong = kongOf(r.ms);
    expect(kong._format_version).toBe('3.0');
    expect(Array.isArray(kong.services)).toBe(true);
  });

  test.each(eachEnv)('%s: routes every public service exactly once, to its rendered Service, on the public hosts', (_e, r) => {
    const kong = kongOf(r.ms);
    const publicPlans = r.plans.filter((p) => p.enabled && p.entry.publicPath && p.entry.kind !== 'gateway');
    expect(publicPlans.length).toBeGreaterThan(8);
    const routes = kong.services.flatMap((s: Manifest) => s.routes.map((rt: Manifest) => ({ service: s, route: rt })));
    for (const plan of publicPlans) {
      const hits = routes.filter(({ route }: Manifest) => route.paths.includes(plan.entry.publicPath));
      expect({ svc: plan.entry.name, routes: hits.length }).toEqual({ svc: plan.entry.name, routes: 1 });
      const url = new URL(hits[0].service.url);
      const [name, ns] = url.hostname.split('.');
      expect({ name, ns }).toEqual({ name: plan.entry.name, ns: plan.entry.namespace });
      const svc = r.find('Service', ns, name)!;
      expect(svc.spec.ports.some((p: Manifest) => p.port === Number(url.port))).toBe(true);
      expect(hits[0].route.strip_path).toBe(false);
      expect(hits[0].route.hosts).toEqual([`api.${r.p.config.ingress.baseDomain}`, ...r.p.config.tenants.map((t) => `${t.id}.api.${r.p.config.ingress.baseDomain}`)]);
    }
    // Nothing else is routed, and every path prefix appears once.
    expect(routes.length).toBe(publicPlans.length);
    const paths = routes.flatMap(({ route }: Manifest) => route.paths);
    expect(new Set(paths).size).toBe(paths.length);
    const names = kong.services.map((s: Manifest) => s.name);
    expect(new Set(names).size).toBe(names.length);
  });

  test.each(eachEnv)('%s: one consumer per tenant, limited per Kong pod to its plan\'s rate over the gateway\'s minimum pods', (_e, r) => {
    const kong = kongOf(r.ms);
    const min = gatewayMin(r);
    expect(kong.consumers.map((c: Manifest) => c.custom_id)).toEqual(r.p.config.tenants.map((t) => t.id));
    for (const t of r.p.config.tenants) {
      const c = kong.consumers.find((x: Manifest) => x.custom_id === t.id);
      const rl = c.plugins.find((p: Manifest) => p.name === 'rate-limiting');
      const limit = r.p.config.tenantPlans[t.plan].rateLimitPerMinute;
      expect(rl.config).toMatchObject({ minute: Math.ceil(limit / min), limit_by: 'consumer', policy: 'local' });
      // At the minimum scale, the pods together allow the plan's limit (and never less).
      expect(rl.config.minute * min).toBeGreaterThanOrEqual(limit);
      expect((rl.config.minute - 1) * min).toBeLessThan(limit);
    }
    const global = kong.plugins.find((p: Manifest) => p.name === 'rate-limiting');
    expect(global.config.limit_by).toBe('ip');
  });

  test('plans differ: an enterprise tenant gets more than a starter tenant', () => {
    const kong = kongOf(envs.find((r) => r.env === 'production')!.ms);
    const minute = (id: string) => kong.consumers.find((c: Manifest) => c.custom_id === id).plugins[0].config.minute;
    expect(minute('acme')).toBeGreaterThan(minute('globex'));
    expect(minute('globex')).toBeGreaterThan(minute('initech'));
  });

  test('adding a tenant adds its consumer and its host, and changes no other route', () => {
    const input = structuredClone(environmentInput('staging')) as Record<string, any>;
    input.tenants.push({ id: 'newco', plan: 'enterprise' });
    const after = kongOf(manifestsOf(renderPlatform(validateEnvironment('staging', input))));
    const before = kongOf(envs.find((r) => r.env === 'staging')!.ms);
    expect(after.consumers.map((c: Manifest) => c.custom_id)).toEqual([...before.consumers.map((c: Manifest) => c.custom_id), 'newco']);
    const strip = (k: Record<string, any>) => k.services.map((s: Manifest) => ({ ...s, routes: s.routes.map((rt: Manifest) => ({ ...rt, hosts: undefined })) }));
    expect(strip(after)).toEqual(strip(before));
    expect(after.services[0].routes[0].hosts).toContain('newco.api.staging.receivables.example.com');
  });
});

describe('gateway pods', () => {
  test.each(eachEnv)('%s: DB-less, no Admin API, the declarative file is the mounted ConfigMap, probes on the status listener', (_e, r) => {
    const d = r.find('Deployment', 'app-core', 'api-gateway')!;
    const pod = d.spec.template.spec;
    const c = pod.containers[0];
    const { settings } = containerEnv(r, 'app-core', c);
    expect(settings).toMatchObject({ KONG_DATABASE: 'off', KONG_ADMIN_LISTEN: 'off', KONG_ADMIN_GUI_LISTEN: 'off' });
    const vol = pod.volumes.find((v: Manifest) => v.configMap?.name === 'api-gateway-declarative');
    const mount = c.volumeMounts.find((m: Manifest) => m.name === vol.name);
    expect(settings.KONG_DECLARATIVE_CONFIG).toBe(`${mount.mountPath}/kong.yml`);
    expect(c.volumeMounts.some((m: Manifest) => m.mountPath === settings.KONG_PREFIX)).toBe(true);
    const status = c.ports.find((p: Manifest) => p.name === c.readinessProbe.httpGet.port);
    expect(settings.KONG_STATUS_LISTEN).toBe(`0.0.0.0:${status.containerPort}`);
    expect(settings.KONG_PROXY_LISTEN).toBe(`0.0.0.0:${c.ports.find((p: Manifest) => p.name === 'http').containerPort}`);
    expect(c.image).toMatch(/\/kong:\d+\.\d+\.\d+$/);
    // One nginx worker per whole CPU of the limit, at least one.
    expect(Number(settings.KONG_NGINX_WORKER_PROCESSES)).toBe(Math.max(1, Math.floor(Number(c.resources.limits.cpu.replace(/m$/, '')) / (c.resources.limits.cpu.endsWith('m') ? 1000 : 1))));
  });

  test.each(eachEnv)('%s: a change of the routes rolls the gateway (config checksum on the pod template)', (_e, r) => {
    const d = r.find('Deployment', 'app-core', 'api-gateway')!;
    expect(d.spec.template.metadata.annotations['checksum/config']).toMatch(/^[a-f0-9]{64}$/);
    const other = envs.find((x) => x.env !== r.env && x.p.config.ingress.baseDomain !== r.p.config.ingress.baseDomain)!;
    expect(other.find('Deployment', 'app-core', 'api-gateway')!.spec.template.metadata.annotations['checksum/config'])
      .not.toBe(d.spec.template.metadata.annotations['checksum/config']);
  });

  test.each(eachEnv)('%s: the gateway may reach every service it routes to (declared flows)', (_e, r) => {
    const gw = r.plans.find((p) => p.entry.kind === 'gateway')!;
    for (const p of r.plans.filter((x) => x.enabled && x.entry.publicPath && x !== gw)) {
      const ok = r.p.graph.flows.some((f) => 'pods' in f.from && 'pods' in f.to && f.from.pods.namespace === 'app-core'
        && f.from.pods.selector['app.kubernetes.io/name'] === 'api-gateway' && f.to.pods.selector['app.kubernetes.io/name'] === p.entry.name
        && f.ports.some((port) => port.port === p.entry.port));
      expect({ to: p.entry.name, ok }).toEqual({ to: p.entry.name, ok: true });
    }
  });
});

describe('tenant lookup Lua', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apps-kong-lua-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const r = envs.find((x) => x.env === 'production')!;
  const lua: string = kongOf(r.ms).plugins.find((p: Manifest) => p.name === 'pre-function').config.access[0];
  const file = path.join(dir, 'tenant.lua');
  fs.writeFileSync(file, lua);

  test('compiles with luac 5.1', () => {
    const out = spawnSync('luac5.1', ['-p', file], { encoding: 'utf8' });
    expect({ status: out.status, err: out.stderr }).toEqual({ status: 0, err: '' });
  });

  test('authenticates the consumer of the tenant whose host was called, and no one for the shared host', () => {
    const domain = r.p.config.ingress.baseDomain;
    const hosts = [...r.p.config.tenants.map((t) => `${t.id}.api.${domain}`), `api.${domain}`, `unknown.api.${domain}`];
    // A stand-in for Kong's PDK: records which consumer was authenticated for each host.
    const harness = `
local chunk = assert(loadfile(${JSON.stringify(file)}))
local known = {}
${r.p.config.tenants.map((t) => `known["tenant-${t.id}"] = { id = "id-${t.id}", username = "tenant-${t.id}" }`).join('\n')}
local host, authenticated
kong = {
  request = { get_host = function() return host end },
  client = {
    load_consumer = function(name, by_username) assert(by_username == true) return known[name], known[name] and nil or "not found" end,
    authenticate = function(consumer, credential) authenticated = consumer.username end,
  },
  log = { err = function(...) end },
}
local handler = chunk()
for _, h in ipairs({ ${hosts.map((h) => JSON.stringify(h)).join(', ')} }) do
  host, authenticated = h, nil
  handler()
  print(h .. "=" .. tostring(authenticated))
end
`;
    const out = spawnSync('lua5.1', ['-'], { input: harness, encoding: 'utf8' });
    expect(out.stderr).toBe('');
    const result = Object.fromEntries(out.stdout.trim().split('\n').map((l) => l.split('=')));
    expect(result).toEqual({
      ...Object.fromEntries(r.p.config.tenants.map((t) => [`${t.id}.api.${domain}`, `tenant-${t.id}`])),
      [`api.${domain}`]: 'nil',
      [`unknown.api.${domain}`]: 'nil',
    });
  });
});
