/**
 * Loading an environment of a platform: the platform's base merged with the environment's overrides and the
 * platform's description, then validated once. Every problem of every requested environment is collected
 * before anything is rendered, each naming the environment, the field path, the value received and what is
 * allowed.
 */
import { z } from 'zod';
import { deepMerge, type DeepPartial } from './merge';
import type { PlatformDescription } from './platform';
import { PLATFORMS } from './platforms';
import { environmentSchema } from './rules';
import type { ConfigProblem } from './schema';
import { environmentShape, type EnvironmentConfig, type EnvironmentInput } from './schema';

export type { ConfigProblem, EnvironmentConfig } from './schema';

// zod compiles each object schema into a function (`new Function`) on its first parse. A synth parses a handful of
// configurations per process, so the compile never pays off, and compiled source escapes the code cache: jitless,
// a forced receivables synth is about 12 ms faster (npm run bench), with the same results.
z.config({ jitless: true });
export type { PlatformDescription } from './platform';

/** The platforms, in the order they are rendered (./platforms.ts). */
export { PLATFORMS };

/** The platform a command means when it names none (the first one built; most tests render it). */
export const DEFAULT_PLATFORM = 'receivables';

/** The default platform's environments, in the order they are rendered. */
export const ENVIRONMENTS: Record<string, DeepPartial<EnvironmentInput>> = PLATFORMS[DEFAULT_PLATFORM].environments;

/** One environment of one platform: what synth renders into dist/<platform>/<env>/. */
export interface Target {
  readonly platform: string;
  readonly env: string;
}

/** `receivables/dev`: the folder under dist/ and how messages name an environment. */
export const targetKey = (t: Target): string => `${t.platform}/${t.env}`;

export class ConfigError extends Error {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(`invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n`
      + problems.map((p) => `  - ${formatProblem(p)}`).join('\n'));
    this.name = 'ConfigError';
  }
}

export function formatProblem(p: ConfigProblem): string {
  const value = p.value === undefined ? '(missing)' : truncate(JSON.stringify(p.value));
  const where = [p.platform && `platform "${p.platform}"`, p.environment && `environment "${p.environment}"`].filter(Boolean).join(', ');
  return `${where}: ${p.path || '(root)'} = ${value}: ${p.message}`;
}

/** The platform of that name, or a ConfigError naming the platforms there are. */
export function platformNamed(name: string): PlatformDescription {
  const p = PLATFORMS[name];
  if (!p) throw new ConfigError([{ platform: name, environment: '', path: '', value: name, message: `is not a platform (allowed: ${Object.keys(PLATFORMS).join(', ')})` }]);
  return p;
}

/**
 * The environments selected by `--platform` and `--env` (either undefined: all): every environment of each
 * selected platform, or only those named (a name no selected platform has is an error naming the choices).
 */
export function selectTargets(platforms?: readonly string[], envs?: readonly string[]): Target[] {
  const problems: ConfigProblem[] = [];
  const chosen = (platforms ?? Object.keys(PLATFORMS)).filter((name) => {
    if (name in PLATFORMS) return true;
    problems.push({ platform: name, environment: '', path: '', value: name, message: `is not a platform (allowed: ${Object.keys(PLATFORMS).join(', ')})` });
    return false;
  });
  const targets = chosen.flatMap((platform) => Object.keys(PLATFORMS[platform].environments)
    .filter((env) => !envs || envs.includes(env)).map((env) => ({ platform, env })));
  for (const env of envs ?? []) {
    if (!targets.some((t) => t.env === env)) {
      const allowed = [...new Set(chosen.flatMap((p) => Object.keys(PLATFORMS[p].environments)))];
      problems.push({ environment: env, path: '', value: env, message: `is not an environment (allowed: ${allowed.join(', ')})` });
    }
  }
  if (problems.length) throw new ConfigError(problems);
  return targets;
}

/** Every environment of every platform. */
export const allTargets = (): Target[] => selectTargets();

/** The raw input of an environment: its platform's base merged with its file, `name` and `platform` filled in. */
export function environmentInput(name: string, platform: string = DEFAULT_PLATFORM): DeepPartial<EnvironmentInput> {
  const p = platformNamed(platform);
  const own = p.environments[name];
  if (!own) {
    throw new ConfigError([{ platform, environment: name, path: '', value: name, message: `is not an environment (allowed: ${Object.keys(p.environments).join(', ')})` }]);
  }
  const input = deepMerge(deepMerge(p.base, { name }), own);
  // The description's own fields: not an environment's to set.
  const appFolders = p.appFolders.map((f) => ({ ...f, namespaces: f.namespaces && [...f.namespaces], kinds: f.kinds && [...f.kinds] }));
  return { ...input, platform: { name: p.name, displayName: p.displayName, labelDomain: p.labelDomain, partOf: p.partOf, stores: [...p.stores], optionalStores: [...(p.optionalStores ?? [])], appFolders, catalog: p.catalog } } as DeepPartial<EnvironmentInput>;
}

/** Validates a raw input; throws ConfigError listing every problem. `environment` names it in the messages. */
export function validateEnvironment(environment: string, input: unknown): EnvironmentConfig {
  const result = environmentSchema.safeParse(input);
  if (result.success) return result.data;
  throw new ConfigError(result.error.issues.flatMap((i) => toProblems(environment, input, i)));
}

/**
 * Loads and validates environments, reporting the problems of all of them at once. `unchanged` are environments
 * whose input and code are as when they last validated (synth's render cache): they are only checked against the
 * others' base domains, which may have moved.
 */
export function loadTargets(targets: readonly Target[], unchanged: readonly Target[] = []): EnvironmentConfig[] {
  const problems: ConfigProblem[] = [];
  const configs: EnvironmentConfig[] = [];
  const domains = new Map<string, unknown>();
  for (const t of targets) {
    try {
      configs.push(validateEnvironment(t.env, environmentInput(t.env, t.platform)));
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      problems.push(...e.problems.map((p) => ({ platform: t.platform, ...p })));
    }
  }
  for (const t of [...targets, ...unchanged]) problems.push(...sharedDomainProblems(t, domains));
  if (problems.length) throw new ConfigError(problems);
  return configs;
}

/** Loads and validates several environments of one platform (all of them by default). */
export function loadEnvironments(names?: readonly string[], platform: string = DEFAULT_PLATFORM): EnvironmentConfig[] {
  return loadTargets((names ?? Object.keys(platformNamed(platform).environments)).map((env) => ({ platform, env })));
}

export function loadEnvironment(name: string, platform: string = DEFAULT_PLATFORM): EnvironmentConfig {
  return loadEnvironments([name], platform)[0];
}

/**
 * Two environments on one base domain would publish the same hostnames (and ask for the same certificates): the
 * usual result of copying an environment file and forgetting its domain. Checked against every environment of
 * every platform, also when only some are rendered.
 */
function sharedDomainProblems(t: Target, domains = new Map<string, unknown>()): ConfigProblem[] {
  if (!(t.env in (PLATFORMS[t.platform]?.environments ?? {}))) return [];
  const domainOf = (o: Target) => {
    const key = targetKey(o);
    if (!domains.has(key)) domains.set(key, (environmentInput(o.env, o.platform).ingress as { baseDomain?: unknown } | undefined)?.baseDomain);
    return domains.get(key);
  };
  const domain = domainOf(t);
  if (typeof domain !== 'string') return [];
  // Named as the environment is where they share its platform, with their platform otherwise.
  const others = allTargets().filter((o) => targetKey(o) !== targetKey(t) && domainOf(o) === domain).map((o) => (o.platform === t.platform ? o.env : targetKey(o)));
  return others.length ? [{
    platform: t.platform, environment: t.env, path: 'ingress.baseDomain', value: domain,
    message: `is also the base domain of environment${others.length > 1 ? 's' : ''} ${others.map((o) => `"${o}"`).join(', ')}: each environment needs its own (its hostnames and certificates would collide)`,
  }] : [];
}

/**
 * The file that sets a field of an environment (dot path such as `ingress.baseDomain`): its own file when that
 * sets it (including values it takes from a file it builds on, as dr from production), otherwise the platform's
 * base.ts, otherwise the schema's default.
 */
export function fieldSource(name: string, fieldPath: string, platform: string = DEFAULT_PLATFORM): string {
  const p = platformNamed(platform);
  const has = (o: unknown) => fieldPath.split('.').every((k) => {
    if (o === null || typeof o !== 'object' || !(k in o)) return false;
    o = (o as Record<string, unknown>)[k];
    return true;
  });
  if (has(p.environments[name])) return `${p.folder}/${name}.ts`;
  if (has(p.base)) return `${p.folder}/base.ts`;
  return 'default (environments/schema.ts)';
}

// ---------------------------------------------------------------------------------------------------------

function toProblems(environment: string, input: unknown, issue: z.core.$ZodIssue): ConfigProblem[] {
  const path = issue.path.map((k) => (typeof k === 'symbol' ? String(k) : k));
  if (issue.code === 'unrecognized_keys') {
    const allowed = allowedKeys(path);
    return issue.keys.map((key) => ({
      environment, path: formatPath([...path, key]), value: valueAt(input, [...path, key]),
      message: `is not a known field${allowed.length ? ` (allowed here: ${allowed.join(', ')})` : ''}`,
    }));
  }
  const value = valueAt(input, path);
  let message = issue.message;
  if (issue.code === 'invalid_type' && value === undefined) message = `is required (expected ${issue.expected === 'int' ? 'a whole number' : issue.expected})`;
  else if (issue.code === 'invalid_value' && 'values' in issue) message = `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  else if (issue.code === 'invalid_type') message = `must be ${issue.expected === 'int' ? 'a whole number' : `of type ${issue.expected}`}`;
  return [{ environment, path: formatPath(path), value, message }];
}

function formatPath(path: readonly (string | number)[]): string {
  return path.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('');
}

function valueAt(input: unknown, path: readonly (string | number)[]): unknown {
  let v: unknown = input;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[k];
  }
  return v;
}

/** The keys the schema allows at a path, for "did you mean" help on misspelt fields. */
function allowedKeys(path: readonly (string | number)[]): string[] {
  let s: z.core.$ZodType | undefined = environmentShape;
  for (const k of path) {
    s = unwrap(s);
    if (s instanceof z.ZodObject) s = s.shape[k as string];
    else if (s instanceof z.ZodArray) s = s.element;
    else if (s instanceof z.ZodRecord) s = s.valueType;
    else return [];
  }
  s = unwrap(s);
  return s instanceof z.ZodObject ? Object.keys(s.shape) : [];
}

function unwrap(s: z.core.$ZodType | undefined): z.core.$ZodType | undefined {
  while (s && (s instanceof z.ZodDefault || s instanceof z.ZodOptional)) s = s.unwrap() as z.core.$ZodType;
  return s;
}

function truncate(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
