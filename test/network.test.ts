/**
 * NetworkPolicies from the dependency graph, proven with the policy evaluator: for every environment (with the
 * platform's own flows, and again with a synthetic platform-shaped graph added) the set of allowed
 * (source, destination, port) equals the set the graph implies, tenants are isolated, DNS works, the API server
 * is reachable only where declared; plus the generator's shape, names, ordering and errors, and the matrix.
 */
import { App } from 'cdk8s';
import { acmeSolver, DependencyGraph, INTERNET, PRIVATE_RANGES, PROMETHEUS, apiServer, ingressController, pods, type Flow } from '../charts/lib/graph';
import { selectorLabels } from '../charts/lib/labels';
import { toFileTree } from '../charts/output/render';
import { NetworkChart } from '../charts/network/chart';
import { checkFlowPorts } from '../charts/network/consistency';
import { REACHABILITY_FILE, reachabilityMatrix } from '../charts/network/matrix';
import { planPolicies } from '../charts/network/policies';
import type { Manifest } from '../charts/platform';
import { environmentInput, loadEnvironment, validateEnvironment } from '../environments';
import type { NetEndpoint } from './support/netpol';
import { difference, isMember, KUBE_DNS, reachability, STRANGER_LABEL, tuple, type Environment } from './support/network';
import {
  AGENT, GATEWAY, INTEGRATION, INVOICE, POSTGRES_LEADER, REPORTS_JOB, environmentWith, fixtureGraph, mergeGraphs, networkManifests, tenantWorker,
} from './support/network-fixture';
import { modelErrors, unknownFields } from './support/k8s-schema';
// Kept apart from the imports above so that edits to those lines merge cleanly.
import { addressIn } from './support/netpol';
import { manifestsOf, nameOf, renderAll, renderEvery } from './support/render';
import { KEYS } from './support/stores';

// Every environment of every platform, as `<platform>/<env>`.
const ENVS = renderEvery().map(nameOf);
const platformEnv = (name: string): Environment => {
  const p = renderEvery().find((x) => nameOf(x) === name)!;
  return { config: p.config, graph: p.graph, manifests: manifestsOf(p) };
};
const fixtureEnv = (name: string): Environment => {
  const config = loadEnvironment(name.split('/')[1], name.split('/')[0]);
  return environmentWith(config, fixtureGraph(config));
};
const policiesOf = (ms: readonly Manifest[]) => ms.filter((m) => m.kind === 'NetworkPolicy');
const isStore = (ns: string) => ns.startsWith('db-') || ns.startsWith('storage-');

/** The assertions every environment must pass, whatever its graph. */
function proveEnvironment(label: string, env: Environment): void {
  const r = reachability(env);
  const missing = difference(r.expected, r.actual);
  const extra = difference(r.actual, r.expected);
  console.log(`${label}: ${env.graph.flows.length} flows, ${policiesOf(env.manifests).length} NetworkPolicies, ${r.endpoints.length} endpoints × `
    + `${r.probes.length} ports probed: ${r.actual.size} allowed, ${r.expected.size} implied by the graph, ${missing.length} missing, ${extra.length} extra`);
  expect({ label, missing: missing.slice(0, 20) }).toEqual({ label, missing: [] });
  expect({ label, extra: extra.slice(0, 20) }).toEqual({ label, extra: [] });

  // Again where ipBlocks also match pod addresses (Calico, Cilium), with the distribution's default pod range
  // (k3s 10.42.0.0/16; kubeadm with Calico 192.168.0.0/16): a declared range then also holds the pods in it,
  // which only ingress from "anywhere" does (egress ranges must except the private ones).
  // (EKS: the VPC CNI with custom networking puts pods in the secondary range 100.64.0.0/16, apart from the nodes'
  // subnets, docs/eks-platform.md; in the nodes' own subnets a node range would also admit every pod.)
  const podCidr = env.config.cluster.flavour === 'k3s' ? '10.42.0.0/16' : env.config.cluster.flavour === 'eks' ? '100.64.0.0/16' : '192.168.0.0/16';
  const calico = reachability(env, { podCidr });
  const calicoOff = [...difference(calico.expected, calico.actual), ...difference(calico.actual, calico.expected)];
  const viaRanges = difference(calico.actual, r.actual);
  console.log(`${label}, ipBlocks matching pods in ${podCidr}: ${calico.actual.size} allowed (${viaRanges.length} more through declared address ranges), ${calicoOff.length} off the graph`);
  expect({ label, podCidr, off: calicoOff.slice(0, 20) }).toEqual({ label, podCidr, off: [] });
  // What ipBlocks add may only come from pods that are not ours (e.g. kube-system → an ingress controller open to
  // "anywhere"): a pod of ours reaching another pod through an egress range (an API server range overlapping the
  // pod range) would be a hole.
  const oursIds = calico.endpoints.filter((e) => e.kind === 'pod' && e.namespace !== 'kube-system').map((e) => `${e.id} → `);
  expect({ label, podCidr, holes: viaRanges.filter((t) => oursIds.some((id) => t.startsWith(id))) }).toEqual({ label, podCidr, holes: [] });

  // Independent of the graph: what must hold in any case.
  const pods = r.endpoints.filter((e): e is Extract<NetEndpoint, { kind: 'pod' }> => e.kind === 'pod');
  const tenantPods = pods.filter((p) => p.namespace.startsWith('tenant-'));
  const violations: string[] = [];
  for (const src of tenantPods) {
    for (const dst of pods) {
      const crossTenant = dst.namespace.startsWith('tenant-') && dst.namespace !== src.namespace;
      if (!crossTenant && !isStore(dst.namespace)) continue;
      for (const p of r.probes) {
        if (r.evaluator.allowed(src, dst, p)) violations.push(tuple(src, dst, p));
        if (crossTenant && r.evaluator.allowed(dst, src, p)) violations.push(tuple(dst, src, p));
      }
    }
  }
  expect({ label, tenantViolations: violations.slice(0, 20) }).toEqual({ label, tenantViolations: [] });

  const ours = pods.filter((p) => p.namespace !== 'kube-system');
  const noDns = ours.filter((p) => !r.evaluator.allowed(p, KUBE_DNS, { port: 53, protocol: 'UDP' }) || !r.evaluator.allowed(p, KUBE_DNS, { port: 53, protocol: 'TCP' }));
  expect({ label, noDns: noDns.map((p) => p.id) }).toEqual({ label, noDns: [] });
  const kubeSystemStranger = pods.find((p) => p.namespace === 'kube-system' && p.labels[STRANGER_LABEL])!;
  expect(ours.filter((p) => r.evaluator.allowed(p, kubeSystemStranger, { port: 53, protocol: 'UDP' })).map((p) => p.id)).toEqual([]);

  // The API server: reachable exactly from the pods that declare a range holding it, on the ports they declare;
  // those that reach it only through a broader range than the API server's own are named.
  const api = apiServer(env.config);
  for (const cidr of api.cidrs) {
    const ip = addressIn(cidr)!;
    const probe: NetEndpoint = { kind: 'address', id: `kubernetes-api ${ip}`, ip };
    for (const port of [443, 6443]) {
      const via = (p: NetEndpoint, explicit: boolean) => env.graph.flows.some((f) => isMember(p, f.from) && isMember(probe, f.to)
        && f.ports.some((fp) => fp.port === port && (fp.protocol ?? 'TCP') === 'TCP')
        && 'addresses' in f.to && f.to.addresses.cidrs.some((c) => api.cidrs.includes(c)) === explicit);
      const reach = ours.filter((p) => r.evaluator.allowed(p, probe, { port, protocol: 'TCP' })).map((p) => p.id);
      const explicit = ours.filter((p) => via(p, true)).map((p) => p.id);
      const broader = ours.filter((p) => !via(p, true) && via(p, false)).map((p) => p.id);
      expect({ label, ip, port, reach }).toEqual({ label, ip, port, reach: ours.filter((p) => explicit.includes(p.id) || broader.includes(p.id)).map((p) => p.id) });
      if (broader.length) console.log(`${label}: reach the API server ${ip}:${port} only through a broader declared range: ${broader.join(', ')}`);
    }
  }

  // Strangers (pods with labels nobody selects) reach nothing but DNS and are reached by nothing, except where a
  // flow names every pod of their namespace (a tenant's workloads, charts/tenants.ts): that the graph implies.
  const whole = new Set(env.graph.flows.flatMap((f) => [f.from, f.to]).flatMap((p) => ('pods' in p && Object.keys(p.pods.selector).length === 0 ? [p.pods.namespace] : [])));
  const strangers = pods.filter((p) => p.labels[STRANGER_LABEL] && p.namespace !== 'kube-system');
  const strangerTraffic = [...r.actual].filter((t) => strangers.some((s) => t.startsWith(`${s.id} → `) ? !t.includes(`→ ${KUBE_DNS.id} 53/`) : t.includes(`→ ${s.id} `)))
    .filter((t) => !(r.expected.has(t) && whole.has(t.split('/')[0])));
  expect({ label, strangerTraffic: strangerTraffic.slice(0, 20) }).toEqual({ label, strangerTraffic: [] });
}

describe.each(ENVS)('%s: the rendered policies allow exactly the graph', (name) => {
  test('with the platform\'s own flows', () => proveEnvironment(`${name} (platform)`, platformEnv(name)));

  // The synthetic graph is shaped like the receivables platform (its namespaces and stores).
  if (name.startsWith('receivables/')) test('with a platform-shaped synthetic graph added (every kind of flow)', () => proveEnvironment(`${name} (platform + fixture)`, fixtureEnv(name)));

  test('every flow\'s destination port is one its rendered pods listen on', () => {
    const p = renderEvery().find((x) => nameOf(x) === name)!;
    // Not rendered by us: Prometheus, the ingress controller, and cert-manager's HTTP-01 solver pods.
    const external = [PROMETHEUS, ingressController(p.config), ...p.config.namespaces.map((n) => acmeSolver(n.name))];
    const report = checkFlowPorts(p.graph, manifestsOf(p), external);
    if (report.unrendered.length) console.log(`${name}: flow peers with no rendered workload (not built yet?):\n  ${report.unrendered.join('\n  ')}`);
    expect(report.mismatches).toEqual([]);
    expect(report.suspicious).toEqual([]);
  });
});

describe('the port consistency check', () => {
  test('reports a flow to a port the destination does not listen on, naming flow, port and what is exposed', () => {
    const g = new DependencyGraph();
    g.connect({ pods: GATEWAY }, { pods: INVOICE }, [{ port: 3000, name: 'http' }, { port: 3001, name: 'admin' }], 'gateway routes to invoice-service');
    const deployment = {
      kind: 'Deployment', metadata: { name: 'invoice-service', namespace: 'app-core' },
      spec: { template: { metadata: { labels: { ...INVOICE.selector, extra: 'x' } }, spec: { containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 3000 }] }] } } },
    };
    const report = checkFlowPorts(g, [deployment]);
    expect(report.mismatches).toEqual([
      'flow "gateway routes to invoice-service" allows 3001/TCP (admin) into app-core/invoice-service-api, whose containers (Deployment invoice-service) listen on 3000/TCP http',
    ]);
    expect(report.unrendered).toEqual([`app-core/gateway-api ${JSON.stringify(GATEWAY.selector)}`]);
    expect(report.suspicious).toEqual([]);
    const typo = new DependencyGraph();
    typo.connect({ pods: GATEWAY }, { pods: pods('app-core', { name: 'invoice-service', component: 'apii' }) }, [{ port: 3000, name: 'http' }], 'typo');
    typo.connect({ pods: GATEWAY }, { pods: { namespace: 'app-core', selector: { 'acme.cert-manager.io/http01-solver': 'true' }, display: 'app-core/solver' } },
      [{ port: 8089, name: 'http' }], 'solver pods are created at run time');
    expect(checkFlowPorts(typo, [deployment]).suspicious).toEqual([
      'flow "typo": app-core/invoice-service-apii {"app.kubernetes.io/name":"invoice-service","app.kubernetes.io/instance":"invoice-service","app.kubernetes.io/component":"apii"} '
      + 'selects none of the workloads of application "invoice-service" in app-core (Deployment invoice-service '
      + '{"app.kubernetes.io/name":"invoice-service","app.kubernetes.io/instance":"invoice-service","app.kubernetes.io/component":"api"})',
    ]);
  });

  test('a group selected by the run-time role label counts as the workload\'s pods; known external peers are not reported', () => {
    const g = new DependencyGraph();
    g.connect({ pods: PROMETHEUS }, { pods: POSTGRES_LEADER }, [{ port: 5432, name: 'postgresql' }], 'x');
    const sts = {
      kind: 'StatefulSet', metadata: { name: 'postgres', namespace: 'db-postgres' },
      spec: { template: { metadata: { labels: { ...selectorLabels({ name: 'postgres', component: 'database' }) } }, spec: { containers: [{ name: 'c', ports: [{ containerPort: 5432 }] }] } } },
    };
    expect(checkFlowPorts(g, [sts], [PROMETHEUS])).toEqual({ mismatches: [], unrendered: [], suspicious: [] });
    g.connect({ pods: PROMETHEUS }, { pods: POSTGRES_LEADER }, [{ port: 9187, name: 'metrics' }], 'scrape');
    expect(checkFlowPorts(g, [sts], [PROMETHEUS]).mismatches).toEqual([
      'flow "scrape" allows 9187/TCP (metrics) into db-postgres/postgres-database, whose containers (StatefulSet postgres) listen on 5432/TCP',
    ]);
  });
});

describe('generated policies', () => {
  const config = loadEnvironment('staging');
  const graph = fixtureGraph(config);
  const planned = planPolicies(config, graph);
  const find = (namespace: string, name: string) => planned.find((p) => p.namespace === namespace && p.name === name)!;

  test('one policy per pod group and direction, named after the group', () => {
    expect(planned.filter((p) => p.namespace === 'app-core').map((p) => p.name)).toEqual([
      'gateway-api-egress', 'gateway-api-ingress', 'invoice-service-api-egress', 'invoice-service-api-ingress',
    ]);
    expect(find('db-postgres', 'postgres-database-primary-ingress').podSelector).toEqual(POSTGRES_LEADER.selector);
    const keys = planned.map((p) => `${p.namespace}/${p.name}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  test('groups of one application that differ by component or member label get distinct names', () => {
    const nginx = (component: string) => ({ namespace: 'ingress', selector: { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': component }, display: 'ingress/ingress-nginx' });
    const g = new DependencyGraph();
    g.connect({ addresses: apiServer(config) }, { pods: nginx('admission-webhook') }, [{ port: 8443, name: 'webhook' }], 'webhook');
    g.connect({ addresses: INTERNET }, { pods: nginx('controller') }, [{ port: 443, name: 'https' }], 'clients');
    g.connect({ pods: pods('db-clickhouse', { name: 'clickhouse', component: 'server' }) }, { pods: { namespace: 'db-clickhouse', display: 'db-clickhouse/clickhouse-server',
      selector: { ...selectorLabels({ name: 'clickhouse', component: 'server' }), [KEYS.shard]: '1' } } }, [{ port: 9009, name: 'interserver' }], 'shard 1 replicates');
    g.connect({ pods: nginx('controller') }, { pods: { namespace: 'app-core', selector: { 'acme.cert-manager.io/http01-solver': 'true' }, display: 'app-core/acme-http01-solver' } },
      [{ port: 8089, name: 'http' }], 'the ingress controller forwards ACME challenges');
    expect(planPolicies(config, g).map((p) => `${p.namespace}/${p.name}`)).toEqual([
      'app-core/acme-http01-solver-ingress',
      'db-clickhouse/clickhouse-server-1-ingress', 'db-clickhouse/clickhouse-server-egress',
      'ingress/ingress-nginx-admission-webhook-ingress', 'ingress/ingress-nginx-controller-egress', 'ingress/ingress-nginx-controller-ingress',
    ]);
  });

  test('peers with the same ports share a rule; other namespaces by name label and pod labels; same namespace by pod labels', () => {
    const invoiceIn = find('app-core', 'invoice-service-api-ingress');
    expect(invoiceIn.rules).toEqual([
      { peers: [{ podSelector: { matchLabels: GATEWAY.selector } }], ports: [{ protocol: 'TCP', port: 3000 }] },
      { peers: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } }],
        ports: [{ protocol: 'TCP', port: 9090 }] },
    ]);
    const minioIn = find('storage-minio', 'minio-server-ingress');
    expect(minioIn.rules).toHaveLength(1);
    expect(minioIn.rules[0].peers.map((p) => ('podSelector' in p ? p.namespaceSelector?.matchLabels['kubernetes.io/metadata.name'] : 'ip'))).toEqual(['app-batch', 'app-core', 'db-postgres']);
    expect(find('db-postgres', 'postgres-database-ingress').reasons).toEqual(['pgbouncer forwards to postgres', 'postgres members replicate', 'prometheus scrapes postgres']);
  });

  test('address ranges become ipBlocks, each keeping only the exceptions inside it', () => {
    const agentOut = find('app-agents', 'orchestrator-agent-egress');
    expect(agentOut.rules.find((r) => r.peers.some((p) => 'ipBlock' in p))).toEqual({
      peers: [{ ipBlock: { cidr: '0.0.0.0/0', except: [...PRIVATE_RANGES].sort() } }], ports: [{ protocol: 'TCP', port: 443 }],
    });
    const g = new DependencyGraph();
    g.connect({ pods: AGENT }, { addresses: { cidrs: ['10.0.0.0/8', '192.168.1.0/24'], except: ['10.1.0.0/16', '192.168.1.128/25', '172.16.0.0/12'], display: 'partners' } },
      [{ port: 8443, name: 'https' }], 'agent calls partners');
    expect(planPolicies(config, g)[0].rules[0].peers).toEqual([
      { ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }, { ipBlock: { cidr: '192.168.1.0/24', except: ['192.168.1.128/25'] } },
    ]);
    const covered = new DependencyGraph();
    covered.connect({ pods: AGENT }, { addresses: { cidrs: ['10.0.0.0/8', '192.168.7.0/24'], except: ['10.0.0.0/8'], display: 'partners' } },
      [{ port: 8443, name: 'https' }], 'agent calls partners');
    expect(planPolicies(config, covered)[0].rules[0].peers).toEqual([{ ipBlock: { cidr: '192.168.7.0/24' } }]);
    const nothing = new DependencyGraph();
    nothing.connect({ pods: AGENT }, { addresses: { cidrs: ['10.1.0.0/16'], except: ['10.0.0.0/8'], display: 'gone' } }, [{ port: 1, name: 'x' }], 'x');
    expect(() => planPolicies(config, nothing)).toThrow('address range "gone" (10.1.0.0/16) is entirely excepted (10.0.0.0/8)');
    const udp = find('app-integration', 'integration-api-egress');
    expect(udp.rules).toEqual([{ peers: [{ ipBlock: { cidr: '10.0.5.0/24' } }], ports: [{ protocol: 'UDP', port: 514 }] }]);
  });

  test('no policy is rendered into namespaces we do not render (kube-system); their side stays theirs', () => {
    const dev = loadEnvironment('dev');
    const devPlanned = planPolicies(dev, fixtureGraph(dev));
    expect(devPlanned.filter((p) => p.namespace === 'kube-system')).toEqual([]);
    const gatewayIn = devPlanned.find((p) => p.namespace === 'app-core' && p.name === 'gateway-api-ingress')!;
    expect(gatewayIn.rules[0].peers[0]).toEqual({
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'traefik' } },
    });
  });

  test('the order of declaration does not change a byte', () => {
    const shuffled = new DependencyGraph();
    const flows = [...graph.flows];
    for (let i = 0; flows.length; i = (i + 7) % flows.length || 0) {
      const [f] = flows.splice(i % flows.length, 1);
      shuffled.connect(f.from, f.to, [...f.ports].reverse(), f.why);
    }
    expect(JSON.stringify(networkManifests(config, shuffled))).toBe(JSON.stringify(networkManifests(config, graph)));
  });

  test('rendered objects carry chosen names, the standard labels and the reasons as a description', () => {
    const ms = networkManifests(config, graph);
    const gw = ms.find((m) => m.metadata.namespace === 'app-core' && m.metadata.name === 'gateway-api-ingress')!;
    expect(gw.metadata.labels['app.kubernetes.io/name']).toBe('network-policy');
    expect(gw.metadata.annotations['sme-receivables.io/description']).toContain('ingress routes /api to the gateway');
    expect(gw.spec.policyTypes).toEqual(['Ingress']);
    expect(gw.spec.egress).toBeUndefined();
  });

  test('every generated policy of the synthetic graph is schema-valid, with no unknown field, in every environment', () => {
    for (const name of renderAll().map((p) => p.config.name)) {
      const c = loadEnvironment(name);
      for (const m of networkManifests(c, fixtureGraph(c))) {
        const where = `${name}: ${m.metadata.namespace}/${m.metadata.name}`;
        expect({ where, error: modelErrors(m), unknown: unknownFields(m) }).toEqual({ where, error: undefined, unknown: [] });
      }
    }
  });

  test('clear errors: unknown namespace, two address ranges, a port out of range, two groups with one name', () => {
    const bad = (f: (g: DependencyGraph) => void) => { const g = new DependencyGraph(); f(g); return () => planPolicies(config, g); };
    expect(bad((g) => g.connect({ pods: GATEWAY }, { pods: pods('db-postgress', { name: 'postgres', component: 'database' }) }, [{ port: 5432, name: 'pg' }], 'typo')))
      .toThrow(/flow "typo": pods db-postgress\/postgres-database are in namespace "db-postgress", which environment "staging" does not render/);
    expect(bad((g) => g.connect({ addresses: INTERNET }, { addresses: INTERNET }, [{ port: 1, name: 'x' }], 'pointless')))
      .toThrow(/flow "pointless" joins two address ranges/);
    expect(bad((g) => g.connect({ pods: AGENT }, { addresses: { cidrs: ['0.0.0.0/0'], except: ['10.0.0.0/8'], display: 'everywhere' } }, [{ port: 443, name: 'https' }], 'wide')))
      .toThrow(/flow "wide": egress to everywhere 0.0.0.0\/0 would include the private ranges 172.16.0.0\/12, 192.168.0.0\/16, 169.254.0.0\/16, 100.64.0.0\/10/);
    expect(bad((g) => g.connect({ pods: AGENT }, { addresses: { cidrs: ['10.0.0.0/8'], display: 'partner vpn' } }, [{ port: 443, name: 'https' }], 'vpn'))).not.toThrow();
    expect(bad((g) => g.connect({ addresses: { cidrs: ['0.0.0.0/0'], display: 'clients' } }, { pods: GATEWAY }, [{ port: 443, name: 'https' }], 'ingress'))).not.toThrow();
    expect(bad((g) => g.connect({ pods: GATEWAY }, { pods: INVOICE }, [{ port: 70000, name: 'x' }], 'big')))
      .toThrow(/flow "big": port 70000 \(x\) is not in 1-65535/);
    expect(bad((g) => {
      g.connect({ pods: GATEWAY }, { pods: INVOICE }, [{ port: 1, name: 'x' }], 'a');
      g.connect({ pods: GATEWAY }, { pods: { ...INVOICE, selector: { 'app.kubernetes.io/name': 'invoice-service', 'app.kubernetes.io/component': 'api' } } }, [{ port: 1, name: 'x' }], 'b');
    })).toThrow(/two pod groups in namespace "app-core" would both get NetworkPolicies named "invoice-service-api-…"/);
  });
});

describe('changes', () => {
  const config = loadEnvironment('staging');
  const base = fixtureGraph(config);

  test('adding a dependency to one service changes exactly the flows it should', () => {
    const before = reachability(environmentWith(config, base));
    const extra = new DependencyGraph();
    extra.connect({ pods: REPORTS_JOB }, { pods: INVOICE }, [{ port: 3000, name: 'http' }], 'reports job reads invoices');
    const after = reachability(environmentWith(config, mergeGraphs(base, extra)));
    expect(difference(before.actual, after.actual)).toEqual([]);
    const src = after.endpoints.filter((e) => isMember(e, { pods: REPORTS_JOB }));
    const dst = after.endpoints.filter((e) => isMember(e, { pods: INVOICE }));
    expect(src.length * dst.length).toBeGreaterThan(0);
    expect(difference(after.actual, before.actual)).toEqual(src.flatMap((s) => dst.map((d) => tuple(s, d, { port: 3000, protocol: 'TCP' }))).sort());
  });

  test('adding a tenant adds only its own namespace\'s policies and the flows it declares', () => {
    const input = structuredClone(environmentInput('staging')) as Record<string, any>;
    input.tenants.push({ id: 'newco', plan: 'starter' });
    const bigger = validateEnvironment('staging', input);
    const key = (m: Manifest) => `${m.metadata.namespace}/${m.metadata.name}`;
    const beforeMs = networkManifests(config, base);
    const afterMs = networkManifests(bigger, fixtureGraph(bigger));
    const beforeKeys = new Set(beforeMs.map(key));
    expect(afterMs.filter((m) => !beforeKeys.has(key(m))).map(key)).toEqual(['tenant-newco/tenant-worker-worker-egress', 'tenant-newco/tenant-worker-worker-ingress']);
    const changed = beforeMs.filter((m) => JSON.stringify(afterMs.find((a) => key(a) === key(m))) !== JSON.stringify(m)).map(key);
    expect(changed).toEqual(['app-core/gateway-api-egress', 'app-core/gateway-api-ingress']);
    const r = reachability(environmentWith(bigger, fixtureGraph(bigger)));
    const newcoWorker = r.endpoints.find((e) => e.id.startsWith(`${tenantWorker('newco').display} `))!;
    expect([...r.actual].filter((t) => t.startsWith(`${newcoWorker.id} → `)).map((t) => t.split(' → ')[1])).toEqual(
      expect.arrayContaining([`${KUBE_DNS.id} 53/TCP`, `${KUBE_DNS.id} 53/UDP`]),
    );
  });
});

describe('address ranges and pod addresses', () => {
  test('an API server range overlapping the pod range opens pods where ipBlocks match pod addresses, and the proof sees it', () => {
    const input = structuredClone(environmentInput('dev')) as Record<string, any>;
    input.cluster.apiServerCidrs = ['10.42.0.0/16'];
    const config = validateEnvironment('dev', input);
    const g = new DependencyGraph();
    g.connect({ pods: AGENT }, { addresses: apiServer(config) }, [{ port: 443, name: 'https' }], 'agent watches the API');
    const env = environmentWith(config, g, { only: true });
    const plain = reachability(env);
    const calico = reachability(env, { podCidr: '10.42.0.0/16' });
    const holes = difference(calico.actual, plain.actual);
    expect(holes.length).toBeGreaterThan(0);
    // Every pod that talks to the API server (the agent, and the platform's own: Patroni, operators) now reaches
    // pods on the API server's ports, and on nothing else.
    expect(holes.filter((t) => !/ (443|6443)\/TCP$/.test(t))).toEqual([]);
    expect(holes).toContain(`${AGENT.display} (declared) ${JSON.stringify(AGENT.selector)} → kube-system/stranger 443/TCP`);
  });
});

describe('reachability matrix', () => {
  test('is written beside the manifests of every environment', () => {
    for (const p of renderEvery()) {
      const tree = toFileTree(p);
      expect(tree.get(REACHABILITY_FILE)).toBe(reachabilityMatrix(p.config, p.graph));
      expect(tree.get(REACHABILITY_FILE)).toMatch(new RegExp(`^# Reachability: ${p.config.name}\\n`));
    }
  });

  test('lists every flow with its ports and reason, the tenants, and the baseline', () => {
    const config = loadEnvironment('production');
    const md = reachabilityMatrix(config, fixtureGraph(config));
    const row = (f: Flow) => md.split('\n').find((l) => l.includes(f.why));
    for (const f of fixtureGraph(config).flows) {
      expect({ why: f.why, row: !!row(f) }).toEqual({ why: f.why, row: true });
      for (const p of f.ports) expect(row(f)).toContain(`${p.port}/${p.protocol ?? 'TCP'} ${p.name}`);
    }
    expect(md).toContain('| app-agents/orchestrator-agent | internet (0.0.0.0/0 except 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 169.254.0.0/16, 100.64.0.0/10) | 443/TCP https |');
    expect(md).toContain('| app-integration | (outside the cluster) | 514/UDP |');
    // The grid: the row of app-core has the gateway's and services' ports in the right columns.
    const header = md.split('\n').find((l) => l.startsWith('| from \\ to |'))!.split(' | ');
    const appCore = md.split('\n').find((l) => l.startsWith('| app-core | ') && l.split(' | ').length === header.length)!.split(' | ');
    expect(appCore[header.indexOf('db-postgres')]).toBe('5432, 6432');
    expect(appCore[header.indexOf('app-core')]).toBe('3000');
    expect(appCore[header.indexOf('app-agents')]).toBe('·');
    expect(md.split('\n').find((l) => l.startsWith('| app-integration | ') && l.split(' | ').length === header.length)).toContain('514/UDP');
    expect(md).toContain('| app-core/invoice-service-api | db-postgres/postgres-database [role=primary] | 5432/TCP postgresql | invoice-service migrates the schema on the leader |');
    expect(md).toContain('- tenant-acme (plan enterprise): reaches app-core/gateway-api (8000/TCP); reached from app-core/gateway-api (8080/TCP).');
    // The grid has one row and column for every tenant's namespace: it does not grow with the tenants.
    expect(header).toContain('tenant-*');
    expect(header.filter((h) => h.startsWith('tenant-') && h !== 'tenant-*')).toEqual([]);
    const tenants = md.split('\n').find((l) => l.startsWith('| tenant-* | '))!.split(' | ');
    expect(tenants[header.indexOf('app-core')]).toBe('8000');
    expect(appCore[header.indexOf('tenant-*')]).toBe('8080');
    expect(md).toMatch(/- Every namespace that runs pods denies all ingress and egress by default \(`default-deny`\): app-agents, .*tenant-initech\./);
  });

  test('a new dependency is a new line in the diff (and an updated count and namespace pair)', () => {
    const config = loadEnvironment('staging');
    const before = reachabilityMatrix(config, fixtureGraph(config)).split('\n');
    const extra = new DependencyGraph();
    extra.connect({ pods: REPORTS_JOB }, { pods: INVOICE }, [{ port: 3000, name: 'http' }], 'reports job reads invoices');
    const after = reachabilityMatrix(config, mergeGraphs(fixtureGraph(config), extra)).split('\n');
    const count = (lines: string[]) => Number(lines.find((l) => / connections between /.test(l))!.split(' ')[0]);
    expect(count(after)).toBe(count(before) + 1);
    // The list of namespace pairs and of connections gain a line each; the grid's app-batch row gains a cell.
    const gridRow = (lines: string[]) => lines.find((l) => l.startsWith('| app-batch | ') && l.split(' | ').length > 4)!;
    expect(after.filter((l) => !before.includes(l) && !/ connections between /.test(l))).toEqual([
      '| app-batch | app-core | 3000/TCP |',
      gridRow(after),
      '| app-batch/reports-job | app-core/invoice-service-api | 3000/TCP http | reports job reads invoices |',
    ]);
    expect(before.filter((l) => !after.includes(l) && !/ connections between /.test(l))).toEqual([gridRow(before)]);
    const header = after.find((l) => l.startsWith('| from \\ to |'))!.split(' | ');
    expect(gridRow(after).split(' | ')[header.indexOf('app-core')]).toBe('3000');
    expect(gridRow(before).split(' | ')[header.indexOf('app-core')]).toBe('·');
  });
});

describe('platform wiring', () => {
  test('the network chart is folder 02, applied after namespaces and tenants, and holds only NetworkPolicies', () => {
    for (const p of renderAll()) {
      const folders = p.charts.map((c) => c.folder);
      expect(folders.slice(0, 3)).toEqual(['00-namespaces', '01-tenants', '02-network']);
      const network = p.charts.find((c) => c.folder === '02-network')!;
      expect(network.manifests.every((m) => m.kind === 'NetworkPolicy')).toBe(true);
      // Built from the complete graph, i.e. after every chart that declares flows.
      expect(network.manifests).toEqual(networkManifests(p.config, p.graph));
    }
  });

  test('it is built from the flows every other chart declared', () => {
    const g = new DependencyGraph();
    g.connect({ pods: INTEGRATION }, { addresses: INTERNET }, [{ port: 443, name: 'https' }], 'x');
    const chart = new NetworkChart(new App(), '02-network', { config: loadEnvironment('dev'), graph: g });
    expect(chart.toJson().map((m) => `${m.metadata.namespace}/${m.metadata.name}`)).toEqual(['app-integration/integration-api-egress']);
  });
});
