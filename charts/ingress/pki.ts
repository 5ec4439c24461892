/**
 * 03-pki: the cluster's certificate authorities, on their own and early. Elasticsearch (15) cannot start before its
 * certificates are issued, so the CAs must exist before the stores, not with the ingress (30).
 *
 *  - the internal CA (ClusterIssuer INTERNAL_CA_ISSUER): the stores' HTTPS/TLS server certificates and the
 *    applications' client certificates;
 *  - Elasticsearch's transport CA (Issuer TRANSPORT_CA.issuer in the Elasticsearch namespace): node-to-node
 *    certificates only, so that no certificate of the platform CA is accepted as a cluster node.
 *
 * A site with its own CA (cluster.siteCa) supplies the internal CA's key pair as a Secret: the CA ClusterIssuer
 * signs with it and no self-signed root Certificate is rendered for it, since cert-manager would re-issue that
 * Certificate over a Secret lacking its issuer annotations (cert-manager v1.15.3
 * internal/controller/certificates/policies/checks.go, SecretIssuerAnnotationsMismatch), silently replacing the
 * site's CA. The self-signed ClusterIssuer stays: the transport CA's root is signed with it.
 */
import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import type { EnvironmentConfig } from '../../environments/schema';
import { TRANSPORT_CA } from '../data/elasticsearch/chart';
import { NAMESPACES } from '../data/refs';
import type { PlatformContext } from '../context';
import { meta } from '../lib/labels';
import { InternalCa, SELF_SIGNED_ISSUER, SiteCaIssuer } from './chart';

/**
 * A CA of its own for Elasticsearch's transport layer: a root Certificate in the Elasticsearch namespace signed by
 * the self-signed ClusterIssuer, and a namespaced CA Issuer over its Secret (an Issuer reads its CA Secret from
 * its own namespace, and no other namespace can use it).
 */
export class ElasticsearchTransportCa extends Construct {
  constructor(scope: Construct, id: string, config: EnvironmentConfig) {
    super(scope, id);
    const namespace = NAMESPACES.elasticsearch;
    const ident = { name: 'elasticsearch', component: 'transport-ca' };
    new ApiObject(this, 'root', {
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: meta(config, { name: TRANSPORT_CA.secret, namespace, id: ident }),
      spec: {
        isCA: true,
        commonName: `${config.platform.displayName} Elasticsearch transport CA (${config.name})`,
        secretName: TRANSPORT_CA.secret,
        duration: '87600h',
        renewBefore: '720h',
        privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Never' },
        issuerRef: { name: SELF_SIGNED_ISSUER, kind: 'ClusterIssuer', group: 'cert-manager.io' },
      },
    });
    new ApiObject(this, 'issuer', {
      apiVersion: 'cert-manager.io/v1',
      kind: 'Issuer',
      metadata: meta(config, { name: TRANSPORT_CA.issuer, namespace, id: ident }),
      spec: { ca: { secretName: TRANSPORT_CA.secret } },
    });
  }
}

export class PkiChart extends Chart {
  constructor(scope: Construct, id: string, ctx: PlatformContext) {
    super(scope, id, { disableResourceNameHashes: true });
    if (ctx.config.cluster.siteCa) new SiteCaIssuer(this, 'internal-ca', ctx.config);
    else new InternalCa(this, 'internal-ca', ctx.config);
    // Only where Elasticsearch runs in the cluster (its transport layer is the only user).
    if (ctx.config.stores.elasticsearch) new ElasticsearchTransportCa(this, 'elasticsearch-transport-ca', ctx.config);
  }
}
