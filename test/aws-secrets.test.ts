/**
 * Secret values from AWS Secrets Manager (secrets.source `aws`, issue 21: the EKS platform's secrets): one
 * SecretStore per namespace with declared Secrets, authenticated with IRSA (a ServiceAccount annotated with the
 * namespace's IAM role), one ExternalSecret per declared Secret reading `<pathPrefix>/<namespace>/<name>`, the
 * External Secrets controller allowed out to Secrets Manager and STS only, and only the bootstrap Secrets
 * generated in the cluster. Receivables' staging is the example, its secrets switched to AWS.
 */
import { renderPlatform, type Manifest, type RenderedPlatform } from '../charts/platform';
import { AWS_SERVICE_ACCOUNT, AWS_STORE } from '../charts/gitops/external-secrets';
import { IRSA_ANNOTATION } from '../charts/lib/labels';
import { isBootstrapSecret } from '../charts/gitops/addons-catalog';
import { installerSecrets } from '../scripts/install';
import { ConfigError, environmentInput, formatProblem, validateEnvironment } from '../environments';
import { modelErrors } from './support/k8s-schema';
import { difference, reachability } from './support/network';
import { manifestsOf } from './support/render';

const AWS = { region: 'us-west-2', accountId: '123456789012', rolePrefix: 'eks-platform-', pathPrefix: 'eks-platform/production' };

function staging(secrets: Record<string, unknown>, externalSecrets = true) {
  const input = environmentInput('staging') as Record<string, any>;
  input.secrets = secrets;
  input.addons = { ...input.addons, externalSecrets: { enabled: externalSecrets } };
  return input;
}

let p: RenderedPlatform;
let objects: Manifest[];
beforeAll(() => {
  p = renderPlatform(validateEnvironment('staging', staging({ source: 'aws', aws: AWS })));
  objects = manifestsOf(p);
});

test('every namespace with Secrets gets an IRSA ServiceAccount and an AWS Secrets Manager SecretStore; all validate', () => {
  const external = p.secrets.filter((s) => !isBootstrapSecret(s));
  const namespaces = [...new Set(external.map((s) => s.namespace))].sort();
  expect(namespaces.length).toBeGreaterThan(5);
  const stores = objects.filter((m) => m.kind === 'SecretStore');
  expect(stores.map((s) => s.metadata.namespace).sort()).toEqual(namespaces);
  for (const s of stores) {
    expect(s.metadata.name).toBe(AWS_STORE);
    expect(s.spec.provider).toEqual({ aws: { service: 'SecretsManager', region: 'us-west-2', auth: { jwt: { serviceAccountRef: { name: AWS_SERVICE_ACCOUNT } } } } });
    expect(modelErrors(s)).toBeUndefined();
    const sa = objects.find((m) => m.kind === 'ServiceAccount' && m.metadata.namespace === s.metadata.namespace && m.metadata.name === AWS_SERVICE_ACCOUNT)!;
    // One role per namespace: a namespace can read only its own secrets.
    expect(sa.metadata.annotations[IRSA_ANNOTATION]).toBe(`arn:aws:iam::123456789012:role/eks-platform-${s.metadata.namespace}`);
    expect(sa.automountServiceAccountToken).toBe(false);
  }
  expect(objects.some((m) => m.kind === 'SecretStore' && m.spec.provider.vault)).toBe(false);
});

test('one ExternalSecret per declared Secret, reading <pathPrefix>/<namespace>/<name> (a copy reads its original)', () => {
  const external = p.secrets.filter((s) => !isBootstrapSecret(s));
  const es = objects.filter((m) => m.kind === 'ExternalSecret');
  expect(es.map((e) => `${e.metadata.namespace}/${e.spec.target.name}`).sort()).toEqual(external.map((s) => `${s.namespace}/${s.name}`).sort());
  for (const e of es) {
    expect(modelErrors(e)).toBeUndefined();
    expect(e.spec.secretStoreRef).toEqual({ name: AWS_STORE, kind: 'SecretStore' });
    const s = external.find((x) => x.namespace === e.metadata.namespace && x.name === e.spec.target.name)!;
    const origin = s.copyOf ?? s;
    for (const d of e.spec.data) expect(d.remoteRef.key).toBe(`eks-platform/production/${origin.namespace}/${origin.name}`);
  }
});

test('the External Secrets controller reaches Secrets Manager and STS on 443, through the internet or the VPC endpoints', () => {
  // Its flows out of the cluster besides the API server (which every controller talks to).
  const flows = (q: RenderedPlatform) => q.graph.flows.filter((f) => 'pods' in f.from && f.from.pods.display.endsWith('/external-secrets')
    && 'addresses' in f.to && f.to.addresses.display !== 'kubernetes-api');
  expect(flows(p).map((f) => [('addresses' in f.to) && f.to.addresses.display, f.ports.map((x) => x.port)])).toEqual([['internet', [443]]]);
  const private_ = renderPlatform(validateEnvironment('staging', staging({ source: 'aws', aws: { ...AWS, cidrs: ['10.0.128.0/24'] } })));
  expect(flows(private_).map((f) => [('addresses' in f.to) && f.to.addresses.cidrs, f.ports.map((x) => x.port)])).toEqual([[['10.0.128.0/24'], [443]]]);
  const r = reachability({ config: private_.config, graph: private_.graph, manifests: manifestsOf(private_) });
  expect(difference(r.expected, r.actual)).toEqual([]);
  expect(difference(r.actual, r.expected)).toEqual([]);
});

test('the installer generates only the bootstrap Secrets; the rest come from Secrets Manager', () => {
  const { generate } = installerSecrets(p.config, p.secrets);
  expect(generate.length).toBeGreaterThan(0);
  expect(generate.every(isBootstrapSecret)).toBe(true);
});

test('a wrong AWS section names the field', () => {
  const problems = (secrets: Record<string, unknown>, externalSecrets = true) => {
    try {
      validateEnvironment('staging', staging(secrets, externalSecrets));
      return [];
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      return e.problems.map(formatProblem);
    }
  };
  expect(problems({ source: 'aws' })).toContain('environment "staging": secrets.aws = (missing): is required when secrets.source is "aws"');
  expect(problems({ source: 'aws', aws: AWS }, false)).toContain(
    'environment "staging": addons.externalSecrets.enabled = false: must be true when secrets.source is "aws" (External Secrets reads AWS Secrets Manager)');
  expect(problems({ source: 'aws', aws: { ...AWS, region: 'oregon', accountId: '42' } })).toEqual([
    'environment "staging": secrets.aws.region = "oregon": must be an AWS region such as us-west-2',
    'environment "staging": secrets.aws.accountId = "42": must be a 12-digit AWS account id',
  ]);
});

describe('IRSA for the services (apps.services.<name>.iamRoleArn)', () => {
  const role = 'arn:aws:iam::123456789012:role/eks-platform-invoice-service';
  const withRoles = (roles: Record<string, string>) => {
    const input = environmentInput('staging') as Record<string, any>;
    input.apps = { ...input.apps, services: { ...input.apps.services, ...Object.fromEntries(Object.entries(roles).map(([s, r]) => [s, { ...input.apps.services?.[s], iamRoleArn: r }])) } };
    return input;
  };

  test('the service\'s ServiceAccount (a Deployment\'s or a CronJob\'s) carries its role; the others carry none', () => {
    const q = renderPlatform(validateEnvironment('staging', withRoles({ 'invoice-service': role, 'ageing-report': `${role}-report` })));
    const sa = (name: string) => manifestsOf(q).find((m) => m.kind === 'ServiceAccount' && m.metadata.name === name)!;
    expect(sa('invoice-service').metadata.annotations).toEqual({ [IRSA_ANNOTATION]: role });
    expect(sa('ageing-report').metadata.annotations).toEqual({ [IRSA_ANNOTATION]: `${role}-report` });
    expect(sa('user-service').metadata.annotations).toBeUndefined();
    // The pods use that ServiceAccount (the webhook mounts the token into them).
    const dep = manifestsOf(q).find((m) => m.kind === 'Deployment' && m.metadata.name === 'invoice-service')!;
    expect(dep.spec.template.spec.serviceAccountName).toBe('invoice-service');
    expect(modelErrors(sa('invoice-service'))).toBeUndefined();
  });

  test('a malformed role ARN is refused, naming the service', () => {
    expect(() => validateEnvironment('staging', withRoles({ 'invoice-service': 'invoice-role' }))).toThrow(
      'environment "staging": apps.services.invoice-service.iamRoleArn = "invoice-role": must be an IAM role ARN such as arn:aws:iam::123456789012:role/app-api');
  });
});
