/**
 * dist/<env>/endpoints.md (issue 15): every public host and path, and what serves it, for every environment,
 * read from the rendered Ingresses and gateway routes, so it names exactly what is deployed.
 */
import { toFileTree } from '../charts/output/render';
import { ENDPOINTS_FILE, gatewayRoutes, ingressEndpoints } from '../charts/output/endpoints';
import { renderPlatform, type Manifest } from '../charts/platform';
import { apiHost, tenantApiHost, webHost } from '../charts/apps/kinds';
import { validateEnvironment } from '../environments';
import { input } from './support/config';
import { renderAll } from './support/render';

describe.each(renderAll().map((p) => [p.config.name, p] as const))('%s', (_name, p) => {
  const manifests: Manifest[] = p.charts.flatMap((c) => c.manifests);
  const md = toFileTree(p).get(ENDPOINTS_FILE)!;
  const rows = md.split('\n').filter((l) => /^\| [a-z0-9.-]+ \| \//.test(l)).map((l) => l.split(' | ').map((c) => c.replace(/^\| /, '')));

  test('lists exactly the hosts and paths of the rendered Ingresses, each with its backend Service', () => {
    const fromIngresses = manifests.filter((m) => m.kind === 'Ingress')
      .flatMap((m) => m.spec.rules.flatMap((r: Manifest) => r.http.paths.map((x: Manifest) => `${r.host} ${x.path} ${m.metadata.namespace}/${x.backend.service.name}`)));
    expect(rows.map(([host, path, servedBy]) => `${host} ${path} ${/Service (\S+)/.exec(servedBy)?.[1]}`).sort()).toEqual(fromIngresses.sort());
    // Each backend is a rendered Service with that port.
    for (const e of ingressEndpoints(manifests)) {
      const [, ns, name, port] = /^Service ([^/]+)\/(\S+) port (\d+)$/.exec(e.backend)!;
      const svc = manifests.find((m) => m.kind === 'Service' && m.metadata.namespace === ns && m.metadata.name === name);
      expect(svc?.spec.ports.map((x: Manifest) => String(x.port))).toContain(port);
    }
  });

  test('the API host, the web host and every tenant\'s API host are listed', () => {
    const d = p.config.ingress.baseDomain;
    const hosts = new Set(rows.map(([host]) => host));
    for (const h of [apiHost(d), webHost(d), ...p.config.tenants.map((t) => tenantApiHost(t.id, d))]) expect(hosts).toContain(h);
  });

  test('every gateway route names a rendered Service', () => {
    const routes = gatewayRoutes(manifests);
    expect(routes.length).toBeGreaterThan(0);
    for (const r of routes) {
      expect(manifests.some((m) => m.kind === 'Service' && m.metadata.name === r.service)).toBe(true);
      expect(md).toContain(`| ${r.paths.join(', ')} | ${r.service} |`);
    }
  });
});

test('a new tenant\'s host appears in endpoints.md', () => {
  const cfg = input('staging');
  cfg.tenants.push({ id: 'newco', plan: 'business' });
  const md = toFileTree(renderPlatform(validateEnvironment('staging', cfg))).get(ENDPOINTS_FILE)!;
  expect(md).toMatch(/^\| newco\.api\.staging\.receivables\.example\.com \| \/ \| Service app-core\/api-gateway port \d+ \| Ingress app-core\/api \| api-tls \|$/m);
});
