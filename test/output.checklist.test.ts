/**
 * dist/<env>/site-checklist.md (issue 15): every value a site must set before installing, its current value and
 * the file that sets it, and the DNS entries to create (exactly the rendered Ingress hosts).
 */
import { CHECKLIST_FILE, siteChecklist } from '../charts/output/checklist';
import { toFileTree } from '../charts/output/render';
import { renderPlatform, type Manifest } from '../charts/platform';
import { ENVIRONMENTS, fieldSource, loadEnvironments } from '../environments';
import { renderAll } from './support/render';

const valueAt = (o: unknown, field: string): unknown => field.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown>)?.[k], o);
const rowsOf = (md: string) => md.split('\n').filter((l) => l.startsWith('| `')).map((l) => l.slice(2, -2).split(' | '));

describe.each(renderAll().map((p) => [p.config.name, p] as const))('%s', (name, p) => {
  const md = toFileTree(p, (f) => fieldSource(name, f)).get(CHECKLIST_FILE)!;
  const rows = rowsOf(md);

  test('lists the values every site sets, each with the current value and the file that sets it', () => {
    const fields = rows.map(([field]) => field.replace(/`/g, ''));
    for (const f of ['gitops.repoURL', 'cluster.server', 'cluster.nodeCidrs', 'cluster.apiServerCidrs', 'storageClass', 'ingress.baseDomain', 'ingress.className', 'images.registry']) {
      expect(fields).toContain(f);
    }
    if (p.config.ingress.tlsIssuer === 'acme') expect(fields).toContain('ingress.acmeEmail');
    for (const [field, , value, where] of rows) {
      const f = field.replace(/`/g, '');
      const v = valueAt(p.config, f);
      const shown = v === '' ? '(empty)' : Array.isArray(v) ? v.map((x) => `\`${x}\``).join(', ') : `\`${v}\``;
      expect({ f, value: value.replace(/ \*\*placeholder.*$/, '') }).toEqual({ f, value: shown });
      expect(where).toMatch(new RegExp(`^environments/receivables/(${name}|base)\\.ts$`));
    }
  });

  test('names the machines the fit check assumes, and the file that declares them', () => {
    const nodes = md.slice(md.indexOf('## Nodes'), md.indexOf('## ', md.indexOf('## Nodes') + 3));
    expect(nodes).toContain(`\`cluster.nodePools\` in ${fieldSource(name, 'cluster.nodePools')}`);
    for (const pool of p.config.cluster.nodePools) {
      expect(nodes).toContain(`${pool.name}: ${pool.count} × ${pool.cpu} CPU / ${pool.memory}${pool.gpus ? ` / ${pool.gpus} GPU` : ''}`);
    }
  });

  test('says what the public certificates need from the site, by the issuer the Ingress certificates use', () => {
    const ms = p.charts.flatMap((c) => c.manifests);
    const tls = md.slice(md.indexOf('## Public TLS'), md.indexOf('## ', md.indexOf('## Public TLS') + 3));
    const issuers = new Set(ms.filter((m) => m.kind === 'Certificate' && ms.some((i) => i.kind === 'Ingress' && i.metadata.namespace === m.metadata.namespace
      && (i.spec.tls ?? []).some((t: Manifest) => t.secretName === m.spec.secretName))).map((m) => m.spec.issuerRef.name));
    expect(issuers.size).toBe(1);
    const issuer = ms.find((m) => m.kind === 'ClusterIssuer' && issuers.has(m.metadata.name))!;
    if (issuer.spec.acme) {
      expect(tls).toContain('HTTP-01');
      expect(tls).toContain('port 80');
    } else if (issuer.spec.ca) {
      // The CA's key pair is a rendered root Certificate's Secret, or (cluster.siteCa) one the site supplies in
      // cert-manager's namespace, where a ClusterIssuer reads it.
      const root = ms.find((m) => m.kind === 'Certificate' && m.spec.secretName === issuer.spec.ca.secretName);
      expect(root === undefined).toBe(p.config.cluster.siteCa !== undefined);
      expect(tls).toContain(`kubectl -n ${root?.metadata.namespace ?? 'cert-manager'} get secret ${issuer.spec.ca.secretName}`);
    } else {
      expect(issuer.spec.selfSigned).toBeDefined();
      expect(tls).toContain('self-signed');
    }
  });

  test('the DNS entries are exactly the hosts of the rendered Ingresses', () => {
    const hosts = p.charts.flatMap((c) => c.manifests).filter((m) => m.kind === 'Ingress').flatMap((m) => m.spec.rules.map((r: Manifest) => r.host));
    const listed = md.slice(md.indexOf('## DNS entries')).split('\n').filter((l) => l.startsWith('- `')).map((l) => /`([^`]+)`/.exec(l)![1]);
    expect(listed.sort()).toEqual([...new Set(hosts)].sort());
  });
});

test('"set in" names the environment file when it sets the field, base.ts when it inherits it; example domains are flagged', () => {
  ENVIRONMENTS.sitecheck = { ...structuredClone(ENVIRONMENTS.staging), gitops: { targetRevision: 'main', autoSync: true, repoURL: 'https://git.acme.test/deploy.git' }, ingress: { ...ENVIRONMENTS.staging.ingress, baseDomain: 'sitecheck.acme.test' } };
  try {
    const [config] = loadEnvironments(['sitecheck']);
    const rows = rowsOf(siteChecklist(renderPlatform(config), (f) => fieldSource('sitecheck', f)));
    const row = (f: string) => rows.find(([field]) => field === `\`${f}\``)!;
    expect(row('gitops.repoURL')).toEqual(['`gitops.repoURL`', expect.any(String), '`https://git.acme.test/deploy.git`', 'environments/receivables/sitecheck.ts']);
    expect(row('addons.chartMirror')[3]).toBe('environments/receivables/base.ts');
    const staging = rowsOf(toFileTree(renderPlatform(loadEnvironments(['staging'])[0]), (f) => fieldSource('staging', f)).get(CHECKLIST_FILE)!);
    expect(staging.find(([f]) => f === '`gitops.repoURL`')![2]).toMatch(/example\.com.*\*\*placeholder \(example domain\): replace\*\*$/);
    expect(staging.find(([f]) => f === '`gitops.repoURL`')![3]).toBe('environments/receivables/base.ts');
  } finally {
    delete ENVIRONMENTS.sitecheck;
  }
});
