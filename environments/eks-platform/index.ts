/**
 * The EKS platform (spec 004 "Architecture Diagrams and System Documentation"): its services (./catalog.ts), the
 * values its environments share (./base.ts, ./aws.ts) and its environments: production in us-west-2, dr in
 * us-east-1, and development on k3s with the stores in the cluster. docs/eks-platform.md describes it.
 */
import { definePlatform } from '../platform';
import { base } from './base';
import { CATALOG } from './catalog';
import { development } from './development';
import { dr } from './dr';
import { production } from './production';

export const eksPlatform = definePlatform({
  name: 'eks-platform',
  displayName: 'EKS',
  labelDomain: 'eks-platform.example.com',
  partOf: 'eks-platform',
  folder: 'environments/eks-platform',
  // Managed services in production and dr (external.<kind>), in the cluster in development.
  stores: ['postgres', 'redis', 'kafka', 'elasticsearch', 'minio'],
  catalog: CATALOG,
  // Providers before their consumers: the APIs, the workers, Kong (it routes to the APIs), the scheduled jobs.
  appFolders: [
    { folder: '20-apps', namespaces: ['apps'] },
    { folder: '22-workers', namespaces: ['workers'] },
    { folder: '24-platform', namespaces: ['platform'] },
    { folder: '26-batch', namespaces: ['batch'] },
  ],
  base,
  environments: { development, production, dr },
});
