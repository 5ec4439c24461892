/** Elasticsearch settings that cannot form a sound cluster are refused, each naming the field. */
import { formatProblem } from '../environments';
import { input, problemsOf, type Input } from './support/config';

function problemsAt(env: string, cfg: Input, at: string): string[] {
  return problemsOf(env, cfg).filter((p) => p.path === at).map(formatProblem);
}

test('an even number of masters', () => {
  const cfg = input('production');
  cfg.stores.elasticsearch.masters = 4;
  expect(problemsAt('production', cfg, 'stores.elasticsearch.masters')).toEqual([
    expect.stringMatching(/environment "production": stores\.elasticsearch\.masters = 4: must be odd/),
  ]);
});

test('fewer than 3 masters or 2 data nodes in HA', () => {
  const cfg = input('staging');
  cfg.stores.elasticsearch.masters = 1;
  cfg.stores.elasticsearch.data = 1;
  expect(problemsAt('staging', cfg, 'stores.elasticsearch.masters')).toEqual([expect.stringMatching(/must be at least 3 when ha is true/)]);
  expect(problemsAt('staging', cfg, 'stores.elasticsearch.data')).toEqual([expect.stringMatching(/must be at least 2 when ha is true/)]);
});

test('coordinating nodes without data nodes', () => {
  const cfg = input('dev');
  cfg.stores.elasticsearch.coordinating = 1;
  expect(problemsAt('dev', cfg, 'stores.elasticsearch.coordinating')).toEqual([expect.stringMatching(/must be 0 when data is 0/)]);
});

test('the privileged sysctl init container in a namespace that is not privileged', () => {
  const cfg = input('production');
  cfg.stores.elasticsearch.maxMapCount = 'sysctlInitContainer';
  expect(problemsAt('production', cfg, 'stores.elasticsearch.maxMapCount')).toEqual([
    expect.stringMatching(/"sysctlInitContainer" runs a privileged init container, which namespace db-elasticsearch \(podSecurity "restricted"\) rejects/),
  ]);
});

test('the vm.max_map_count choice has no default: an environment must state it', () => {
  const cfg = input('staging');
  delete cfg.stores.elasticsearch.maxMapCount;
  expect(problemsAt('staging', cfg, 'stores.elasticsearch.maxMapCount')).toEqual([expect.stringMatching(/\(missing\)/)]);
});
