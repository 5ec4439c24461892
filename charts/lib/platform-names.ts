/**
 * Names derived from the platform's name (config.platform.name) alone, for names the platform's own data goes
 * under. Apart from naming.ts, which reads the environment's configuration: a store kind's refs (imported by the
 * schema) may use these without an import cycle.
 */

/**
 * The platform's name where a name may hold no hyphen (`eks-platform` -> `eks_platform`): ClickHouse's cluster and
 * database, Elasticsearch's application role.
 */
export function platformIdentifier(platform: string): string {
  return platform.replace(/-/g, '_');
}

/** Where a client pod of the platform finds the internal CA certificate a store's TLS is verified with. */
export function storeCaDir(platform: string, store: string): string {
  return `/etc/${platform}/${store}-ca`;
}
