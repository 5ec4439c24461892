/**
 * The SME receivables platform (spec 002): its services (./catalog.ts), the values its environments share
 * (./base.ts) and its environments, one file each.
 */
import { definePlatform } from '../platform';
import { base } from './base';
import { CATALOG } from './catalog';
import { dev } from './dev';
import { dr } from './dr';
import { onprem } from './onprem';
import { production } from './production';
import { staging } from './staging';

export const receivables = definePlatform({
  name: 'receivables',
  displayName: 'receivables',
  labelDomain: 'sme-receivables.io',
  partOf: 'receivables-platform',
  folder: 'environments/receivables',
  stores: ['postgres', 'redis', 'minio', 'elasticsearch', 'clickhouse', 'kafka'],
  catalog: CATALOG,
  // Providers before their consumers (Argo CD waves follow the folder order): agents use the model server, core
  // services use integration, the frontend uses core, the gateway routes to all of them.
  appFolders: [
    { folder: '20-model-serving', kinds: ['model-server'] },
    { folder: '21-integration', namespaces: ['app-integration'] },
    { folder: '22-core', namespaces: ['app-core'], kinds: ['node-api', 'python-agent', 'model-server', 'static-frontend', 'batch-job'] },
    { folder: '23-agents', kinds: ['python-agent'] },
    { folder: '24-frontend', namespaces: ['app-frontend'] },
    { folder: '25-batch', namespaces: ['app-batch'] },
    { folder: '29-gateway', kinds: ['gateway'] },
  ],
  base,
  environments: { dev, staging, production, dr, onprem },
});
