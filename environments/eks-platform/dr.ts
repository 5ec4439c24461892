/**
 * dr: the secondary region, us-east-1 (spec 004 "Disaster Recovery Architecture"): its own VPC and EKS cluster, an
 * RDS read replica of production's database, S3 buckets filled by cross-region replication. A warm standby: the
 * same release and scale, every Deployment at 0 replicas and every CronJob suspended (apps.standby) until
 * failover; then the read replica is promoted, the standby switched off, and DNS moved to this region's ALB
 * (docs/eks-platform.md). Recovery objectives: RPO 15 minutes, RTO 4 hours (DR_OBJECTIVES; no schema field holds
 * them, so they are data here and in the description).
 */
import { deepMerge, type DeepPartial } from '../merge';
import type { EnvironmentInput } from '../schema';
import { ACCOUNT, awsRegion, type RegionVpc } from './aws';

/** Spec 004 "Disaster Recovery Architecture", Recovery Procedures: RPO 15 minutes, RTO 4 hours. */
export const DR_OBJECTIVES = { rpoMinutes: 15, rtoHours: 4, primaryRegion: 'us-west-2', secondaryRegion: 'us-east-1' } as const;

/** Its own VPC: the same layout on 10.1.0.0/16, so that the two regions can be peered. */
export const US_EAST_1: RegionVpc = {
  region: 'us-east-1',
  vpcId: 'vpc-0f1e2d3c4b5a69788',
  publicSubnets: ['10.1.1.0/24', '10.1.2.0/24', '10.1.3.0/24'],
  privateSubnets: ['10.1.10.0/24', '10.1.20.0/24', '10.1.30.0/24'],
  controlPlaneSubnets: ['10.1.0.0/26'],
  databaseSubnets: ['10.1.100.0/24', '10.1.101.0/24', '10.1.102.0/24'],
  hosts: {
    // The cross-region read replica ("SecondaryRDS: RDS Read Replica"); promoted on failover.
    rds: 'eks-platform-replica.c9z8y7x6w5v4.us-east-1.rds.amazonaws.com',
    redis: 'clustercfg.eks-platform.d4e5f6.use1.cache.amazonaws.com',
    msk: ['b-1.eksplatformdr.a9b8c7.c3.kafka.us-east-1.amazonaws.com', 'b-2.eksplatformdr.a9b8c7.c3.kafka.us-east-1.amazonaws.com', 'b-3.eksplatformdr.a9b8c7.c3.kafka.us-east-1.amazonaws.com'],
    opensearch: 'vpc-eks-platform-dr-z9y8x7w6v5.us-east-1.es.amazonaws.com',
  },
  certificateArn: `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/9e8d7c6b-5a4f-4321-9b0a-f1e2d3c4b5a6`,
};

export const dr: DeepPartial<EnvironmentInput> = deepMerge(awsRegion('dr.eks-platform.example.com', US_EAST_1), {
  description: `Disaster recovery, us-east-1: a warm standby of production (RPO ${DR_OBJECTIVES.rpoMinutes} minutes, RTO ${DR_OBJECTIVES.rtoHours} hours), promoted on failover`,
  apps: { standby: true },
} satisfies DeepPartial<EnvironmentInput>);
