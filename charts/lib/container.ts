/** The parts every container and pod volume of the charts repeats: image, pull policy, security context, scratch space. */
import type { EnvironmentConfig } from '../../environments/schema';
import { k8s } from '../../imports/k8s';
import { image } from './images';
import { containerSecurityContext } from './security';

/** What a container adds to its base: everything but the name, image and pull policy. */
export type ContainerSpec = Omit<k8s.Container, 'name' | 'image' | 'imagePullPolicy'>;

/**
 * A container of `upstream` (a pinned reference, rewritten to the environment's registry by `image()`), pulled as
 * the environment says, under the restricted security context unless `spec` brings its own (a privileged sysctl).
 */
export function container(config: EnvironmentConfig, name: string, upstream: string, spec: ContainerSpec = {}): k8s.Container {
  return {
    name,
    image: image(config, upstream),
    imagePullPolicy: config.images.pullPolicy,
    securityContext: containerSecurityContext(),
    ...spec,
  };
}

/** A named TCP container port (Services target it by name). */
export function containerPort(name: string, port: number): k8s.ContainerPort {
  return { name, containerPort: port, protocol: 'TCP' };
}

/**
 * An emptyDir volume: scratch space on the node's disk, or in memory (`medium: 'Memory'`, counted against the
 * pod's memory limit) for what must never touch a disk (keys, rendered passwords).
 * @param sizeLimit @default none (the node's free space bounds it)
 */
export function emptyDir(name: string, sizeLimit?: string, medium?: 'Memory'): k8s.Volume {
  return {
    name,
    emptyDir: {
      ...(medium ? { medium } : {}),
      ...(sizeLimit ? { sizeLimit: k8s.Quantity.fromString(sizeLimit) } : {}),
    },
  };
}

/** When a probe runs and how many failures in a row fail it; every probe times out after `timeoutSeconds`. */
export interface ProbeTiming {
  readonly periodSeconds: number;
  /** @default the API server's (3) */
  readonly failureThreshold?: number;
  /** @default 5: the API server's 1 s is too short for a loaded store */
  readonly timeoutSeconds?: number;
}

function timing(t: ProbeTiming): Pick<k8s.Probe, 'periodSeconds' | 'timeoutSeconds' | 'failureThreshold'> {
  return { periodSeconds: t.periodSeconds, timeoutSeconds: t.timeoutSeconds ?? 5, ...(t.failureThreshold !== undefined ? { failureThreshold: t.failureThreshold } : {}) };
}

/** A TCP connect to the container port named `port`. */
export function tcpProbe(port: string, t: ProbeTiming): k8s.Probe {
  return { tcpSocket: { port: k8s.IntOrString.fromString(port) }, ...timing(t) };
}

/** An HTTP GET of `path` on the container port named `port` (success: 200–399). */
export function httpProbe(path: string, port: string, t: ProbeTiming, scheme?: 'HTTP' | 'HTTPS'): k8s.Probe {
  return { httpGet: { path, port: k8s.IntOrString.fromString(port), ...(scheme ? { scheme } : {}) }, ...timing(t) };
}

/** A command in the container (success: exit status 0). */
export function execProbe(command: readonly string[], t: ProbeTiming): k8s.Probe {
  return { exec: { command: [...command] }, ...timing(t) };
}
