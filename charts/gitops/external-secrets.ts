/**
 * 05-external-secrets, where the environment keeps Secret values in Vault (secrets.source `vault`; AWS Secrets
 * Manager with `aws`, the same shape with an IRSA-annotated ServiceAccount and an `aws` provider): in every
 * namespace with declared Secrets, a ServiceAccount Vault's Kubernetes auth logs in with, a SecretStore for
 * Vault (role `<rolePrefix><namespace>`, so a namespace reads only its own paths) and one ExternalSecret per
 * declared Secret. Values live at `<mount>/<pathPrefix>/<namespace>/<secret>`, one property per key; a copy
 * (`copyOf`) reads the original's path, so both hold the same values; `fixed` keys are written by the template.
 * Secrets are never deleted with their ExternalSecret: creationPolicy Orphan (no owner reference, so deleting
 * or pruning the ExternalSecret, or its whole Application, does not garbage-collect the Secret: external-secrets
 * docs, guides/ownership-deletion-policy.md) and deletionPolicy Retain (a value removed from Vault stays). Its
 * Application has no cascade finalizer either (gitops.ts). The SecretStore trusts the site's CA where there is
 * one (cluster.siteCa). Bootstrap Secrets (addons-catalog.ts) are generated in the cluster, not read from Vault.
 */
import { ApiObject, Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import type { IExternalSecret } from '@kubernetes-models/external-secrets/external-secrets.io/v1beta1/ExternalSecret';
import type { ISecretStore } from '@kubernetes-models/external-secrets/external-secrets.io/v1beta1/SecretStore';
import type { DeclaredSecret } from '../data/refs';
import type { PlatformContext } from '../context';
import { k8s } from '../../imports/k8s';
import { FOLDERS } from '../lib/folders';
import { IRSA_ANNOTATION, meta } from '../lib/labels';
import { isBootstrapSecret } from './addons-catalog';

export const EXTERNAL_SECRETS_FOLDER = FOLDERS.externalSecrets;
export const VAULT_STORE = 'vault';
export const VAULT_SERVICE_ACCOUNT = 'vault-auth';
export const AWS_STORE = 'aws-secrets-manager';
export const AWS_SERVICE_ACCOUNT = 'secrets-reader';
export { IRSA_ANNOTATION };
const API = 'external-secrets.io/v1beta1';

/** The Vault path (below the KV mount), or the AWS secret name, that holds a declared Secret's values. */
export function vaultPath(pathPrefix: string, s: DeclaredSecret): string {
  const origin = s.copyOf ?? { namespace: s.namespace, name: s.name };
  return `${pathPrefix}/${origin.namespace}/${origin.name}`;
}

export class ExternalSecretsChart extends Chart {
  constructor(scope: Construct, id: string, ctx: PlatformContext) {
    super(scope, id, { disableResourceNameHashes: true });
    const c = ctx.config;
    const { vault, aws } = c.secrets;
    if (!(c.secrets.source === 'vault' && vault) && !(c.secrets.source === 'aws' && aws)) {
      throw new Error(`environment "${c.name}": ExternalSecrets need secrets.source "vault" with secrets.vault, or "aws" with secrets.aws`);
    }
    const m = (name: string, namespace: string, component: string, annotations?: Record<string, string>) =>
      meta(c, { name, namespace, id: { name: 'external-secrets', component, instance: name }, annotations });
    const storeName = aws && c.secrets.source === 'aws' ? AWS_STORE : VAULT_STORE;
    const pathPrefix = (aws && c.secrets.source === 'aws' ? aws : vault!).pathPrefix;

    const byNs = new Map<string, DeclaredSecret[]>();
    for (const s of ctx.secrets.filter((x) => !isBootstrapSecret(x))) byNs.set(s.namespace, [...(byNs.get(s.namespace) ?? []), s]);
    for (const [ns, secrets] of [...byNs].sort(([a], [b]) => a.localeCompare(b))) {
      let provider: NonNullable<ISecretStore['spec']>['provider'];
      if (c.secrets.source === 'aws' && aws) {
        // IRSA: the controller exchanges this ServiceAccount's token for the namespace's role (external-secrets
        // docs, provider/aws-secrets-manager.md, "EKS Service Account credentials": auth.jwt.serviceAccountRef).
        const role = `arn:aws:iam::${aws.accountId}:role/${aws.rolePrefix}${ns}`;
        new k8s.KubeServiceAccount(this, `sa-${ns}`, { metadata: m(AWS_SERVICE_ACCOUNT, ns, 'irsa', { [IRSA_ANNOTATION]: role }), automountServiceAccountToken: false });
        provider = { aws: { service: 'SecretsManager', region: aws.region, auth: { jwt: { serviceAccountRef: { name: AWS_SERVICE_ACCOUNT } } } } };
      } else {
        const v = vault!;
        new k8s.KubeServiceAccount(this, `sa-${ns}`, { metadata: m(VAULT_SERVICE_ACCOUNT, ns, 'vault-auth'), automountServiceAccountToken: false });
        provider = {
          vault: {
            server: v.server, path: v.mount, version: 'v2',
            ...(c.cluster.siteCa ? { caBundle: Buffer.from(c.cluster.siteCa.certificate).toString('base64') } : {}),
            auth: { kubernetes: { mountPath: v.authMount, role: `${v.rolePrefix}${ns}`, serviceAccountRef: { name: VAULT_SERVICE_ACCOUNT } } },
          },
        };
      }
      const store: ISecretStore = {
        apiVersion: API, kind: 'SecretStore',
        metadata: m(storeName, ns, 'secret-store') as ISecretStore['metadata'],
        spec: { provider },
      };
      new ApiObject(this, `store-${ns}`, store as any);
      for (const s of [...secrets].sort((a, b) => a.name.localeCompare(b.name))) {
        const fixed = s.fixed ?? {};
        const fetched = s.keys.filter((k) => !(k in fixed));
        const es: IExternalSecret = {
          apiVersion: API, kind: 'ExternalSecret',
          metadata: m(s.name, ns, 'external-secret') as IExternalSecret['metadata'],
          spec: {
            refreshInterval: '1h',
            secretStoreRef: { name: storeName, kind: 'SecretStore' },
            target: {
              name: s.name, creationPolicy: 'Orphan', deletionPolicy: 'Retain',
              ...(Object.keys(fixed).length ? {
                template: {
                  engineVersion: 'v2',
                  data: Object.fromEntries(s.keys.map((k) => [k, k in fixed ? fixed[k] : `{{ .${templateName(k)} }}`])),
                },
              } : {}),
            },
            // With a template the fetched values are template variables; without one they are the Secret's keys.
            data: fetched.map((k) => ({ secretKey: Object.keys(fixed).length ? templateName(k) : k, remoteRef: { key: vaultPath(pathPrefix, s), property: k } })),
          },
        };
        new ApiObject(this, `es-${ns}-${s.name}`, es as any);
      }
    }
  }
}

/** Template variables cannot contain `-` (e.g. `admin-password`): the fetched key is renamed for the template. */
function templateName(key: string): string {
  return key.replace(/[^A-Za-z0-9_]/g, '_');
}
