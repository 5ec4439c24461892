/**
 * dist/<platform>/<env>/site-checklist.md: every value a site must set (or confirm) before installing an environment, with
 * its current value and the file and field that set it, and the DNS entries to create. Generated beside the
 * manifests so it always matches them; the hostnames come from the rendered Ingresses.
 */
import { poolSummary } from '../capacity/fit';
import type { Manifest } from '../lib/manifest';
import type { RenderedPlatform } from '../platform';
import { ingressEndpoints } from './endpoints';

export const CHECKLIST_FILE = 'site-checklist.md';

/** Where a field's value comes from, e.g. `environments/receivables/staging.ts` or `environments/receivables/base.ts`. */
export type WhereSet = (fieldPath: string) => string;

interface Item { readonly field: string; readonly what: string; readonly value: unknown }

/** Domains reserved for documentation (RFC 2606): a value using one was never changed for a real site. */
const PLACEHOLDER = /(^|[./@])example\.(com|net|org)([:/]|$)/;

export function siteChecklist(p: RenderedPlatform, whereSet: WhereSet): string {
  const c = p.config;
  const items: Item[] = [
    { field: 'gitops.repoURL', what: 'Git repository Argo CD syncs dist/ from', value: c.gitops.repoURL },
    { field: 'gitops.targetRevision', what: 'branch or tag of that repository', value: c.gitops.targetRevision },
    { field: 'cluster.server', what: 'API server address Argo CD deploys to', value: c.cluster.server },
    { field: 'cluster.flavour', what: 'k3s, kubeadm or eks (decides storage, ingress and NetworkPolicy enforcement)', value: c.cluster.flavour },
    { field: 'cluster.nodes', what: 'schedulable nodes (spreading and HA rules depend on it)', value: c.cluster.nodes },
    { field: 'cluster.nodeCidrs', what: 'node addresses (kubelet, host-network endpoints)', value: c.cluster.nodeCidrs },
    { field: 'cluster.apiServerCidrs', what: 'API server addresses (NetworkPolicy egress to the API)', value: c.cluster.apiServerCidrs },
    { field: 'storageClass', what: 'StorageClass of every volume (must exist in the cluster)', value: c.storageClass },
    { field: 'ingress.className', what: 'IngressClass of the ingress controller', value: c.ingress.className },
    { field: 'ingress.baseDomain', what: 'domain under which every public host is published', value: c.ingress.baseDomain },
    { field: 'ingress.tlsIssuer', what: 'where public certificates come from', value: c.ingress.tlsIssuer },
    ...(c.ingress.tlsIssuer === 'acme' ? [{ field: 'ingress.acmeEmail', what: 'ACME account e-mail (expiry notices)', value: c.ingress.acmeEmail }] : []),
    { field: 'images.registry', what: 'registry every image is pulled from (empty: the upstream registries)', value: c.images.registry },
    { field: 'addons.chartMirror', what: 'Helm repository of the add-on charts (empty: upstream)', value: c.addons.chartMirror },
    { field: 'secrets.source', what: 'where Secret values come from (`npm run secrets` or Vault)', value: c.secrets.source },
    ...(c.secrets.source === 'aws' && c.secrets.aws ? [
      { field: 'secrets.aws.region', what: 'AWS region of Secrets Manager', value: c.secrets.aws.region },
      { field: 'secrets.aws.accountId', what: 'AWS account of the IRSA roles (one per namespace: <rolePrefix><namespace>)', value: c.secrets.aws.accountId },
      { field: 'secrets.aws.pathPrefix', what: 'prefix of the secret names (<pathPrefix>/<namespace>/<name>)', value: c.secrets.aws.pathPrefix },
    ] : []),
    // EKS: the load balancer's certificate and subnets, and the controller's cluster, VPC and IAM role.
    ...(c.ingress.alb ? [
      { field: 'ingress.alb.certificateArn', what: 'ACM certificate of the public hosts (the ALB terminates TLS with it)', value: c.ingress.alb.certificateArn },
      { field: 'ingress.alb.subnetCidrs', what: 'the ALB\'s subnets (NetworkPolicy ingress to the exposed pods)', value: c.ingress.alb.subnetCidrs },
    ] : []),
    ...(c.addons.awsLoadBalancerController ? [
      { field: 'addons.awsLoadBalancerController.clusterName', what: 'EKS cluster name', value: c.addons.awsLoadBalancerController.clusterName },
      { field: 'addons.awsLoadBalancerController.vpcId', what: 'the cluster\'s VPC', value: c.addons.awsLoadBalancerController.vpcId },
      { field: 'addons.awsLoadBalancerController.iamRoleArn', what: 'IRSA role of the AWS Load Balancer Controller (docs/eks-platform.md: its policy)', value: c.addons.awsLoadBalancerController.iamRoleArn },
    ] : []),
    ...(c.secrets.vault ? [
      { field: 'secrets.vault.server', what: 'Vault address', value: c.secrets.vault.server },
      { field: 'secrets.vault.cidrs', what: 'Vault addresses (NetworkPolicy egress)', value: c.secrets.vault.cidrs },
    ] : []),
    ...(c.stores.postgres?.standby ? [
      { field: 'stores.postgres.standby.host', what: 'the source site\'s PostgreSQL primary', value: c.stores.postgres.standby.host },
      { field: 'stores.postgres.standby.cidrs', what: 'its addresses', value: c.stores.postgres.standby.cidrs },
      { field: 'stores.postgres.standby.archive.endpoint', what: 'the source site\'s MinIO (WAL archive)', value: c.stores.postgres.standby.archive.endpoint },
    ] : []),
    ...(c.apps.standby && c.stores.minio?.mirror ? [
      { field: 'stores.minio.mirror.endpoint', what: `the source site's MinIO (its objects are copied here every run of minio-mirror)`, value: c.stores.minio.mirror.endpoint },
      { field: 'stores.minio.mirror.cidrs', what: 'its addresses', value: c.stores.minio.mirror.cidrs },
    ] : []),
    // Shared content volumes (pcf-builder's AI brain): a class that serves them, and content uploaded before the install.
    ...Object.entries(c.apps.sharedVolumes).flatMap(([claim, v]) => [
      { field: `apps.sharedVolumes.${claim}.storageClass`, what: `StorageClass of ${claim}: ReadOnlyMany and ReadWriteMany (NFS, CephFS), declared in storageClasses`, value: v.storageClass },
      { field: `apps.sharedVolumes.${claim}.version`, what: `version of its content: upload it to MinIO before the install (docs/pcf-builder.md)`, value: v.version },
    ]),
    ...(c.stores.postgres?.standbyClients ? [
      { field: 'stores.postgres.standbyClients.cidrs', what: 'addresses of the standby site allowed to stream from this primary', value: c.stores.postgres.standbyClients.cidrs },
    ] : []),
    // Managed services instead of in-cluster stores: where they are and the addresses their consumers may reach.
    ...Object.entries(c.external as Record<string, { host?: string; brokers?: readonly string[]; cidrs: readonly string[] } | undefined>)
      .filter((e): e is [string, { host?: string; brokers?: readonly string[]; cidrs: readonly string[] }] => e[1] !== undefined)
      .flatMap(([kind, x]) => [
        x.host !== undefined
          ? { field: `external.${kind}.host`, what: `the managed ${kind}`, value: x.host }
          : { field: `external.${kind}.brokers`, what: `the managed ${kind}'s brokers`, value: x.brokers },
        { field: `external.${kind}.cidrs`, what: `its addresses (NetworkPolicy egress of its consumers)`, value: x.cidrs },
      ]),
  ];
  // Secrets the site creates before the install (an external store's credentials, an outside service's keys): the generator never does.
  const supplied = p.secrets.filter((s) => s.suppliedBy === 'site').map((s) => `- \`${s.namespace}/${s.name}\` with keys ${s.keys.map((k) => `\`${k}\``).join(', ')}`);
  const shared = p.secrets.filter((s) => s.fromSource).map((s) => `- \`${s.namespace}/${s.name}\` from the source's \`${s.fromSource!.namespace}/${s.fromSource!.name}\``);
  const show = (v: unknown) => (v === '' ? '(empty)' : Array.isArray(v) ? v.map((x) => `\`${x}\``).join(', ') : `\`${String(v)}\``);
  const flag = (v: unknown) => (PLACEHOLDER.test(Array.isArray(v) ? v.join(' ') : String(v)) ? ' **placeholder (example domain): replace**' : '');
  const hosts = [...new Set(ingressEndpoints(p.charts.flatMap((ch) => ch.manifests)).map((e) => e.host))];
  const target = c.ingress.alb ? 'the DNS name of the Application Load Balancer (an alias record; `kubectl get ingress` shows it once the AWS Load Balancer Controller has created it)'
    : c.addons.ingressNginx.enabled
    ? (c.addons.ingressNginx.service === 'NodePort' ? 'every node\'s address (ingress-nginx NodePort 30080/30443, or a load balancer in front of them)' : 'the address the LoadBalancer Service of ingress-nginx receives')
    : `the address of the ingress controller of class "${c.ingress.className}"${c.cluster.flavour === 'k3s' ? ' (k3s\'s Traefik: the nodes\' addresses)' : ''}`;
  const lines = [
    `# Site checklist: ${c.name}`,
    '',
    'Generated by charts/output/checklist.ts from the environment and the rendered manifests; do not edit.',
    `Set each value in the file named (a value from \`environments/${c.platform.name}/base.ts\` is shared: override it in the`,
    `environment's own file), then run \`npm run check\` and \`npm run synth\`.`,
    '',
    '| field | what | current value | set in |',
    '| --- | --- | --- | --- |',
    ...items.map((i) => `| \`${i.field}\` | ${i.what} | ${show(i.value)}${flag(i.value)} | ${whereSet(i.field)} |`),
    '',
    '## Nodes',
    '',
    `The render checks that everything fits these machines (\`cluster.nodePools\` in ${whereSet('cluster.nodePools')}; CPU and`,
    'memory per node, before the system reserve). Declare the site\'s own if they differ, then `npm run check`:',
    '',
    ...c.cluster.nodePools.map((pool) => `- ${poolSummary(pool)}${Object.keys(pool.labels).length ? ` (labels ${Object.entries(pool.labels).map(([k, v]) => `\`${k}=${v}\``).join(', ')})` : ''}`),
    '',
    '## Public TLS',
    '',
    publicTls(p.charts.flatMap((ch) => ch.manifests)),
    '',
    '## Images',
    '',
    c.images.registry
      ? `Mirror every image of \`images.txt\` into \`${c.images.registry}\` before installing.`
      : 'Images are pulled from their upstream registries (`images.txt` lists them): the nodes need to reach them.',
    'No image pull Secrets are rendered: the nodes must be able to pull without credentials, or the container',
    'runtime of each node must hold them (containerd\'s registry configuration; k3s: `/etc/rancher/k3s/registries.yaml`).',
    '',
    '## DNS entries to create',
    '',
    `Each host resolves to ${target}:`,
    '',
    ...hosts.map((h) => `- \`${h}\`${flag(h)}`),
    '',
    ...(supplied.length ? [
      '## Secrets the site creates',
      '',
      'The credentials of the managed services and the keys of outside services (model providers), created in each',
      'namespace before the install (`npm run secrets` never generates them; the installer stops until they exist):',
      '',
      ...supplied,
      '',
    ] : []),
    ...(shared.length && c.secrets.source === 'generate' ? [
      '## Secrets copied from the source environment',
      '',
      'This environment follows another one: these Secrets must hold the source\'s values (never fresh ones), copied',
      `from its cluster with \`npm run secrets -- --platform ${c.platform.name} --env ${c.name} --apply --context <this cluster> --source-context <the source's cluster>\``,
      '(the installer stops until they exist):',
      '',
      ...shared,
      '',
    ] : []),
  ];
  return lines.join('\n');
}

/**
 * What the site must provide or distribute for the public certificates, read from the issuer the rendered
 * Ingress certificates name (charts/ingress), so it says what the manifests do.
 */
function publicTls(ms: readonly Manifest[]): string {
  const tlsSecrets = new Set(ms.filter((m) => m.kind === 'Ingress').flatMap((m) => (m.spec?.tls ?? []).map((t: { secretName: string }) => `${m.metadata.namespace}/${t.secretName}`)));
  const certs = ms.filter((m) => m.kind === 'Certificate' && tlsSecrets.has(`${m.metadata.namespace}/${m.spec.secretName}`));
  const issuer = ms.find((m) => m.kind === 'ClusterIssuer' && certs.some((x) => x.spec.issuerRef.name === m.metadata.name));
  if (!issuer) return 'No Ingress certificate is rendered.';
  if (issuer.spec.acme) {
    return `cert-manager obtains each host's certificate from ${issuer.spec.acme.server} with the HTTP-01 challenge: every host below must `
      + 'resolve publicly to the ingress controller, and port 80 must be reachable from that ACME server (the internet, for Let\'s Encrypt).';
  }
  if (issuer.spec.ca) {
    const secret = issuer.spec.ca.secretName as string;
    const root = ms.find((m) => m.kind === 'Certificate' && m.spec.secretName === secret);
    const ns = root?.metadata.namespace ?? 'cert-manager';
    return [
      `The certificates are issued by the platform's own CA (ClusterIssuer ${issuer.metadata.name}), made in the cluster at install:`,
      'browsers and API clients must trust it. Once 03-pki is applied, export it and distribute it to them:',
      '',
      '```sh',
      `kubectl -n ${ns} get secret ${secret} -o jsonpath='{.data.ca\\.crt}' | base64 -d > ${secret}.crt`,
      '```',
    ].join('\n');
  }
  return `The certificates are self-signed (ClusterIssuer ${issuer.metadata.name}): browsers warn, and API clients must trust each one.`;
}
