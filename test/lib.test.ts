/** The shared helpers: labels, images, disruption budgets, spreading. */
import { Chart, Testing } from 'cdk8s';
import { disruptionBudget } from '../charts/lib/disruption';
import { image } from '../charts/lib/images';
import { labels, selectorLabels } from '../charts/lib/labels';
import { storeAntiAffinity } from '../charts/lib/scheduling';
import { StatefulSet } from '../charts/lib/stateful-set';
import { modelErrors, unknownFields } from './support/k8s-schema';
import { loadEnvironment } from '../environments';

const dev = loadEnvironment('dev');
const production = loadEnvironment('production');
const dr = loadEnvironment('dr');

describe('labels', () => {
  test('selectors are the stable subset of the full label set', () => {
    const id = { name: 'invoice', component: 'api' };
    const full = labels(production, id, '1.2.3');
    const sel = selectorLabels(id);
    expect(sel).toEqual({ 'app.kubernetes.io/name': 'invoice', 'app.kubernetes.io/instance': 'invoice', 'app.kubernetes.io/component': 'api' });
    expect(full).toMatchObject(sel);
    expect(full['app.kubernetes.io/version']).toBe('1.2.3');
    expect(full['sme-receivables.io/environment']).toBe('production');
    expect(Object.keys(sel)).not.toContain('app.kubernetes.io/version');
  });
});

describe('images', () => {
  test('upstream references are kept where no private registry is configured', () => {
    expect(image(production, 'docker.io/library/redis:7.0.15')).toBe('docker.io/library/redis:7.0.15');
  });

  test('a private registry rewrites the registry host and keeps path and tag', () => {
    expect(dr.images.registry).not.toBe('');
    expect(image(dr, 'ghcr.io/zalando/spilo-15:3.0-p1')).toBe(`${dr.images.registry}/zalando/spilo-15:3.0-p1`);
    const digest = `quay.io/x/y@sha256:${'a'.repeat(64)}`;
    expect(image(dr, digest)).toBe(`${dr.images.registry}/x/y@sha256:${'a'.repeat(64)}`);
  });

  test('unpinned or unqualified images are refused', () => {
    expect(() => image(dev, 'docker.io/library/redis')).toThrow(/pinned/);
    expect(() => image(dev, 'docker.io/library/redis:latest')).toThrow(/pinned/);
    expect(() => image(dev, 'redis:7')).toThrow(/fully qualified/);
  });
});

describe('disruption budgets', () => {
  const render = (replicas: number, maxUnavailable?: number) => {
    const chart = new Chart(Testing.app(), 'c');
    disruptionBudget(chart, { config: dev, name: 'x', namespace: 'n', id: { name: 'x', component: 'y' }, replicas, maxUnavailable });
    return Testing.synth(chart)[0].spec;
  };

  test('a single replica can always be drained', () => {
    expect(render(1, 1).maxUnavailable).toBe(1);
  });

  test('a quorum of three keeps two', () => {
    expect(render(3).maxUnavailable).toBe(1);
  });

  test('a budget that would allow every replica down, or none, is refused', () => {
    expect(() => render(3, 3)).toThrow(/maxUnavailable 3 must be between 1 and 2 for 3 replicas/);
    expect(() => render(3, 0)).toThrow(/must be between 1 and 2/);
  });
});

describe('anti-affinity', () => {
  const sel = { a: 'b' };
  test('required where the environment is HA and has a node per replica, preferred otherwise', () => {
    expect(storeAntiAffinity(production, sel, 3).podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution).toHaveLength(1);
    expect(storeAntiAffinity(production, sel, production.cluster.nodes + 1).podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution).toHaveLength(1);
    expect(storeAntiAffinity(dev, sel, 1).podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution).toBeUndefined();
  });
});

describe('StatefulSet', () => {
  test('renders apiVersion and kind on every claim template, and the schema check accepts them', () => {
    const chart = new Chart(Testing.app(), 'c');
    new StatefulSet(chart, 's', {
      metadata: { name: 's' },
      spec: {
        serviceName: 's', selector: { matchLabels: { a: 'b' } },
        template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'x/y:1' }] } },
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'] } }],
      },
    });
    const [sts] = chart.toJson();
    expect(sts.spec.volumeClaimTemplates[0]).toMatchObject({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data' } });
    expect(unknownFields(sts)).toEqual([]);
    sts.spec.volumeClaimTemplates[0].spec.acessModes = ['ReadWriteOnce'];
    expect(unknownFields(sts)).toEqual(['spec.volumeClaimTemplates[0].spec.acessModes']);
  });
});

describe('schema of custom resources', () => {
  test('cert-manager, Prometheus operator and Argo CD objects are validated by their own packages', () => {
    const cert = { apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'c', namespace: 'n' }, spec: { secretName: 's', issuerRef: { name: 'i', kind: 'ClusterIssuer' }, dnsNames: ['a.example.com'] } };
    expect(modelErrors(cert)).toBeUndefined();
    expect(modelErrors({ ...cert, spec: { ...cert.spec, secretName: 7 } })).toMatch(/secretName/);
    const rule = { apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: { name: 'r', namespace: 'n' }, spec: { groups: [{ name: 'g', rules: [{ alert: 'A', expr: 'up == 0' }] }] } };
    expect(modelErrors(rule)).toBeUndefined();
    expect(modelErrors({ ...rule, spec: { groups: [{ rules: [] }] } })).toMatch(/name/);
    expect(modelErrors({ apiVersion: 'argoproj.io/v1alpha1', kind: 'AppProject', metadata: { name: 'p' }, spec: { sourceRepos: 'x' } })).toMatch(/sourceRepos/);
  });
});
