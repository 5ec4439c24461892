/**
 * The `stores.elasticsearch` section of an environment: its shape and field rules (zod), registered in
 * charts/data/stores.ts; masters, data and coordinating nodes (./chart.ts).
 */
import { z } from 'zod';
import { externalStoreFields, haMinimum, type Issue, type RuleContext } from '../kind';
import { computeResources, replicas, volume } from '../../../environments/values';

export const elasticsearchSection = z.strictObject({
  /** Master-eligible nodes; with no data nodes they hold every role (dev's single node). Odd, for a majority. */
  masters: replicas(1), data: replicas(0), coordinating: replicas(0),
  /** Volume of each data node (of each master when masters hold data). */
  volume,
  /** Volume of each dedicated master (cluster state only). @default 10Gi */
  masterVolume: volume.optional(),
  resources: computeResources,
  /**
   * How Elasticsearch lives with vm.max_map_count: `disableMmap` sets node.store.allow_mmap: false (NIO instead of
   * mmap; stays within Pod Security restricted), `sysctlInitContainer` raises the host's vm.max_map_count with a
   * privileged init container, which needs the db-elasticsearch namespace at podSecurity privileged. No default:
   * each environment states its choice.
   */
  maxMapCount: z.enum(['disableMmap', 'sysctlInitContainer']),
});

/** Elasticsearch: an odd number of masters; a lone master holds every role; mmap choice matches Pod Security. */
export function elasticsearchRules(section: z.infer<typeof elasticsearchSection>, env: RuleContext, issue: Issue): void {
  haMinimum(env, issue, ['stores', 'elasticsearch', 'masters'], section.masters, 3, 'master election needs a majority');
  haMinimum(env, issue, ['stores', 'elasticsearch', 'data'], section.data, 2, 'replica shards on a second data node');
  const es = section;
  if (es.masters % 2 === 0) {
    issue(['stores', 'elasticsearch', 'masters'], 'must be odd (1, 3, 5): an even number of masters adds no failure tolerance over one fewer');
  }
  if (es.data === 0 && es.coordinating > 0) {
    issue(['stores', 'elasticsearch', 'coordinating'], 'must be 0 when data is 0 (the masters then hold every role and serve HTTP themselves)');
  }
  const ns = env.namespaces.find((n) => n.name === 'db-elasticsearch');
  if (es.maxMapCount === 'sysctlInitContainer' && ns && ns.podSecurity !== 'privileged') {
    issue(['stores', 'elasticsearch', 'maxMapCount'], `"sysctlInitContainer" runs a privileged init container, which namespace db-elasticsearch (podSecurity "${ns.podSecurity}") rejects: set its podSecurity to privileged with a reason, or use "disableMmap"`);
  }
}

/**
 * Search as a managed service (`external.elasticsearch`), e.g. an Amazon OpenSearch Service domain in the VPC:
 * HTTPS on 443 with a public certificate (the system trust store verifies it, no CA file), HTTP basic auth of an
 * internal user of its fine-grained access control, whose credentials are in `credentialsSecret` (keys username,
 * password). The site maps that user to a role allowing `<indexPrefix>*` only, as the in-cluster setup Job does for
 * its own user.
 */
export const externalElasticsearchSection = z.strictObject({
  ...externalStoreFields,
  /** @default 443 */
  port: externalStoreFields.port.default(443),
  /**
   * What answers: `opensearch` (Amazon OpenSearch Service) or `elasticsearch` (Elastic Cloud). The official
   * Elasticsearch clients refuse a server that is not Elasticsearch (elastic/elasticsearch-py v7.14.0
   * elasticsearch/transport.py `_do_verify_elasticsearch`, the product check), so applications pick their client
   * library from it (ELASTICSEARCH_ENGINE).
   */
  engine: z.enum(['opensearch', 'elasticsearch']),
  /** Prefix of the applications' index names (ELASTICSEARCH_INDEX_PREFIX), e.g. `app-`. */
  indexPrefix: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,99}$/, { message: 'must be lower case letters, digits, ".", "_" and "-", starting with a letter or digit, such as app-' }),
});
