/**
 * Where alerts go (addons.monitoring.alerting, charts/gitops/addons/alerting.ts): the Alertmanager configuration
 * kube-prometheus-stack gets, merged over the chart's own as Helm merges values, checked and routed by the real
 * amtool (Debian's prometheus-alertmanager); the site's Secret with the credentials; the egress to the receivers.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';
import type { Manifest, RenderedPlatform } from '../charts/platform';
import { messagesWith } from './support/config';
import { deepMerge } from '../environments/merge';
import { manifestsOf, nameOf, renderEvery } from './support/render';
import { siteChecklist } from '../charts/output/checklist';

const every = renderEvery();
const env = (platform: string, name: string): RenderedPlatform => {
  const p = every.find((x) => x.config.platform.name === platform && x.config.name === name);
  if (!p) throw new Error(`no environment ${platform}/${name}`);
  return p;
};
const stackValues = (p: RenderedPlatform): Manifest =>
  manifestsOf(p).find((m) => m.kind === 'Application' && m.spec.source?.chart === 'kube-prometheus-stack')!.spec.source.helm.valuesObject;

/**
 * kube-prometheus-stack-62.7.0 values.yaml `alertmanager.config` (prometheus-community/helm-charts, tag
 * kube-prometheus-stack-62.7.0, charts/kube-prometheus-stack/values.yaml), the chart's default our values merge over.
 */
const CHART_CONFIG = {
  global: { resolve_timeout: '5m' },
  inhibit_rules: [
    { source_matchers: ['severity = critical'], target_matchers: ['severity =~ warning|info'], equal: ['namespace', 'alertname'] },
    { source_matchers: ['severity = warning'], target_matchers: ['severity = info'], equal: ['namespace', 'alertname'] },
    { source_matchers: ['alertname = InfoInhibitor'], target_matchers: ['severity = info'], equal: ['namespace'] },
    { target_matchers: ['alertname = InfoInhibitor'] },
  ],
  route: {
    group_by: ['namespace'], group_wait: '30s', group_interval: '5m', repeat_interval: '12h', receiver: 'null',
    routes: [{ receiver: 'null', matchers: ['alertname = "Watchdog"'] }],
  },
  receivers: [{ name: 'null' }],
  templates: ['/etc/alertmanager/config/*.tmpl'],
};

/** Runs amtool on `config` written to a temporary file; [status, output]. */
function amtool(config: unknown, ...args: string[]): [number, string] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amtool-'));
  try {
    const file = path.join(dir, 'alertmanager.yaml');
    fs.writeFileSync(file, stringify(config));
    const r = spawnSync('amtool', args.map((a) => a.replace('$FILE', file)), { encoding: 'utf8' });
    return [r.status ?? -1, `${r.stdout}${r.stderr}`];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const alerted = every.filter((p) => p.config.addons.monitoring.enabled && p.config.addons.monitoring.alerting);

test('the platforms whose documents name PagerDuty or Slack send alerts there (arbor, pcf-builder and eks-platform beyond development)', () => {
  expect(alerted.map(nameOf).sort()).toEqual([
    'arbor/production-ap-southeast-1', 'arbor/production-eu-west-1', 'arbor/production-us-east-1', 'arbor/staging',
    'eks-platform/dr', 'eks-platform/production', 'pcf-builder/production', 'pcf-builder/staging',
  ]);
});

describe('the configuration Alertmanager gets, checked and routed by amtool (prometheus-alertmanager 0.25)', () => {
  // [environment, severity → receivers]: spec 003 sends critical to PagerDuty and warning to Slack; pcf-builder and
  // eks-platform page for critical and post both to Slack; staging never pages. The chart's heartbeat stays silent.
  const cases: [string, string, Record<string, string>][] = [
    ['arbor', 'production-us-east-1', { critical: 'pagerduty', warning: 'slack', info: 'null' }],
    ['arbor', 'staging', { critical: 'slack', warning: 'slack', info: 'null' }],
    ['pcf-builder', 'production', { critical: 'pagerduty,slack', warning: 'slack', info: 'null' }],
    ['pcf-builder', 'staging', { critical: 'slack', warning: 'slack', info: 'null' }],
    ['eks-platform', 'production', { critical: 'pagerduty,slack', warning: 'slack', info: 'null' }],
  ];
  test.each(cases)('%s/%s', (platform, name, routes) => {
    const values = stackValues(env(platform, name));
    // Helm merges values as deepMerge does: maps key by key, lists and scalars replaced.
    const config = deepMerge(CHART_CONFIG, values.alertmanager.config);
    const [status, out] = amtool(config, 'check-config', '$FILE');
    expect({ status, out }).toEqual({ status: 0, out: expect.stringContaining('SUCCESS') });
    for (const [severity, receivers] of Object.entries(routes)) {
      const [s, o] = amtool(config, 'config', 'routes', 'test', '--config.file=$FILE', `severity=${severity}`, 'alertname=ArborApiHighErrorRate', 'namespace=app-core');
      expect({ severity, s, receivers: o.split('\n').filter((l) => l && !l.startsWith('Warning')).join('') }).toEqual({ severity, s: 0, receivers });
    }
    const [, watchdog] = amtool(config, 'config', 'routes', 'test', '--config.file=$FILE', 'alertname=Watchdog', 'severity=none');
    expect(watchdog.split('\n').filter((l) => l && !l.startsWith('Warning'))).toEqual(['null']);
  });

  test.each(alerted.map((p) => [nameOf(p), p] as const))('%s: each receiver reads its credential from the site\'s Secret, mounted where prometheus-operator mounts it', (_, p) => {
    const am = stackValues(p).alertmanager;
    // prometheus-operator v0.76.1 pkg/alertmanager/statefulset.go: spec.secrets at /etc/alertmanager/secrets/<name>/.
    expect(am.alertmanagerSpec.secrets).toEqual(['alertmanager-receivers']);
    const declared = p.secrets.find((s) => s.namespace === 'monitoring' && s.name === 'alertmanager-receivers')!;
    expect(declared.suppliedBy).toBe('site');
    const files = (am.config.receivers as Manifest[]).flatMap((r) => [...(r.pagerduty_configs ?? []).map((x: Manifest) => x.routing_key_file), ...(r.slack_configs ?? []).map((x: Manifest) => x.api_url_file)]);
    expect(files.sort()).toEqual(declared.keys.map((k) => `/etc/alertmanager/secrets/alertmanager-receivers/${k}`).sort());
    // No credential in Git: only file references.
    expect(JSON.stringify(am.config)).not.toMatch(/routing_key"|api_url"|hooks\.slack\.com/);
    expect(JSON.stringify(am.config.receivers)).toContain('"send_resolved":true');
  });

  test('without alerting the chart\'s own configuration is left alone (no config, no Secret, no egress)', () => {
    for (const p of every.filter((x) => x.config.addons.monitoring.enabled && !x.config.addons.monitoring.alerting)) {
      expect({ env: nameOf(p), config: stackValues(p).alertmanager.config, secrets: stackValues(p).alertmanager.alertmanagerSpec.secrets })
        .toEqual({ env: nameOf(p), config: undefined, secrets: undefined });
      expect(p.secrets.some((s) => s.name === 'alertmanager-receivers')).toBe(false);
    }
  });
});

test('Alertmanager reaches the internet on 443 exactly where alerts go out', () => {
  for (const p of every) {
    const out = p.graph.flows.filter((f) => f.why.startsWith('Alertmanager notifies'));
    expect({ env: nameOf(p), flows: out.length }).toEqual({ env: nameOf(p), flows: alerted.includes(p) ? 1 : 0 });
  }
  const flow = env('arbor', 'staging').graph.flows.find((f) => f.why.startsWith('Alertmanager notifies'))!;
  expect(flow.why).toBe('Alertmanager notifies Slack');
  expect(flow.ports).toEqual([{ port: 443, name: 'https' }]);
  expect(flow.to).toMatchObject({ addresses: { display: 'internet' } });
});

test('the site checklist names the Secret and its keys', () => {
  const text = siteChecklist(env('arbor', 'production-us-east-1'), (field) => `(${field})`);
  expect(text).toContain('`monitoring/alertmanager-receivers` with keys `pagerduty-routing-key`, `slack-webhook-url`');
});

describe('a wrong alerting section names the field', () => {
  const problemsOf = (name: string, patch: Record<string, unknown>) => messagesWith('arbor', name, patch);
  test('no receiver, a channel without #, an unknown severity', () => {
    expect(problemsOf('development', { addons: { monitoring: { alerting: {} } } }).join('\n')).toMatch(/addons\.monitoring\.alerting.*must name pagerduty, slack or both/);
    expect(problemsOf('staging', { addons: { monitoring: { alerting: { slack: { channel: 'alerts', severities: ['warning'] } } } } }).join('\n'))
      .toMatch(/addons\.monitoring\.alerting\.slack\.channel.*must be a Slack channel such as #alerts/);
    expect(problemsOf('staging', { addons: { monitoring: { alerting: { pagerduty: { severities: ['page'] } } } } }).join('\n'))
      .toMatch(/addons\.monitoring\.alerting\.pagerduty\.severities\[0\] = "page": must be one of "critical", "warning", "info"/);
  });
  test('alerting without the Prometheus stack', () => {
    expect(problemsOf('development', { addons: { monitoring: { alerting: { slack: { channel: '#dev', severities: ['warning'] } } } } }).join('\n'))
      .toMatch(/addons\.monitoring\.alerting.*only applies with addons\.monitoring\.enabled/);
  });
});
