/**
 * Support for the ClickHouse and Kafka tests: rendering topology variants, reading XML with a real parser
 * (libxml2's xmllint), running the generated entry scripts with stub binaries, parsing Java properties.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { renderPlatform, type Manifest, type RenderedPlatform } from '../../charts/platform';
import { environmentInput, validateEnvironment } from '../../environments';
import { deepMerge } from '../../environments/merge';
import { manifestsOf } from './render';

/** Renders an environment with overrides merged over its input (validated like a real environment). */
export function renderVariant(env: string, override: unknown): RenderedPlatform {
  return renderPlatform(validateEnvironment(env, deepMerge(environmentInput(env), override)));
}

export function find(p: RenderedPlatform, kind: string, namespace: string, name?: string): Manifest[] {
  return manifestsOf(p).filter((m) => m.kind === kind && m.metadata.namespace === namespace && (name === undefined || m.metadata.name === name));
}

export function one(p: RenderedPlatform, kind: string, namespace: string, name: string): Manifest {
  const found = find(p, kind, namespace, name);
  if (found.length !== 1) throw new Error(`expected one ${kind} ${namespace}/${name} in ${p.config.name}, found ${found.length}`);
  return found[0];
}

// ---------------------------------------------------------------------------------------------------------
// XML through xmllint
// ---------------------------------------------------------------------------------------------------------

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'ch-kafka-test-'));
let counter = 0;

export function tmpFile(content: string, name = `f${counter++}`): string {
  const file = path.join(tmpRoot, `${counter++}-${name}`);
  fs.writeFileSync(file, content);
  return file;
}

export function tmpDir(): string {
  return fs.mkdtempSync(path.join(tmpRoot, 'd-'));
}

export function cleanupTmp(): void {
  fs.rmSync(tmpRoot, { recursive: true, force: true });
}

/** libxml2's verdict: undefined when well-formed, else its error output. */
export function xmlErrors(xml: string): string | undefined {
  const r = spawnSync('xmllint', ['--noout', '--nonet', '-'], { input: xml, encoding: 'utf8' });
  if (r.error) throw r.error;
  return r.status === 0 ? undefined : (r.stderr || `xmllint exited ${r.status}`);
}

/** A parsed XML document queried with XPath by xmllint. */
export class XmlDoc {
  private readonly file: string;
  constructor(xml: string) {
    const errors = xmlErrors(xml);
    if (errors) throw new Error(`not well-formed XML: ${errors}`);
    this.file = tmpFile(xml, 'doc.xml');
  }

  private run(expr: string): string {
    const r = spawnSync('xmllint', ['--nonet', '--xpath', expr, this.file], { encoding: 'utf8' });
    if (r.error) throw r.error;
    // xmllint exits 10 when the node set is empty.
    if (r.status === 10 || /XPath set is empty/.test(r.stderr)) return '';
    if (r.status !== 0) throw new Error(`xmllint --xpath ${expr}: ${r.stderr}`);
    return r.stdout;
  }

  /** Text of every node matched, in document order. */
  texts(expr: string): string[] {
    return this.run(`${expr}/text()`).split('\n').filter((l) => l.length > 0);
  }

  text(expr: string): string | undefined {
    const t = this.texts(expr);
    if (t.length > 1) throw new Error(`${expr} matched ${t.length} nodes`);
    return t[0];
  }

  count(expr: string): number {
    return Number(this.run(`count(${expr})`).trim());
  }

  /** Values of an attribute on every element matched (`//*[@from_env]`, 'from_env'). */
  attributes(expr: string, attr: string): string[] {
    return [...this.run(`${expr}/@${attr}`).matchAll(new RegExp(`${attr}="([^"]*)"`, 'g'))].map((m) => m[1]);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Scripts
// ---------------------------------------------------------------------------------------------------------

export interface ScriptRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a generated script with a clean environment (PATH kept) and the given variables. */
export function runScript(shell: 'sh' | 'bash', script: string, env: Record<string, string>): ScriptRun {
  const file = tmpFile(script, 'script.sh');
  const r = spawnSync(shell, [file], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, encoding: 'utf8', timeout: 20000 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** An executable stub that prints its arguments and its environment, one `KEY=value` a line. */
export function stubExecutable(dir: string, name: string, extra = ''): string {
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `#!/bin/sh\n${extra}\necho "ARGS: $*"\nenv\n`, { mode: 0o755 });
  return file;
}

/** shellcheck's findings (empty when clean). */
export function shellcheck(script: string, shell: 'sh' | 'bash'): string {
  try {
    execFileSync('shellcheck', ['--shell', shell, '--severity', 'style', tmpFile(script, 'check.sh')], { encoding: 'utf8' });
    return '';
  } catch (e) {
    return String((e as { stdout?: string }).stdout ?? e);
  }
}

/** Environment variables printed by `env`, as a map. */
export function parseEnv(out: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of out.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0 && /^[A-Za-z_][A-Za-z0-9_]*$/.test(line.slice(0, i))) m.set(line.slice(0, i), line.slice(i + 1));
  }
  return m;
}

// ---------------------------------------------------------------------------------------------------------
// Java properties
// ---------------------------------------------------------------------------------------------------------

/** key → value, with every duplicate key reported (the last one would silently win in Kafka). */
export function parseProperties(text: string): { values: Map<string, string>; duplicates: string[] } {
  const values = new Map<string, string>();
  const duplicates: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith('!')) continue;
    const i = line.search(/[=:]/);
    if (i < 0) throw new Error(`not a property line: ${line}`);
    const key = line.slice(0, i).trim();
    if (values.has(key)) duplicates.push(key);
    values.set(key, line.slice(i + 1).trim());
  }
  return { values, duplicates };
}

/** `matchLabels` ⊆ labels */
export function selects(selector: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}
