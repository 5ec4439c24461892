/**
 * The application tier's charts, one folder each, in apply order after the stores:
 *   20-model-serving (the model server), 21-integration, 22-core (app-core services), 23-agents (orchestrator
 *   and specialized agents), 24-frontend (web frontend and mobile backend), 25-batch (CronJobs),
 *   29-gateway (Kong, last of the services: it routes to them), then 30-ingress.
 */
import { Chart, type App } from 'cdk8s';
import type { Construct } from 'constructs';
import type { CatalogEntry, ServiceKind } from '../../environments/catalog';
import type { PlatformContext } from '../context';
import { FOLDERS } from '../lib/folders';
import { INTERNET, pods } from '../lib/graph';
import { IngressChart } from '../ingress/chart';
import { BatchJob } from './batch-job';
import { Gateway } from './gateway';
import { GpuWorker, ModelServer, NodeApi, PythonAgent, StaticFrontend, type KindProps } from './kinds';
import { planServices, type ServicePlan } from './plan';
import { QueueWorker } from './queue-worker';

const CONSTRUCTS: Record<ServiceKind, new (scope: Construct, id: string, p: KindProps) => Construct> = {
  'gateway': Gateway,
  'node-api': NodeApi,
  'python-agent': PythonAgent,
  'model-server': ModelServer,
  'static-frontend': StaticFrontend,
  'batch-job': BatchJob,
  'queue-worker': QueueWorker,
  'gpu-worker': GpuWorker,
};

/** An entry belongs to the first of the platform's folders whose namespaces and kinds (each when given) match it. */
export function appFolderOf(config: PlatformContext['config'], plan: ServicePlan): string | undefined {
  return config.platform.appFolders.find((f) => (!f.namespaces || f.namespaces.includes(plan.entry.namespace))
    && (!f.kinds || f.kinds.includes(plan.entry.kind)))?.folder;
}

export class AppTierChart extends Chart {
  constructor(scope: Construct, id: string, ctx: PlatformContext, plans: readonly ServicePlan[], members: readonly ServicePlan[]) {
    super(scope, id, { disableResourceNameHashes: true });
    for (const plan of members) {
      if (!plan.enabled) continue;
      new CONSTRUCTS[plan.entry.kind](this, plan.entry.name, { ctx, plan, plans });
      for (const port of plan.entry.internetPorts ?? []) {
        ctx.graph.connect({ pods: pods(plan.entry.namespace, plan.id) }, { addresses: INTERNET }, [{ port, name: `internet-${port}` }],
          `${plan.entry.name} calls partners outside the cluster`);
      }
      // IRSA (apps.services.<name>.iamRoleArn): the AWS SDK exchanges the pod's token for the role's credentials
      // at STS, through the VPC endpoints where secrets.aws.cidrs names them, else its public endpoint.
      if (ctx.config.apps.services[plan.entry.name]?.iamRoleArn) {
        const aws = ctx.config.secrets.aws?.cidrs;
        ctx.graph.connect({ pods: pods(plan.entry.namespace, plan.id) }, { addresses: aws ? { cidrs: aws, display: 'aws-endpoints' } : INTERNET },
          [{ port: 443, name: 'https' }], `${plan.entry.name} exchanges its IRSA token for AWS credentials (STS)`);
      }
    }
  }
}

/** Every chart of the application tier and the ingress, in apply order. */
export function appCharts(app: App, ctx: PlatformContext, catalog: readonly CatalogEntry[] = ctx.config.platform.catalog): Chart[] {
  const plans = planServices(ctx.config, catalog);
  const claimed = new Set<ServicePlan>();
  const charts: Chart[] = [];
  for (const { folder } of ctx.config.platform.appFolders) {
    const members = plans.filter((p) => !claimed.has(p) && appFolderOf(ctx.config, p) === folder);
    members.forEach((p) => claimed.add(p));
    // A folder whose services are all disabled here (the model server in some dev setups) is not rendered.
    if (members.some((p) => p.enabled)) charts.push(new AppTierChart(app, folder, ctx, plans, members));
  }
  const orphans = plans.filter((p) => !claimed.has(p)).map((p) => p.entry.name);
  if (orphans.length) throw new Error(`catalog entries ${orphans.join(', ')} belong to no application chart folder`);
  charts.push(new IngressChart(app, FOLDERS.ingress, ctx, plans));
  return charts;
}
