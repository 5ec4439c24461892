/** Security contexts that satisfy Pod Security `restricted`. */
import type { k8s } from '../../imports/k8s';

/** An unprivileged uid/gid used where an image does not bring its own non-root user. */
export const DEFAULT_UID = 10001;

export function podSecurityContext(uid: number = DEFAULT_UID, gid: number = uid): k8s.PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: gid,
    fsGroup: gid,
    // Skips the recursive chown of large volumes on every start.
    fsGroupChangePolicy: 'OnRootMismatch',
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

export interface ContainerSecurityOptions {
  /** @default true: writable paths are emptyDir or persistent volumes */
  readonly readOnlyRootFilesystem?: boolean;
}

export function containerSecurityContext(o: ContainerSecurityOptions = {}): k8s.SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    readOnlyRootFilesystem: o.readOnlyRootFilesystem ?? true,
    runAsNonRoot: true,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/**
 * The pod-level isolation of a store's pods: no Kubernetes API token (none of them calls the API), no service-link
 * variables (a namespace's Services would otherwise appear in every container's environment), and the
 * restricted security context as `uid`/`gid`.
 */
export function isolatedPod(uid: number = DEFAULT_UID, gid: number = uid): Pick<k8s.PodSpec, 'automountServiceAccountToken' | 'enableServiceLinks' | 'securityContext'> {
  return { automountServiceAccountToken: false, enableServiceLinks: false, securityContext: podSecurityContext(uid, gid) };
}
