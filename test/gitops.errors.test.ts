/** Bad GitOps and installation configuration: each rule names the environment, the field path and the reason. */
import { ConfigError, environmentInput, formatProblem, validateEnvironment } from '../environments';

type Input = Record<string, any>;
const input = (env: string): Input => structuredClone(environmentInput(env)) as Input;

function messages(env: string, cfg: Input): string[] {
  try {
    validateEnvironment(env, cfg);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems.map(formatProblem);
  }
  throw new Error('expected the configuration to be rejected');
}

test('ingress-nginx on k3s is refused (k3s ships Traefik)', () => {
  const cfg = input('dev');
  cfg.addons.ingressNginx.enabled = true;
  expect(messages('dev', cfg)).toContainEqual(expect.stringMatching(/^environment "dev": addons\.ingressNginx\.enabled = true: .*k3s.*Traefik/));
});

test('ingress-nginx needs the nginx ingress class', () => {
  const cfg = input('staging');
  cfg.ingress.className = 'haproxy';
  expect(messages('staging', cfg)).toEqual([expect.stringMatching(/^environment "staging": ingress\.className = "haproxy": must be "nginx" when addons\.ingressNginx is enabled/)]);
});

test('vault as the secret source needs its settings and the External Secrets add-on', () => {
  const cfg = input('production');
  cfg.secrets = { source: 'vault' };
  expect(messages('production', cfg).sort()).toEqual([
    expect.stringMatching(/addons\.externalSecrets\.enabled = false: must be true when secrets\.source is "vault"/),
    expect.stringMatching(/secrets\.vault = \(missing\): is required when secrets\.source is "vault"/),
  ]);
});

test('secret source, chart mirror and retention are checked', () => {
  const cfg = input('dev');
  cfg.secrets.source = 'sops';
  cfg.addons.chartMirror = 'not a url';
  cfg.addons.monitoring.retention = '2 weeks';
  const all = messages('dev', cfg);
  expect(all).toContainEqual(expect.stringMatching(/secrets\.source = "sops": must be one of "generate", "vault"/));
  expect(all).toContainEqual(expect.stringMatching(/addons\.chartMirror = "not a url"/));
  expect(all).toContainEqual(expect.stringMatching(/addons\.monitoring\.retention = "2 weeks": must be a Prometheus duration/));
});
