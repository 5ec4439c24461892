/**
 * Redis's alerting rules from its own metrics: redis_exporter (redis_up, redis_instance_info{role},
 * redis_master_link_up, redis_sentinel_*). A rule whose metric is absent never fires; the generic StatefulSet rules
 * (charts/monitoring/rules.ts) still cover the store.
 */
import type { RedisConfig } from './context';
import { rule, type Rule, type StoreAlertKit } from '../../lib/alerts';

export function redisAlerts(c: RedisConfig, { n, down, failover }: StoreAlertKit): Rule[] {
  const s = c.stores;
  return [
    down('RedisDown', 'redis_up', 'Redis'),
    rule('RedisNoMaster', 'critical', '1m', `(count(redis_instance_info{${n}, role="master"}) or vector(0)) < 1`, 'Redis has no master', 'Sentinel has not promoted a replica: writes fail.'),
    rule('RedisSeveralMasters', 'critical', '1m', `count(redis_instance_info{${n}, role="master"}) > 1`, 'Redis has more than one master', 'Split brain: more than one node accepts writes.'),
    failover('RedisFailover', `redis_instance_info{${n}, role="master"}`, 'Redis'),
    rule('RedisReplicationBroken', 'critical', '2m', `redis_master_link_up{${n}} == 0`, 'Redis replica {{ $labels.pod }} lost its master', 'The replica is not replicating.'),
    ...(s.redis.replicas > 1 ? [rule('RedisMissingReplicas', 'warning', '5m', `sum(redis_connected_slaves{${n}}) < ${s.redis.replicas - 1}`,
      'Redis has fewer replicas than configured', `Expected ${s.redis.replicas - 1} replicas attached to the master.`)] : []),
    rule('RedisSentinelQuorum', 'critical', '2m', `redis_sentinel_master_ok_sentinels{${n}} < ${Math.floor(s.redis.replicas / 2) + 1}`,
      'Redis Sentinel below quorum', 'Too few Sentinels agree on the master: no failover can happen.'),
  ];
}
