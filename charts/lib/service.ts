/** Service ports that target the container port of the same name (renaming a container port then fails loudly). */
import { k8s } from '../../imports/k8s';

export function servicePort(name: string, port: number): k8s.ServicePort {
  return { name, port, targetPort: k8s.IntOrString.fromString(name), protocol: 'TCP' };
}
