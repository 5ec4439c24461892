/**
 * How a service uses Kafka (SASL PLAIN in the cluster; SASL_SSL with SCRAM-SHA-512 for a managed Kafka, whose
 * public certificates the system trust store verifies): its settings, Secret copies, volumes and network flows.
 */
import { secretEnv } from '../../lib/env';
import type { ClientKit } from '../client';

export function kafkaClient({ refs, settings, env, copySecret, use }: ClientKit<'kafka'>): void {
  const k = refs.kafka;
  // The listener wants SASL: without these a client speaks PLAINTEXT and the broker drops it.
  Object.assign(settings, { KAFKA_BOOTSTRAP_SERVERS: k.bootstrapServers, KAFKA_SECURITY_PROTOCOL: k.securityProtocol, KAFKA_SASL_MECHANISM: k.saslMechanism });
  copySecret(k.secret);
  env.push(secretEnv('KAFKA_USERNAME', k.secret.name, 'username'), secretEnv('KAFKA_PASSWORD', k.secret.name, 'password'));
  // Bootstrap returns the brokers' advertised addresses: the same pods and port.
  use(k.bootstrap, k.bootstrap.external ? 'kafka (a managed service)' : 'kafka');
}
