/**
 * 30-ingress: how the platform is reached from outside, and its certificate authorities.
 *
 *  - ClusterIssuers: a self-signed issuer (bootstraps the internal CA, and issues the ingress certificates of
 *    a `selfSigned` environment), the internal CA (INTERNAL_CA_ISSUER, from a self-signed root Certificate kept
 *    in the cert-manager namespace: Elasticsearch and its clients get their certificates here), and Let's
 *    Encrypt (ACME HTTP-01 through the environment's ingress class) where `tlsIssuer` is `acme`. A `ca`
 *    environment issues ingress certificates from the internal CA (air-gapped: clients trust its root).
 *  - Ingresses with the environment's ingress class: `api.<domain>` and each tenant's `<tenant>.api.<domain>`
 *    to the gateway, `app.<domain>` to the web frontend, `<ingressHost>.<domain>` to each entry exposed directly. Certificates are explicit cert-manager Certificates,
 *    so no controller- or cert-manager-specific annotation is needed.
 */
import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import type { EnvironmentConfig } from '../../environments/schema';
import { k8s } from '../../imports/k8s';
import { INTERNAL_CA_ISSUER } from '../data/refs';
import type { PlatformContext } from '../context';
import { acmeSolver, API_SERVER_PORTS, apiServer, ingressController, ingressPeer, INTERNET, pods, PROMETHEUS, type PodGroup } from '../lib/graph';
import { meta, type Identity } from '../lib/labels';
import { apiHost, tenantApiHost, webHost } from '../apps/kinds';
import type { ServicePlan } from '../apps/plan';

export const SELF_SIGNED_ISSUER = 'platform-selfsigned';
export const ACME_ISSUER = 'letsencrypt';
/** The root of the internal CA: a Secret cert-manager writes into its own namespace. */
export const INTERNAL_CA_ROOT_SECRET = 'platform-internal-ca-root';
export const CERT_MANAGER_NAMESPACE = 'cert-manager';
export const ACME_SERVER = 'https://acme-v02.api.letsencrypt.org/directory';
/** Port of cert-manager's HTTP-01 solver pods (created in the Certificate's namespace during a challenge). */
export const ACME_SOLVER_PORT = 8089;

const ID: Identity = { name: 'certificates', component: 'tls', instance: 'platform' };

/** The ClusterIssuer that signs the ingress certificates of an environment. */
export function ingressIssuer(config: EnvironmentConfig): string {
  switch (config.ingress.tlsIssuer) {
    case 'acme': return ACME_ISSUER;
    case 'selfSigned': return SELF_SIGNED_ISSUER;
    case 'ca': return INTERNAL_CA_ISSUER;
  }
}

/** cert-manager's own pods (its Helm chart labels them by app.kubernetes.io/name). */
const certManager = (name: string): PodGroup => ({
  namespace: CERT_MANAGER_NAMESPACE, selector: { 'app.kubernetes.io/name': name }, display: `${CERT_MANAGER_NAMESPACE}/${name}`,
});

function issuer(scope: Construct, config: EnvironmentConfig, name: string, spec: Record<string, unknown>): ApiObject {
  return new ApiObject(scope, `issuer-${name}`, {
    apiVersion: 'cert-manager.io/v1', kind: 'ClusterIssuer', metadata: meta(config, { name, id: ID }), spec,
  });
}

/**
 * The cluster's internal certificate authority: a self-signed ClusterIssuer, a 10-year CA Certificate in the
 * cert-manager namespace (the ClusterIssuers' resource namespace) signed by it, and the CA ClusterIssuer
 * INTERNAL_CA_ISSUER over that Certificate's Secret.
 */
export class InternalCa extends Construct {
  constructor(scope: Construct, id: string, config: EnvironmentConfig) {
    super(scope, id);
    issuer(this, config, SELF_SIGNED_ISSUER, { selfSigned: {} });
    new ApiObject(this, 'root', {
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: meta(config, { name: INTERNAL_CA_ROOT_SECRET, namespace: CERT_MANAGER_NAMESPACE, id: ID }),
      spec: {
        isCA: true,
        commonName: `${config.platform.displayName} platform internal CA (${config.name})`,
        secretName: INTERNAL_CA_ROOT_SECRET,
        duration: '87600h',
        renewBefore: '720h',
        privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Never' },
        issuerRef: { name: SELF_SIGNED_ISSUER, kind: 'ClusterIssuer', group: 'cert-manager.io' },
      },
    });
    issuer(this, config, INTERNAL_CA_ISSUER, { ca: { secretName: INTERNAL_CA_ROOT_SECRET } });
  }
}

/**
 * The internal CA ClusterIssuer over the site's own CA key pair (cluster.siteCa), supplied before the install,
 * and no root Certificate over it. The self-signed ClusterIssuer stays for other, private roots.
 */
export class SiteCaIssuer extends Construct {
  constructor(scope: Construct, id: string, config: EnvironmentConfig) {
    super(scope, id);
    if (!config.cluster.siteCa) throw new Error(`environment "${config.name}": SiteCaIssuer needs cluster.siteCa`);
    issuer(this, config, SELF_SIGNED_ISSUER, { selfSigned: {} });
    issuer(this, config, INTERNAL_CA_ISSUER, { ca: { secretName: config.cluster.siteCa.secretName } });
  }
}

export class IngressChart extends Chart {
  constructor(scope: Construct, id: string, ctx: PlatformContext, plans: readonly ServicePlan[]) {
    super(scope, id, { disableResourceNameHashes: true });
    const { config, graph } = ctx;
    const clusterIssuer = (name: string, spec: Record<string, unknown>) => issuer(this, config, name, spec);

    if (config.ingress.tlsIssuer === 'acme') {
      if (!config.ingress.acmeEmail) throw new Error(`environment "${config.name}": ingress.acmeEmail is required for tlsIssuer "acme"`);
      clusterIssuer(ACME_ISSUER, {
        acme: {
          server: ACME_SERVER,
          email: config.ingress.acmeEmail,
          privateKeySecretRef: { name: `${ACME_ISSUER}-account-key` },
          solvers: [{ http01: { ingress: { ingressClassName: config.ingress.className } } }],
        },
      });
    }

    const domain = config.ingress.baseDomain;
    const gateway = plans.find((p) => p.entry.kind === 'gateway' && p.enabled);
    const frontend = plans.find((p) => p.entry.kind === 'static-frontend' && p.enabled);
    if (gateway) this.expose(ctx, gateway, 'api', [apiHost(domain), ...config.tenants.map((t) => tenantApiHost(t.id, domain))]);
    if (frontend) this.expose(ctx, frontend, 'web', [webHost(domain)]);
    // Entries exposed without a gateway: their own Ingress each (environments/service.ts ingressHost).
    for (const p of plans.filter((x) => x.enabled && x.entry.ingressHost)) this.expose(ctx, p, p.entry.name, [`${p.entry.ingressHost}.${domain}`]);

    // cert-manager itself: it talks to the API server, the API server calls its webhook, ACME needs the internet.
    for (const c of ['cert-manager', 'cainjector', 'webhook']) {
      graph.connect({ pods: certManager(c) }, { addresses: apiServer(config) }, API_SERVER_PORTS, `${c} watches and updates cert-manager resources`);
    }
    graph.connect({ addresses: apiServer(config) }, { pods: certManager('webhook') }, [{ port: 10250, name: 'https-webhook' }], 'the API server validates cert-manager resources');
    graph.connect({ pods: PROMETHEUS }, { pods: certManager('cert-manager') }, [{ port: 9402, name: 'metrics' }], 'prometheus scrapes cert-manager (certificate expiry)');
    if (config.ingress.tlsIssuer === 'acme') {
      graph.connect({ pods: certManager('cert-manager') }, { addresses: INTERNET }, [{ port: 443, name: 'https' }], 'cert-manager talks to the ACME server');
    }
  }

  /** An Ingress with its Certificate for a service's HTTP port; declares the ingress controller's flows. */
  private expose(ctx: PlatformContext, plan: ServicePlan, name: string, hosts: string[]): void {
    if (ctx.config.ingress.alb) return this.exposeAlb(ctx, plan, name, hosts, ctx.config.ingress.alb);
    const { config, graph } = ctx;
    const e = plan.entry;
    const secretName = `${name}-tls`;
    new ApiObject(this, `certificate-${name}`, {
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: meta(config, { name: secretName, namespace: e.namespace, id: plan.id }),
      spec: {
        secretName,
        dnsNames: hosts,
        duration: '2160h',
        renewBefore: '720h',
        privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
        issuerRef: { name: ingressIssuer(config), kind: 'ClusterIssuer', group: 'cert-manager.io' },
      },
    });
    new k8s.KubeIngress(this, `ingress-${name}`, {
      metadata: meta(config, { name, namespace: e.namespace, id: plan.id }),
      spec: {
        ingressClassName: config.ingress.className,
        tls: [{ hosts, secretName }],
        rules: serviceRules(hosts, plan),
      },
    });
    graph.connect({ pods: ingressController(config) }, { pods: pods(e.namespace, plan.id) }, [{ port: e.port, name: 'http' }],
      `the ingress controller forwards ${hosts[0]} to ${e.name}`);
    if (config.ingress.tlsIssuer === 'acme') {
      const solver = acmeSolver(e.namespace);
      graph.connect({ pods: ingressController(config) }, { pods: solver }, [{ port: ACME_SOLVER_PORT, name: 'acme-http01' }],
        `Let's Encrypt validates ${secretName} through the ingress controller`);
    }
  }

  /**
   * EKS (spec 004 "Load Balancer Configuration"): an Ingress of class `alb` from which the AWS Load Balancer
   * Controller builds the Application Load Balancer: scheme and SSL policy from the environment, listeners HTTP 80
   * (redirected to 443) and HTTPS 443 with the ACM certificate, targets the pods' own addresses (target type ip,
   * so no NodePort hop). No cert-manager Certificate: ACM issues and renews the public certificate and the ALB
   * terminates TLS; the ALB's health check asks the service's readiness path (Kong: its status listener).
   * Annotation names: kubernetes-sigs/aws-load-balancer-controller v2.9.2 docs/guide/ingress/annotations.md.
   */
  private exposeAlb(ctx: PlatformContext, plan: ServicePlan, name: string, hosts: string[], alb: NonNullable<EnvironmentConfig['ingress']['alb']>): void {
    const { config, graph } = ctx;
    const e = plan.entry;
    // Kong answers readiness on its status listener; other kinds on their own port.
    const health = e.kind === 'gateway' && e.metricsPort !== undefined ? { port: e.metricsPort, path: '/status/ready' } : { port: e.port, path: '/' };
    new k8s.KubeIngress(this, `ingress-${name}`, {
      metadata: meta(config, {
        name, namespace: e.namespace, id: plan.id,
        annotations: albAnnotations(alb, `${config.platform.name}-${config.name}-${name}`, health),
      }),
      spec: {
        ingressClassName: config.ingress.className,
        rules: serviceRules(hosts, plan),
      },
    });
    const ports = [{ port: e.port, name: 'http' }, ...(health.port !== e.port ? [{ port: health.port, name: 'health-check' }] : [])];
    graph.connect(ingressPeer(config), { pods: pods(e.namespace, plan.id) }, ports,
      `the Application Load Balancer forwards ${hosts[0]} to ${e.name} (and checks its health)`);
  }
}

/** Every path of each host to the service's port (an nginx, Traefik or ALB Ingress alike). */
function serviceRules(hosts: readonly string[], plan: ServicePlan): k8s.IngressRule[] {
  const e = plan.entry;
  return hosts.map((host) => ({
    host,
    http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: plan.endpoint?.service ?? e.name, port: { number: e.port } } } }] },
  }));
}

/** The ALB's listeners: HTTP 80, redirected to HTTPS 443 (spec 004 "Listeners: HTTP (80) → HTTPS (443)"). */
export const ALB_LISTEN_PORTS = '[{"HTTP": 80}, {"HTTPS": 443}]';

/** The annotations of an ALB Ingress (kubernetes-sigs/aws-load-balancer-controller v2.9.2 docs/guide/ingress/annotations.md). */
export function albAnnotations(alb: NonNullable<EnvironmentConfig['ingress']['alb']>, loadBalancerName: string, health: { port: number; path: string }): Record<string, string> {
  const a = 'alb.ingress.kubernetes.io';
  return {
    [`${a}/scheme`]: alb.scheme,
    [`${a}/ip-address-type`]: 'ipv4',
    [`${a}/target-type`]: 'ip',
    [`${a}/listen-ports`]: ALB_LISTEN_PORTS,
    [`${a}/ssl-redirect`]: '443',
    [`${a}/certificate-arn`]: alb.certificateArn,
    [`${a}/ssl-policy`]: alb.sslPolicy,
    [`${a}/backend-protocol`]: 'HTTP',
    [`${a}/healthcheck-port`]: String(health.port),
    [`${a}/healthcheck-path`]: health.path,
    // At most 32 characters (the ELB API's limit): longer names are cut.
    [`${a}/load-balancer-name`]: loadBalancerName.slice(0, 32).replace(/-+$/, ''),
  };
}
