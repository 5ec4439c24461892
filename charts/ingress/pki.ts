/**
 * 03-pki: the cluster's internal certificate authority, on its own and early. Elasticsearch (15) cannot start
 * before its certificates are issued, so the CA must exist before the stores, not with the ingress (30).
 */
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import type { PlatformContext } from '../lib/context';
import { InternalCa } from './chart';

export class PkiChart extends Chart {
  constructor(scope: Construct, id: string, ctx: PlatformContext) {
    super(scope, id, { disableResourceNameHashes: true });
    new InternalCa(this, 'internal-ca', ctx.config);
  }
}
