/**
 * dr: a standby copy of production in another site (spec 002 §2.4): same scale, same release, its own cluster,
 * activated only on failover. It is also the air-gapped example: images come from the site's own registry and
 * TLS from a private CA.
 */
import { deepMerge, type DeepPartial } from '../merge';
import { production } from './production';
import type { EnvironmentInput } from '../schema';

/**
 * The dr site's CA certificate (public). This is a stand-in generated for the example site: replace it with the
 * site's own CA certificate, and supply its key pair as the Secret `site-ca` in cert-manager (docs/gitops-install.md).
 */
const SITE_CA = `${[
  '-----BEGIN CERTIFICATE-----',
  'MIIBqjCCAVGgAwIBAgIUR6eA+9QpImXs5T9VOPdYZMQurFIwCgYIKoZIzj0EAwIw',
  'KzEpMCcGA1UEAwwgcmVjZWl2YWJsZXMgZHIgc2l0ZSBDQSAoZXhhbXBsZSkwHhcN',
  'MjYxMjA0MjEwMjM4WhcNMzYxMjAxMjEwMjM4WjArMSkwJwYDVQQDDCByZWNlaXZh',
  'YmxlcyBkciBzaXRlIENBIChleGFtcGxlKTBZMBMGByqGSM49AgEGCCqGSM49AwEH',
  'A0IABAHFqUXfhYqU55XW7TLngWGe36cj5kiN1MPbphwcgwHA/R9Z5pXU9r74YOgj',
  'o29JorUXDFXYAv5W6y/Y6f6SKj6jUzBRMB0GA1UdDgQWBBQPvmcvMqNWL5EhiS74',
  'XorqCQHaGDAfBgNVHSMEGDAWgBQPvmcvMqNWL5EhiS74XorqCQHaGDAPBgNVHRMB',
  'Af8EBTADAQH/MAoGCCqGSM49BAMCA0cAMEQCIFXKLcmPl9ltYRZwosBGf1RZvrX2',
  'clsmsvgdyFw6cvnMAiBIR3hp/mQoNejnm+ifFzDGnKJpC4jD1U0Ew5R3/ChJbA==',
  '-----END CERTIFICATE-----',
].join('\n')}\n`;

export const dr: DeepPartial<EnvironmentInput> = deepMerge(production, {
  description: 'Disaster recovery: a standby of production in a second site, promoted only on failover',
  cluster: {
    apiServerCidrs: ['10.96.0.1/32', '10.30.0.0/24'], nodeCidrs: ['10.30.0.0/24'], server: 'https://dr-cluster.receivables.internal:6443',
    // The site's servers (Vault, chart mirror, Git) present certificates of this CA; cert-manager issues from it.
    siteCa: { certificate: SITE_CA, secretName: 'site-ca' },
  },
  // The site's own Git server (a mirror of production's repository): dr must install without the primary site.
  gitops: { repoURL: 'https://git.dr.receivables.internal/platform/receivables-deploy.git', sourceCidrs: ['10.30.1.16/28'] },
  ingress: { baseDomain: 'dr.receivables.example.com', tlsIssuer: 'ca' },
  images: { registry: 'registry.dr.receivables.internal:5000' },
  // Follows production's primary (exposed to the DR site at this address) and reads its WAL archive from
  // production's MinIO. Promotion: docs/postgres.md.
  // Failback: after a failover production is rebuilt as a standby of this site, so production's nodes get in here.
  stores: {
    postgres: {
      standby: {
        host: 'postgres.receivables.example.com', port: 5432, cidrs: ['10.10.0.0/24'], sourceEnvironment: 'production',
        // production's MinIO, exposed to this site (docs/postgres.md): restore_command replays its WAL archive.
        archive: { endpoint: 'http://minio.receivables.example.com:9000', cidrs: ['10.10.0.0/24'] },
      },
      standbyClients: { cidrs: ['10.10.0.0/24'] },
    },
  },
  // Air-gapped: charts from the site's mirror, Secret values from the site's own Vault.
  addons: { chartMirror: 'https://charts.dr.receivables.internal', externalSecrets: { enabled: true } },
  secrets: {
    source: 'vault',
    vault: {
      server: 'https://vault.dr.receivables.internal:8200', cidrs: ['10.30.1.0/28'], mount: 'secret',
      pathPrefix: 'receivables/dr', authMount: 'kubernetes-dr', rolePrefix: 'receivables-',
    },
  },
  // Services wait at zero replicas and jobs are suspended until failover sets this to false.
  apps: { standby: true },
} satisfies DeepPartial<EnvironmentInput>);
