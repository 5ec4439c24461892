/** Bad GitOps and installation configuration: each rule names the environment, the field path and the reason. */
import { input, messagesOf } from './support/config';


test('ingress-nginx on k3s is refused (k3s ships Traefik)', () => {
  const cfg = input('dev');
  cfg.addons.ingressNginx.enabled = true;
  expect(messagesOf('dev', cfg)).toContainEqual(expect.stringMatching(/^environment "dev": addons\.ingressNginx\.enabled = true: .*k3s.*Traefik/));
});

test('ingress-nginx needs the nginx ingress class', () => {
  const cfg = input('staging');
  cfg.ingress.className = 'haproxy';
  expect(messagesOf('staging', cfg)).toEqual([expect.stringMatching(/^environment "staging": ingress\.className = "haproxy": must be "nginx" when addons\.ingressNginx is enabled/)]);
});

test('vault as the secret source needs its settings and the External Secrets add-on', () => {
  const cfg = input('production');
  cfg.secrets = { source: 'vault' };
  expect(messagesOf('production', cfg).sort()).toEqual([
    expect.stringMatching(/addons\.externalSecrets\.enabled = false: must be true when secrets\.source is "vault"/),
    expect.stringMatching(/secrets\.vault = \(missing\): is required when secrets\.source is "vault"/),
  ]);
});

test('secret source, chart mirror and retention are checked', () => {
  const cfg = input('dev');
  cfg.secrets.source = 'sops';
  cfg.addons.chartMirror = 'not a url';
  cfg.addons.monitoring.retention = '2 weeks';
  const all = messagesOf('dev', cfg);
  expect(all).toContainEqual(expect.stringMatching(/secrets\.source = "sops": must be one of "generate", "vault"/));
  expect(all).toContainEqual(expect.stringMatching(/addons\.chartMirror = "not a url"/));
  expect(all).toContainEqual(expect.stringMatching(/addons\.monitoring\.retention = "2 weeks": must be a Prometheus duration/));
});

test('a site CA must be one PEM certificate with a Secret name; source ranges must be CIDRs (issue 14)', () => {
  const cfg = input('dr');
  cfg.cluster.siteCa = { certificate: '-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n', secretName: 'Site_CA' };
  cfg.gitops.sourceCidrs = ['git.dr.internal'];
  const all = messagesOf('dr', cfg);
  expect(all).toContainEqual(expect.stringMatching(/^environment "dr": cluster\.siteCa\.certificate = "-----BEGIN PRIVATE KEY-----.*": must be one PEM certificate/));
  expect(all).toContainEqual(expect.stringMatching(/^environment "dr": cluster\.siteCa\.secretName = "Site_CA"/));
  expect(all).toContainEqual(expect.stringMatching(/^environment "dr": gitops\.sourceCidrs\[0\] = "git\.dr\.internal": must be an IPv4 CIDR/));
});
