/**
 * The `stores.minio` section of an environment: its shape and field rules (zod), registered in
 * charts/data/stores.ts; its server pools (./chart.ts; pools are appended, never resized: ./guard.ts).
 */
import { z } from 'zod';
import { computeResources, dnsLabel, replicas, volume } from '../../../environments/values';

/** One MinIO server pool: a StatefulSet of `servers` pods with `drivesPerServer` volumes each. Never resized in place. */
export const minioPool = z.strictObject({
  /** Stable name (the StatefulSet is `minio-<name>`); pools are added, never renamed. */
  name: dnsLabel.refine((n) => n.length <= 40, { message: 'must be at most 40 characters' }),
  servers: replicas(1),
  drivesPerServer: replicas(1).max(32, { message: 'must be at most 32' }),
  volume,
});
export type MinioPool = z.infer<typeof minioPool>;

export const minioSection = z.strictObject({
  /** Server pools, oldest first. Capacity grows by appending a pool (see docs/minio.md). */
  pools: z.array(minioPool).min(1, { message: 'must list at least one pool' }),
  /** Parity of the STANDARD storage class (EC:N). @default MinIO's default for the smallest erasure set */
  parity: z.number().int({ message: 'must be a whole number' }).min(0, { message: 'must be at least 0' }).optional(),
  resources: computeResources,
});
