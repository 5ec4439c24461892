/**
 * The PCF Builder platform (seed 001): its one service (./catalog.ts), the values its environments share
 * (./base.ts) and the environments of the seed's "Deployment Environments" table, one file each.
 */
import { definePlatform } from '../platform';
import { base } from './base';
import { CATALOG } from './catalog';
import { development } from './development';
import { production } from './production';
import { staging } from './staging';

export const pcfBuilder = definePlatform({
  name: 'pcf-builder',
  displayName: 'PCF Builder',
  labelDomain: 'pcf-builder.io',
  partOf: 'pcf-builder',
  folder: 'environments/pcf-builder',
  // MinIO is seed 001's S3 (the AI brain's source) and where Redis and PostgreSQL back up.
  // Elasticsearch: seed 001 "Monitoring" logs to Elasticsearch + Kibana, an option (addons.logging backend
  // "elasticsearch", docs/pcf-builder.md): only where an environment turns it on.
  stores: ['postgres', 'redis', 'minio', 'elasticsearch'],
  // Development runs on SQLite (seed 001 "Deployment Environments"): no PostgreSQL there.
  optionalStores: ['postgres', 'elasticsearch'],
  catalog: CATALOG,
  // One application: its Node.js API in its own namespace.
  appFolders: [{ folder: '22-app', namespaces: ['pcf-builder'] }],
  base,
  environments: { development, staging, production },
});
