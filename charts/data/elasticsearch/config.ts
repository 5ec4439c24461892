/**
 * The `stores.elasticsearch` section of an environment: its shape and field rules (zod), registered in
 * charts/data/stores.ts; masters, data and coordinating nodes (./chart.ts).
 */
import { z } from 'zod';
import { computeResources, replicas, volume } from '../../../environments/values';

export const elasticsearchSection = z.strictObject({
  /** Master-eligible nodes; with no data nodes they hold every role (dev's single node). Odd, for a majority. */
  masters: replicas(1), data: replicas(0), coordinating: replicas(0),
  /** Volume of each data node (of each master when masters hold data). */
  volume,
  /** Volume of each dedicated master (cluster state only). @default 10Gi */
  masterVolume: volume.optional(),
  resources: computeResources,
  /**
   * How Elasticsearch lives with vm.max_map_count: `disableMmap` sets node.store.allow_mmap: false (NIO instead of
   * mmap; stays within Pod Security restricted), `sysctlInitContainer` raises the host's vm.max_map_count with a
   * privileged init container, which needs the db-elasticsearch namespace at podSecurity privileged. No default:
   * each environment states its choice.
   */
  maxMapCount: z.enum(['disableMmap', 'sysctlInitContainer']),
});
