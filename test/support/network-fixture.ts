/**
 * A synthetic dependency graph shaped like the platform's (ingress → gateway → services → stores, store members
 * replicating, Patroni → API server, Prometheus scraping, an agent on the internet, tenants using the gateway),
 * and a way to render any graph over an environment's real namespaces. Lets the network tests exercise every
 * kind of flow before, and independently of, the charts that declare the real ones.
 */
import { App } from 'cdk8s';
import type { EnvironmentConfig } from '../../environments/schema';
import { storeRefs } from '../../charts/data/refs';
import {
  API_SERVER_PORTS, DependencyGraph, INTERNET, PROMETHEUS, apiServer, endpointPods, ingressController, pods, type Flow, type PodGroup,
} from '../../charts/lib/graph';
import { selectorLabels } from '../../charts/lib/labels';
import { tenantNamespace } from '../../charts/lib/naming';
import { NetworkChart } from '../../charts/network/chart';
import { renderPlatform, type Manifest } from '../../charts/platform';
import type { Environment } from './network';
import { KEYS } from './stores';

export const GATEWAY = pods('app-core', { name: 'gateway', component: 'api' });
export const INVOICE = pods('app-core', { name: 'invoice-service', component: 'api' });
export const FRONTEND = pods('app-frontend', { name: 'web', component: 'frontend' });
export const AGENT = pods('app-agents', { name: 'orchestrator', component: 'agent' });
export const INTEGRATION = pods('app-integration', { name: 'integration', component: 'api' });
export const REPORTS_JOB = pods('app-batch', { name: 'reports', component: 'job' });
export const tenantWorker = (tenant: string): PodGroup => pods(tenantNamespace(tenant), { name: 'tenant-worker', component: 'worker' });
/** Patroni's leader, selected by the role label Patroni sets at run time. */
export const POSTGRES_LEADER: PodGroup = {
  namespace: 'db-postgres',
  selector: { ...selectorLabels({ name: 'postgres', component: 'database' }), [KEYS.role]: 'primary' },
  display: 'db-postgres/postgres-database',
};
export const SYSLOG = { cidrs: ['10.0.5.0/24'], display: 'syslog' };

export function fixtureGraph(config: EnvironmentConfig): DependencyGraph {
  const g = new DependencyGraph();
  const refs = storeRefs(config);
  const http = (port: number) => [{ port, name: 'http' }];
  const ingress = ingressController(config);
  const database = endpointPods(refs.postgres!.primary);
  const redis = endpointPods(refs.redis!.server);

  g.connect({ addresses: { cidrs: ['0.0.0.0/0'], display: 'anywhere' } }, { pods: ingress }, [{ port: 80, name: 'http' }, { port: 443, name: 'https' }], 'clients reach the ingress controller');
  g.connect({ pods: ingress }, { pods: GATEWAY }, http(8000), 'ingress routes /api to the gateway');
  g.connect({ pods: ingress }, { pods: FRONTEND }, http(8080), 'ingress routes / to the frontend');
  g.connect({ pods: GATEWAY }, { pods: INVOICE }, http(3000), 'gateway routes to invoice-service');
  g.use(INVOICE, refs.postgres!.pooler, 'invoice-service uses postgres');
  g.use(INVOICE, refs.minio!.s3, 'invoice-service stores documents');
  g.connect({ pods: endpointPods(refs.postgres!.pooler) }, { pods: database }, [{ port: 5432, name: 'postgresql' }], 'pgbouncer forwards to postgres');
  g.connect({ pods: database }, { pods: database }, [{ port: 5432, name: 'postgresql' }, { port: 8008, name: 'patroni' }], 'postgres members replicate');
  g.connect({ pods: database }, { addresses: apiServer(config) }, API_SERVER_PORTS, 'patroni keeps its state in the Kubernetes API');
  g.use(database, refs.minio!.s3, 'postgres archives WAL to minio');
  g.connect({ pods: INVOICE }, { pods: POSTGRES_LEADER }, [{ port: 5432, name: 'postgresql' }], 'invoice-service migrates the schema on the leader');
  g.connect({ pods: PROMETHEUS }, { pods: database }, [{ port: 9187, name: 'metrics' }], 'prometheus scrapes postgres');
  g.connect({ pods: PROMETHEUS }, { pods: INVOICE }, [{ port: 9090, name: 'metrics' }], 'prometheus scrapes invoice-service');
  g.connect({ pods: AGENT }, { addresses: INTERNET }, [{ port: 443, name: 'https' }], 'the agent calls model-provider APIs');
  g.use(AGENT, refs.redis!.sentinel, 'the agent discovers the redis master');
  g.use(AGENT, refs.redis!.server, 'the agent uses redis');
  g.connect({ pods: redis }, { pods: redis }, [{ port: 6379, name: 'redis' }, { port: 26379, name: 'sentinel' }], 'redis and sentinel members talk to each other');
  g.use(REPORTS_JOB, refs.minio!.s3, 'reports job writes to minio');
  g.connect({ pods: INTEGRATION }, { addresses: SYSLOG }, [{ port: 514, protocol: 'UDP', name: 'syslog' }], 'integration ships audit logs');
  for (const t of config.tenants) {
    g.connect({ pods: tenantWorker(t.id) }, { pods: GATEWAY }, http(8000), `tenant ${t.id} calls the platform API`);
    g.connect({ pods: GATEWAY }, { pods: tenantWorker(t.id) }, http(8080), `gateway calls tenant ${t.id}'s webhook`);
  }
  return g;
}

/** A graph with the flows of `graphs`, in order. */
export function mergeGraphs(...graphs: { flows: readonly Flow[] }[]): DependencyGraph {
  const g = new DependencyGraph();
  for (const x of graphs) for (const f of x.flows) g.connect(f.from, f.to, f.ports, f.why);
  return g;
}

/** Network policies for `graph` alone (the 02-network chart). */
export function networkManifests(config: EnvironmentConfig, graph: DependencyGraph): Manifest[] {
  return new NetworkChart(new App(), '02-network', { config, graph }).toJson();
}

/**
 * The environment rendered as usual, with the platform's flows plus `extra` flows (with `only`, the `extra`
 * flows alone), and its 02-network chart rendered from that graph.
 */
export function environmentWith(config: EnvironmentConfig, extra?: DependencyGraph, options: { only?: boolean } = {}): Environment {
  const p = renderPlatform(config);
  const graph = mergeGraphs(...(options.only ? [] : [p.graph]), ...(extra ? [extra] : []));
  const others = p.charts.filter((c) => c.folder !== '02-network').flatMap((c) => c.manifests);
  return { config, graph, manifests: [...others, ...networkManifests(config, graph)] };
}
