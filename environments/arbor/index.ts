/**
 * The Arbor/Kumori platform (spec 003): its services (./catalog.ts), the values its environments share
 * (./base.ts) and its environments, one file each. The document's production has three regions; each is an
 * environment of its own (they differ: the primary holds the database, the third runs only the API and CDN).
 */
import { definePlatform } from '../platform';
import { base } from './base';
import { CATALOG } from './catalog';
import { development } from './development';
import { productionApSoutheast1 } from './production-ap-southeast-1';
import { productionEuWest1 } from './production-eu-west-1';
import { productionUsEast1 } from './production-us-east-1';
import { staging } from './staging';

export const arbor = definePlatform({
  name: 'arbor',
  displayName: 'Arbor/Kumori',
  labelDomain: 'arbor.example.com',
  partOf: 'arbor-platform',
  folder: 'environments/arbor',
  // Neon becomes the in-cluster PostgreSQL; MinIO holds its backups and stands in for R2 / Vercel Blob.
  stores: ['postgres', 'minio'],
  catalog: CATALOG,
  // Providers before their consumers: the GPU workers (Kumori's API hands them work), the APIs, the queue workers.
  appFolders: [
    { folder: '20-gpu-workers', kinds: ['gpu-worker'] },
    { folder: '22-core', namespaces: ['app-core'] },
    { folder: '25-workers', namespaces: ['app-batch'], kinds: ['queue-worker'] },
  ],
  base,
  environments: {
    development,
    staging,
    'production-us-east-1': productionUsEast1,
    'production-eu-west-1': productionEuWest1,
    'production-ap-southeast-1': productionApSoutheast1,
  },
});
