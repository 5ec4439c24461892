/**
 * production: the primary region, us-west-2 (spec 004 "Disaster Recovery Architecture"), in the VPC of "Network
 * Architecture" (10.0.0.0/16: public 10.0.1-3.0/24, private 10.0.10/20/30.0/24). The document names no subnets for
 * the databases and the EKS control plane: 10.0.100-102.0/24 and 10.0.0.0/26 here, the site's to replace.
 */
import { deepMerge, type DeepPartial } from '../merge';
import type { EnvironmentInput } from '../schema';
import { ACCOUNT, awsRegion, type RegionVpc } from './aws';

export const US_WEST_2: RegionVpc = {
  region: 'us-west-2',
  vpcId: 'vpc-0a1b2c3d4e5f60718',
  publicSubnets: ['10.0.1.0/24', '10.0.2.0/24', '10.0.3.0/24'],
  privateSubnets: ['10.0.10.0/24', '10.0.20.0/24', '10.0.30.0/24'],
  controlPlaneSubnets: ['10.0.0.0/26'],
  databaseSubnets: ['10.0.100.0/24', '10.0.101.0/24', '10.0.102.0/24'],
  hosts: {
    rds: 'eks-platform.cluster-c1a2b3c4d5e6.us-west-2.rds.amazonaws.com',
    redis: 'clustercfg.eks-platform.a1b2c3.usw2.cache.amazonaws.com',
    msk: ['b-1.eksplatform.x1y2z3.c2.kafka.us-west-2.amazonaws.com', 'b-2.eksplatform.x1y2z3.c2.kafka.us-west-2.amazonaws.com', 'b-3.eksplatform.x1y2z3.c2.kafka.us-west-2.amazonaws.com'],
    opensearch: 'vpc-eks-platform-q1w2e3r4t5.us-west-2.es.amazonaws.com',
  },
  certificateArn: `arn:aws:acm:us-west-2:${ACCOUNT}:certificate/4f1e2d3c-5b6a-4789-8a0b-1c2d3e4f5a6b`,
};

export const production: DeepPartial<EnvironmentInput> = deepMerge(awsRegion('eks-platform.example.com', US_WEST_2), {
  description: 'Production, us-west-2: EKS 1.28, the ALB in front of Kong, RDS, ElastiCache, MSK, OpenSearch and S3 as managed services',
} satisfies DeepPartial<EnvironmentInput>);
