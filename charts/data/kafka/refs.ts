/** How the platform reaches Kafka (SASL PLAIN bootstrap) and the Secret its brokers read. */
import type { Endpoint, SecretRef } from '../../lib/endpoint';
import { kafkaRules, kafkaSection } from './config';
import { storeFacts, userPassword } from '../kind';

export interface KafkaRef {
  readonly bootstrap: Endpoint;
  /** `host:port` for clients' bootstrap.servers. */
  readonly bootstrapServers: string;
  /** Client settings: SASL PLAIN over the cluster network (NetworkPolicies restrict who reaches it). */
  readonly securityProtocol: 'SASL_PLAINTEXT';
  readonly saslMechanism: 'PLAIN';
  /** The client credentials (`username` is fixed): clients copy it into their namespace with `copyOf`. */
  readonly secret: SecretRef;
}

/** The Kafka client user (SASL PLAIN); its password comes from refs.kafka.secret. */
export const KAFKA_CLIENT_USER = 'client';

export const kafka = storeFacts<typeof kafkaSection, KafkaRef>({
  config: kafkaSection,
  namespace: 'db-kafka',
  requires: [],
  rules: kafkaRules,
  refs: (_config, ep) => {
    const bootstrap = ep('kafka', 9092, 'client', { name: 'kafka', component: 'broker' });
    return {
      bootstrap,
      bootstrapServers: `${bootstrap.host}:${bootstrap.port}`,
      securityProtocol: 'SASL_PLAINTEXT',
      saslMechanism: 'PLAIN',
      secret: { name: 'kafka-credentials', keys: userPassword },
    };
  },
  secrets: (k, namespace) => [{ ...k.secret, namespace, fixed: { username: KAFKA_CLIENT_USER } }],
});
