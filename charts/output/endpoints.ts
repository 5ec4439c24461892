/**
 * dist/<platform>/<env>/endpoints.md: the environment's public endpoints (host, path, what serves it), read from the
 * rendered Ingresses and the gateway's declarative routes themselves, so the list cannot disagree with what is
 * deployed. Every host listed needs a DNS entry pointing at the ingress controller.
 */
import { parse } from 'yaml';
import { printedValue } from '../lib/yaml';
import type { CatalogEntry } from '../../environments/catalog';
import type { Manifest } from '../lib/manifest';

export const ENDPOINTS_FILE = 'endpoints.md';

export interface Endpoint {
  readonly host: string;
  readonly path: string;
  /** `Service app-core/api-gateway port 8000` */
  readonly backend: string;
  /** `Ingress app-core/api` */
  readonly via: string;
  readonly tlsSecret?: string;
}

export interface GatewayRoute {
  readonly paths: readonly string[];
  readonly service: string;
  readonly hosts: readonly string[];
}

/** Every host and path of every Ingress, sorted by host then path. */
export function ingressEndpoints(manifests: readonly Manifest[]): Endpoint[] {
  const out: Endpoint[] = [];
  for (const m of manifests.filter((x) => x.kind === 'Ingress')) {
    const ns = m.metadata.namespace;
    for (const rule of m.spec?.rules ?? []) {
      const tls = (m.spec?.tls ?? []).find((t: { hosts?: string[] }) => t.hosts?.includes(rule.host));
      for (const p of rule.http?.paths ?? []) {
        const svc = p.backend?.service;
        out.push({
          host: rule.host, path: p.path ?? '/', via: `Ingress ${ns}/${m.metadata.name}`, tlsSecret: tls?.secretName,
          backend: svc ? `Service ${ns}/${svc.name} port ${svc.port?.number ?? svc.port?.name}` : 'a non-Service backend',
        });
      }
    }
  }
  return out.sort((a, b) => a.host.localeCompare(b.host) || a.path.localeCompare(b.path));
}

/** The routes of the Kong declarative configuration (a ConfigMap holding `kong.yml`), if one is rendered. */
export function gatewayRoutes(manifests: readonly Manifest[]): GatewayRoute[] {
  const routes: GatewayRoute[] = [];
  for (const m of manifests.filter((x) => x.kind === 'ConfigMap' && typeof x.data?.['kong.yml'] === 'string')) {
    const kong = (printedValue(m.data['kong.yml']) ?? parse(m.data['kong.yml'])) as { services?: { name: string; routes?: { paths?: string[]; hosts?: string[] }[] }[] };
    for (const s of kong.services ?? []) {
      for (const r of s.routes ?? []) routes.push({ paths: r.paths ?? [], service: s.name, hosts: r.hosts ?? [] });
    }
  }
  return routes.sort((a, b) => (a.paths[0] ?? '').localeCompare(b.paths[0] ?? ''));
}

export function endpointsMarkdown(env: string, manifests: readonly Manifest[], catalog: readonly CatalogEntry[]): string {
  const endpoints = ingressEndpoints(manifests);
  const routes = gatewayRoutes(manifests);
  const describe = (service: string) => catalog.find((e) => e.name === service)?.description ?? '';
  const hosts = [...new Set(endpoints.map((e) => e.host))];
  const lines = [
    `# Public endpoints of ${env}`,
    '',
    'Generated from the rendered Ingresses and the gateway\'s routes (charts/output/endpoints.ts); do not edit.',
    `Each host below needs a DNS entry pointing at the ingress controller (${hosts.length} host${hosts.length === 1 ? '' : 's'}).`,
    '',
    '| host | path | served by | through | TLS Secret |',
    '| --- | --- | --- | --- | --- |',
    ...endpoints.map((e) => `| ${e.host} | ${e.path} | ${e.backend} | ${e.via} | ${e.tlsSecret ?? '(none: plain HTTP)'} |`),
  ];
  if (routes.length) {
    lines.push('', '## Gateway routes', '',
      'Paths the gateway routes to the services, on the hosts listed with each route (the API host and each tenant\'s).', '',
      '| path | service | what it is | hosts |', '| --- | --- | --- | --- |',
      ...routes.map((r) => `| ${r.paths.join(', ')} | ${r.service} | ${describe(r.service)} | ${r.hosts.join(', ')} |`));
  }
  return `${lines.join('\n')}\n`;
}
