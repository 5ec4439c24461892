/**
 * 03-pki: the cluster's internal certificate authority, on its own and early. Elasticsearch (15) cannot start
 * before its certificates are issued, so the CA must exist before the stores, not with the ingress (30).
 * A site with its own CA (cluster.siteCa) supplies the key pair as a Secret: the CA ClusterIssuer signs with it
 * and no self-signed root Certificate is rendered, since cert-manager would re-issue that Certificate over a
 * Secret lacking its issuer annotations (cert-manager v1.15.3 internal/controller/certificates/policies/checks.go,
 * SecretIssuerAnnotationsMismatch), silently replacing the site's CA.
 */
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import type { PlatformContext } from '../lib/context';
import { InternalCa, SiteCaIssuer } from './chart';

export class PkiChart extends Chart {
  constructor(scope: Construct, id: string, ctx: PlatformContext) {
    super(scope, id, { disableResourceNameHashes: true });
    if (ctx.config.cluster.siteCa) new SiteCaIssuer(this, 'internal-ca', ctx.config);
    else new InternalCa(this, 'internal-ca', ctx.config);
  }
}
