/**
 * Falco runtime security (spec 004 "Security Architecture": "Falco Runtime Security"), from falcosecurity/charts
 * `falco` 4.8.3 (Falco 0.38.2, Chart.yaml appVersion), where an environment turns on `addons.falco`.
 *
 * Read at the tag (falcosecurity/charts falco-4.8.3 charts/falco/):
 * - driver.kind `modern_ebpf`: the CO-RE probe built into Falco itself, so no driver-loader init container
 *   (templates/_helpers.tpl driverLoader.enabled is false for modern_ebpf) and no kernel headers or module
 *   build on the nodes (needs a kernel of 5.8 or later). driver.modernEbpf.leastPrivileged: the container gets
 *   the capabilities BPF, SYS_RESOURCE, PERFMON and SYS_PTRACE instead of `privileged: true`
 *   (templates/pod-template.tpl falco.securityContext).
 * - templates/pod-template.tpl mounts hostPath /proc, /etc, /dev, /boot, /lib/modules, /usr and the runtime
 *   socket's directory: Pod Security `privileged` in its namespace (environments/shared.ts FALCO_NAMESPACE).
 * - falcoctl (values.yaml falcoctl.artifact.install/follow, default on) downloads rules from
 *   falcosecurity.github.io and ghcr.io at start and every 6 hours: off. The rules are those of the pinned image
 *   instead (/etc/falco/falco_rules.yaml, values.yaml falco.rules_files), which work air-gapped and change only
 *   with the pinned version: falcosecurity/falco 0.38.2 cmake/modules/rules.cmake installs falco_rules.yaml into
 *   /etc/falco, and docker/no-driver/Dockerfile copies the release package into the image (FROM debian:12-slim,
 *   no USER: root; CMD /usr/bin/falco).
 * - Alerts go to stdout as JSON (falco.json_output), where the cluster's log collection picks them up;
 *   falcosidekick is off (no forwarder is named by the spec).
 */
import type { EnvironmentConfig } from '../../../environments/schema';
import { image, imageParts } from '../../lib/images';
import { res, type AddonSpec } from './kit';

export const FALCO_NAMESPACE = 'falco';
export const FALCO_VERSION = '0.38.2';
/** values.yaml resources (the chart's own figures, kept explicit). */
export const FALCO_RESOURCES = res('100m', '512Mi', '1', '1024Mi');

/** The pinned upstream image (before the registry rewrite). */
export const FALCO_IMAGES = [`docker.io/falcosecurity/falco-no-driver:${FALCO_VERSION}`] as const;

export function falco(c: EnvironmentConfig): AddonSpec<'falco'> {
  const ref = image(c, FALCO_IMAGES[0]);
  const p = imageParts(ref);
  // k3s runs its own containerd (socket under /run/k3s); the collector mounts the socket's directory.
  const containerd = c.cluster.flavour === 'k3s' ? '/run/k3s/containerd/containerd.sock' : '/run/containerd/containerd.sock';
  return {
    name: 'falco', namespace: FALCO_NAMESPACE, chart: 'falco', repoURL: 'https://falcosecurity.github.io/charts', version: '4.8.3',
    images: [ref],
    values: {
      image: { registry: p.registry, repository: p.repository, tag: p.tag, pullPolicy: c.images.pullPolicy },
      driver: { enabled: true, kind: 'modern_ebpf', modernEbpf: { leastPrivileged: true } },
      collectors: {
        enabled: true,
        docker: { enabled: false }, crio: { enabled: false },
        containerd: { enabled: true, socket: containerd },
        kubernetes: { enabled: false },
      },
      falcoctl: { artifact: { install: { enabled: false }, follow: { enabled: false } } },
      falcosidekick: { enabled: false },
      resources: FALCO_RESOURCES,
      // Every node, tainted pools included (values.yaml tolerates only the control plane's taints).
      tolerations: [{ effect: 'NoSchedule', operator: 'Exists' }],
      falco: { json_output: true },
    },
    ignoreDifferences: [],
  };
}
