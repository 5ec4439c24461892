/**
 * Cross-area properties of the integrated platform: what one area renders must fit what another expects.
 * Applications use least-privilege store users; External metrics of HPAs are served; declared Secret copies
 * match their originals; Services, probes and HPAs point at what the pods really have.
 */
import { CLICKHOUSE_USERS, ELASTICSEARCH_APP_USER, KAFKA_CLIENT_USER, NAMESPACES } from '../charts/data/refs';
import { APP_ROLE } from '../charts/data/elasticsearch';
import { isStore } from '../environments/catalog';
import { containerEnv, podOf, rendered } from './support/apps';

const envs = rendered();
const eachEnv = envs.map((r) => [r.env, r] as const);

describe('applications use their own store users, never a store superuser', () => {
  test.each(eachEnv)('%s: no application container reads a store administrator Secret', (_e, r) => {
    const admin = new Set([
      r.p.refs.elasticsearch.secret.name, r.p.refs.clickhouse.adminSecret.name, r.p.refs.postgres.secrets.superuser.name,
      r.p.refs.minio.rootSecret.name,
    ]);
    let checked = 0;
    for (const plan of r.plans.filter((p) => p.enabled)) {
      const pod = podOf(r, plan);
      if (!pod) continue;
      for (const c of [...pod.spec.containers, ...(pod.spec.initContainers ?? [])]) {
        const used = [
          ...Object.values(containerEnv(r, plan.entry.namespace, c).secrets).map((s) => s.name),
          ...(pod.spec.volumes ?? []).map((v: { secret?: { secretName: string } }) => v.secret?.secretName).filter(Boolean),
        ];
        for (const s of used) expect({ svc: plan.entry.name, secret: s, admin: admin.has(s) }).toEqual({ svc: plan.entry.name, secret: s, admin: false });
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  test.each(eachEnv)('%s: Elasticsearch clients get the application user, whose role covers exactly their index prefix', (_e, r) => {
    const es = r.p.refs.elasticsearch;
    const original = r.p.secrets.find((s) => s.namespace === NAMESPACES.elasticsearch && s.name === es.appSecret.name);
    expect(original?.fixed).toEqual({ username: ELASTICSEARCH_APP_USER });
    expect(original?.copyOf).toBeUndefined();
    expect(ELASTICSEARCH_APP_USER).not.toBe('elastic');

    // The setup Job creates that user from that Secret, with the role whose definition it PUTs.
    const job = r.find('Job', NAMESPACES.elasticsearch, 'elasticsearch-setup')!;
    const { settings, secrets } = containerEnv(r, NAMESPACES.elasticsearch, job.spec.template.spec.containers[0]);
    expect(secrets.APP_USERNAME).toEqual({ name: es.appSecret.name, key: 'username' });
    expect(secrets.APP_PASSWORD).toEqual({ name: es.appSecret.name, key: 'password' });
    expect(settings.APP_ROLE).toBe(APP_ROLE);
    const files = r.find('ConfigMap', NAMESPACES.elasticsearch, 'elasticsearch-setup')!.data;
    expect(files['setup.sh']).toContain('_security/user/$APP_USERNAME');
    const role = JSON.parse(files['app-role.json']);
    // No cluster privilege that changes anything (security, snapshots, lifecycle); no restricted indices.
    expect(role.cluster).toEqual(['monitor']);
    expect(role.indices.every((i: { allow_restricted_indices?: boolean }) => !i.allow_restricted_indices)).toBe(true);
    const patterns: string[] = role.indices.flatMap((i: { names: string[] }) => i.names);
    expect(patterns).not.toContain('*');
    const covered = (index: string) => patterns.some((p) => new RegExp(`^${p.split('*').map((x) => x.replace(/[.+?^${}()|[\]\\-]/g, '\\$&')).join('.*')}$`).test(index));
    // The applications' indices are covered; the log data streams and system indices are not.
    expect(covered(`${es.appIndexPrefix}invoices`)).toBe(true);
    expect(covered('receivables-logs-2026.11.23')).toBe(false);
    expect(covered('.security-7')).toBe(false);

    const clients = r.plans.filter((p) => p.enabled && p.entry.dependsOn.some((d) => d.target === 'elasticsearch'));
    expect(clients.length).toBeGreaterThan(0);
    for (const plan of clients) {
      const pod = podOf(r, plan)!;
      const env = containerEnv(r, plan.entry.namespace, pod.spec.containers[0]);
      expect(env.secrets.ELASTICSEARCH_USERNAME).toEqual({ name: es.appSecret.name, key: 'username' });
      expect(env.secrets.ELASTICSEARCH_PASSWORD).toEqual({ name: es.appSecret.name, key: 'password' });
      expect(env.settings.ELASTICSEARCH_INDEX_PREFIX).toBe(es.appIndexPrefix);
      const copy = r.p.secrets.find((s) => s.namespace === plan.entry.namespace && s.name === es.appSecret.name);
      expect(copy?.copyOf).toEqual({ namespace: NAMESPACES.elasticsearch, name: es.appSecret.name });
    }
  });

  test.each(eachEnv)('%s: ClickHouse clients use clickhouse-app (user app); Kafka clients get the SASL settings', (_e, r) => {
    const { clickhouse, kafka } = r.p.refs;
    expect(r.p.secrets.find((s) => s.namespace === NAMESPACES.clickhouse && s.name === clickhouse.secret.name)?.fixed).toEqual({ username: CLICKHOUSE_USERS.app });
    expect(r.p.secrets.find((s) => s.namespace === NAMESPACES.kafka && s.name === kafka.secret.name)?.fixed).toEqual({ username: KAFKA_CLIENT_USER });
    let ch = 0;
    let kf = 0;
    for (const plan of r.plans.filter((p) => p.enabled)) {
      const stores = plan.entry.dependsOn.map((d) => d.target).filter(isStore);
      const pod = podOf(r, plan);
      if (!pod) continue;
      const env = containerEnv(r, plan.entry.namespace, pod.spec.containers[0]);
      if (stores.includes('clickhouse')) {
        ch++;
        expect(env.secrets.CLICKHOUSE_USER).toEqual({ name: clickhouse.secret.name, key: 'username' });
        expect(env.secrets.CLICKHOUSE_PASSWORD).toEqual({ name: clickhouse.secret.name, key: 'password' });
      }
      if (stores.includes('kafka')) {
        kf++;
        expect({ svc: plan.entry.name, protocol: env.settings.KAFKA_SECURITY_PROTOCOL, mechanism: env.settings.KAFKA_SASL_MECHANISM })
          .toEqual({ svc: plan.entry.name, protocol: kafka.securityProtocol, mechanism: kafka.saslMechanism });
        expect(env.secrets.KAFKA_USERNAME).toEqual({ name: kafka.secret.name, key: 'username' });
      }
    }
    expect(ch).toBeGreaterThan(0);
    expect(kf).toBeGreaterThan(0);
  });
});
