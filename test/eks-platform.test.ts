/**
 * The EKS platform (spec 004 "Architecture Diagrams and System Documentation", environments/eks-platform/): the
 * document's numbers in the rendered objects. Every expected value below is the document's (section named beside
 * it), not copied from the output; where the document gives none (subnets, ARNs) the value is the environment's.
 */
import { renderPlatform, type Manifest, type RenderedPlatform } from '../charts/platform';
import { checkFit } from '../charts/capacity/fit';
import { addons } from '../charts/gitops/addons-catalog';
import { IRSA_ANNOTATION } from '../charts/lib/labels';
import { bareCluster } from '../scripts/lib/simulator';
import { clusterFacts, preflight } from '../scripts/install';
import { Kubectl } from '../scripts/lib/kubectl';
import { fakeKubectl } from './support/fake-kubectl';
import { ConfigError, environmentInput, formatProblem, loadEnvironment, PLATFORMS, validateEnvironment } from '../environments';
import { DR_OBJECTIVES } from '../environments/eks-platform/dr';
import { SPEC_NAMESPACES } from '../environments/eks-platform/base';
import { modelErrors } from './support/k8s-schema';
import { manifestsOf } from './support/render';

const ENVS = Object.keys(PLATFORMS['eks-platform'].environments);
const AWS_ENVS = ['production', 'dr'];
const rendered = new Map<string, RenderedPlatform>(ENVS.map((e) => [e, renderPlatform(loadEnvironment(e, 'eks-platform'))]));
/** dr after failover (docs/eks-platform.md): the standby switched off, the production scale in us-east-1. */
const failover = environmentInput('dr', 'eks-platform') as Record<string, any>;
rendered.set('dr-failover', renderPlatform(validateEnvironment('dr', { ...failover, apps: { ...failover.apps, standby: false } })));
/** Where the services run: production, and dr once it has failed over (a standby runs none). */
const SERVING = ['production', 'dr-failover'];
const config = (env: string) => rendered.get(env)!.config;
const objects = (env: string) => manifestsOf(rendered.get(env)!);
const find = (env: string, kind: string, name: string, namespace?: string): Manifest | undefined =>
  objects(env).find((m) => m.kind === kind && m.metadata.name === name && (!namespace || m.metadata.namespace === namespace));
const get = (env: string, kind: string, name: string, namespace?: string): Manifest => {
  const m = find(env, kind, name, namespace);
  if (!m) throw new Error(`${env}: no ${kind} ${name}`);
  return m;
};
const podSpec = (env: string, name: string) => get(env, 'Deployment', name).spec.template.spec;
const addonValues = (env: string, name: string) => addons(config(env)).find((a) => a.name === name)?.values as Record<string, any> | undefined;
const res = (cpu: string, memory: string, cpuLimit: string, memoryLimit: string) => ({ requests: { cpu, memory }, limits: { cpu: cpuLimit, memory: memoryLimit } });

describe('environments (spec 004 "Disaster Recovery Architecture", "Deployment Pipeline")', () => {
  test('production in the primary region us-west-2, dr in the secondary us-east-1, development on k3s', () => {
    expect(ENVS).toEqual(['development', 'production', 'dr']);
    expect(config('production').secrets.aws?.region).toBe('us-west-2');
    expect(config('dr').secrets.aws?.region).toBe('us-east-1');
    expect(config('production').addons.awsLoadBalancerController?.region).toBe('us-west-2');
    expect(config('dr').addons.awsLoadBalancerController?.region).toBe('us-east-1');
    expect(config('development').cluster.flavour).toBe('k3s');
  });

  test('dr: RPO 15 minutes, RTO 4 hours, stated as data and in its description; a standby until failover', () => {
    expect(DR_OBJECTIVES).toMatchObject({ rpoMinutes: 15, rtoHours: 4, primaryRegion: 'us-west-2', secondaryRegion: 'us-east-1' });
    expect(config('dr').description).toContain('RPO 15 minutes, RTO 4 hours');
    expect(config('dr').apps.standby).toBe(true);
    for (const d of objects('dr').filter((m) => m.kind === 'Deployment')) expect(d.spec.replicas).toBe(0);
  });
});

describe('cluster (spec 004 "EKS Cluster Configuration", "Cluster Autoscaler")', () => {
  test.each(AWS_ENVS)('%s: flavour eks, Kubernetes 1.28 (Pod Security pinned to v1.28 on every namespace)', (env) => {
    expect(config(env).cluster.flavour).toBe('eks');
    for (const ns of objects(env).filter((m) => m.kind === 'Namespace')) {
      expect(ns.metadata.labels['pod-security.kubernetes.io/enforce-version']).toBe('v1.28');
    }
  });

  test('a bare EKS cluster: CoreDNS, kube-proxy and the VPC CNI, no metrics-server (installed), no ingress controller', () => {
    const bare = bareCluster('eks');
    expect(bare.workloads).toEqual(['kube-system/coredns', 'kube-system/kube-proxy', 'kube-system/aws-node']);
    expect(bare.apiServices).toEqual([]);
    expect(bare.ingressClasses).toEqual([]);
    expect(addons(config('production')).map((a) => a.name)).toContain('metrics-server');
  });

  test.each(AWS_ENVS)('%s: node groups general (m5.large, m5.xlarge, Spot, 1-10) and compute (c5.2xlarge, c5.4xlarge, On-Demand, 0-8)', (env) => {
    const [general, compute] = config(env).cluster.nodePools;
    expect(general).toMatchObject({ name: 'general', instanceTypes: ['m5.large', 'm5.xlarge'], capacityType: 'SPOT', minCount: 1, count: 10 });
    expect(compute).toMatchObject({ name: 'compute', instanceTypes: ['c5.2xlarge', 'c5.4xlarge'], capacityType: 'ON_DEMAND', minCount: 0, count: 8 });
    expect(general.labels).toEqual({ 'eks.amazonaws.com/nodegroup': 'general' });
    expect(compute.labels).toEqual({ 'eks.amazonaws.com/nodegroup': 'compute' });
  });

  test.each(AWS_ENVS)('%s: the workers select the compute group and tolerate its taint; the APIs, Kong and the jobs the general group', (env) => {
    const compute = config(env).cluster.nodePools[1];
    for (const w of ['langchain-worker', 'langgraph-orchestrator', 'document-processor', 'web-crawler']) {
      expect(podSpec(env, w).nodeSelector).toEqual(compute.labels);
      expect(podSpec(env, w).tolerations).toEqual(compute.taints.map((t) => ({ key: t.key, operator: 'Equal', value: t.value, effect: t.effect })));
    }
    for (const w of ['fastapi-api', 'express-api', 'kong']) expect(podSpec(env, w).nodeSelector).toEqual({ 'eks.amazonaws.com/nodegroup': 'general' });
    const job = get(env, 'CronJob', 'search-reindex').spec.jobTemplate.spec.template.spec;
    expect(job.nodeSelector).toEqual({ 'eks.amazonaws.com/nodegroup': 'general' });
  });

  test.each(SERVING)('%s: everything fits the groups at their maximum sizes; the LangChain workers land on compute nodes only', (env) => {
    const fit = checkFit(rendered.get(env)!);
    expect(fit.problems.map((p) => formatProblem(p))).toEqual([]);
    const max = fit.scenarios.find((s) => s.name === 'maximum')!;
    const isLangchain = (w: { id: string }) => w.id.includes('langchain-worker');
    const holding = max.packing.nodes.filter((n) => n.pods.some(isLangchain));
    // Spec 004 "Scaling Policies": up to 10 LangChain workers.
    expect(holding.reduce((n, x) => n + x.pods.filter(isLangchain).length, 0)).toBe(10);
    expect(new Set(holding.map((n) => n.node.pool))).toEqual(new Set(['compute']));
  });

  test('the installer recognises a bare EKS cluster (the recorded fake) and waits only for the groups\' minimum (1 general node)', () => {
    const k = fakeKubectl(undefined, 'eks');
    try {
      const facts = clusterFacts(config('production'), new Kubectl(k.bin, undefined, k.env));
      expect(facts).toMatchObject({ flavour: 'eks', readyNodes: 1, storageClass: false });
      const r = preflight(config('production'), facts, true, false);
      expect(r.lines.join('\n')).toContain('ok      cluster flavour: eks');
      expect(r.lines.join('\n')).toContain('storage class gp3: rendered in 00-namespaces (provisioner ebs.csi.aws.com');
      expect(r.problems).toBe(0);
    } finally {
      k.cleanup();
    }
  });
});

describe('storage (spec 004 "EKS Cluster Configuration": EBS CSI driver, gp3 storage class; "Storage Architecture": gp3 Encrypted)', () => {
  test.each(AWS_ENVS)('%s: the gp3 StorageClass over ebs.csi.aws.com, encrypted, WaitForFirstConsumer, expandable; Prometheus claims it', (env) => {
    const sc = get(env, 'StorageClass', 'gp3');
    expect(sc).toMatchObject({
      provisioner: 'ebs.csi.aws.com', parameters: { type: 'gp3', encrypted: 'true' },
      volumeBindingMode: 'WaitForFirstConsumer', allowVolumeExpansion: true,
    });
    expect(modelErrors(sc)).toBeUndefined();
    expect(config(env).storageClass).toBe('gp3');
    // EBS serves one node at a time.
    expect(config(env).storageClasses.gp3.accessModes).toEqual(['ReadWriteOnce']);
    expect(addonValues(env, 'kube-prometheus-stack')!.prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.storageClassName).toBe('gp3');
  });

  test('development runs on k3s\'s local-path and renders no StorageClass', () => {
    expect(config('development').storageClass).toBe('local-path');
    expect(objects('development').some((m) => m.kind === 'StorageClass')).toBe(false);
  });
});

describe('namespaces and services (spec 004 "Kubernetes Architecture", "High-Level System Architecture")', () => {
  test.each(ENVS)('%s: infrastructure, platform, apps, workers, batch', (env) => {
    const names = objects(env).filter((m) => m.kind === 'Namespace').map((m) => m.metadata.name);
    expect(SPEC_NAMESPACES).toEqual(['infrastructure', 'platform', 'apps', 'workers', 'batch']);
    for (const ns of SPEC_NAMESPACES) expect(names).toContain(ns);
  });

  test('Kong in platform; FastAPI and Express in apps; LangChain, LangGraph, document processors, crawlers in workers; CronJobs in batch', () => {
    const where = (kind: string, name: string) => get('production', kind, name).metadata.namespace;
    expect(where('Deployment', 'kong')).toBe('platform');
    expect(['fastapi-api', 'express-api'].map((n) => where('Deployment', n))).toEqual(['apps', 'apps']);
    expect(['langchain-worker', 'langgraph-orchestrator', 'document-processor', 'web-crawler'].map((n) => where('Deployment', n))).toEqual(['workers', 'workers', 'workers', 'workers']);
    const cron = objects('production').filter((m) => m.kind === 'CronJob');
    expect(cron.length).toBeGreaterThan(0);
    for (const c of cron) expect(c.metadata.namespace).toBe('batch');
  });
});

describe('sizes (spec 004 "Resource Allocation Guidelines")', () => {
  const container = (env: string, name: string) => podSpec(env, name).containers[0];
  test.each(AWS_ENVS)('%s: FastAPI 250m/512Mi - 1000m/1Gi; Express 200m/384Mi - 750m/768Mi; LangChain 1000m/2Gi - 4000m/8Gi', (env) => {
    expect(container(env, 'fastapi-api').resources).toEqual(res('250m', '512Mi', '1000m', '1Gi'));
    expect(container(env, 'express-api').resources).toEqual(res('200m', '384Mi', '750m', '768Mi'));
    expect(container(env, 'langchain-worker').resources).toEqual(res('1000m', '2Gi', '4000m', '8Gi'));
  });

  test.each(AWS_ENVS)('%s: Prometheus 500m/2Gi - 2000m/8Gi and Grafana 100m/128Mi - 500m/512Mi as kube-prometheus-stack values', (env) => {
    const v = addonValues(env, 'kube-prometheus-stack')!;
    expect(v.prometheus.prometheusSpec.resources).toEqual(res('500m', '2Gi', '2000m', '8Gi'));
    expect(v.grafana.resources).toEqual(res('100m', '128Mi', '500m', '512Mi'));
  });

  test('the other platforms keep the stack\'s default sizes (the fields are per environment)', () => {
    const v = addons(loadEnvironment('production'))!.find((a) => a.name === 'kube-prometheus-stack')!.values as Record<string, any>;
    expect(v.prometheus.prometheusSpec.resources).toEqual(res('500m', '2Gi', '2', '4Gi'));
    expect(v.grafana.resources).toEqual(res('100m', '256Mi', '500m', '512Mi'));
  });
});

describe('scaling (spec 004 "Scaling Policies", Horizontal Pod Autoscaler)', () => {
  const metric = (hpa: Manifest, name: string) => hpa.spec.metrics.find((m: any) => m.type === 'Resource' && m.resource.name === name)?.resource.target.averageUtilization;
  test.each(SERVING)('%s: FastAPI 3-20 at CPU 70 % and memory 80 %; Express 3-15 at 70/80', (env) => {
    for (const [name, min, max] of [['fastapi-api', 3, 20], ['express-api', 3, 15]] as const) {
      const hpa = get(env, 'HorizontalPodAutoscaler', name);
      expect([hpa.spec.minReplicas, hpa.spec.maxReplicas, metric(hpa, 'cpu'), metric(hpa, 'memory')]).toEqual([min, max, 70, 80]);
      expect(get(env, 'Deployment', name).spec.replicas).toBeUndefined();
    }
  });

  test.each(SERVING)('%s: LangChain workers 2-10 at CPU 80 % and a custom metric (their queue depth, served by prometheus-adapter)', (env) => {
    const hpa = get(env, 'HorizontalPodAutoscaler', 'langchain-worker');
    expect([hpa.spec.minReplicas, hpa.spec.maxReplicas, metric(hpa, 'cpu')]).toEqual([2, 10, 80]);
    const external = hpa.spec.metrics.filter((m: any) => m.type === 'External');
    expect(external.map((m: any) => m.external.metric.name)).toEqual(['langchain_queue_depth']);
    const rules = addonValues(env, 'prometheus-adapter')!.rules.external;
    expect(rules.map((r: any) => r.name.as)).toContain('langchain_queue_depth');
  });

  test('development: one replica of each service, no HPA', () => {
    expect(objects('development').some((m) => m.kind === 'HorizontalPodAutoscaler')).toBe(false);
    expect(podSpec('development', 'fastapi-api')).toBeDefined();
    expect(get('development', 'Deployment', 'fastapi-api').spec.replicas).toBe(1);
  });
});

describe('ingress (spec 004 "Load Balancer Configuration", "ALB Security Group")', () => {
  const A = 'alb.ingress.kubernetes.io';
  test.each(AWS_ENVS)('%s: an internet-facing ALB Ingress of class alb in front of Kong: HTTP 80 → HTTPS 443, ELBSecurityPolicy-TLS-1-2-2017-01, ACM', (env) => {
    const ing = get(env, 'Ingress', 'api', 'platform');
    expect(ing.spec.ingressClassName).toBe('alb');
    const a = ing.metadata.annotations;
    expect(a[`${A}/scheme`]).toBe('internet-facing');
    expect(a[`${A}/ip-address-type`]).toBe('ipv4');
    expect(a[`${A}/target-type`]).toBe('ip');
    expect(JSON.parse(a[`${A}/listen-ports`])).toEqual([{ HTTP: 80 }, { HTTPS: 443 }]);
    expect(a[`${A}/ssl-redirect`]).toBe('443');
    expect(a[`${A}/ssl-policy`]).toBe('ELBSecurityPolicy-TLS-1-2-2017-01');
    expect(a[`${A}/certificate-arn`]).toBe(config(env).ingress.alb!.certificateArn);
    expect(a[`${A}/certificate-arn`]).toMatch(/^arn:aws:acm:us-(west-2|east-1):/);
    // The ALB sends to Kong's proxy port; the certificate is ACM's: no cert-manager Certificate, no TLS Secret.
    expect(ing.spec.rules[0].http.paths[0].backend.service).toEqual({ name: 'kong', port: { number: 8000 } });
    expect(ing.spec.tls).toBeUndefined();
    expect(objects(env).some((m) => m.kind === 'Certificate' && m.metadata.namespace === 'platform')).toBe(false);
    expect(modelErrors(ing)).toBeUndefined();
  });

  test.each(AWS_ENVS)('%s: Kong admits the ALB\'s subnets (its targets and health checks) and nothing else from outside', (env) => {
    const subnets = config(env).ingress.alb!.subnetCidrs;
    const policies = objects(env).filter((m) => m.kind === 'NetworkPolicy' && m.metadata.namespace === 'platform');
    const from = policies.flatMap((p) => (p.spec.ingress ?? []).filter((r: any) => (r.from ?? []).some((f: any) => f.ipBlock)));
    expect(from.length).toBeGreaterThan(0);
    for (const r of from) {
      expect(r.from.map((f: any) => f.ipBlock.cidr).sort()).toEqual([...subnets].sort());
      expect(r.ports.map((p: any) => p.port).sort()).toEqual([8000, 8100]);
    }
  });

  test.each(AWS_ENVS)('%s: the AWS Load Balancer Controller, pinned, with its IRSA role, its webhook certificate from cert-manager', (env) => {
    const a = addons(config(env)).find((x) => x.name === 'aws-load-balancer-controller')!;
    expect({ chart: a.chart, repo: a.repoURL, version: a.version, ns: a.namespace }).toEqual({ chart: 'aws-load-balancer-controller', repo: 'https://aws.github.io/eks-charts', version: '1.9.2', ns: 'kube-system' });
    const v = a.values as Record<string, any>;
    expect(v.serviceAccount.annotations[IRSA_ANNOTATION]).toBe(config(env).addons.awsLoadBalancerController!.iamRoleArn);
    expect(v).toMatchObject({ clusterName: `eks-platform-${config(env).secrets.aws!.region}`, ingressClass: 'alb', enableCertManager: true, enableServiceMutatorWebhook: false });
    expect(a.images).toEqual(['public.ecr.aws/eks/aws-load-balancer-controller:v2.9.2']);
    expect(objects(env).some((m) => m.kind === 'Application' && m.metadata.name.endsWith('-aws-load-balancer-controller'))).toBe(true);
  });

  test('an ALB without its controller, or with another class, is refused naming the fields', () => {
    const input = environmentInput('production', 'eks-platform') as Record<string, any>;
    input.addons = { ...input.addons, awsLoadBalancerController: undefined };
    input.ingress = { ...input.ingress, className: 'nginx' };
    try {
      validateEnvironment('production', input);
      throw new Error('accepted');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const paths = (e as ConfigError).problems.map((p) => p.path);
      expect(paths).toEqual(expect.arrayContaining(['ingress.className', 'addons.awsLoadBalancerController']));
    }
  });
});

describe('managed stores (spec 004 "Database Specifications", "Storage Architecture", "RDS Security Group")', () => {
  test.each(AWS_ENVS)('%s: RDS PostgreSQL 15.4, ElastiCache Redis 7.0 in cluster mode (3 shards, 1 replica each), MSK, OpenSearch, S3: nothing deployed', (env) => {
    const x = config(env).external;
    expect(x.postgres).toMatchObject({ engineVersion: '15.4', port: 5432, sslMode: 'verify-full' });
    expect(x.redis).toMatchObject({ engineVersion: '7.0', mode: 'cluster', shards: 3, replicasPerShard: 1, port: 6379 });
    expect(x.kafka).toMatchObject({ port: 9096 });
    expect(x.elasticsearch).toMatchObject({ engine: 'opensearch', port: 443 });
    expect(x.minio).toMatchObject({ port: 443, pathStyle: false });
    expect(objects(env).filter((m) => m.kind === 'StatefulSet')).toEqual([]);
  });

  test.each(AWS_ENVS)('%s: the consumers reach the managed stores only in the VPC\'s database subnets, on their ports', (env) => {
    const data = (config(env).external as Record<string, { cidrs: string[] }>).postgres.cidrs;
    const egress = objects(env).filter((m) => m.kind === 'NetworkPolicy' && ['apps', 'workers', 'batch'].includes(m.metadata.namespace))
      .flatMap((p) => p.spec.egress ?? []);
    const storePorts = new Set([5432, 6379, 9096]);
    for (const rule of egress) {
      const ports = (rule.ports ?? []).map((p: any) => p.port);
      if (!ports.some((p: number) => storePorts.has(p))) continue;
      expect(rule.to.map((t: any) => t.ipBlock?.cidr).sort()).toEqual([...data].sort());
    }
    expect(egress.some((r: any) => (r.ports ?? []).some((p: any) => p.port === 5432))).toBe(true);
  });

  test('development runs PostgreSQL, Redis, Kafka, Elasticsearch and MinIO in the cluster', () => {
    expect(Object.keys(config('development').stores).sort()).toEqual(['elasticsearch', 'kafka', 'minio', 'postgres', 'redis']);
    expect(objects('development').filter((m) => m.kind === 'StatefulSet').length).toBeGreaterThanOrEqual(5);
  });
});

describe('identity and secrets (spec 004 "Security Architecture": IRSA, AWS Secrets Manager, Pinecone as an external service)', () => {
  test.each(AWS_ENVS)('%s: every service that calls AWS runs as its own IAM role (IRSA)', (env) => {
    for (const s of ['fastapi-api', 'express-api', 'langchain-worker', 'document-processor', 'web-crawler']) {
      const sa = objects(env).find((m) => m.kind === 'ServiceAccount' && m.metadata.name === s)!;
      expect(sa.metadata.annotations[IRSA_ANNOTATION]).toBe(`arn:aws:iam::123456789012:role/eks-platform-${config(env).secrets.aws!.region}-${s}`);
    }
  });

  test.each(AWS_ENVS)('%s: Secret values from AWS Secrets Manager, Pinecone\'s key among them, reached over HTTPS', (env) => {
    expect(config(env).secrets.source).toBe('aws');
    const es = objects(env).filter((m) => m.kind === 'ExternalSecret');
    expect(es.map((e) => `${e.metadata.namespace}/${e.spec.target.name}`)).toEqual(expect.arrayContaining(['apps/pinecone', 'workers/pinecone', 'workers/gemini', 'apps/rds-app']));
    const env0 = podSpec(env, 'fastapi-api').containers[0].env.map((e: any) => e.name);
    expect(env0).toEqual(expect.arrayContaining(['PINECONE_API_KEY']));
  });
});

describe('node pool and placement mistakes are refused, naming the field, the value and the environment', () => {
  const problems = (mutate: (input: Record<string, any>) => void) => {
    const input = environmentInput('production', 'eks-platform') as Record<string, any>;
    mutate(input);
    try {
      validateEnvironment('production', input);
      return [];
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      return e.problems.map((p) => formatProblem({ platform: 'eks-platform', ...p }));
    }
  };

  test('a group whose minimum is above its maximum', () => {
    expect(problems((i) => { i.cluster.nodePools = [{ ...i.cluster.nodePools[0], minCount: 11 }, i.cluster.nodePools[1]]; }))
      .toEqual(['platform "eks-platform", environment "production": cluster.nodePools[0].minCount = 11: must not be above count 10 (count is the group\'s maximum)']);
  });

  test('a namespace placed on a pool that does not exist, and an unknown namespace', () => {
    const out = problems((i) => { i.cluster.placement = { ...i.cluster.placement, workers: 'gpu', nowhere: 'general' }; });
    expect(out).toEqual(expect.arrayContaining([
      expect.stringContaining('cluster.placement.workers = "gpu": names node pool "gpu", which is not in cluster.nodePools (allowed: general, compute)'),
      expect.stringContaining('cluster.placement.nowhere = "general": is not a namespace of this environment'),
    ]));
  });
});
