/** cert-manager Certificates the charts issue: short-lived ECDSA leaf certificates whose keys rotate on renewal. */
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../../environments/schema';
import { meta, type Identity } from './labels';

export interface CertificateProps {
  readonly config: EnvironmentConfig;
  /** The Certificate's name and its Secret's. */
  readonly name: string;
  readonly namespace: string;
  readonly id: Identity;
  readonly issuer: { readonly name: string; readonly kind: 'ClusterIssuer' | 'Issuer' };
  /** What the certificate names and is for: dnsNames, ipAddresses, commonName, usages. */
  readonly subject: Readonly<Record<string, unknown>>;
  /** Private key settings beyond ECDSA P-256 rotated on every renewal (e.g. `encoding: 'PKCS8'`). */
  readonly privateKey?: Readonly<Record<string, unknown>>;
  /** @default '2160h' (90 days) */
  readonly duration?: string;
  /** @default '360h' (renewed 15 days before it expires) */
  readonly renewBefore?: string;
}

export function certificate(scope: Construct, id: string, p: CertificateProps): ApiObject {
  return new ApiObject(scope, id, {
    apiVersion: 'cert-manager.io/v1',
    kind: 'Certificate',
    metadata: meta(p.config, { name: p.name, namespace: p.namespace, id: p.id }),
    spec: {
      secretName: p.name,
      issuerRef: { name: p.issuer.name, kind: p.issuer.kind, group: 'cert-manager.io' },
      ...p.subject,
      duration: p.duration ?? '2160h',
      renewBefore: p.renewBefore ?? '360h',
      privateKey: { algorithm: 'ECDSA', size: 256, ...p.privateKey, rotationPolicy: 'Always' },
    },
  });
}
