/**
 * The rules of `addons.logging` (environments/schema.ts loggingSection): each backend's own section, the store it
 * writes to, and the namespaces the add-ons run in with the Pod Security level each needs.
 */
import type { Path } from './catalog';
import { LOG_AGENT_NAMESPACE, LOGGING_NAMESPACE, type EnvironmentConfig } from './schema';

export function loggingProblems(c: EnvironmentConfig): { path: Path; message: string }[] {
  const l = c.addons.logging;
  if (!l) return [];
  const out: { path: Path; message: string }[] = [];
  const at = (...p: (string | number)[]): Path => ['addons', 'logging', ...p];
  const ext = c.external as Record<string, unknown>;
  if (l.backend === 'loki') {
    if (!l.loki) out.push({ path: at('loki'), message: 'is required when backend is "loki" (its replicas, retention and volume)' });
    if (l.kibana) out.push({ path: at('kibana'), message: 'must be unset when backend is "loki" (Kibana reads Elasticsearch)' });
    // Loki keeps its chunks and index in object storage: the platform's MinIO, or S3 (external.minio).
    if (!c.stores.minio && !ext.minio) out.push({ path: at('backend'), message: `"loki" needs object storage: stores.minio or external.minio (platform "${c.platform.name}" has neither here)` });
    // Replication factor min(replicas, 3): with 2 replicas a write needs both, so one pod down stops ingestion.
    if (l.loki && l.loki.replicas === 2) out.push({ path: at('loki', 'replicas'), message: 'must be 1 or at least 3 (2 replicas write with a quorum of 2: one pod down stops ingestion)' });
  } else {
    if (!l.kibana) out.push({ path: at('kibana'), message: 'is required when backend is "elasticsearch" (its replicas and the logs\' retention)' });
    if (l.loki) out.push({ path: at('loki'), message: 'must be unset when backend is "elasticsearch"' });
    if (ext.elasticsearch) {
      out.push({ path: at('backend'), message: '"elasticsearch" needs the platform\'s Elasticsearch in the cluster: external.elasticsearch is a managed service (OpenSearch Dashboards is the site\'s)' });
    } else if (!c.stores.elasticsearch) {
      out.push({ path: at('backend'), message: `"elasticsearch" needs stores.elasticsearch (platform "${c.platform.name}" must list elasticsearch among its stores)` });
    }
    if (!c.addons.certManager.enabled) out.push({ path: ['addons', 'certManager', 'enabled'], message: 'must be true when addons.logging.backend is "elasticsearch" (Kibana\'s and Fluent Bit\'s CA certificates)' });
  }
  const ns = (name: string) => c.namespaces.findIndex((n) => n.name === name);
  if (ns(LOGGING_NAMESPACE) < 0) out.push({ path: ['namespaces'], message: `must declare namespace "${LOGGING_NAMESPACE}" when addons.logging is set (Loki or Kibana run there)` });
  const agent = ns(LOG_AGENT_NAMESPACE);
  if (agent < 0) {
    out.push({ path: ['namespaces'], message: `must declare namespace "${LOG_AGENT_NAMESPACE}" at podSecurity "privileged" when addons.logging is set (Fluent Bit reads /var/log through hostPath volumes)` });
  } else if (c.namespaces[agent].podSecurity !== 'privileged') {
    // Pod Security Standards: baseline forbids hostPath volumes ("HostPath Volumes"), so only privileged admits them.
    out.push({ path: ['namespaces', agent, 'podSecurity'], message: `must be "privileged" (got "${c.namespaces[agent].podSecurity}"): Fluent Bit mounts /var/log and its position database as hostPath volumes, which restricted and baseline both reject` });
  }
  return out;
}
