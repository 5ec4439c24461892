/**
 * Generates every Secret an environment's manifests reference (the DeclaredSecrets of renderPlatform) with
 * random values, and creates them in the cluster or prints them. Nothing is ever written to a file.
 *
 *   npm run secrets -- --env <env> --apply [--context <ctx>] [--kubectl <path>]
 *                                                     # Vault environments: only the bootstrap Secrets, which
 *                                                       add-ons need before External Secrets runs
 *   npm run secrets -- --env <env> --print            # YAML on stdout, e.g. for `kubectl create -f -` or kubeseal
 *   npm run secrets -- --env <env> --vault-seed       # environments with secrets.source "vault": a script of
 *                                                       `vault kv put -cas=0` commands (never overwrites)
 *   npm run secrets -- --env dr --vault-seed --source-context <production's context>
 *   npm run secrets -- --platform fnb --env standby --apply --source-context <production's context>
 *                                                     # a standby's Secrets shared with its source (fromSource:
 *                                                       Postgres roles, archive keys) get the source's values
 *
 * Existing Secrets are never overwritten: each is looked up first and created with `kubectl create` (which
 * refuses an existing object). A copy (`copyOf`) gets the values of its original, read back from the cluster
 * when the original already existed. `fixed` keys get their declared value.
 */
import { randomInt } from 'crypto';
import { stringify } from 'yaml';
import { renderPlatform } from '../charts/platform';
import type { DeclaredSecret } from '../charts/data/refs';
import { vaultPath } from '../charts/gitops/external-secrets';
import { isBootstrapSecret } from '../charts/gitops/addons-catalog';
import type { SharedSecret } from '../charts/data/standby';
import { ConfigError, DEFAULT_PLATFORM, loadEnvironment, PLATFORMS, type EnvironmentConfig } from '../environments';
import { labelDomain, platformKeys } from '../charts/lib/labels';
import { Kubectl, parseFlags, UsageError } from './lib/kubectl';

export type Values = Record<string, string>;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A random value: 40 letters and digits (238 bits) for secrets; 20 lowercase letters and digits, starting with a
 * letter, for identities (`*user*`, `accessKey`) that must be valid user names. Letters and digits only, so a
 * value can go into a URL, a config file or a shell without quoting.
 */
export function randomValue(key: string): string {
  const identity = /user|accesskey/i.test(key);
  const alphabet = identity ? ALPHABET.slice(26) : ALPHABET;
  const length = identity ? 20 : 40;
  let v = identity ? ALPHABET[26 + randomInt(26)] : '';
  while (v.length < length) v += alphabet[randomInt(alphabet.length)];
  return v;
}

const id = (s: { namespace: string; name: string }) => `${s.namespace}/${s.name}`;

/** Originals before their copies; checks that every copy's original is declared and has its keys. */
export function ordered(secrets: readonly DeclaredSecret[]): DeclaredSecret[] {
  const byId = new Map<string, DeclaredSecret>();
  for (const s of secrets) {
    const prev = byId.get(id(s));
    if (prev && JSON.stringify(prev) !== JSON.stringify(s)) throw new Error(`Secret ${id(s)} is declared twice, differently`);
    byId.set(id(s), s);
  }
  for (const s of byId.values()) {
    if (!s.copyOf) continue;
    const original = byId.get(id(s.copyOf));
    if (!original) throw new Error(`Secret ${id(s)} copies ${id(s.copyOf)}, which is not declared`);
    if (original.copyOf) throw new Error(`Secret ${id(s)} copies ${id(s.copyOf)}, which is itself a copy: copy the original`);
    const missing = s.keys.filter((k) => !original.keys.includes(k));
    if (missing.length) throw new Error(`Secret ${id(s)} copies ${id(s.copyOf)} but needs keys it lacks: ${missing.join(', ')}`);
  }
  const all = [...byId.values()].sort((a, b) => id(a).localeCompare(id(b)));
  return [...all.filter((s) => !s.copyOf), ...all.filter((s) => s.copyOf)];
}

/** Values of every declared Secret; `known` holds values of Secrets that already exist (originals are copied from it). */
export function generate(secrets: readonly DeclaredSecret[], known: ReadonlyMap<string, Values> = new Map()): Map<string, Values> {
  const out = new Map<string, Values>();
  for (const s of ordered(secrets)) {
    const source = s.copyOf ? (known.get(id(s.copyOf)) ?? out.get(id(s.copyOf))) : undefined;
    const values: Values = {};
    for (const k of s.keys) values[k] = s.fixed?.[k] ?? (s.copyOf ? source?.[k] : undefined) ?? randomValue(k);
    out.set(id(s), values);
  }
  return out;
}

export function secretManifest(config: EnvironmentConfig, s: DeclaredSecret, values: Values): Record<string, unknown> {
  const d = labelDomain(config);
  return {
    apiVersion: 'v1', kind: 'Secret', type: 'Opaque',
    metadata: {
      name: s.name, namespace: s.namespace,
      labels: { 'app.kubernetes.io/part-of': config.platform.partOf, 'app.kubernetes.io/managed-by': `${config.platform.name}-secrets`, [platformKeys(config).environment]: config.name },
      annotations: { [`${d}/generated-by`]: 'npm run secrets', ...(s.copyOf ? { [`${d}/copy-of`]: id(s.copyOf) } : {}) },
    },
    data: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  };
}

interface Io { out: (s: string) => void; err: (s: string) => void }

/** The declared Secrets a standby copies from its source, each with the source's Secret (charts/data/standby.ts). */
export function sharedOf(secrets: readonly DeclaredSecret[]): SharedSecret[] {
  return secrets.flatMap((s) => (s.fromSource ? [{ namespace: s.namespace, name: s.name, from: s.fromSource }] : []));
}

/** Reads the Secrets a standby shares with its source from the source's cluster (keyed by the standby's id). */
export function sourceValues(shared: readonly SharedSecret[], secrets: readonly DeclaredSecret[], kubectl: Kubectl): Map<string, Values> {
  const out = new Map<string, Values>();
  for (const s of shared) {
    const declared = secrets.find((d) => id(d) === id(s));
    if (!declared) continue;
    const got = kubectl.run(['get', 'secret', '--namespace', s.from.namespace, s.from.name, '--output', 'json']);
    if (got.code !== 0) throw new Error(`cannot read Secret ${id(s.from)} in the source cluster: ${got.stderr.trim()}`);
    const data: Record<string, string> = JSON.parse(got.stdout).data ?? {};
    const missing = declared.keys.filter((k) => !(k in data));
    if (missing.length) throw new Error(`Secret ${id(s.from)} in the source cluster lacks keys ${missing.join(', ')}`);
    out.set(id(s), Object.fromEntries(declared.keys.map((k) => [k, Buffer.from(data[k], 'base64').toString()])));
  }
  return out;
}

/** Where an apply stopped, without claiming the Secret it stopped at. */
function stopped(at: DeclaredSecret, created: number): string {
  return `stopped at ${id(at)}: it and the Secrets after it were not created (${created} created before it).`;
}

/**
 * kubectl's message without client-go's log lines (`E1204 20:59:42.58 … memcache.go:265] …`), which repeat the
 * same failure several times; the last line is the one meant for a person.
 */
export function kubectlError(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l && !/^[EIW][0-9]{4} [0-9:.]+ /.test(l));
  return lines.length ? lines[lines.length - 1] : stderr.trim() || '(no message)';
}

/**
 * Whether the cluster answers, checked before anything else as the installer does (`kubectl version` fails
 * when the API server is unreachable). Returns a message when it does not.
 */
export function unreachable(kubectl: Kubectl, context: string | undefined): string | undefined {
  const r = kubectl.run(['version', '--output', 'json']);
  if (r.code === 0) return undefined;
  return `cannot reach the cluster of ${context ? `context "${context}"` : 'the current kube context'}: ${kubectlError(r.stderr)}\n`
    + 'nothing was created. Check `kubectl cluster-info` (or pass --context), then run again.';
}

/** Creates the missing Secrets; returns the number of problems. */
export function apply(config: EnvironmentConfig, secrets: readonly DeclaredSecret[], kubectl: Kubectl, io: Io, given: ReadonlyMap<string, Values> = new Map()): number {
  const env = config.name;
  const known = new Map<string, Values>();
  const list = ordered(secrets);
  let created = 0; let kept = 0; let problems = 0;
  for (const s of list) {
    const got = kubectl.run(['get', 'secret', '--namespace', s.namespace, s.name, '--output', 'json', '--ignore-not-found']);
    if (got.code !== 0) {
      io.err(`error: cannot read Secret ${id(s)}: ${kubectlError(got.stderr)}\n${stopped(s, created)}`);
      return problems + 1;
    }
    if (got.stdout.trim()) {
      const data: Record<string, string> = JSON.parse(got.stdout).data ?? {};
      const values = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
      known.set(id(s), values);
      kept++;
      const missing = s.keys.filter((k) => !(k in values));
      if (missing.length) { problems++; io.err(`warning: Secret ${id(s)} exists but lacks keys ${missing.join(', ')}: add them by hand (it is never overwritten)`); }
      const original = s.copyOf && known.get(id(s.copyOf));
      if (original && s.keys.some((k) => values[k] !== original[k])) {
        problems++;
        io.err(`warning: Secret ${id(s)} differs from its original ${id(s.copyOf!)}: delete it and run again to re-copy`);
      }
      io.out(`kept     ${id(s)} (exists)`);
      continue;
    }
    // A standby's copy of its source's Secret: a fresh value would lock it out of the source (charts/data/standby.ts).
    if (s.fromSource && !given.has(id(s))) {
      io.err(`error: Secret ${id(s)} must hold the values of ${id(s.fromSource)} in ${env}'s source environment: `
        + `run again with --source-context <the source cluster's kube context> to copy them\n${stopped(s, created)}`);
      return problems + 1;
    }
    const values = given.get(id(s)) ?? generate([s, ...(s.copyOf ? list.filter((o) => id(o) === id(s.copyOf!)) : [])], known).get(id(s))!;
    const r = kubectl.run(['create', '--filename', '-', '--output', 'name'], JSON.stringify(secretManifest(config, s, values)));
    if (r.code !== 0) {
      io.err(`error: creating Secret ${id(s)} failed: ${kubectlError(r.stderr)}\n${stopped(s, created)}`);
      return problems + 1;
    }
    known.set(id(s), values);
    created++;
    io.out(`created  ${id(s)}${s.copyOf ? ` (copy of ${id(s.copyOf)})` : ''}${s.fromSource ? ` (the source's ${id(s.fromSource)})` : ''}`);
  }
  io.out(`${created} created, ${kept} kept, ${list.length} declared for ${env}`);
  return problems;
}

/**
 * A shell script that writes the originals into Vault's KV store, each only if absent (`-cas=0`). `given` holds
 * values to use instead of fresh ones (a standby's Secrets read from its source's cluster).
 */
export function vaultSeed(env: string, secrets: readonly DeclaredSecret[], vault: { mount: string; pathPrefix: string }, given: ReadonlyMap<string, Values> = new Map()): string {
  const values = generate(secrets);
  for (const [k, v] of given) if (values.has(k)) values.set(k, { ...values.get(k), ...v });
  const lines = ['#!/bin/sh', `# Seeds Vault with the Secret values of ${env}. -cas=0 refuses to overwrite an existing path.`, 'set -e'];
  for (const s of ordered(secrets).filter((x) => !x.copyOf)) {
    const v = values.get(id(s))!;
    const stored = Object.fromEntries(Object.entries(v).filter(([k]) => !(s.fixed && k in s.fixed)));
    if (!Object.keys(stored).length) continue;
    lines.push(`vault kv put -mount=${vault.mount} -cas=0 ${vaultPath(vault.pathPrefix, s)} - <<'EOF'`, JSON.stringify(stored), 'EOF');
  }
  return `${lines.join('\n')}\n`;
}

export function main(argv: string[], io: Io = { out: (s) => console.log(s), err: (s) => console.error(s) }): number {
  try {
    const f = parseFlags(argv, ['platform', 'env', 'context', 'kubectl', 'source-context'], ['apply', 'print', 'vault-seed', 'help']);
    const modes = (['apply', 'print', 'vault-seed'] as const).filter((m) => f[m]);
    if (f.help || typeof f.env !== 'string' || modes.length !== 1) throw new UsageError(f.help ? '' : 'give --env and exactly one of --apply, --print, --vault-seed');
    const config = loadEnvironment(f.env, typeof f.platform === 'string' ? f.platform : DEFAULT_PLATFORM);
    const all = renderPlatform(config).secrets;
    // External stores' credentials are the site's (their values come from the managed service): never generated.
    const site = all.filter((s) => s.suppliedBy === 'site');
    const declared = all.filter((s) => s.suppliedBy !== 'site');
    if (site.length && modes[0] !== 'vault-seed') io.err(`note: the site creates ${site.map(id).join(', ')} (credentials of external stores, keys of outside services) before the install`);
    const mode = modes[0];
    // Values from Vault or AWS Secrets Manager: only the bootstrap Secrets are generated in the cluster.
    const vault = config.secrets.source !== 'generate';
    // In a Vault environment, External Secrets provides every Secret except the bootstrap ones (grafana-admin:
    // kube-prometheus-stack needs it before External Secrets is installed), which are generated in the cluster.
    const secrets = vault ? declared.filter((s) => (mode === 'vault-seed') !== isBootstrapSecret(s)) : declared;
    if (vault && mode === 'print') {
      const from = config.secrets.source === 'vault' ? 'Vault' : 'AWS Secrets Manager';
      throw new UsageError(`environment "${config.name}" reads Secret values from ${from} through External Secrets (secrets.source "${config.secrets.source}"): ${config.secrets.source === 'vault' ? 'seed Vault with --vault-seed' : 'store them there'}, and create the bootstrap Secrets with --apply`);
    }
    if (vault && mode === 'apply') io.out(`${config.name} reads its Secrets from ${config.secrets.source === 'vault' ? 'Vault' : 'AWS Secrets Manager'}: creating only the bootstrap Secrets (${secrets.map(id).join(', ')})${config.secrets.source === 'vault' ? '; seed Vault with --vault-seed' : ''}`);
    // A standby's Secrets shared with its source, read from the source's cluster.
    let given = new Map<string, Values>();
    if (typeof f['source-context'] === 'string') {
      if (!sharedOf(secrets).length) throw new UsageError(`--source-context: environment "${config.name}" is not a standby of another environment`);
      const source = new Kubectl(typeof f.kubectl === 'string' ? f.kubectl : 'kubectl', f['source-context']);
      given = sourceValues(sharedOf(secrets), secrets, source);
    }
    if (mode === 'vault-seed') {
      if (config.secrets.source !== 'vault' || !config.secrets.vault) throw new UsageError(`environment "${config.name}" does not use Vault (secrets.source "${config.secrets.source}")`);
      io.out(vaultSeed(config.name, secrets, config.secrets.vault, given));
      return 0;
    }
    if (mode === 'print') {
      const unread = sharedOf(secrets).filter((x) => !given.has(id(x)));
      if (unread.length) throw new UsageError(`environment "${config.name}" is a standby: ${unread.map(id).join(', ')} must hold its source's values: give --source-context <the source cluster's kube context>`);
      // Copies of the shared Secrets take the source's values too.
      const values = generate(secrets, given);
      for (const [k, v] of given) values.set(k, v);
      io.out(ordered(secrets).map((s) => stringify(secretManifest(config, s, values.get(id(s))!))).join('---\n'));
      return 0;
    }
    const context = typeof f.context === 'string' ? f.context : undefined;
    const kubectl = new Kubectl(typeof f.kubectl === 'string' ? f.kubectl : 'kubectl', context);
    const down = unreachable(kubectl, context);
    if (down) { io.err(`error: ${down}`); return 1; }
    return apply(config, secrets, kubectl, io, given) ? 1 : 0;
  } catch (e) {
    if (e instanceof UsageError) {
      if (e.message) io.err(`error: ${e.message}`);
      io.err(`usage: npm run secrets -- [--platform ${Object.keys(PLATFORMS).join('|')}] --env ${Object.keys(PLATFORMS[DEFAULT_PLATFORM].environments).join('|')} --apply|--print|--vault-seed [--context <ctx>] [--source-context <ctx>] [--kubectl <path>]`);
      return 2;
    }
    io.err(`error: ${e instanceof ConfigError || e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}

// Bundled into the installer too (which calls apply()): run only as the secrets program itself.
if (require.main === module && /secrets[^/]*\.[jt]s$/.test(process.argv[1] ?? '')) process.exit(main(process.argv.slice(2)));
