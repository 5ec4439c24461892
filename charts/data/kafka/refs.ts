/** How the platform reaches Kafka (SASL PLAIN bootstrap) and the Secret its brokers read. */
import type { Endpoint, SecretRef } from '../../lib/endpoint';
import type { z } from 'zod';
import { externalKafkaSection, kafkaRules, kafkaSection } from './config';
import { externalEndpoint, storeFacts, userPassword } from '../kind';

export interface KafkaRef {
  readonly bootstrap: Endpoint;
  /** `host:port` for clients' bootstrap.servers. */
  readonly bootstrapServers: string;
  /**
   * Client settings: SASL PLAIN over the cluster network (NetworkPolicies restrict who reaches it); a managed
   * Kafka (`external.kafka`): SCRAM-SHA-512 over TLS (./config.ts says why).
   */
  readonly securityProtocol: 'SASL_PLAINTEXT' | 'SASL_SSL';
  readonly saslMechanism: 'PLAIN' | 'SCRAM-SHA-512';
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
  external: {
    config: externalKafkaSection,
    refs: (x: z.infer<typeof externalKafkaSection>, kind: string): KafkaRef => {
      // Bootstrap answers with every broker's address: all in the brokers' subnets, on the same listener port.
      const bootstrap = externalEndpoint(kind, { host: x.brokers[0], port: x.port, cidrs: x.cidrs }, 'sasl-scram');
      return {
        bootstrap,
        bootstrapServers: x.brokers.map((b) => `${b}:${x.port}`).join(','),
        securityProtocol: 'SASL_SSL',
        // MSK's SCRAM listener speaks SCRAM-SHA-512 (the client properties of AWS's MSK guide, msk-password-tutorial).
        saslMechanism: 'SCRAM-SHA-512',
        secret: { name: x.credentialsSecret, keys: userPassword },
      };
    },
  },
});
