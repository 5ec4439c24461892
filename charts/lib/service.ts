/** Services the charts share. */
import type { Construct } from 'constructs';
import { k8s } from '../../imports/k8s';
import type { Labels } from './labels';

/** Service ports that target the container port of the same name (renaming a container port then fails loudly). */
export function servicePort(name: string, port: number): k8s.ServicePort {
  return { name, port, targetPort: k8s.IntOrString.fromString(name), protocol: 'TCP' };
}

/**
 * A service port that targets a container port by name, without `protocol` (TCP is the API server's default;
 * the Services that have always rendered without it keep doing so, byte for byte).
 * @param target the container port's name; @default `name`
 */
export function namedPort(name: string, port: number, target: string = name): k8s.ServicePort {
  return { name, port, targetPort: k8s.IntOrString.fromString(target) };
}

/**
 * The headless Service that governs a StatefulSet: one DNS name per pod, published before the pod is ready,
 * because the members of a store must find each other to become ready at all (an election, a quorum, a
 * replica cloning from its primary).
 */
export function headlessService(scope: Construct, id: string, metadata: k8s.ObjectMeta, selector: Labels, ports: k8s.ServicePort[]): k8s.KubeService {
  return new k8s.KubeService(scope, id, { metadata, spec: { clusterIp: 'None', publishNotReadyAddresses: true, selector, ports } });
}

/** The Service clients use: a cluster IP in front of the ready pods of `selector`. */
export function clusterService(scope: Construct, id: string, metadata: k8s.ObjectMeta, selector: Labels, ports: k8s.ServicePort[]): k8s.KubeService {
  return new k8s.KubeService(scope, id, { metadata, spec: { selector, ports } });
}
