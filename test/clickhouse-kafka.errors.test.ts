/**
 * Invalid ClickHouse and Kafka topologies are refused before anything renders, each with a message that
 * names the environment, the field path, the value and what is allowed.
 */
import { formatProblem } from '../environments';
import { input, problemsOf, type Input } from './support/config';

function expectProblem(env: string, cfg: Input, path: string, ...fragments: string[]): void {
  const problems = problemsOf(env, cfg);
  // Several rules may apply to one field (2 Keepers in HA: too few and even); one message must say it all.
  const texts = problems.filter((p) => p.path === path).map(formatProblem);
  const match = texts.find((t) => [`environment "${env}"`, `${path} = `, ...fragments].every((f) => t.includes(f)));
  expect({ path, match, all: problems.map(formatProblem) }).toEqual({ path, match: expect.any(String), all: expect.anything() });
}

describe('ClickHouse', () => {
  test('0 shards', () => {
    const cfg = input('dev');
    cfg.stores.clickhouse.shards = 0;
    expectProblem('dev', cfg, 'stores.clickhouse.shards', '= 0', 'must be at least 1');
  });

  test.each([2, 4])('an even Keeper ensemble of %i', (n) => {
    const cfg = input('production');
    cfg.stores.clickhouse.keepers = n;
    expectProblem('production', cfg, 'stores.clickhouse.keepers', `= ${n}`, 'must be odd');
  });

  test('one replica per shard where the environment demands HA', () => {
    const cfg = input('production');
    cfg.stores.clickhouse.replicas = 1;
    expectProblem('production', cfg, 'stores.clickhouse.replicas', '= 1', 'must be at least 2 when ha is true');
  });

  test.each([0, 1.5])('a backup retention of %p days', (n) => {
    const cfg = input('production');
    cfg.stores.clickhouse.backup.retentionDays = n;
    expectProblem('production', cfg, 'stores.clickhouse.backup.retentionDays', `= ${n}`, n === 0 ? 'must be at least 1 day' : 'must be a whole number');
  });

  test('a single Keeper where the environment demands HA', () => {
    const cfg = input('staging');
    cfg.stores.clickhouse.keepers = 1;
    expectProblem('staging', cfg, 'stores.clickhouse.keepers', '= 1', 'must be at least 3 when ha is true');
  });

  test('a backup schedule that is not a cron expression', () => {
    const cfg = input('dev');
    cfg.stores.clickhouse.backup.schedule = 'daily';
    expectProblem('dev', cfg, 'stores.clickhouse.backup.schedule', '"daily"', 'five fields');
  });

  test('1 replica, 1 shard, 1 Keeper is valid without HA, and 3 Keepers with 5 shards is valid with it', () => {
    expect(problemsOf('dev', input('dev'))).toEqual([]);
    const cfg = input('production');
    cfg.stores.clickhouse = { ...cfg.stores.clickhouse, shards: 5, replicas: 3, keepers: 5 };
    expect(problemsOf('production', cfg)).toEqual([]);
  });
});

describe('Kafka', () => {
  test('a replication factor above the broker count', () => {
    const cfg = input('dev');
    cfg.stores.kafka.replicationFactor = 3;
    cfg.stores.kafka.minInsyncReplicas = 1;
    expectProblem('dev', cfg, 'stores.kafka.replicationFactor', '= 3', 'must not exceed stores.kafka.brokers (1)');
  });

  test('min.insync.replicas above the replication factor', () => {
    const cfg = input('dev');
    cfg.stores.kafka.minInsyncReplicas = 2;
    expectProblem('dev', cfg, 'stores.kafka.minInsyncReplicas', '= 2', 'must not exceed stores.kafka.replicationFactor (1)');
  });

  test('min.insync.replicas equal to the replication factor on several brokers (one lost broker stops writes)', () => {
    const cfg = input('production');
    cfg.stores.kafka.minInsyncReplicas = 3;
    expectProblem('production', cfg, 'stores.kafka.minInsyncReplicas', '= 3', 'must be below stores.kafka.replicationFactor (3)');
  });

  test('min.insync.replicas 1 where the environment demands HA', () => {
    const cfg = input('production');
    cfg.stores.kafka.minInsyncReplicas = 1;
    expectProblem('production', cfg, 'stores.kafka.minInsyncReplicas', '= 1', 'must be at least 2 when ha is true');
  });

  test.each([
    ['Invoice_Events', 'name', "must be lower case letters, digits, '.' and '-'"],
    ['-events', 'name', "must be lower case letters, digits, '.' and '-'"],
  ])('a topic named %p', (name, field, message) => {
    const cfg = input('production');
    cfg.stores.kafka.topics = [{ name, partitions: 3 }];
    expectProblem('production', cfg, `stores.kafka.topics[0].${field}`, message);
  });

  test('a topic with no partitions', () => {
    const cfg = input('production');
    cfg.stores.kafka.topics = [{ name: 'events', partitions: 0 }];
    expectProblem('production', cfg, 'stores.kafka.topics[0].partitions', '= 0', 'must be at least 1');
  });

  test('a topic with more replicas than brokers, or fewer than min.insync.replicas', () => {
    const cfg = input('production');
    cfg.stores.kafka.topics = [{ name: 'events', partitions: 3, replicationFactor: 4 }, { name: 'audit', partitions: 1, replicationFactor: 1 }];
    expectProblem('production', cfg, 'stores.kafka.topics[0].replicationFactor', '= 4', 'must not exceed stores.kafka.brokers (3)');
    expectProblem('production', cfg, 'stores.kafka.topics[1].replicationFactor', '= 1', 'must be at least stores.kafka.minInsyncReplicas (2)');
  });

  test('a topic declared twice', () => {
    const cfg = input('staging');
    cfg.stores.kafka.topics = [{ name: 'events', partitions: 3 }, { name: 'events', partitions: 6 }];
    expectProblem('staging', cfg, 'stores.kafka.topics[1].name', '"events" is declared twice');
  });

  test('one broker where the environment demands HA', () => {
    const cfg = input('production');
    cfg.stores.kafka = { ...cfg.stores.kafka, brokers: 1, replicationFactor: 1, minInsyncReplicas: 1 };
    expectProblem('production', cfg, 'stores.kafka.brokers', '= 1', 'must be at least 3 when ha is true');
  });

  test('a missing replication factor is required, not silently defaulted', () => {
    const cfg = input('dev');
    delete cfg.stores.kafka.replicationFactor;
    expectProblem('dev', cfg, 'stores.kafka.replicationFactor', '(missing)', 'is required');
  });
});
