/**
 * charts/lib/to-json.ts renders a chart exactly as cdk8s's own `Chart.toJson()` does: the same objects, the
 * same order, the same keys in the same order. Checked for every chart of every environment (the whole platform
 * rendered once with cdk8s's toJson in place of the fast one) and for the rules the platform does not exercise
 * today (Lazy values, tokens, number/string unions, JSON patches, empty metadata, dependencies, custom resolvers).
 */
import { ApiObject, App, Chart, JsonPatch, Lazy, type IResolver, type ResolutionContext } from 'cdk8s';
import { Construct } from 'constructs';
import { k8s } from '../imports/k8s';
import type { RenderedPlatform } from '../charts/platform';
import { chartManifests } from '../charts/lib/to-json';
import { renderAll } from './support/render';
import { ENVIRONMENTS, loadEnvironments } from '../environments';

/** Exact text, so that key order counts too. */
const text = (x: unknown) => JSON.stringify(x, null, 1);

test('every chart of every environment renders exactly as cdk8s renders it', () => {
  let viaCdk8s: RenderedPlatform[] = [];
  jest.isolateModules(() => {
    jest.doMock('../charts/lib/to-json', () => ({ chartManifests: (c: Chart) => c.toJson() }));
    const { renderPlatform } = require('../charts/platform') as typeof import('../charts/platform');
    viaCdk8s = loadEnvironments(Object.keys(ENVIRONMENTS)).map(renderPlatform);
  });
  jest.dontMock('../charts/lib/to-json');
  const fast = renderAll();
  expect(fast.map((p) => p.config.name)).toEqual(viaCdk8s.map((p) => p.config.name));
  let objects = 0;
  fast.forEach((p, i) => {
    expect(p.charts.map((c) => c.folder)).toEqual(viaCdk8s[i].charts.map((c) => c.folder));
    p.charts.forEach((c, j) => {
      const want = viaCdk8s[i].charts[j].manifests;
      if (text(c.manifests) !== text(want)) expect({ env: p.config.name, folder: c.folder, manifests: text(c.manifests) }).toEqual({ env: p.config.name, folder: c.folder, manifests: text(want) });
      objects += c.manifests.length;
    });
  });
  expect(objects).toBeGreaterThan(1000);
});

describe('rules the platform does not exercise today, each against cdk8s', () => {
  const same = (chart: Chart) => {
    const want = chart.toJson();
    expect(text(chartManifests(chart))).toBe(text(want));
    return want;
  };

  test('Lazy values, tokens, number/string unions, nulls, sorting, empty metadata and JSON patches', () => {
    const chart = new Chart(new App(), 'c', { labels: { z: '1', a: '2' } });
    const lazy = Lazy.any({ produce: () => ({ b: [1, null, Lazy.any({ produce: () => 'deep' })], a: undefined }) });
    new ApiObject(chart, 'plain', {
      apiVersion: 'v1', kind: 'ConfigMap',
      metadata: { name: 'x', finalizers: [], annotations: {}, ownerReferences: [] },
      data: { zeta: 'z', alpha: lazy, token: { resolve: () => ({ y: 2, x: 1 }) }, gone: null, nested: { list: [{ k: undefined, j: 'v' }] } },
    });
    const sts = new k8s.KubeStatefulSet(chart, 'l1', {
      metadata: { name: 's', namespace: 'n', labels: { c: 'x' } },
      spec: {
        serviceName: 's', selector: { matchLabels: { a: 'b' } },
        template: { spec: { containers: [{ name: 'c', ports: [{ containerPort: 80 }], resources: { limits: { memory: k8s.Quantity.fromString('1Gi'), cpu: k8s.Quantity.fromNumber(2) } } }] } },
        updateStrategy: { rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(1) } },
      },
    });
    sts.addJsonPatch(JsonPatch.add('/spec/replicas', 3), JsonPatch.replace('/metadata/labels/c', 'y'));
    const out = same(chart);
    // The cases really occurred: the lazy value was produced, the union unwrapped, the patch applied.
    expect(out[0].data.alpha).toEqual({ b: [1, undefined, 'deep'] });
    expect(out[0].metadata).toEqual({ name: 'x', labels: { a: '2', z: '1' } });
    expect(out[1].spec.template.spec.containers[0].resources.limits).toEqual({ cpu: 2, memory: '1Gi' });
    expect(out[1].spec.replicas).toBe(3);
  });

  test('a dependency between objects orders them as cdk8s does', () => {
    const chart = new Chart(new App(), 'c');
    const first = new ApiObject(chart, 'first', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'first' } });
    const second = new ApiObject(chart, 'second', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'second' } });
    first.addDependency(second);
    expect(same(chart).map((m: any) => m.metadata.name)).toEqual(['second', 'first']);
  });

  test('objects of a nested chart belong to the nested chart only', () => {
    const outer = new Chart(new App(), 'outer');
    new ApiObject(outer, 'a', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } });
    const inner = new Chart(outer, 'inner');
    new ApiObject(inner, 'b', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b' } });
    expect(same(outer).map((m: any) => m.metadata.name)).toEqual(['a']);
    expect(same(inner).map((m: any) => m.metadata.name)).toEqual(['b']);
  });

  test('a custom resolver is honoured', () => {
    const upper: IResolver = { resolve: (c: ResolutionContext) => { if (typeof c.value === 'string' && c.value !== c.value.toUpperCase()) c.replaceValue(c.value.toUpperCase()); } };
    const chart = new Chart(new App({ resolvers: [upper] }), 'c');
    new ApiObject(chart, 'a', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { k: 'value' } });
    expect(same(chart)[0].data.k).toBe('VALUE');
  });

  test('a failing validation and a non-plain value fail as in cdk8s', () => {
    const chart = new Chart(new App(), 'c');
    const c = new Construct(chart, 'bad');
    c.node.addValidation({ validate: () => ['no good'] });
    expect(() => chartManifests(chart)).toThrow('Validation failed with the following errors:\n  [c/bad] no good');

    const chart2 = new Chart(new App(), 'd');
    new ApiObject(chart2, 'a', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { when: new Date(0) } });
    expect(() => chart2.toJson()).toThrow("can't render non-simple object of type 'Date'");
    expect(() => chartManifests(chart2)).toThrow("Failed serializing construct at path 'd/a' with name 'a': Error: can't render non-simple object of type 'Date'");
  });

  test('ApiObject.toJson is cdk8s\'s own again afterwards', () => {
    const before = ApiObject.prototype.toJson;
    const chart = new Chart(new App(), 'c');
    new ApiObject(chart, 'a', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } });
    chartManifests(chart);
    expect(ApiObject.prototype.toJson).toBe(before);
  });
});
