/** The Weaviate store kind rendered on its own (the kind is not registered yet): shared by test/weaviate*.test.ts. */
import { App } from 'cdk8s';
import { loadEnvironment } from '../../environments';
import type { EnvironmentConfig } from '../../environments/schema';
import { storeRefs } from '../../charts/data/refs';
import type { EndpointIn, RuleContext } from '../../charts/data/kind';
import { weaviateRules, weaviateSection, type WeaviateSection } from '../../charts/data/weaviate/config';
import type { WeaviateConfig, WeaviateContext } from '../../charts/data/weaviate/context';
import { weaviate } from '../../charts/data/weaviate/refs';
import { WEAVIATE_FOLDER, WeaviateChart } from '../../charts/data/weaviate/chart';
import { DependencyGraph } from '../../charts/lib/graph';
import { serviceHost } from '../../charts/lib/naming';
import { chartManifests } from '../../charts/lib/to-json';
import type { Manifest } from '../../charts/platform';
import { withStores } from '../../charts/context';
import { WEAVIATE_USES } from '../../charts/data/weaviate/context';

/** Spec 000 §3.2: three nodes, the three classes, OpenAI's text-embedding-ada-002 (1536 dimensions). */
export const SPEC_000_WEAVIATE = {
  replicas: 3,
  replicationFactor: 3,
  classes: [
    { name: 'NormalizedSKU', description: 'Normalised SKUs.', embeddingModel: 'text-embedding-ada-002', vectorDimensions: 1536 },
    { name: 'SupplierCatalog', description: 'Supplier catalogue entries.', embeddingModel: 'text-embedding-ada-002', vectorDimensions: 1536 },
    { name: 'Policies', description: 'Purchasing and compliance policies.', embeddingModel: 'text-embedding-ada-002', vectorDimensions: 1536 },
  ],
  backup: { schedule: '45 2 * * *', retentionDays: 14 },
  volume: { size: '100Gi' },
  resources: { requests: { cpu: '1', memory: '8Gi' }, limits: { cpu: '4', memory: '8Gi' } },
};

export const production = loadEnvironment('production');

/** Every problem of a section, parsed and checked with its rules in production (or `env`), as `path: message`. */
export function problemsOf(section: unknown, env: Partial<RuleContext> = {}): string[] {
  const parsed = weaviateSection.safeParse(section);
  if (!parsed.success) return parsed.error.issues.map((i) => `${['stores', 'weaviate', ...i.path].join('.')}: ${i.message}`);
  const out: string[] = [];
  const ctx: RuleContext = { name: production.name, ha: production.ha, nodes: production.cluster.nodes, namespaces: production.namespaces, ...env };
  weaviateRules(parsed.data, ctx, (path, message) => out.push(`${path.join('.')}: ${message}`));
  return out;
}

/**
 * The chart as the platform would build it once the kind is registered: production with a `stores.weaviate`
 * section (production unless `environment` says otherwise), the section parsed, the refs from the kind's facts,
 * rendered with `chartManifests`.
 */
export function renderWeaviate(sectionInput: unknown = SPEC_000_WEAVIATE, environment: EnvironmentConfig = production) {
  const section: WeaviateSection = weaviateSection.parse(sectionInput);
  const config = { ...environment, stores: { ...environment.stores, weaviate: section } } as WeaviateConfig;
  const endpoint: EndpointIn = (service, port, portName, pods) =>
    ({ namespace: weaviate.namespace, service, host: serviceHost(config, service, weaviate.namespace), port, portName, pods });
  const ref = weaviate.refs(section, endpoint, config.platform.name);
  const ctx: WeaviateContext = withStores({ config, refs: { ...storeRefs(config), weaviate: ref }, graph: new DependencyGraph(), secrets: [] }, WEAVIATE_USES, 'test');
  const chart = new WeaviateChart(new App(), WEAVIATE_FOLDER, ctx);
  return { config, ref, ctx, manifests: chartManifests(chart) as Manifest[] };
}
