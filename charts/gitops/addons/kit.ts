/**
 * What an add-on in its own file (charts/gitops/addons/<name>.ts) returns: the shape of addons-catalog.ts's
 * `Addon`, with its name as a literal. Kept here, below the catalog, so that the catalog can import the add-on
 * files without an import cycle (they never import the catalog).
 */
export interface AddonSpec<N extends string> {
  readonly name: N;
  readonly namespace: string;
  readonly chart: string;
  readonly repoURL: string;
  readonly version: string;
  readonly images: readonly string[];
  readonly values: Record<string, unknown>;
  readonly ignoreDifferences: readonly Record<string, unknown>[];
}

/** Requests and limits of one container. */
export const res = (cpu: string, memory: string, cpuLimit: string, memoryLimit = memory) =>
  ({ requests: { cpu, memory }, limits: { cpu: cpuLimit, memory: memoryLimit } });

/** The container security context Pod Security `restricted` admits. */
export const RESTRICTED = {
  runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' },
} as const;
