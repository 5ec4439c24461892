/**
 * Elasticsearch, proven on the rendered files: each role's elasticsearch.yml parsed back and checked against the
 * StatefulSets (roles, seed hosts, initial masters, ports, certificate paths), heap against the memory limit,
 * certificates against every name clients and nodes use, disruption budgets against quorum, and the scripts
 * through shellcheck, bash -n and a run of the setup Job against a stand-in curl.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import { renderPlatform, type Manifest } from '../charts/platform';
import { INTERNAL_CA_ISSUER } from '../charts/data/refs';
import { BOOTSTRAP_MARKER } from '../charts/data/elasticsearch/scripts';
import { environmentInput, validateEnvironment } from '../environments';
import { parseMemory } from '../charts/lib/quantity';
import { manifestsOf, renderAll } from './support/render';

const NS = 'db-elasticsearch';
const CONFIG_DIR = '/usr/share/elasticsearch/config';

interface Node {
  sts: Manifest;
  container: Manifest;
  yml: Record<string, any>;
}

function nodesOf(ms: Manifest[]): Node[] {
  return ms.filter((m) => m.kind === 'StatefulSet' && m.metadata.namespace === NS).map((sts) => {
    const pod = sts.spec.template.spec;
    const cmName = pod.volumes.find((v: Manifest) => v.name === 'settings').configMap.name;
    const cm = ms.find((m) => m.kind === 'ConfigMap' && m.metadata.namespace === NS && m.metadata.name === cmName)!;
    return { sts, container: pod.containers.find((c: Manifest) => c.name === 'elasticsearch'), yml: parse(cm.data['elasticsearch.yml']) };
  });
}

const prepareConfig = (n: Node): Manifest => n.sts.spec.template.spec.initContainers.find((c: Manifest) => c.name === 'prepare-config');

const matches = (selector: Record<string, string>, l: Record<string, string>) => Object.entries(selector).every(([k, v]) => l[k] === v);

/** Whether a certificate dnsName (possibly `*.`) covers a host name, as TLS clients match (one label per `*`). */
function covers(dnsName: string, host: string): boolean {
  if (!dnsName.startsWith('*.')) return dnsName === host;
  const dot = host.indexOf('.');
  return dot > 0 && host.slice(dot + 1) === dnsName.slice(2);
}

describe.each(renderAll().map((p) => [p.config.name, p] as const))('%s: rendered Elasticsearch', (_env, p) => {
  const ms = manifestsOf(p);
  const nodes = nodesOf(ms);
  const es = p.config.stores.elasticsearch;
  const masters = nodes.filter((n) => n.yml['node.roles'].includes('master'));
  const totalNodes = nodes.reduce((n, x) => n + x.sts.spec.replicas, 0);
  const service = (name: string) => ms.find((m) => m.kind === 'Service' && m.metadata.namespace === NS && m.metadata.name === name);

  test('roles are exactly as configured: one master set, data and coordinating sets as the environment asks', () => {
    expect(masters).toHaveLength(1);
    expect(masters[0].sts.spec.replicas).toBe(es!.masters);
    expect(es!.masters % 2).toBe(1);
    const byRoles = Object.fromEntries(nodes.map((n) => [n.sts.metadata.name, [...n.yml['node.roles']].sort().join(',')]));
    const expected: Record<string, string> = es!.data === 0
      ? { 'elasticsearch-master': 'data,ingest,master' }
      : { 'elasticsearch-master': 'master', 'elasticsearch-data': 'data,ingest', ...(es!.coordinating ? { 'elasticsearch-coordinating': '' } : {}) };
    expect(byRoles).toEqual(expected);
    for (const n of nodes) {
      expect(n.sts.spec.replicas).toBe({ 'elasticsearch-master': es!.masters, 'elasticsearch-data': es!.data, 'elasticsearch-coordinating': es!.coordinating }[n.sts.metadata.name as string]);
      expect(n.yml['cluster.name']).toBe(nodes[0].yml['cluster.name']);
      // The role is also the pods' component label, which the HTTP Service and the graph select on.
      expect(n.sts.spec.template.metadata.labels['app.kubernetes.io/component']).toBe(n.sts.metadata.name.replace('elasticsearch-', ''));
    }
  });

  test('seed hosts resolve to exactly the master pods; initial master nodes are exactly their node names', () => {
    for (const n of nodes) {
      // node.name comes from the pod name.
      expect(n.yml['node.name']).toBe('${POD_NAME}');
      expect(n.container.env.find((e: Manifest) => e.name === 'POD_NAME').valueFrom.fieldRef.fieldPath).toBe('metadata.name');
      if (totalNodes === 1) {
        expect(n.yml['discovery.type']).toBe('single-node');
        expect(n.yml['discovery.seed_hosts']).toBeUndefined();
        expect(n.yml['cluster.initial_master_nodes']).toBeUndefined();
        continue;
      }
      expect(n.yml['discovery.type']).toBeUndefined();
      const seeds: string[] = n.yml['discovery.seed_hosts'];
      expect(seeds).toHaveLength(1);
      const [host, port] = seeds[0].split(':');
      expect(Number(port)).toBe(n.yml['transport.port']);
      const [svcName, ns, svc, ...domain] = host.split('.');
      expect([ns, svc, domain.join('.')]).toEqual([NS, 'svc', p.config.cluster.clusterDomain]);
      const seedSvc = service(svcName)!;
      expect(seedSvc.spec.clusterIP).toBe('None');
      expect(seedSvc.spec.publishNotReadyAddresses).toBe(true);
      expect(seedSvc.spec.ports.some((x: Manifest) => x.port === Number(port))).toBe(true);
      // The headless Service selects the master pods and nothing else.
      for (const other of nodes) {
        expect(matches(seedSvc.spec.selector, other.sts.spec.template.metadata.labels)).toBe(other === masters[0]);
      }
      // Never in the ConfigMap: prepare-config.sh adds it for the first bootstrap only (see 'prepare-config.sh').
      expect(n.yml['cluster.initial_master_nodes']).toBeUndefined();
      const masterPods = Array.from({ length: masters[0].sts.spec.replicas }, (_, i) => `${masters[0].sts.metadata.name}-${i}`);
      const bootstrap = prepareConfig(n).env.find((e: Manifest) => e.name === 'INITIAL_MASTER_NODES');
      if (n === masters[0]) expect(bootstrap.value.split(',')).toEqual(masterPods);
      else expect(bootstrap).toBeUndefined();
    }
  });

  test('every ${VAR} in elasticsearch.yml is set in every container that loads it, init containers included (defect 1)', () => {
    // The keystore tool of prepare-config loads elasticsearch.yml and resolves its placeholders like the node
    // does (KeyStoreAwareCommand extends EnvironmentAwareCommand; elastic/cloud-on-k8s#5577).
    for (const n of nodes) {
      const pod = n.sts.spec.template.spec;
      const vars = [...JSON.stringify(n.yml).matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1]);
      expect(vars).toEqual(expect.arrayContaining(['POD_NAME', 'POD_IP']));
      const settingsVolumes = pod.volumes.filter((v: Manifest) => v.configMap?.name === `${n.sts.metadata.name}-config`).map((v: Manifest) => v.name);
      const configVolume = n.container.volumeMounts.find((m: Manifest) => m.mountPath === CONFIG_DIR).name;
      const readers = [...pod.initContainers, ...pod.containers].filter((c: Manifest) =>
        (c.volumeMounts ?? []).some((m: Manifest) => settingsVolumes.includes(m.name) || m.name === configVolume));
      expect(readers.map((c: Manifest) => c.name).sort()).toEqual(['elasticsearch', 'prepare-config']);
      for (const c of readers) {
        const names = (c.env ?? []).map((e: Manifest) => e.name);
        for (const v of vars) expect({ container: c.name, variable: v, set: names.includes(v) }).toEqual({ container: c.name, variable: v, set: true });
      }
    }
  });

  test('every ${VAR} in elasticsearch.yml is set in the container; the init container fills the config volume it runs with', () => {
    for (const n of nodes) {
      const text = JSON.stringify(n.yml);
      const vars = [...text.matchAll(/\$\{([A-Z_]+)\}/g)].map((m) => m[1]);
      expect(vars.length).toBeGreaterThan(0);
      for (const v of vars) expect(n.container.env.map((e: Manifest) => e.name)).toContain(v);
      const init = n.sts.spec.template.spec.initContainers.find((c: Manifest) => c.name === 'prepare-config');
      const initConfig = init.volumeMounts.find((m: Manifest) => m.mountPath === '/mnt/config').name;
      expect(n.container.volumeMounts.find((m: Manifest) => m.mountPath === CONFIG_DIR).name).toBe(initConfig);
      expect(n.sts.spec.template.spec.volumes.find((v: Manifest) => v.name === initConfig).emptyDir).toBeDefined();
    }
  });

  test('ports in elasticsearch.yml are the container ports; pods are reachable under their headless Service', () => {
    for (const n of nodes) {
      const port = (name: string) => n.container.ports.find((x: Manifest) => x.name === name).containerPort;
      expect([n.yml['http.port'], n.yml['transport.port'], n.yml['readiness.port']]).toEqual([port('http'), port('transport'), port('readiness')]);
      expect(n.container.readinessProbe.tcpSocket.port).toBe('readiness');
      const hl = service(n.sts.spec.serviceName)!;
      expect(hl.spec.clusterIP).toBe('None');
      expect(matches(hl.spec.selector, n.sts.spec.template.metadata.labels)).toBe(true);
    }
    const http = service(p.refs.elasticsearch!.http.service)!;
    const serving = nodes.filter((n) => matches(http.spec.selector, n.sts.spec.template.metadata.labels));
    expect(serving).toHaveLength(1);
    expect(serving[0].sts.metadata.name).toBe(es!.coordinating ? 'elasticsearch-coordinating' : es!.data ? 'elasticsearch-data' : 'elasticsearch-master');
  });

  test('heap is fixed (Xms = Xmx) at no more than half the memory limit', () => {
    for (const n of nodes) {
      const opts: string = n.container.env.find((e: Manifest) => e.name === 'ES_JAVA_OPTS').value;
      const xms = /-Xms([0-9]+)m/.exec(opts)![1];
      const xmx = /-Xmx([0-9]+)m/.exec(opts)![1];
      expect(xms).toBe(xmx);
      const limit = parseMemory(n.container.resources.limits.memory);
      expect(Number(xmx) * 2 ** 20).toBeLessThanOrEqual(limit / 2);
      expect(Number(xmx) * 2 ** 20).toBeGreaterThan(limit / 2 - 2 ** 20);
    }
  });

  test('mmap is off and nothing runs privileged (the environment chose disableMmap)', () => {
    expect(es!.maxMapCount).toBe('disableMmap');
    for (const n of nodes) {
      expect(n.yml['node.store.allow_mmap']).toBe(false);
      const init = n.sts.spec.template.spec.initContainers.map((c: Manifest) => c.name);
      expect(init).toEqual(['prepare-config']);
    }
  });

  test('transport TLS has a CA of its own, used for nothing else; HTTPS certificates come from the platform CA (defect 5)', () => {
    const certs = ms.filter((m) => m.kind === 'Certificate');
    const secretOf = (sts: Manifest, volume: string) => sts.spec.template.spec.volumes.find((v: Manifest) => v.name === volume).secret.secretName;
    const mounted = (layer: string) => [...new Set(nodes.map((n) => secretOf(n.sts,
      n.container.volumeMounts.find((m: Manifest) => m.mountPath === `${CONFIG_DIR}/certs/${layer}`).name)))];
    const issuerOf = (secret: string) => certs.find((c) => c.metadata.namespace === NS && c.spec.secretName === secret)!.spec.issuerRef;

    const [transportSecret] = mounted('transport');
    expect(mounted('transport')).toHaveLength(1);
    const ref = issuerOf(transportSecret);
    expect(ref.kind).toBe('Issuer');
    // A namespaced CA Issuer in the Elasticsearch namespace, over a self-signed root made for it alone.
    const issuer = ms.find((m) => m.kind === 'Issuer' && m.metadata.namespace === NS && m.metadata.name === ref.name)!;
    expect(issuer.spec.ca.secretName).toBeDefined();
    const root = certs.find((c) => c.metadata.namespace === NS && c.spec.secretName === issuer.spec.ca.secretName)!;
    expect(root.spec.isCA).toBe(true);
    expect(ms.find((m) => m.kind === 'ClusterIssuer' && m.metadata.name === root.spec.issuerRef.name)!.spec).toEqual({ selfSigned: {} });
    // Nothing but the transport certificate is signed by it; the platform CA is a different root.
    const signed = certs.filter((c) => c.metadata.namespace === NS && c.spec.issuerRef.kind === 'Issuer' && c.spec.issuerRef.name === ref.name);
    expect(signed.map((c) => c.spec.secretName)).toEqual([transportSecret]);
    const platformCa = ms.find((m) => m.kind === 'ClusterIssuer' && m.metadata.name === INTERNAL_CA_ISSUER)!;
    expect(platformCa.spec.ca.secretName).not.toBe(issuer.spec.ca.secretName);
    // Transport trusts only ca.crt of its own Secret (cert-manager writes the issuing CA there).
    for (const n of nodes) expect(n.yml['xpack.security.transport.ssl.certificate_authorities']).toEqual(['certs/transport/ca.crt']);

    expect(mounted('http').map(issuerOf)).toEqual([{ name: INTERNAL_CA_ISSUER, kind: 'ClusterIssuer', group: 'cert-manager.io' }]);
  });

  test('security and TLS are on; certificate files are mounted where elasticsearch.yml points', () => {
    const certs = ms.filter((m) => m.kind === 'Certificate' && m.metadata.namespace === NS);
    for (const n of nodes) {
      expect(n.yml['xpack.security.enabled']).toBe(true);
      for (const layer of ['transport', 'http']) {
        expect(n.yml[`xpack.security.${layer}.ssl.enabled`]).toBe(true);
        const files = [n.yml[`xpack.security.${layer}.ssl.key`], n.yml[`xpack.security.${layer}.ssl.certificate`], ...n.yml[`xpack.security.${layer}.ssl.certificate_authorities`]];
        for (const f of files) {
          const full = path.posix.join(CONFIG_DIR, f);
          const mount = n.container.volumeMounts.find((v: Manifest) => full.startsWith(`${v.mountPath}/`) && v.mountPath !== CONFIG_DIR);
          const volume = n.sts.spec.template.spec.volumes.find((v: Manifest) => v.name === mount.name);
          const cert = certs.find((c) => c.spec.secretName === volume.secret.secretName)!;
          // cert-manager writes tls.crt, tls.key and ca.crt into the Secret.
          expect(['tls.crt', 'tls.key', 'ca.crt']).toContain(path.posix.relative(mount.mountPath, full));
          expect(cert).toBeDefined();
        }
      }
    }
  });

  test('certificate names cover every name clients and nodes use', () => {
    const certs = ms.filter((m) => m.kind === 'Certificate' && m.metadata.namespace === NS);
    const byVolume = (n: Node, vol: string) => certs.find((c) => c.spec.secretName === n.sts.spec.template.spec.volumes.find((v: Manifest) => v.name === vol).secret.secretName)!;
    const domain = p.config.cluster.clusterDomain;
    const podHosts = nodes.flatMap((n) => Array.from({ length: n.sts.spec.replicas }, (_, i) => `${n.sts.metadata.name}-${i}.${n.sts.spec.serviceName}.${NS}.svc.${domain}`));
    const exporter = ms.find((m) => m.kind === 'Deployment' && m.metadata.name === 'elasticsearch-exporter')!;
    const job = ms.find((m) => m.kind === 'Job' && m.metadata.namespace === NS)!;
    const httpClients = [
      new URL(p.refs.elasticsearch!.url).hostname,
      new URL(exporter.spec.template.spec.containers[0].args.find((a: string) => a.startsWith('--es.uri=')).slice('--es.uri='.length)).hostname,
      new URL(job.spec.template.spec.containers[0].env.find((e: Manifest) => e.name === 'ES_URL').value).hostname,
      'localhost', // the preStop/postStart hooks
      p.refs.elasticsearch!.http.service, `${p.refs.elasticsearch!.http.service}.${NS}`, `${p.refs.elasticsearch!.http.service}.${NS}.svc`,
      ...podHosts,
    ];
    for (const n of nodes) {
      const http = byVolume(n, 'http-tls');
      for (const h of httpClients) expect({ h, covered: http.spec.dnsNames.some((d: string) => covers(d, h)) }).toEqual({ h, covered: true });
      const transport = byVolume(n, 'transport-tls');
      for (const h of podHosts) expect({ h, covered: transport.spec.dnsNames.some((d: string) => covers(d, h)) }).toEqual({ h, covered: true });
      expect(transport.spec.usages).toEqual(expect.arrayContaining(['server auth', 'client auth']));
    }
  });

  test('disruption budgets keep a master majority and a copy of every shard', () => {
    for (const n of nodes) {
      const pdb = ms.find((m) => m.kind === 'PodDisruptionBudget' && m.metadata.namespace === NS && m.metadata.name === n.sts.metadata.name)!;
      expect(pdb.spec.selector.matchLabels).toEqual(n.sts.spec.selector.matchLabels);
      const down = pdb.spec.maxUnavailable;
      if (n.sts.spec.replicas === 1) { expect(down).toBe(1); continue; }
      if (n === masters[0]) expect(n.sts.spec.replicas - down).toBeGreaterThan(n.sts.spec.replicas / 2);
      if (n.yml['node.roles'].includes('data')) expect(down).toBe(1);
    }
  });

  test('data and masters persist their path.data; coordinating nodes do not need to', () => {
    for (const n of nodes) {
      const mount = n.container.volumeMounts.find((v: Manifest) => v.mountPath === n.yml['path.data']);
      const claim = (n.sts.spec.volumeClaimTemplates ?? []).find((t: Manifest) => t.metadata.name === mount.name);
      expect(!!claim).toBe(n.yml['node.roles'].length > 0);
    }
  });

  test('graph: transport among all roles, Prometheus to the exporter, snapshots to MinIO', () => {
    const comp = (g: Manifest) => g.selector['app.kubernetes.io/component'];
    const flows = p.graph.flows.filter((f) => 'pods' in f.to && f.to.pods.namespace === NS);
    const roles = nodes.map((n) => n.sts.metadata.name.replace('elasticsearch-', ''));
    for (const a of roles) {
      for (const b of roles) {
        expect(flows.some((f) => 'pods' in f.from && comp(f.from.pods) === a && comp((f.to as { pods: Manifest }).pods) === b && f.ports.some((x) => x.port === 9300))).toBe(true);
      }
    }
    // Only where Prometheus is installed (the graph drops the flow otherwise).
    expect(flows.some((f) => 'pods' in f.from && f.from.pods.namespace === 'monitoring' && comp((f.to as { pods: Manifest }).pods) === 'exporter')).toBe(p.config.addons.monitoring.enabled);
    const toMinio = p.graph.flows.filter((f) => 'pods' in f.to && f.to.pods.namespace === 'storage-minio' && 'pods' in f.from && f.from.pods.namespace === NS);
    expect(toMinio.map((f) => comp((f.from as { pods: Manifest }).pods)).sort()).toEqual(roles.filter((r) => r !== 'coordinating').sort());
  });

  test('the MinIO credentials are a declared copy of the original in storage-minio', () => {
    const copy = p.secrets.find((s) => s.namespace === NS && s.name === 'minio-elasticsearch')!;
    expect(copy.copyOf).toEqual({ namespace: 'storage-minio', name: 'minio-elasticsearch' });
    expect(p.secrets.some((s) => s.namespace === 'storage-minio' && s.name === 'minio-elasticsearch' && !s.copyOf)).toBe(true);
    expect(p.secrets.find((s) => s.namespace === NS && s.name === p.refs.elasticsearch!.secret.name)!.fixed).toEqual({ username: 'elastic' });
  });

  test('the setup Job registers the repository in the backups bucket and ties the lifecycle together', () => {
    const cm = ms.find((m) => m.kind === 'ConfigMap' && m.metadata.name === 'elasticsearch-setup')!;
    const repo = JSON.parse(cm.data['snapshot-repository.json']);
    expect(repo.settings.bucket).toBe(p.refs.minio!.buckets.backups.elasticsearch);
    const job = ms.find((m) => m.kind === 'Job' && m.metadata.namespace === NS)!;
    const env = Object.fromEntries(job.spec.template.spec.containers[0].env.filter((e: Manifest) => e.value).map((e: Manifest) => [e.name, e.value]));
    expect(JSON.parse(cm.data['slm-policy.json']).repository).toBe(env.REPOSITORY);
    expect(JSON.parse(cm.data['index-template.json']).template.settings['index.lifecycle.name']).toBe(env.ILM_POLICY);
    // Replicas only where a second data node exists to hold them.
    const dataNodes = nodes.filter((n) => n.yml['node.roles'].includes('data')).reduce((k, n) => k + n.sts.spec.replicas, 0);
    expect(JSON.parse(cm.data['index-template.json']).template.settings['index.number_of_replicas']).toBe(dataNodes >= 2 ? 1 : 0);
  });
});

describe('scripts', () => {
  const ms = manifestsOf(renderAll().find((p) => p.config.name === 'production')!);
  const scripts = { ...ms.find((m) => m.metadata.name === 'elasticsearch-scripts')!.data };
  const setup = ms.find((m) => m.kind === 'ConfigMap' && m.metadata.name === 'elasticsearch-setup')!.data;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'es-scripts-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test.each(Object.keys({ ...scripts, 'setup.sh': '' }))('%s passes shellcheck and bash -n', (name) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, name === 'setup.sh' ? setup['setup.sh'] : scripts[name]);
    expect(execFileSync('shellcheck', ['-s', 'bash', '-S', 'style', file], { encoding: 'utf8' })).toBe('');
    execFileSync('bash', ['-n', file]);
  });

  test('setup.sh against a stand-in curl: waits for health, PUTs every definition, escapes the password', () => {
    const root = path.join(dir, 'run');
    fs.mkdirSync(path.join(root, 'bin'), { recursive: true });
    fs.mkdirSync(path.join(root, 'setup'), { recursive: true });
    for (const [k, v] of Object.entries(setup as Record<string, string>)) fs.writeFileSync(path.join(root, 'setup', k), v);
    const log = path.join(root, 'calls.log');
    // Records "METHOD URL" and any stdin body; the first health check fails once to exercise the wait.
    fs.writeFileSync(path.join(root, 'bin', 'curl'), `#!/bin/bash
method=GET; url=; body=
while [ $# -gt 0 ]; do
  case "$1" in
    -X) method=$2; shift ;;
    --data-binary) [ "$2" = @- ] && body=$(cat); shift ;;
    -u|-H|--cacert|--max-time) shift ;;
    http*) url=$1 ;;
  esac
  shift
done
echo "$method $url" >> "${log}"
[ -n "$body" ] && printf '%s\\n' "$body" >> "${log}.bodies"
if [[ "$url" == *_cluster/health* ]] && [ ! -e "${log}.seen" ]; then touch "${log}.seen"; exit 7; fi
echo '{}'
`, { mode: 0o755 });
    const script = setup['setup.sh'].replace('conf=/setup', `conf=${root}/setup`).replace('sleep 10', 'sleep 0');
    fs.writeFileSync(path.join(root, 'setup.sh'), script);
    const tricky = 'p"a\\ss';
    execFileSync('bash', [path.join(root, 'setup.sh')], {
      env: {
        PATH: `${root}/bin:/usr/bin:/bin`, ES_URL: 'https://es:9200', ELASTIC_PASSWORD: 'x', EXPORTER_USERNAME: 'exporter',
        EXPORTER_PASSWORD: tricky, APP_ROLE: 'receivables_app', APP_USERNAME: 'receivables-app', APP_PASSWORD: 'q"\\',
        APP_FULL_NAME: 'Applications of the "F&B" platform, 100%',
        REPOSITORY: 'minio', SLM_POLICY: 'nightly', ILM_POLICY: 'logs', INDEX_TEMPLATE: 'logs',
      },
    });
    const calls = fs.readFileSync(log, 'utf8').trim().split('\n');
    expect(calls.filter((c) => c.includes('_cluster/health'))).toHaveLength(2);
    expect(calls.filter((c) => c.startsWith('PUT'))).toEqual([
      'PUT https://es:9200/_security/role/prometheus_exporter',
      'PUT https://es:9200/_security/user/exporter',
      'PUT https://es:9200/_security/role/receivables_app',
      'PUT https://es:9200/_security/user/receivables-app',
      'PUT https://es:9200/_snapshot/minio',
      'PUT https://es:9200/_slm/policy/nightly',
      'PUT https://es:9200/_ilm/policy/logs',
      'PUT https://es:9200/_index_template/logs',
    ]);
    const [user, app] = fs.readFileSync(`${log}.bodies`, 'utf8').trim().split('\n').map((b) => JSON.parse(b));
    expect(user.password).toBe(tricky);
    expect(app).toEqual({ password: 'q"\\', roles: ['receivables_app'], full_name: 'Applications of the "F&B" platform, 100%' });
  });
});

/**
 * The pods' scripts against stand-ins: a fake curl that answers like one node (id n1) of a cluster that forms after
 * a few calls, whose shutdown API refuses the first DELETEs (no elected master yet), and a fake keystore tool that
 * resolves elasticsearch.yml's placeholders as Elasticsearch's does. Not proven here: Elasticsearch itself (no
 * Elasticsearch runs on this machine), kubelet's handling of a long postStart hook.
 */
describe('the start and drain hooks, against stand-ins', () => {
  const p = renderAll().find((x) => x.config.name === 'production')!;
  const ms = manifestsOf(p);
  const scripts = ms.find((m) => m.metadata.name === 'elasticsearch-scripts')!.data as Record<string, string>;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'es-hooks-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  interface Cluster { formsAfter?: number; deleteFailures?: number; record?: boolean }
  /** Runs a hook against the fake cluster; returns the calls ("METHOD path body") and the state directory. */
  function run(script: string, holdsData: boolean, cluster: Cluster = {}): { calls: string[]; state: string } {
    const state = fs.mkdtempSync(path.join(dir, 'state-'));
    fs.mkdirSync(path.join(state, 'data'));
    fs.mkdirSync(path.join(state, 'bin'));
    if (cluster.record) fs.writeFileSync(path.join(state, 'record'), '');
    fs.writeFileSync(path.join(state, 'bin', 'curl'), `#!/bin/bash
method=GET; url=; body=
while [ $# -gt 0 ]; do
  case "$1" in
    -X) method=$2; shift ;;
    -d) body=$2; shift ;;
    -u|-H|--cacert|--max-time) shift ;;
    http*) url=$1 ;;
  esac
  shift
done
call="$method \${url#https://localhost:9200}"
echo "$call $body" >> "${state}/calls.log"
count() { n=$(( $(cat "${state}/$1" 2>/dev/null || echo 0) + 1 )); echo "$n" > "${state}/$1"; echo "$n"; }
case "$call" in
  "GET /?filter_path=cluster_uuid")
    if [ "$(count uuid)" -gt ${cluster.formsAfter ?? 0} ]; then echo '{"cluster_uuid":"Xq3cluster"}'; else echo '{"cluster_uuid":"_na_"}'; fi ;;
  "GET /_nodes/_local?filter_path=nodes.*.name") echo '{"nodes":{"n1":{"name":"elasticsearch-data-0"}}}' ;;
  "GET /_nodes/n1/shutdown")
    if [ -e "${state}/record" ]; then echo '{"nodes":[{"node_id":"n1","type":"RESTART","status":"COMPLETE"}]}'; else echo '{"nodes":[]}'; fi ;;
  "PUT /_nodes/n1/shutdown") touch "${state}/record"; echo '{"acknowledged":true}' ;;
  "DELETE /_nodes/n1/shutdown")
    if [ "$(count delete)" -le ${cluster.deleteFailures ?? 0} ]; then echo 'curl: (22) 503' >&2; exit 22; fi
    rm -f "${state}/record"; echo '{"acknowledged":true}' ;;
  *) echo '{"acknowledged":true}' ;;
esac
`, { mode: 0o755 });
    const file = path.join(state, 'hook.sh');
    fs.writeFileSync(file, script.replace('sleep 10', 'sleep 0'));
    execFileSync('bash', [file], {
      timeout: 30_000,
      env: {
        PATH: `${state}/bin:/usr/bin:/bin`, ELASTIC_PASSWORD: 'x', POD_NAME: 'elasticsearch-data-0', NODE_HOLDS_DATA: String(holdsData),
        DRAIN_TIMEOUT_SECONDS: '5', DATA_DIR: path.join(state, 'data'), RETRY_SECONDS: '0',
      },
    });
    const log = path.join(state, 'calls.log');
    return { calls: fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter(Boolean) : [], state };
  }

  test('preStop on a data node registers a restart shutdown and stops waiting once it is COMPLETE', () => {
    const { calls } = run(scripts['pre-stop.sh'], true);
    const put = calls.find((c) => c.startsWith('PUT /_nodes/n1/shutdown '))!;
    expect(JSON.parse(put.slice('PUT /_nodes/n1/shutdown '.length))).toEqual({ type: 'restart', reason: 'pod elasticsearch-data-0 terminating', allocation_delay: '10m' });
    expect(calls.filter((c) => c.startsWith('GET /_nodes/n1/shutdown'))).toHaveLength(1);
  });

  test('preStop on a coordinating node touches nothing', () => {
    expect(run(scripts['pre-stop.sh'], false).calls).toEqual([]);
  });

  test('postStart retries the removal of the node\'s shutdown record until it is gone (defect 6)', () => {
    const { calls, state } = run(scripts['post-start.sh'], true, { record: true, deleteFailures: 3 });
    expect(fs.existsSync(path.join(state, 'record'))).toBe(false);
    expect(calls.filter((c) => c.startsWith('DELETE /_nodes/n1/shutdown'))).toHaveLength(4);
    // The last word is a check that the record is gone, not the DELETE itself.
    expect(calls[calls.length - 1]).toMatch(/^GET \/_nodes\/n1\/shutdown/);
  });

  test('postStart deletes nothing when there is no record', () => {
    const { calls } = run(scripts['post-start.sh'], true);
    expect(calls.filter((c) => c.startsWith('DELETE'))).toEqual([]);
  });

  test('postStart records the cluster in path.data once the node is in a formed cluster (defect 4), on every role', () => {
    for (const holdsData of [true, false]) {
      const { calls, state } = run(scripts['post-start.sh'], holdsData, { formsAfter: 2 });
      expect(calls.filter((c) => c.startsWith('GET /?filter_path=cluster_uuid'))).toHaveLength(3);
      expect(fs.readFileSync(path.join(state, 'data', BOOTSTRAP_MARKER), 'utf8')).toBe('Xq3cluster\n');
    }
  });

  /** Runs prepare-config.sh with the init container's rendered env (fields filled as the kubelet would). */
  function prepare(stsName: string, opts: { bootstrapped?: boolean } = {}) {
    const sts = ms.find((m) => m.kind === 'StatefulSet' && m.metadata.namespace === NS && m.metadata.name === stsName)!;
    const init = sts.spec.template.spec.initContainers.find((c: Manifest) => c.name === 'prepare-config');
    const cm = ms.find((m) => m.kind === 'ConfigMap' && m.metadata.name === `${stsName}-config`)!;
    const root = fs.mkdtempSync(path.join(dir, 'prepare-'));
    const d = (...x: string[]) => path.join(root, ...x);
    for (const sub of ['home/bin', 'home/config', 'target', 'settings', 'minio', 'data']) fs.mkdirSync(d(sub), { recursive: true });
    fs.writeFileSync(d('home/config/jvm.options'), '-Xshare:auto\n');
    fs.writeFileSync(d('settings/elasticsearch.yml'), cm.data['elasticsearch.yml']);
    fs.writeFileSync(d('minio/accessKey'), 'ak');
    fs.writeFileSync(d('minio/secretKey'), 'sk');
    if (opts.bootstrapped) fs.writeFileSync(d('data', BOOTSTRAP_MARKER), 'Xq3cluster\n');
    // Like elasticsearch-keystore: loads $ES_PATH_CONF/elasticsearch.yml and fails on a placeholder it cannot resolve.
    fs.writeFileSync(d('home/bin/elasticsearch-keystore'), `#!/bin/bash
for v in $(grep -o '\${[A-Za-z_][A-Za-z0-9_]*}' "$ES_PATH_CONF/elasticsearch.yml" | tr -d '\${}'); do
  if [ -z "\${!v+set}" ]; then echo "Exception in thread \\"main\\" java.lang.IllegalArgumentException: Could not resolve placeholder '$v'" >&2; exit 1; fi
done
case " $* " in *" --stdin "*) cat > /dev/null ;; esac
echo "$*" >> "${root}/keystore.log"
`, { mode: 0o755 });
    const env: Record<string, string> = {
      PATH: '/usr/bin:/bin', ES_HOME: d('home'), CONFIG_TARGET: d('target'), SETTINGS_DIR: d('settings'), MINIO_DIR: d('minio'), DATA_DIR: d('data'),
    };
    for (const e of init.env) {
      if (e.valueFrom?.fieldRef) env[e.name] = e.valueFrom.fieldRef.fieldPath === 'status.podIP' ? '10.42.0.7' : `${stsName}-0`;
      else if (e.valueFrom?.secretKeyRef) env[e.name] = 'secret';
      else env[e.name] = e.value;
    }
    const r = spawnSync('bash', ['-c', scripts['prepare-config.sh']], { env, encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'pipe'] });
    const yml = fs.existsSync(d('target/elasticsearch.yml')) ? parse(fs.readFileSync(d('target/elasticsearch.yml'), 'utf8')) : undefined;
    const keystore = fs.existsSync(d('keystore.log')) ? fs.readFileSync(d('keystore.log'), 'utf8').trim().split('\n') : [];
    return { status: r.status, stderr: r.stderr, yml, keystore };
  }

  test('prepare-config builds the keystore with the elasticsearch.yml the node runs with (defect 1)', () => {
    for (const sts of ['elasticsearch-master', 'elasticsearch-data']) {
      const r = prepare(sts);
      expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
      expect(r.keystore).toEqual(['create', 'add --stdin --force bootstrap.password', 'add --stdin --force s3.client.default.access_key',
        'add --stdin --force s3.client.default.secret_key']);
      expect(r.yml['network.publish_host']).toBe('${POD_IP}');
    }
  });

  test('cluster.initial_master_nodes only for a master\'s first bootstrap; omitted once its data path records a formed cluster (defect 4)', () => {
    const masters = Array.from({ length: p.config.stores.elasticsearch!.masters }, (_, i) => `elasticsearch-master-${i}`);
    expect(prepare('elasticsearch-master').yml['cluster.initial_master_nodes']).toEqual(masters);
    const restarted = prepare('elasticsearch-master', { bootstrapped: true });
    expect(restarted.status).toBe(0);
    expect(restarted.yml['cluster.initial_master_nodes']).toBeUndefined();
    expect(restarted.yml['discovery.seed_hosts']).toHaveLength(1);
    expect(prepare('elasticsearch-data').yml['cluster.initial_master_nodes']).toBeUndefined();
  });
});

describe('the sysctl choice', () => {
  test('renders a privileged init container and keeps mmap, only in a namespace labelled privileged', () => {
    const cfg = structuredClone(environmentInput('staging')) as Record<string, any>;
    cfg.stores.elasticsearch.maxMapCount = 'sysctlInitContainer';
    const ns = cfg.namespaces.find((n: Manifest) => n.name === NS);
    ns.podSecurity = 'privileged';
    ns.podSecurityReason = 'Elasticsearch raises vm.max_map_count with a privileged init container';
    const p = renderPlatform(validateEnvironment('staging', cfg));
    const ms = manifestsOf(p);
    for (const n of nodesOf(ms)) {
      expect(n.yml['node.store.allow_mmap']).toBeUndefined();
      const sysctl = n.sts.spec.template.spec.initContainers[0];
      expect(sysctl.command).toEqual(['sysctl', '-w', 'vm.max_map_count=262144']);
      expect(sysctl.securityContext.privileged).toBe(true);
    }
    const namespace = ms.find((m) => m.kind === 'Namespace' && m.metadata.name === NS)!;
    expect(namespace.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('privileged');
  });
});
