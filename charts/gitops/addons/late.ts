/**
 * Add-ons whose Application cannot sync with 90-addons, right after the network policies: Loki needs MinIO's bucket
 * (10-minio), Fluent Bit the store it sends to and, for Elasticsearch, the internal CA's certificate (03-pki,
 * 15-elasticsearch, 40-logging) before they can start and become Healthy (its TLS context loads the CA file when it starts, and a missing file stops
 * it: fluent/fluent-bit v3.1.9 src/flb_output.c, flb_tls_create failing fails the output's initialisation). An
 * Argo CD-only folder of their own, after those, in the system project like every add-on Application, in their
 * add-on waves (Loki before Fluent Bit).
 */
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import type { PlatformContext } from '../../context';
import { addonApplication } from '../addons';
import { addons } from '../addons-catalog';

export class LateAddonsChart extends Chart {
  constructor(scope: Construct, id: string, ctx: PlatformContext) {
    super(scope, id, { disableResourceNameHashes: true });
    for (const a of addons(ctx.config).filter((x) => x.folder === id)) addonApplication(this, ctx.config, a);
  }
}
