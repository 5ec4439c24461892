/**
 * A render that changes what the API server never lets change on an existing StatefulSet (claim templates,
 * selector, serviceName, podManagementPolicy) is refused by synth and check, compared with the previous render
 * (here the committed dist/). Not proven here: the API server's refusal itself (no cluster); the list of
 * immutable fields is Kubernetes' ValidateStatefulSetUpdate, cited in charts/output/immutable.ts.
 */
import * as path from 'path';
import { renderEnvironments } from '../charts/output/prepare';
import { environmentInput, formatProblem, loadEnvironments, validateEnvironment } from '../environments';

const DIST = path.resolve(__dirname, '..', 'dist');
const staging = (change: (i: Record<string, any>) => void) => {
  const input = structuredClone(environmentInput('staging')) as Record<string, any>;
  change(input);
  return validateEnvironment('staging', input);
};
const problems = (change: (i: Record<string, any>) => void, dist = DIST) => renderEnvironments([staging(change)], dist).problems;

test('the committed render of staging is accepted as it is', () => {
  expect(renderEnvironments(loadEnvironments(['staging']), DIST).problems).toEqual([]);
});

test('a new volume size for a store\'s StatefulSet is refused, naming the field, both sizes and the way out', () => {
  const p = problems((i) => { i.stores.kafka.volume.size = '21Gi'; });
  expect(p.map((x) => [x.path, x.value])).toEqual([['stores.kafka.volume.size', '21Gi']]);
  const text = formatProblem(p[0]);
  for (const f of ['environment "staging"', 'StatefulSet db-kafka/kafka', 'of 20Gi in dist/receivables/staging', 'the API server refuses', '--cascade=orphan',
    'delete dist/receivables/staging/13-kafka/statefulset.db-kafka.kafka.yaml and render again']) expect(text).toContain(f);
});

test('the size of ClickHouse Keeper\'s claims is named by its own field', () => {
  const p = problems((i) => { i.stores.clickhouse.keeper.volume.size = '7Gi'; });
  expect(p.map((x) => [x.path, x.value])).toEqual([['stores.clickhouse.keeper.volume.size', '7Gi']]);
});

test('a new storage class is refused for every store StatefulSet with claims (MinIO has its own guard)', () => {
  const p = problems((i) => { i.storageClass = 'fast-ssd'; });
  expect(p.length).toBeGreaterThanOrEqual(5);
  expect(new Set(p.map((x) => x.path))).toEqual(new Set(['storageClass']));
  expect(p.map((x) => x.message).join('\n')).not.toContain('storage-minio');
});

test('an environment never rendered before has nothing to compare with', () => {
  expect(problems((i) => { i.stores.kafka.volume.size = '21Gi'; }, path.join(DIST, 'nowhere'))).toEqual([]);
});
