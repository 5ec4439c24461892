/** What Kafka's chart, alerts and client read: an environment that has kafka (charts/context.ts). */
import type { ConfigWith, StoreContext } from '../../context';
import type { RefsWith } from '../refs';

/** The kinds Kafka's pods use: its own. */
export const KAFKA_USES = ['kafka'] as const;
export type KafkaConfig = ConfigWith<'kafka'>;
export type KafkaContext = StoreContext<'kafka'>;
export type KafkaRefs = RefsWith<'kafka'>;
