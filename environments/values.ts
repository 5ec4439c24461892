/**
 * Primitive value types of the configuration, each with the "what is allowed" wording used in error messages:
 * shared by the environment shape (./schema.ts) and the store kinds' own sections (charts/data/<kind>/config.ts).
 */
import { z } from 'zod';
import { cidrNetwork, CRON_HINT, cronProblem } from './cron';

const DNS_LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const CPU = /^([0-9]+m|[0-9]+(\.[0-9]{1,3})?)$/;
const MEMORY = /^[0-9]+(Ki|Mi|Gi|Ti)$/;
const CIDR = /^((25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\/([0-9]|[12][0-9]|3[0-2])$/;
export const REGISTRY = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:[0-9]{1,5})?(\/[a-z0-9]([-a-z0-9._]*[a-z0-9])?)*$/;

export const dnsLabel = z.string().regex(DNS_LABEL, {
  message: 'must be a DNS label: lowercase letters, digits and "-", starting with a letter, at most 63 characters',
});
export const dnsName = z.string().regex(DNS_NAME, { message: 'must be a lowercase DNS name such as example.com' });
export const cpu = z.string().regex(CPU, { message: 'must be a CPU quantity such as 250m or 2' });
export const memory = z.string().regex(MEMORY, { message: 'must be a memory quantity in Ki, Mi, Gi or Ti such as 512Mi' });
const STORAGE = /^[0-9]+(Ki|Mi|Gi|Ti)$/;
/** A storage amount (quotas): zero allowed. */
export const storage = z.string().regex(STORAGE, { message: 'must be a storage quantity in Ki, Mi, Gi or Ti such as 20Gi' });
/** The size of a volume: a PersistentVolumeClaim of 0 bytes is refused by the API server. */
export const volumeSize = z.string().regex(STORAGE, { message: 'must be a volume size in Ki, Mi, Gi or Ti such as 10Gi' })
  .refine((q) => !STORAGE.test(q) || parseInt(q, 10) > 0, { message: 'must be a volume size greater than zero such as 10Gi' });
export const cidr = z.string().regex(CIDR, { message: 'must be an IPv4 CIDR such as 10.43.0.1/32' })
  .superRefine((c, ctx) => {
    const network = cidrNetwork(c);
    if (CIDR.test(c) && network !== c) ctx.addIssue({ code: 'custom', message: `has host bits set: its network is ${network} (write that, or /32 for one address)` });
  });
/** A CronJob schedule as Kubernetes parses it (every field's range, names, steps and lists; see ./cron.ts). */
export const cronSchedule = z.string().superRefine((s, ctx) => {
  const problem = cronProblem(s);
  if (problem) ctx.addIssue({ code: 'custom', message: `${problem} (${CRON_HINT})` });
});
export const replicas = (min: number) => z.number().int({ message: 'must be a whole number' }).min(min, { message: `must be at least ${min}` });

export const computeResources = z.strictObject({
  requests: z.strictObject({ cpu, memory }),
  limits: z.strictObject({ cpu, memory }),
});
export type ComputeResources = z.infer<typeof computeResources>;

/**
 * A store's scheduled backups (Redis, ClickHouse, Weaviate: one shape): when, as a cron schedule, and how many
 * days a backup is kept (the job prunes older ones after a successful run). PostgreSQL's are continuous
 * (WAL-G: `intervalHours` between base backups) and Elasticsearch's are snapshots managed in code.
 */
export const scheduledBackup = z.strictObject({
  schedule: cronSchedule,
  retentionDays: z.number().int({ message: 'must be a whole number' })
    .min(1, { message: 'must be at least 1 day: the job would remove the backup it just wrote' }).max(3650, { message: 'must be at most 3650 (ten years)' }),
});

/** A volume of a store: its size. */
export const volume = z.strictObject({ size: volumeSize });
