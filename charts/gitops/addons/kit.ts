/**
 * Helpers of the add-ons in their own files (charts/gitops/addons/<name>.ts), which never import the catalog (it
 * imports them): what they return (`AddonSpec`, ./shapes.ts), container sizes and the restricted security context.
 */
export type { AddonSpec } from './shapes';

/** Requests and limits of one container. */
export const res = (cpu: string, memory: string, cpuLimit: string, memoryLimit = memory) =>
  ({ requests: { cpu, memory }, limits: { cpu: cpuLimit, memory: memoryLimit } });

/** The container security context Pod Security `restricted` admits. */
export const RESTRICTED = {
  runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' },
} as const;
