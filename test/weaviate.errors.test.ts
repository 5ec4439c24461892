/**
 * Bad `stores.weaviate` sections: each problem is reported at its full path with what is allowed, and nothing that
 * would render a cluster that cannot keep its Raft quorum or its data is accepted.
 */
import { withStores } from '../charts/context';
import { WEAVIATE_USES } from '../charts/data/weaviate/context';
import { renderWeaviate, problemsOf, SPEC_000_WEAVIATE } from './support/weaviate';

const section = (patch: Record<string, unknown>) => ({ ...SPEC_000_WEAVIATE, ...patch });
const cls = (name: string) => ({ ...SPEC_000_WEAVIATE.classes[0], name });

test('HA (production) needs 3 nodes and 3 copies', () => {
  expect(problemsOf(section({ replicas: 1, replicationFactor: 1 }))).toEqual([
    'stores.weaviate.replicas: must be at least 3 when ha is true (Raft keeps a majority of 3 voters with one node down)',
    'stores.weaviate.replicationFactor: must be at least 3 when ha is true (reads and writes at consistency QUORUM keep working with one of 3 copies down)',
  ]);
});

test('a single node is fine without HA (dev); two nodes never are', () => {
  expect(problemsOf(section({ replicas: 1, replicationFactor: 1 }), { ha: false })).toEqual([]);
  expect(problemsOf(section({ replicas: 2, replicationFactor: 1 }), { ha: false })).toEqual([
    'stores.weaviate.replicas: must be 1 or at least 3 (with 2 nodes Raft has one voter, or two that tolerate no failure: the second node adds no availability)',
  ]);
});

test('more copies than nodes is refused', () => {
  expect(problemsOf(section({ replicas: 3, replicationFactor: 4 }))).toEqual([
    'stores.weaviate.replicationFactor: must be at most replicas (3): Weaviate places each copy of a shard on another node',
  ]);
});

test('in HA, the Raft voters need a node each', () => {
  expect(problemsOf(section({}), { nodes: 2 })).toEqual([
    'stores.weaviate.replicas: gives 3 Raft voters on 2 nodes (cluster.nodes): two voters on one node would both fall with it (ha is true)',
  ]);
});

test('class names: Weaviate\'s form, unique without case, not "Raft"', () => {
  expect(problemsOf(section({ classes: [cls('normalizedSKU')] }))).toEqual([
    'stores.weaviate.classes.0.name: must be a Weaviate class name: an upper-case letter, then letters, digits or "_"',
  ]);
  expect(problemsOf(section({ classes: [cls('Policies'), cls('POLICIES'), cls('Raft')] }))).toEqual([
    'stores.weaviate.classes.1.name: duplicates class "Policies" (class names are compared without case)',
    'stores.weaviate.classes.2.name: is refused by Weaviate (its Raft data directory has this name)',
  ]);
});

test('fields: unknown ones, dimensions, schedule and sizes are checked', () => {
  const problems = problemsOf({
    ...section({ classes: [{ ...cls('Policies'), vectorDimensions: 0 }], backup: { schedule: '61 * * * *', retentionDays: 14 }, volume: { size: '0Gi' } }),
    shards: 2,
  });
  expect(problems).toEqual(expect.arrayContaining([
    expect.stringMatching(/^stores\.weaviate: .*shards/),
    'stores.weaviate.classes.0.vectorDimensions: must be at least 1',
    expect.stringMatching(/^stores\.weaviate\.backup\.schedule: /),
    'stores.weaviate.volume.size: must be a volume size greater than zero such as 10Gi',
  ]));
});

test('the registry builds the chart only with what it reads: a platform without MinIO is refused, naming the store', () => {
  const { ctx } = renderWeaviate();
  const { minio: _ref, ...refs } = ctx.refs;
  expect(() => withStores({ ...ctx, refs }, WEAVIATE_USES, '16-weaviate'))
    .toThrow('environment "production": 16-weaviate needs the store "minio", which platform "receivables" does not have');
});
