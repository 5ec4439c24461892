/**
 * Pinned images and the registry rewrite for air-gapped installs. Every construct passes its upstream image
 * through `image()`, so `dist/<platform>/<env>/images.txt` and the rewrite cover every container.
 */
import type { EnvironmentConfig } from '../../environments/schema';

const PINNED = /^[a-z0-9.-]+(:[0-9]+)?\/[a-z0-9._/-]+(:[A-Za-z0-9._-]+)?(@sha256:[a-f0-9]{64})?$/;

/**
 * @param upstream a fully qualified, pinned reference such as `docker.io/library/redis:7.2.5`
 * @returns the reference to use in this environment: upstream, or `<registry>/<path>:<tag>` when the
 *          environment names a private registry
 */
export function image(config: EnvironmentConfig, upstream: string): string {
  const m = PINNED.exec(upstream);
  if (!m || (!m[2] && !m[3]) || m[2] === ':latest') {
    throw new Error(`image "${upstream}" must be fully qualified (registry/path) and pinned to a tag other than latest or a digest`);
  }
  const registry = config.images.registry;
  if (!registry) return upstream;
  return `${registry}/${upstream.slice(upstream.indexOf('/') + 1)}`;
}

/** `registry`, `repository` (path) and `tag` of an image reference, for charts that take them apart. */
export function imageParts(ref: string): { registry: string; repository: string; tag: string } {
  const at = ref.lastIndexOf(':');
  const slash = ref.indexOf('/');
  return { registry: ref.slice(0, slash), repository: ref.slice(slash + 1, at), tag: ref.slice(at + 1) };
}
