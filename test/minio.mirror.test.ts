/**
 * A standby's copy of its source's objects (charts/data/minio/mirror.ts; spec 000 §7.1 "Replication" between the
 * primary and the hot standby, §7.2 "S3 version control"): fnb's standby mirrors production's documents and
 * Weaviate's backups. Held against what the pod must do: read the source with the source's keys (copied, never
 * generated), write here with the client's own user (which cannot delete versions) into versioned buckets, touch
 * only the source environment's backup folder, reach only the source's addresses. Unproven here: `mc mirror`
 * itself (MinIO's client is not packaged for Debian; Debian's `mc` is Midnight Commander).
 */
import { bucketPolicies, bucketPolicyJson } from '../charts/data/minio/provisioning';
import { mirrorPath, MIRROR_NAME } from '../charts/data/minio/mirror';
import { NAMESPACES } from '../charts/data/refs';
import type { Manifest } from '../charts/platform';
import { formatProblem, validateEnvironment, environmentInput } from '../environments';
import { ConfigError } from '../environments';
import { manifestsOf, renderEvery } from './support/render';

const every = renderEvery();
const standby = every.find((p) => p.config.platform.name === 'fnb' && p.config.name === 'standby')!;
const NS = NAMESPACES.minio;

const cronJob = (ms: Manifest[]) => ms.find((m) => m.kind === 'CronJob' && m.metadata.name === MIRROR_NAME);

test('only a standby with a mirror runs one; fnb\'s standby follows production\'s documents and Weaviate backups (§7.1)', () => {
  for (const p of every) {
    const has = cronJob(manifestsOf(p)) !== undefined;
    expect({ env: `${p.config.platform.name}/${p.config.name}`, has }).toEqual({ env: `${p.config.platform.name}/${p.config.name}`, has: p.config.apps.standby && p.config.stores.minio?.mirror !== undefined });
  }
  const m = standby.config.stores.minio!.mirror!;
  expect(m.sourceEnvironment).toBe('production');
  expect(m.clients).toEqual(['documents', 'weaviate']);
});

describe('fnb standby\'s mirror', () => {
  const ms = manifestsOf(standby);
  const job = cronJob(ms)!;
  const pod = job.spec.jobTemplate.spec.template.spec;
  const m = standby.config.stores.minio!.mirror!;
  const env = (c: Manifest, name: string) => c.env.find((e: Manifest) => e.name === name);

  test('one container per client: documents whole, a store\'s backups only under the source environment\'s folder', () => {
    expect(pod.containers.map((c: Manifest) => c.name)).toEqual(m.clients);
    const docs = pod.containers.find((c: Manifest) => c.name === 'documents');
    const weaviate = pod.containers.find((c: Manifest) => c.name === 'weaviate');
    expect(docs.args.slice(-2)).toEqual(['source/documents', 'target/documents']);
    // This site's own backups live beside it under backups-weaviate/standby/: --remove must never see them.
    expect(weaviate.args.slice(-2)).toEqual(['source/backups-weaviate/production', 'target/backups-weaviate/production']);
    expect(mirrorPath('weaviate', 'backups-weaviate', 'production')).not.toContain(standby.config.name);
    for (const c of pod.containers) {
      expect(c.args).toEqual(expect.arrayContaining(['mirror', '--overwrite', '--remove']));
      expect(c.image).toMatch(/^quay\.io\/minio\/mc:RELEASE\.\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ$/);
      // Each container its own mc configuration directory (they share /tmp).
      expect(c.args[0]).toBe('--config-dir');
      expect(new Set(pod.containers.map((x: Manifest) => x.args[1])).size).toBe(pod.containers.length);
    }
  });

  test('reads with the source\'s keys, copied from production (never generated); writes with this site\'s client user', () => {
    for (const c of pod.containers) {
      const src = env(c, 'SOURCE_ACCESS_KEY').valueFrom.secretKeyRef.name;
      const dst = env(c, 'TARGET_ACCESS_KEY').valueFrom.secretKeyRef.name;
      expect(src).toBe(`minio-source-${c.name}`);
      expect(dst).toBe(`minio-${c.name}`);
      const declared = standby.secrets.find((s) => s.namespace === NS && s.name === src)!;
      expect(declared.fromSource).toEqual({ namespace: NS, name: `minio-${c.name}` });
      expect(env(c, 'MC_HOST_source').value).toBe(`http://$(SOURCE_ACCESS_KEY):$(SOURCE_SECRET_KEY)@${new URL(m.endpoint).host}`);
      expect(env(c, 'MC_HOST_target').value).toMatch(/^http:\/\/\$\(TARGET_ACCESS_KEY\):\$\(TARGET_SECRET_KEY\)@minio\.storage-minio\.svc\.[a-z.]+:9000$/);
      // $(VAR) expands only from variables defined before it in the same container.
      const names = c.env.map((e: Manifest) => e.name);
      expect(names.indexOf('MC_HOST_source')).toBeGreaterThan(names.indexOf('SOURCE_SECRET_KEY'));
      expect(names.indexOf('MC_HOST_target')).toBeGreaterThan(names.indexOf('TARGET_SECRET_KEY'));
    }
  });

  test('the targets are versioned and the writer cannot delete versions: a mistaken delete at the source stays recoverable here', () => {
    const policies = bucketPolicies(standby.refs.minio!, ['documents', 'weaviate']);
    for (const client of m.clients) {
      const bucket = standby.refs.minio!.bucketOf(client);
      expect(policies.find((p) => p.bucket === bucket)).toEqual(expect.objectContaining({ versioning: true, noncurrentDays: expect.any(Number) }));
      expect(bucketPolicyJson(bucket)).not.toContain('DeleteObjectVersion');
    }
  });

  test('never overlaps itself, resumes after a cut-short run, runs on the schedule (every 15 minutes by default), not suspended', () => {
    expect(job.spec.schedule).toBe('*/15 * * * *');
    expect(job.spec.concurrencyPolicy).toBe('Forbid');
    expect(job.spec.suspend).toBeUndefined();
    expect(job.spec.jobTemplate.spec.activeDeadlineSeconds).toBeGreaterThan(0);
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.automountServiceAccountToken).toBe(false);
  });

  test('egress: the source\'s addresses on its port, and this site\'s MinIO; nothing else', () => {
    const egress = ms.filter((x) => x.kind === 'NetworkPolicy' && x.metadata.namespace === NS && x.spec.policyTypes.includes('Egress')
      && Object.entries(x.spec.podSelector.matchLabels ?? {}).every(([k, v]) => job.spec.jobTemplate.spec.template.metadata.labels[k] === v));
    const rules = egress.flatMap((x) => x.spec.egress ?? []);
    const cidrs = rules.flatMap((r: Manifest) => (r.to ?? []).filter((t: Manifest) => t.ipBlock).map((t: Manifest) => ({ cidr: t.ipBlock.cidr, ports: r.ports.map((p: Manifest) => p.port) })));
    // DNS (the cluster's resolver) is allowed to every pod by the platform's policy; nothing else leaves the cluster.
    const outside = cidrs.filter((c: { cidr: string }) => !standby.config.cluster.apiServerCidrs.includes(c.cidr));
    expect(outside).toEqual(m.cidrs.map((cidr) => ({ cidr, ports: [Number(new URL(m.endpoint).port)] })));
  });

  test('alerts when a run fails or none succeeded for two hours', () => {
    const rules = ms.filter((x) => x.kind === 'PrometheusRule').flatMap((x) => x.spec.groups.flatMap((g: Manifest) => g.rules));
    expect(rules.find((r: Manifest) => r.alert === 'MinioMirrorFailed')?.expr).toContain(`job_name=~"${MIRROR_NAME}-.*"`);
    expect(rules.find((r: Manifest) => r.alert === 'MinioMirrorStale')?.expr).toMatch(new RegExp(`cronjob="${MIRROR_NAME}"\\}\\) > 7200$`));
  });
});

describe('refused mirrors name the field', () => {
  const problems = (edit: (cfg: Record<string, any>) => void, platform = 'fnb', env = 'standby') => {
    const cfg = structuredClone(environmentInput(env, platform)) as Record<string, any>;
    edit(cfg);
    try { validateEnvironment(env, cfg); return []; } catch (e) { if (e instanceof ConfigError) return e.problems.map(formatProblem); throw e; }
  };

  test('PostgreSQL\'s archive is not mirrored (the standby reads the source\'s directly and archives its own timeline)', () => {
    expect(problems((c) => { c.stores.minio.mirror.clients = ['documents', 'postgres']; }))
      .toEqual([expect.stringMatching(/stores\.minio\.mirror\.clients\[1\].*cannot be mirrored: a PostgreSQL standby reads its source's WAL archive directly/)]);
  });

  test('a client the environment has no bucket for', () => {
    expect(problems((c) => { c.stores.minio.mirror.clients = ['documents', 'clickhouse']; }))
      .toEqual([expect.stringMatching(/stores\.minio\.mirror\.clients\[1\].*"clickhouse" has no bucket here: the environment has no clickhouse store/)]);
  });

  test('a site that is not a standby (after a failover) mirrors nothing', () => {
    expect(problems((c) => { c.apps.standby = false; }))
      .toEqual(expect.arrayContaining([expect.stringMatching(/stores\.minio\.mirror.*only applies to a standby/)]));
  });

  test('an endpoint that is not an http(s) URL, and no addresses', () => {
    expect(problems((c) => { c.stores.minio.mirror.endpoint = 'minio:9000'; c.stores.minio.mirror.cidrs = []; })).toEqual(expect.arrayContaining([
      expect.stringMatching(/stores\.minio\.mirror\.endpoint.*must be an http\(s\) URL/),
      expect.stringMatching(/stores\.minio\.mirror\.cidrs.*must list at least one CIDR/),
    ]));
  });
});
