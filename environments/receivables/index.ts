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
  folder: 'environments/receivables',
  stores: ['postgres', 'redis', 'minio', 'elasticsearch', 'clickhouse', 'kafka'],
  catalog: CATALOG,
  base,
  environments: { dev, staging, production, dr, onprem },
});
