/**
 * dr: a standby copy of production in another site (spec 002 §2.4): same scale, same release, its own cluster,
 * activated only on failover. It is also the air-gapped example: images come from the site's own registry and
 * TLS from a private CA.
 */
import { deepMerge, type DeepPartial } from './merge';
import { production } from './production';
import type { EnvironmentInput } from './schema';

export const dr: DeepPartial<EnvironmentInput> = deepMerge(production, {
  description: 'Disaster recovery: a standby of production in a second site, promoted only on failover',
  cluster: { apiServerCidrs: ['10.96.0.1/32', '10.30.0.0/24'], server: 'https://dr-cluster.receivables.internal:6443' },
  ingress: { baseDomain: 'dr.receivables.example.com', tlsIssuer: 'ca' },
  images: { registry: 'registry.dr.receivables.internal:5000' },
  // Services wait at zero replicas and jobs are suspended until failover sets this to false.
  apps: { standby: true },
} satisfies DeepPartial<EnvironmentInput>);
