/**
 * The NetworkPolicy evaluator, tested against the cases of the Kubernetes documentation
 * (concepts/services-networking/network-policies) and the classic mistakes it warns about.
 */
import { addressIn, ipInCidr, PolicyEvaluator, policyTypes, selectorMatches, type AddressEndpoint, type PodEndpoint, type Probe } from './support/netpol';

type Obj = Record<string, any>;
const np = (namespace: string, name: string, spec: Obj): Obj => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { namespace, name }, spec });
const ns = (name: string, labels: Record<string, string> = {}): Obj => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
const pod = (namespace: string, labels: Record<string, string>, ports: PodEndpoint['ports'] = [], id = `${namespace}/${JSON.stringify(labels)}`): PodEndpoint =>
  ({ kind: 'pod', id, namespace, labels, ports });
const addr = (ip: string): AddressEndpoint => ({ kind: 'address', id: ip, ip });
const tcp = (port: number): Probe => ({ port, protocol: 'TCP' });
const udp = (port: number): Probe => ({ port, protocol: 'UDP' });

describe('the documentation\'s example policy (test-network-policy)', () => {
  const ev = new PolicyEvaluator([
    ns('default'), ns('myproject', { project: 'myproject' }), ns('other'),
    np('default', 'test-network-policy', {
      podSelector: { matchLabels: { role: 'db' } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{
        from: [
          { ipBlock: { cidr: '172.17.0.0/16', except: ['172.17.1.0/24'] } },
          { namespaceSelector: { matchLabels: { project: 'myproject' } } },
          { podSelector: { matchLabels: { role: 'frontend' } } },
        ],
        ports: [{ protocol: 'TCP', port: 6379 }],
      }],
      egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/24' } }], ports: [{ protocol: 'TCP', port: 5978 }] }],
    }),
  ]);
  const db = pod('default', { role: 'db' });
  const frontend = pod('default', { role: 'frontend' });

  test('ingress to role=db on 6379 from the three kinds of peer, ORed', () => {
    expect(ev.allowed(frontend, db, tcp(6379))).toBe(true);
    expect(ev.allowed(pod('myproject', { any: 'pod' }), db, tcp(6379))).toBe(true);
    expect(ev.allowed(addr('172.17.0.5'), db, tcp(6379))).toBe(true);
  });

  test('and nothing else: other namespaces, the excepted block, other ports, other protocols', () => {
    expect(ev.allowed(pod('other', { role: 'frontend' }), db, tcp(6379))).toBe(false); // podSelector alone: own namespace only
    expect(ev.allowed(pod('default', { role: 'backend' }), db, tcp(6379))).toBe(false);
    expect(ev.allowed(addr('172.17.1.9'), db, tcp(6379))).toBe(false);
    expect(ev.allowed(frontend, db, tcp(6380))).toBe(false);
    expect(ev.allowed(frontend, db, udp(6379))).toBe(false);
  });

  test('egress of role=db only to 10.0.0.0/24 on 5978', () => {
    expect(ev.allowed(db, addr('10.0.0.7'), tcp(5978))).toBe(true);
    expect(ev.allowed(db, addr('10.0.1.7'), tcp(5978))).toBe(false);
    expect(ev.allowed(db, addr('10.0.0.7'), tcp(5979))).toBe(false);
    expect(ev.allowed(db, frontend, tcp(6379))).toBe(false); // egress-isolated, even though frontend's ingress is open
  });

  test('allowedMany (used for speed by the reachability proof) agrees with allowed on every pair and probe', () => {
    const eps = [db, frontend, pod('myproject', { any: 'pod' }), pod('other', { role: 'frontend' }), addr('172.17.0.5'), addr('172.17.1.9'), addr('10.0.0.7')];
    const probes = [tcp(6379), tcp(6380), udp(6379), tcp(5978), tcp(1)];
    let allowedCount = 0;
    for (const a of eps) {
      for (const b of eps) {
        const many = ev.allowedMany(a, b, probes);
        expect(many).toEqual(probes.map((p) => ev.allowed(a, b, p)));
        allowedCount += many.filter(Boolean).length;
      }
    }
    expect(allowedCount).toBeGreaterThan(0);
  });

  test('pods no policy selects are not isolated', () => {
    expect(ev.allowed(pod('other', { x: 'y' }), frontend, tcp(1))).toBe(true);
    expect(ev.allowed(frontend, addr('8.8.8.8'), udp(53))).toBe(true);
  });
});

describe('namespaceSelector and podSelector: one entry (AND) versus two entries (OR)', () => {
  const objects = (from: Obj[]) => [
    ns('alice', { user: 'alice' }), ns('bob', { user: 'bob' }), ns('app'),
    np('app', 'p', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from }] }),
  ];
  const target = pod('app', { app: 'api' });
  const aliceClient = pod('alice', { role: 'client' });
  const aliceOther = pod('alice', { role: 'other' });
  const appClient = pod('app', { role: 'client' });
  const bobClient = pod('bob', { role: 'client' });

  test('one entry with both selectors: client pods in alice\'s namespaces only', () => {
    const ev = new PolicyEvaluator(objects([{ namespaceSelector: { matchLabels: { user: 'alice' } }, podSelector: { matchLabels: { role: 'client' } } }]));
    expect([aliceClient, aliceOther, appClient, bobClient].map((s) => ev.allowed(s, target, tcp(80)))).toEqual([true, false, false, false]);
  });

  test('two entries: every pod in alice\'s namespaces, or client pods of the policy\'s namespace', () => {
    const ev = new PolicyEvaluator(objects([{ namespaceSelector: { matchLabels: { user: 'alice' } } }, { podSelector: { matchLabels: { role: 'client' } } }]));
    expect([aliceClient, aliceOther, appClient, bobClient].map((s) => ev.allowed(s, target, tcp(80)))).toEqual([true, true, true, false]);
  });

  test('the namespace name label is always there, set by the API server', () => {
    const ev = new PolicyEvaluator(objects([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'bob' } } }]));
    expect(ev.allowed(bobClient, target, tcp(80))).toBe(true);
    expect(ev.allowed(aliceClient, target, tcp(80))).toBe(false);
  });
});

describe('empty selectors', () => {
  const a = pod('a', { app: 'x' });
  const a2 = pod('a', { app: 'y' });
  const b = pod('b', { app: 'x' });

  test('podSelector {} in a rule means every pod of the policy\'s namespace, not of the cluster', () => {
    const ev = new PolicyEvaluator([np('a', 'p', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: {} }] }] })]);
    expect(ev.allowed(a2, a, tcp(80))).toBe(true);
    expect(ev.allowed(b, a, tcp(80))).toBe(false);
  });

  test('namespaceSelector {} means every pod of every namespace', () => {
    const ev = new PolicyEvaluator([np('a', 'p', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: {} }] }] })]);
    expect(ev.allowed(b, a, tcp(80))).toBe(true);
    expect(ev.allowed(addr('1.2.3.4'), a, tcp(80))).toBe(false);
  });

  test('default deny (no rules) versus allow all (one empty rule)', () => {
    const deny = new PolicyEvaluator([np('a', 'deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] })]);
    expect(deny.allowed(b, a, tcp(80))).toBe(false);
    expect(deny.allowed(a, b, tcp(80))).toBe(false);
    expect(deny.allowed(b, pod('b', { other: 'pod' }), tcp(80))).toBe(true);
    const all = new PolicyEvaluator([np('a', 'all', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{}] })]);
    expect(all.allowed(addr('1.2.3.4'), a, udp(9))).toBe(true);
  });

  test('a policy\'s podSelector {} selects every pod of its own namespace only', () => {
    const ev = new PolicyEvaluator([np('a', 'deny', { podSelector: {}, policyTypes: ['Ingress'] })]);
    expect(ev.selecting(a2, 'Ingress')).toHaveLength(1);
    expect(ev.selecting(b, 'Ingress')).toHaveLength(0);
  });
});

describe('policyTypes', () => {
  test('omitted: Ingress always, Egress only when there are egress rules', () => {
    expect(policyTypes({ podSelector: {} })).toEqual(['Ingress']);
    expect(policyTypes({ podSelector: {}, egress: [] })).toEqual(['Ingress']);
    expect(policyTypes({ podSelector: {}, egress: [{ to: [{ podSelector: {} }] }] })).toEqual(['Ingress', 'Egress']);
  });

  test('a policy without policyTypes and only egress rules also isolates ingress (the classic surprise)', () => {
    const ev = new PolicyEvaluator([np('a', 'p', { podSelector: { matchLabels: { app: 'x' } }, egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }] })]);
    const x = pod('a', { app: 'x' });
    expect(ev.allowed(x, addr('1.1.1.1'), tcp(443))).toBe(true);
    expect(ev.allowed(pod('a', { app: 'y' }), x, tcp(80))).toBe(false);
  });

  test('an Egress-only policy leaves ingress open', () => {
    const ev = new PolicyEvaluator([np('a', 'p', { podSelector: {}, policyTypes: ['Egress'] })]);
    const x = pod('a', { app: 'x' });
    expect(ev.allowed(addr('1.1.1.1'), x, tcp(80))).toBe(true);
    expect(ev.allowed(x, addr('1.1.1.1'), tcp(80))).toBe(false);
  });
});

describe('ports', () => {
  const server = pod('a', { app: 'srv' }, [{ containerPort: 8080, name: 'http' }, { containerPort: 9090, name: 'metrics' }, { containerPort: 53, name: 'dns', protocol: 'UDP' }]);
  const client = pod('a', { app: 'cli' });

  test('a named port resolves against the destination pod\'s containers, with its protocol', () => {
    const ev = new PolicyEvaluator([np('a', 'p', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ ports: [{ port: 'http' }, { port: 'dns', protocol: 'UDP' }] }] })]);
    expect(ev.allowed(client, server, tcp(8080))).toBe(true);
    expect(ev.allowed(client, server, tcp(9090))).toBe(false);
    expect(ev.allowed(client, server, udp(53))).toBe(true);
    expect(ev.allowed(client, pod('a', { app: 'other' }, [{ containerPort: 8081, name: 'web' }]), tcp(8080))).toBe(false);
  });

  test('in egress, a named port is the peer\'s port; it never matches an outside address', () => {
    const ev = new PolicyEvaluator([np('a', 'p', { podSelector: { matchLabels: { app: 'cli' } }, policyTypes: ['Egress'], egress: [{ ports: [{ port: 'metrics' }] }] })]);
    expect(ev.allowed(client, server, tcp(9090))).toBe(true);
    expect(ev.allowed(client, server, tcp(8080))).toBe(false);
    expect(ev.allowed(client, addr('1.1.1.1'), tcp(9090))).toBe(false);
  });

  test('port ranges with endPort, a protocol without a port, and the TCP default', () => {
    const ev = new PolicyEvaluator([np('a', 'p', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ ports: [{ protocol: 'TCP', port: 32000, endPort: 32768 }, { protocol: 'UDP' }] }] })]);
    expect([31999, 32000, 32500, 32768, 32769].map((p) => ev.allowed(client, server, tcp(p)))).toEqual([false, true, true, true, false]);
    expect(ev.allowed(client, server, udp(5))).toBe(true);
    const tcpOnly = new PolicyEvaluator([np('a', 'p', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ ports: [{ port: 80 }] }] })]);
    expect(tcpOnly.allowed(client, server, tcp(80))).toBe(true);
    expect(tcpOnly.allowed(client, server, udp(80))).toBe(false);
  });
});

describe('union and both ends', () => {
  const web = pod('a', { app: 'web' });
  const api = pod('a', { app: 'api' });
  const db = pod('b', { app: 'db' });

  test('policies add up: each of two policies allows one client', () => {
    const ev = new PolicyEvaluator([
      np('b', 'from-web', { podSelector: { matchLabels: { app: 'db' } }, ingress: [{ from: [{ namespaceSelector: {}, podSelector: { matchLabels: { app: 'web' } } }] }] }),
      np('b', 'from-api', { podSelector: { matchLabels: { app: 'db' } }, ingress: [{ from: [{ namespaceSelector: {}, podSelector: { matchLabels: { app: 'api' } } }] }] }),
    ]);
    expect(ev.allowed(web, db, tcp(5432))).toBe(true);
    expect(ev.allowed(api, db, tcp(5432))).toBe(true);
    expect(ev.allowed(pod('a', { app: 'batch' }), db, tcp(5432))).toBe(false);
  });

  test('the server allowing is not enough when the client\'s egress is isolated, and vice versa', () => {
    const serverOpen = [np('b', 'in', { podSelector: {}, ingress: [{}] })];
    const clientClosed = np('a', 'deny', { podSelector: {}, policyTypes: ['Egress'] });
    expect(new PolicyEvaluator(serverOpen).allowed(web, db, tcp(1))).toBe(true);
    expect(new PolicyEvaluator([...serverOpen, clientClosed]).allowed(web, db, tcp(1))).toBe(false);
    const clientOpen = np('a', 'out', { podSelector: {}, policyTypes: ['Egress'], egress: [{}] });
    const serverClosed = np('b', 'deny', { podSelector: {}, policyTypes: ['Ingress'] });
    expect(new PolicyEvaluator([clientOpen, serverClosed]).allowed(web, db, tcp(1))).toBe(false);
  });
});

describe('selectors and addresses', () => {
  test('matchLabels and every matchExpression must hold', () => {
    const sel = { matchLabels: { app: 'x' }, matchExpressions: [
      { key: 'tier', operator: 'In', values: ['a', 'b'] }, { key: 'env', operator: 'NotIn', values: ['prod'] },
      { key: 'team', operator: 'Exists' }, { key: 'legacy', operator: 'DoesNotExist' },
    ] };
    expect(selectorMatches(sel, { app: 'x', tier: 'a', team: 't' })).toBe(true);
    expect(selectorMatches(sel, { app: 'x', tier: 'a', team: 't', env: 'dev' })).toBe(true);
    expect(selectorMatches(sel, { app: 'x', tier: 'c', team: 't' })).toBe(false);
    expect(selectorMatches(sel, { app: 'x', tier: 'a', team: 't', env: 'prod' })).toBe(false);
    expect(selectorMatches(sel, { app: 'x', tier: 'a' })).toBe(false);
    expect(selectorMatches(sel, { app: 'x', tier: 'a', team: 't', legacy: '' })).toBe(false);
    expect(selectorMatches(sel, { app: 'y', tier: 'a', team: 't' })).toBe(false);
    expect(selectorMatches({}, {})).toBe(true);
  });

  test('CIDR arithmetic, and picking a probe address outside the exceptions', () => {
    expect(ipInCidr('10.43.0.1', '10.43.0.1/32')).toBe(true);
    expect(ipInCidr('10.43.0.2', '10.43.0.1/32')).toBe(false);
    expect(ipInCidr('255.255.255.255', '0.0.0.0/0')).toBe(true);
    expect(ipInCidr('172.31.255.255', '172.16.0.0/12')).toBe(true);
    expect(ipInCidr('172.32.0.0', '172.16.0.0/12')).toBe(false);
    expect(addressIn('10.0.0.0/8', ['10.0.0.0/9'])).toBe('10.128.0.0');
    expect(addressIn('10.0.0.0/30', ['10.0.0.0/30'])).toBeUndefined();
    expect(addressIn('10.96.0.1/32')).toBe('10.96.0.1');
  });
});
