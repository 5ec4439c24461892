/**
 * Loading an environment: base merged with the environment's overrides, then validated once. Every problem of
 * every requested environment is collected before anything is rendered, each naming the environment, the field
 * path, the value received and what is allowed.
 */
import { z } from 'zod';
import { base } from './base';
import { dev } from './dev';
import { dr } from './dr';
import { deepMerge, type DeepPartial } from './merge';
import { onprem } from './onprem';
import { production } from './production';
import { environmentSchema } from './rules';
import type { ConfigProblem } from './schema';
import { environmentShape, type EnvironmentConfig, type EnvironmentInput } from './schema';
import { staging } from './staging';

export type { ConfigProblem, EnvironmentConfig } from './schema';

/** The environments, in the order they are rendered. */
export const ENVIRONMENTS: Record<string, DeepPartial<EnvironmentInput>> = { dev, staging, production, dr, onprem };


export class ConfigError extends Error {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(`invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n`
      + problems.map((p) => `  - ${formatProblem(p)}`).join('\n'));
    this.name = 'ConfigError';
  }
}

export function formatProblem(p: ConfigProblem): string {
  const value = p.value === undefined ? '(missing)' : truncate(JSON.stringify(p.value));
  return `environment "${p.environment}": ${p.path || '(root)'} = ${value}: ${p.message}`;
}

/** The raw input of an environment: base merged with its file, `name` filled from its key. */
export function environmentInput(name: string): DeepPartial<EnvironmentInput> {
  const own = ENVIRONMENTS[name];
  if (!own) {
    throw new ConfigError([{ environment: name, path: '', value: name, message: `is not an environment (allowed: ${Object.keys(ENVIRONMENTS).join(', ')})` }]);
  }
  return deepMerge(deepMerge(base, { name }), own);
}

/** Validates a raw input; throws ConfigError listing every problem. */
export function validateEnvironment(environment: string, input: unknown): EnvironmentConfig {
  const result = environmentSchema.safeParse(input);
  if (result.success) return result.data;
  throw new ConfigError(result.error.issues.flatMap((i) => toProblems(environment, input, i)));
}

/** Loads and validates several environments, reporting the problems of all of them at once. */
export function loadEnvironments(names: readonly string[] = Object.keys(ENVIRONMENTS)): EnvironmentConfig[] {
  const problems: ConfigProblem[] = [];
  const configs: EnvironmentConfig[] = [];
  for (const name of names) {
    try {
      configs.push(validateEnvironment(name, environmentInput(name)));
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      problems.push(...e.problems);
    }
    problems.push(...sharedDomainProblems(name));
  }
  if (problems.length) throw new ConfigError(problems);
  return configs;
}

/**
 * Two environments on one base domain would publish the same hostnames (and ask for the same certificates): the
 * usual result of copying an environment file and forgetting its domain. Checked against every environment,
 * also when only some are rendered.
 */
function sharedDomainProblems(name: string): ConfigProblem[] {
  if (!(name in ENVIRONMENTS)) return [];
  const domainOf = (env: string) => (environmentInput(env).ingress as { baseDomain?: unknown } | undefined)?.baseDomain;
  const domain = domainOf(name);
  if (typeof domain !== 'string') return [];
  const others = Object.keys(ENVIRONMENTS).filter((o) => o !== name && domainOf(o) === domain);
  return others.length ? [{
    environment: name, path: 'ingress.baseDomain', value: domain,
    message: `is also the base domain of environment${others.length > 1 ? 's' : ''} ${others.map((o) => `"${o}"`).join(', ')}: each environment needs its own (its hostnames and certificates would collide)`,
  }] : [];
}

/**
 * The file that sets a field of an environment (dot path such as `ingress.baseDomain`): its own file when that
 * sets it (including values it takes from a file it builds on, as dr from production), otherwise base.ts, otherwise
 * the schema's default.
 */
export function fieldSource(name: string, fieldPath: string): string {
  const has = (o: unknown) => fieldPath.split('.').every((k) => {
    if (o === null || typeof o !== 'object' || !(k in o)) return false;
    o = (o as Record<string, unknown>)[k];
    return true;
  });
  if (has(ENVIRONMENTS[name])) return `environments/${name}.ts`;
  if (has(base)) return 'environments/base.ts';
  return 'default (environments/schema.ts)';
}

export function loadEnvironment(name: string): EnvironmentConfig {
  return loadEnvironments([name])[0];
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
