/**
 * What the two AWS environments of spec 004 share (production in us-west-2, dr in us-east-1): an EKS 1.28 cluster
 * with the document's two node groups, the gp3 storage class, the ALB in front of Kong, the managed stores as
 * external endpoints in the VPC's database subnets, Secret values from AWS Secrets Manager and an IRSA role per
 * service. `awsRegion(region, vpc)` fills in what differs per region.
 */
import type { DeepPartial } from '../merge';
import type { EnvironmentInput } from '../schema';
import { FALCO_NAMESPACE, LOGGING_NAMESPACES, TRACING_NAMESPACE, VPA_NAMESPACE } from '../shared';
import { EKS_NAMESPACES } from './base';

/** The AWS account of the example (every ARN and ECR reference): the site replaces it (docs/eks-platform.md). */
export const ACCOUNT = '123456789012';

/**
 * Spec 004 "EKS Cluster Configuration" node groups and "Cluster Autoscaler", at their maximum sizes (the fit
 * check's maximum scenario). The compute group is sized at its smaller type (c5.2xlarge: 8 vCPU / 16 GiB). The
 * general group is sized at m5.xlarge (4 vCPU / 16 GiB): at m5.large (2 vCPU / 8 GiB) ten nodes are 1.2 CPU short
 * of every workload at its HPA maximum (the render says so), so the group must prefer m5.xlarge (docs/eks-platform.md).
 * The reserve is the EKS AMI's kube-reserved (CPU 70-80m, memory 255Mi + 11Mi per pod of the VPC CNI's max-pods:
 * 58 on both types), the 100Mi eviction threshold and the pods of every node that are not ours (aws-node,
 * kube-proxy, the EBS CSI node plugin; the node exporter is counted by the fit itself).
 */
export const NODE_GROUPS = {
  /** General: m5.large / m5.xlarge on Spot, 1-10 nodes, for everything but the workers. */
  general: {
    name: 'general', minCount: 1, count: 10, instanceTypes: ['m5.large', 'm5.xlarge'], capacityType: 'SPOT' as const,
    cpu: '4', memory: '16Gi', gpus: 0, reserved: { cpu: '400m', memory: '1536Mi' },
    // EKS labels every node of a managed node group with its name.
    labels: { 'eks.amazonaws.com/nodegroup': 'general' },
  },
  /**
   * Compute: c5.2xlarge / c5.4xlarge On-Demand, 0-8 nodes, for the compute-intensive workers: tainted, so that only
   * the workers (which tolerate it) start nodes there and the group can scale to zero.
   */
  compute: {
    name: 'compute', minCount: 0, count: 8, instanceTypes: ['c5.2xlarge', 'c5.4xlarge'], capacityType: 'ON_DEMAND' as const,
    cpu: '8', memory: '16Gi', gpus: 0, reserved: { cpu: '400m', memory: '1536Mi' },
    labels: { 'eks.amazonaws.com/nodegroup': 'compute' },
    taints: [{ key: 'eks-platform.example.com/compute', value: 'true', effect: 'NoSchedule' as const }],
  },
};

/** The workers namespace runs on the compute group; everything else on the general group. */
export const PLACEMENT = { platform: 'general', apps: 'general', workers: 'compute', batch: 'general' };

/**
 * Spec 004 "Storage Architecture": EBS volumes gp3, encrypted. Rendered by the platform (00-namespaces) over the
 * EBS CSI driver, which the site installs as an EKS add-on (aws-ebs-csi-driver docs/parameters.md: `type`,
 * `encrypted`; WaitForFirstConsumer creates each volume in its pod's zone; gp3 volumes grow online). EBS serves
 * ReadWriteOnce only (multi-attach is io1/io2 and block mode): no shared volumes here.
 */
export const GP3 = {
  gp3: {
    accessModes: ['ReadWriteOnce' as const],
    definition: {
      provisioner: 'ebs.csi.aws.com', parameters: { type: 'gp3', encrypted: 'true', 'csi.storage.k8s.io/fstype': 'ext4' },
      volumeBindingMode: 'WaitForFirstConsumer' as const, allowVolumeExpansion: true, reclaimPolicy: 'Delete' as const,
    },
  },
};

/** Spec 004 "Load Balancer Configuration": SSL Policy. */
export const SSL_POLICY = 'ELBSecurityPolicy-TLS-1-2-2017-01';

/** An IRSA role of the example account. */
export const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;

/** A region's VPC: its id, its ranges (spec 004 "Network Architecture" for us-west-2) and its managed services. */
export interface RegionVpc {
  readonly region: string;
  readonly vpcId: string;
  /** Where the ALB's nodes sit. */
  readonly publicSubnets: readonly string[];
  /** Nodes and, with the VPC CNI, pods. */
  readonly privateSubnets: readonly string[];
  /** The EKS control plane's cross-account network interfaces (the API server's addresses as pods see them). */
  readonly controlPlaneSubnets: readonly string[];
  /** RDS, ElastiCache, MSK, OpenSearch and the interface endpoints (S3, STS, Secrets Manager). */
  readonly databaseSubnets: readonly string[];
  /** Host names of the managed services. */
  readonly hosts: {
    readonly rds: string; readonly redis: string; readonly msk: readonly string[]; readonly opensearch: string;
  };
  readonly certificateArn: string;
}

const floor = { requestsCpu: '2', requestsMemory: '4Gi', limitsCpu: '8', limitsMemory: '16Gi', storage: '100Gi', pods: 40, persistentVolumeClaims: 8 };

/** An AWS environment of `vpc` serving `baseDomain`. */
export function awsRegion(baseDomain: string, vpc: RegionVpc): DeepPartial<EnvironmentInput> {
  const data = [...vpc.databaseSubnets];
  return {
    ha: true,
    cluster: {
      flavour: 'eks', nodes: NODE_GROUPS.general.count,
      nodePools: [NODE_GROUPS.general, NODE_GROUPS.compute],
      placement: PLACEMENT,
      // The kubernetes Service (172.20.0.1: EKS's service range for a 10.x VPC) and the control plane's interfaces.
      apiServerCidrs: ['172.20.0.1/32', ...vpc.controlPlaneSubnets], nodeCidrs: [...vpc.privateSubnets],
      server: 'https://kubernetes.default.svc',
    },
    storageClass: 'gp3',
    // Spec 004 "Kubernetes Architecture" and "Observability Stack": the logging, tracing, runtime-security and VPA
    // add-ons run in namespaces of their own (each at the Pod Security level it needs: environments/shared.ts).
    namespaces: [...EKS_NAMESPACES, ...LOGGING_NAMESPACES, TRACING_NAMESPACE, FALCO_NAMESPACE, VPA_NAMESPACE],
    quota: { floors: { system: floor, app: floor, data: floor } },
    storageClasses: GP3,
    ingress: {
      className: 'alb', baseDomain,
      // Signs only in-cluster certificates here: the public ones are ACM's (ingress.alb.certificateArn).
      tlsIssuer: 'ca',
      alb: { scheme: 'internet-facing', certificateArn: vpc.certificateArn, sslPolicy: SSL_POLICY, subnetCidrs: [...vpc.publicSubnets] },
    },
    // Production syncs after a person approves (spec 004 "Deployment Pipeline": Dev → Staging → Prod).
    gitops: { targetRevision: 'main', autoSync: false },
    // Every store is a managed service here: nothing of them runs in the cluster.
    stores: {},
    external: {
      // Spec 004 "Database Specifications": RDS PostgreSQL 15.4, db.r6g.large Multi-AZ (one endpoint; AWS fails over).
      postgres: { host: vpc.hosts.rds, credentialsSecret: 'rds-app', cidrs: data, database: 'platform', sslMode: 'verify-full', engineVersion: '15.4' },
      // ElastiCache Redis 7.0, cache.r6g.large, cluster mode, 3 shards, 1 replica per shard.
      redis: { host: vpc.hosts.redis, credentialsSecret: 'elasticache-auth', cidrs: data, mode: 'cluster', shards: 3, replicasPerShard: 1, engineVersion: '7.0' },
      kafka: { brokers: [...vpc.hosts.msk], credentialsSecret: 'msk-scram', cidrs: data },
      elasticsearch: { host: vpc.hosts.opensearch, credentialsSecret: 'opensearch-user', cidrs: data, engine: 'opensearch', indexPrefix: 'platform-' },
      // S3 through its interface endpoint (private DNS) in the database subnets: no egress to S3's public ranges.
      minio: {
        host: `s3.${vpc.region}.amazonaws.com`, credentialsSecret: 's3-access', cidrs: data, region: vpc.region, pathStyle: false,
        buckets: { documents: `eks-platform-documents-${vpc.region}`, logs: `eks-platform-logs-${vpc.region}` },
      },
    },
    apps: {
      // Spec 004 "Identity & Access": IAM Roles for Service Accounts, one role per service that calls AWS (not Kong).
      services: Object.fromEntries(['fastapi-api', 'express-api', 'langchain-worker', 'langgraph-orchestrator', 'document-processor', 'web-crawler', 'search-reindex', 'retention-cleanup']
        .map((s) => [s, { iamRoleArn: role(`eks-platform-${vpc.region}-${s}`) }])),
    },
    addons: {
      externalSecrets: { enabled: true },
      // Spec 004 "Observability Stack": Fluent Bit → Loki for logs (Loki on S3, the logs bucket, through its own
      // IRSA role), the OpenTelemetry collector → Jaeger for traces (spans in the managed OpenSearch), Falco, and
      // the VPA recommending sizes for what no HPA scales ("Scaling Policies").
      logging: { backend: 'loki', loki: { replicas: 3, retention: '744h', volume: { size: '50Gi' }, iamRoleArn: role(`eks-platform-${vpc.region}-loki`) } },
      tracing: { enabled: true, storage: { type: 'elasticsearch', url: `https://${vpc.hosts.opensearch}:443`, username: 'jaeger', cidrs: data, retentionDays: 7 } },
      falco: { enabled: true },
      vpa: { enabled: true },
      awsLoadBalancerController: { clusterName: `eks-platform-${vpc.region}`, region: vpc.region, vpcId: vpc.vpcId, iamRoleArn: role(`eks-platform-${vpc.region}-aws-load-balancer-controller`) },
      monitoring: {
        prometheusReplicas: 2, retention: '30d', volume: { size: '100Gi' },
        // Spec 004 "Resource Allocation Guidelines", Infrastructure Pods.
        prometheusResources: { requests: { cpu: '500m', memory: '2Gi' }, limits: { cpu: '2000m', memory: '8Gi' } },
        grafanaResources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
        // Spec 004 "Visualization & Alerting": Alert Manager to PagerDuty and Slack; a page for what is critical.
        alerting: { pagerduty: { severities: ['critical'] }, slack: { channel: '#eks-platform-alerts', severities: ['critical', 'warning'] } },
      },
    },
    // Spec 004 "Security Architecture": AWS Secrets Manager through External Secrets, one IRSA role per namespace;
    // Secrets Manager and STS through their interface endpoints in the database subnets.
    secrets: {
      source: 'aws',
      aws: { region: vpc.region, accountId: ACCOUNT, rolePrefix: `eks-platform-${vpc.region}-`, pathPrefix: `eks-platform/${vpc.region}`, cidrs: data },
    },
  };
}
