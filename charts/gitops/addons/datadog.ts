/**
 * The Datadog agent (spec 000 §6.1: "Datadog Agent (Container)" collecting application logs and infrastructure
 * metrics, "Datadog APM (Traces)"), from datadog/helm-charts `datadog` 3.74.1, where an environment turns on
 * `addons.datadog` (an account of its own at `site`). Off by default: no platform here has a Datadog account.
 *
 * What the chart needs, read at the tag (datadog/helm-charts datadog-3.74.1 charts/datadog/):
 * - templates/daemonset.yaml: the node agent shares the host's PID namespace (`hostPID` while
 *   `datadog.useHostPID`, default true: "required for origin detection") and templates/_daemonset-volumes-linux.yaml
 *   mounts hostPath /proc, /sys/fs/cgroup, /etc/os-release, the runtime socket, the APM and DogStatsD socket
 *   directory /var/run/datadog and, with logs on, /var/log/pods: Pod Security `restricted` and `baseline` forbid
 *   both, so its namespace is `privileged` (environments/shared.ts DATADOG_NAMESPACE, checked by
 *   environments/addon-rules.ts).
 * - values.yaml `datadog.apiKeyExistingSecret`: the API key comes from a Secret with the key `api-key` that the
 *   site creates (the account's key: never generated, never in Git; the installer checks that it exists).
 * - templates/secret-cluster-agent-token.yaml: without `clusterAgent.tokenExistingSecret` the chart renders
 *   the node agents' shared token with `randAlphaNum 32`, a new value on every render: Argo CD renders the chart
 *   on every sync, so the token would change each time and the agents would lose the cluster agent. The token is
 *   a Secret our generator creates once instead (40 random letters and digits, key `token`).
 * - clusterAgent.admissionController (default on): the cluster agent would register a mutating webhook that is
 *   not in Git; off here (our pods are configured explicitly, and no API-server-to-agent flow is needed).
 * Images (values.yaml agents.image.tag, clusterAgent.image.tag 7.57.2, registry gcr.io/datadoghq): the agent
 * runs as root (DataDog/datadog-agent Dockerfiles/agent/Dockerfile has no USER: it creates `dd-agent`, uid 100,
 * but does not switch to it; stored version 00b4f913 read, the repository is too large to fetch at 7.57.2),
 * which the host mounts need. The cluster agent's Dockerfile was not read at the tag; the chart gives it
 * readOnlyRootFilesystem and no privilege escalation (values.yaml clusterAgent.containers.clusterAgent.securityContext).
 */
import type { EnvironmentConfig } from '../../../environments/schema';
import { planServices } from '../../apps/plan';
import { API_SERVER_PORTS, INTERNET, apiServer, clusterNodes, pods, type DependencyGraph, type PodGroup } from '../../lib/graph';
import { image, imageParts } from '../../lib/images';
import { deploymentName } from '../../lib/naming';
import { res, type AddonSpec } from './kit';

export const DATADOG_NAMESPACE = 'datadog';
/** The agents' version (datadog-3.74.1 values.yaml agents.image.tag and clusterAgent.image.tag). */
export const DATADOG_AGENT_VERSION = '7.57.2';
/** The account's API key, created by the site before the install (values.yaml datadog.apiKeyExistingSecret: key `api-key`). */
export const DATADOG_API_KEY_SECRET = { name: 'datadog-api-key', namespace: DATADOG_NAMESPACE, keys: ['api-key'], suppliedBy: 'site' } as const;
/** The node agents' token for the cluster agent (values.yaml clusterAgent.tokenExistingSecret: key `token`), generated once. */
export const DATADOG_TOKEN_SECRET = { name: 'datadog-cluster-agent-token', namespace: DATADOG_NAMESPACE, keys: ['token'] } as const;

/** The node agent's containers (templates/daemonset.yaml with our values): agent, trace-agent, process-agent; two init containers. */
export const DATADOG_NODE_RESOURCES = {
  agent: res('200m', '256Mi', '1', '512Mi'),
  traceAgent: res('100m', '128Mi', '500m', '256Mi'),
  processAgent: res('100m', '128Mi', '500m', '256Mi'),
  init: res('50m', '64Mi', '200m', '128Mi'),
};

/** k3s runs its own containerd, with its socket under /run/k3s (the agent reads containers through it). */
const criSocket = (c: EnvironmentConfig) => (c.cluster.flavour === 'k3s' ? '/run/k3s/containerd/containerd.sock' : '/var/run/containerd/containerd.sock');

/** The pinned upstream images (before the registry rewrite). */
export const DATADOG_IMAGES = [`gcr.io/datadoghq/agent:${DATADOG_AGENT_VERSION}`, `gcr.io/datadoghq/cluster-agent:${DATADOG_AGENT_VERSION}`] as const;

export function datadog(c: EnvironmentConfig): AddonSpec<'datadog'> {
  const dd = c.addons.datadog;
  if (!dd.enabled || !dd.site) throw new Error(`environment "${c.name}": addons.datadog must be enabled with a site to render the Datadog agent`);
  const [agent, clusterAgent] = DATADOG_IMAGES.map((x) => image(c, x));
  // `repository` overrides registry + name (values.yaml agents.image.repository), so the registry rewrite applies.
  const img = (ref: string) => { const p = imageParts(ref); return { repository: `${p.registry}/${p.repository}`, tag: p.tag, pullPolicy: c.images.pullPolicy }; };
  const replicas = c.ha ? 2 : 1;
  return {
    name: 'datadog', namespace: DATADOG_NAMESPACE, chart: 'datadog', repoURL: 'https://helm.datadoghq.com', version: '3.74.1',
    images: [agent, clusterAgent],
    values: {
      targetSystem: 'linux',
      datadog: {
        apiKeyExistingSecret: DATADOG_API_KEY_SECRET.name,
        site: dd.site,
        // values.yaml datadog.clusterName: lowercase letters, digits and hyphens, starting with a letter.
        clusterName: deploymentName(c),
        criSocketPath: criSocket(c),
        // §6.1 "Application Logs": every container's log, read from /var/log/pods.
        logs: { enabled: true, containerCollectAll: true },
        // §6.1 "Datadog APM (Traces)". Our application pods run under `restricted`, which forbids the hostPath
        // the socket needs: they send to the node-local Service `datadog` (templates/agent-services.yaml,
        // internalTrafficPolicy Local) on traceport 8126 and DogStatsD 8125/UDP, which the agent accepts from
        // other pods (_container-trace-agent.yaml DD_APM_NON_LOCAL_TRAFFIC, values.yaml dogstatsd.nonLocalTraffic).
        // No hostPort on the nodes (portEnabled false); the socket stays for privileged clients.
        apm: { socketEnabled: true, portEnabled: false },
      },
      clusterAgent: {
        enabled: true,
        replicas,
        createPodDisruptionBudget: replicas > 1,
        tokenExistingSecret: DATADOG_TOKEN_SECRET.name,
        image: img(clusterAgent),
        admissionController: { enabled: false },
        resources: res('100m', '256Mi', '500m', '512Mi'),
        containers: { initContainers: { resources: DATADOG_NODE_RESOURCES.init } },
      },
      agents: {
        image: img(agent),
        // Every node, GPU and other tainted pools included: what is not watched is not monitored.
        tolerations: [{ operator: 'Exists', effect: 'NoSchedule' }],
        containers: {
          agent: { resources: DATADOG_NODE_RESOURCES.agent },
          traceAgent: { resources: DATADOG_NODE_RESOURCES.traceAgent },
          processAgent: { resources: DATADOG_NODE_RESOURCES.processAgent },
          initContainers: { resources: DATADOG_NODE_RESOURCES.init },
        },
      },
    },
    ignoreDifferences: [],
  };
}

/** The agents' pods, by the labels of templates/daemonset.yaml and cluster-agent-deployment.yaml (app: <fullname>[-cluster-agent]). */
export const DATADOG_AGENT: PodGroup = { namespace: DATADOG_NAMESPACE, selector: { app: 'datadog' }, display: 'datadog/datadog-agent' };
export const DATADOG_CLUSTER_AGENT: PodGroup = { namespace: DATADOG_NAMESPACE, selector: { app: 'datadog-cluster-agent' }, display: 'datadog/datadog-cluster-agent' };

export function datadogFlows(g: DependencyGraph, c: EnvironmentConfig): void {
  const api = { addresses: apiServer(c) };
  for (const p of [DATADOG_AGENT, DATADOG_CLUSTER_AGENT]) {
    g.connect({ pods: p }, api, API_SERVER_PORTS, `${p.display} talks to the Kubernetes API`);
    // The intake of the site (metrics, logs, traces) is on the internet, HTTPS only.
    g.connect({ pods: p }, { addresses: INTERNET }, [{ port: 443, name: 'https' }], `${p.display} sends to the Datadog intake at ${c.addons.datadog.site}`);
  }
  // cluster-agent-deployment.yaml containerPort 5005 (agentport): the node agents fetch cluster-level metadata.
  g.connect({ pods: DATADOG_AGENT }, { pods: DATADOG_CLUSTER_AGENT }, [{ port: 5005, name: 'agentport' }], 'the Datadog node agents ask the cluster agent for cluster metadata');
  // Every service of the catalog may send traces and DogStatsD metrics to the agent of its node.
  for (const plan of planServices(c)) {
    const from = pods(plan.entry.namespace, plan.id);
    g.connect({ pods: from }, { pods: DATADOG_AGENT }, [{ port: 8126, name: 'traceport' }, { port: 8125, name: 'dogstatsdport', protocol: 'UDP' }], `${from.display} sends traces and metrics to the Datadog agent`);
  }
  // The kubelet of its own node, at status.hostIP (values.yaml datadog.kubelet.host).
  g.connect({ pods: DATADOG_AGENT }, { addresses: clusterNodes(c) }, [{ port: 10250, name: 'kubelet' }], 'the Datadog node agent reads its kubelet');
}
