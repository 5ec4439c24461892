/**
 * The F&B AI platform (spec 000): its services and agents (./catalog.ts), the values its environments share
 * (./base.ts) and its environments, one file each: §8's local dev, staging and production, and §7.1's hot standby.
 */
import { definePlatform } from '../platform';
import { base } from './base';
import { CATALOG } from './catalog';
import { dev } from './dev';
import { production } from './production';
import { staging } from './staging';
import { standby } from './standby';

export const fnb = definePlatform({
  name: 'fnb',
  displayName: 'F&B',
  labelDomain: 'fnb.example.com',
  partOf: 'fnb-platform',
  folder: 'environments/fnb',
  stores: ['postgres', 'redis', 'minio', 'weaviate'],
  catalog: CATALOG,
  // The four services of §2.2, then the agents of §4.1 (which use none of them: work reaches them through Redis).
  appFolders: [
    { folder: '22-core', namespaces: ['app-core'] },
    { folder: '23-agents', namespaces: ['agents'] },
  ],
  base,
  environments: { dev, staging, production, standby },
});
