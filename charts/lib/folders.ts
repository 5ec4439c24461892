/**
 * The folder of every chart under dist/<platform>/<env>/, in one table: the number is the chart's place in the apply order
 * (the installer's step, the Argo CD sync wave between child Applications; see charts/gitops/order.ts for the
 * add-ons' exception). 0x: namespaces, tenants, network, the CA, Vault's ExternalSecrets; 1x: the stores, one
 * folder per kind (`1x-<kind>`, each kind's line in charts/data/index.ts); 2x: the applications, providers
 * before their consumers (each platform's `appFolders`, environments/<platform>/index.ts); 30: ingress; 50: monitoring; 55: VerticalPodAutoscalers; 90: the add-ons; 99: GitOps.
 */
export const FOLDERS = {
  namespaces: '00-namespaces',
  tenants: '01-tenants',
  network: '02-network',
  pki: '03-pki',
  externalSecrets: '05-external-secrets',
  ingress: '30-ingress',
  monitoring: '50-monitoring',
  vpa: '55-vpa',
  addons: '90-addons',
  gitops: '99-gitops',
} as const;
