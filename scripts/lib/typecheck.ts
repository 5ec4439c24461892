/**
 * Type-checks the environment files for synth when a synth fails (main.ts), and for the watch beside every render.
 * esbuild bundles without type-checking, so a mistake TypeScript would catch (a misspelt identifier) otherwise
 * surfaces as a stack trace into the bundle. The TypeScript compiler is loaded from node_modules at run time
 * (never bundled) and runs only when a source it read changed since the last clean check: the files of
 * environments/ and those they import (a change to charts/lib/quantity.ts can break an environment file), whose
 * list and hash are kept in .build/.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import { createRequire } from 'module';
import * as path from 'path';

export interface TypeProblem {
  /** Relative to the project, e.g. `environments/receivables/staging.ts`. */
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

export interface TypeCheckResult {
  readonly problems: readonly TypeProblem[];
  /** false when the sources were unchanged since the last clean check. */
  readonly ran: boolean;
}

const CACHE = path.join('.build', 'typecheck-environments.json');

/**
 * Per process, not per module: the watch loads a new bundle of this file after every save, and its checker
 * (and whether the watch checks in a worker of its own) must outlive each bundle.
 */
interface Shared {
  /** Warm checkers by project root. */
  checkers: Map<string, EnvironmentChecker>;
  /** Set by the watch, which checks in a worker thread alongside the render: synth's own check is skipped. */
  delegated: boolean;
}
const SHARED: Shared = ((globalThis as Record<string, unknown>).__synthTypeCheckV2 as Shared | undefined) ?? { checkers: new Map(), delegated: false };
(globalThis as Record<string, unknown>).__synthTypeCheckV2 = SHARED;

/**
 * Type-checks the environment files of `root` when they or what they import changed since the last clean check
 * (without loading the compiler otherwise). In one process, checks after the first are incremental.
 * @param force check even when the sources did not change
 */
export function typeCheckEnvironments(root: string, force = false): TypeCheckResult {
  if (SHARED.delegated) return { problems: [], ran: false };
  let checker = SHARED.checkers.get(root);
  if (!checker) SHARED.checkers.set(root, checker = new EnvironmentChecker(root));
  return checker.check(force);
}

/** From now on in this process, typeCheckEnvironments leaves the check to the caller (the watch's worker). */
export function delegateTypeCheck(): void {
  SHARED.delegated = true;
}

/**
 * The check, kept warm for a long-running process: the compiler's parsed files whose text is unchanged are kept
 * and, when incremental, a builder program re-checks only the environment files a change can affect (a save of
 * environments/dev.ts re-checks dev.ts, not staging.ts). Only the environment files' own diagnostics are asked
 * for: what they import is checked by `npm test` and `npm run check`, and checking all of it (cdk8s's and the
 * Kubernetes bindings' declarations included) took most of a check.
 */
export class EnvironmentChecker {
  private ts?: typeof import('typescript');
  private builder?: import('typescript').SemanticDiagnosticsBuilderProgram;
  private program?: import('typescript').Program;
  private readonly parsed = new Map<string, { text: string; file: import('typescript').SourceFile }>();

  /**
   * @param incremental keep a builder program, which re-checks only what a change affects: worth its upkeep (file
   *   versions and signatures, a few hundred ms on a first check) in a process that checks after every save
   */
  constructor(readonly root: string, private readonly incremental = false) {}

  check(force = false): TypeCheckResult {
    const { root } = this;
    const envDir = path.join(root, 'environments');
    const tsconfig = path.join(root, 'tsconfig.json');
    if (!fs.existsSync(envDir) || !fs.existsSync(tsconfig)) return { problems: [], ran: false };
    const files = sourcesUnder(envDir);
    const cache = path.join(root, CACHE);
    const digestOf = (imports: readonly string[]) => environmentsDigest(root, files, imports);
    if (!force && lastCleanCheck(root, files)) return { problems: [], ran: false };
    // Loaded here, from the project's node_modules, so that bundling this file never bundles the compiler.
    const ts = this.ts ??= createRequire(path.join(root, 'package.json'))('typescript') as typeof import('typescript');
    const config = ts.readConfigFile(tsconfig, (f) => ts.sys.readFile(f));
    const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
    const options = { ...parsed.options, noEmit: true, incremental: false };
    const host = ts.createCompilerHost(options);
    const hashOf = (text: string) => createHash('sha256').update(text).digest('hex');
    host.createHash = hashOf;
    host.getSourceFile = (name, lang) => {
      const text = ts.sys.readFile(name);
      if (text === undefined) return undefined;
      const known = this.parsed.get(name);
      if (known?.text === text) return known.file;
      const file = ts.createSourceFile(name, text, lang, true);
      // The builder tells a changed file from an unchanged one by its version.
      if (this.incremental) (file as { version?: string }).version = hashOf(text);
      this.parsed.set(name, { text, file });
      return file;
    };
    const own = (program: import('typescript').Program) =>
      files.map((f) => program.getSourceFile(f)).filter((f): f is import('typescript').SourceFile => f !== undefined);
    let program: import('typescript').Program;
    let semantic: (f: import('typescript').SourceFile) => readonly import('typescript').Diagnostic[];
    if (this.incremental) {
      const builder = ts.createSemanticDiagnosticsBuilderProgram(files, options, host, this.builder);
      this.builder = builder;
      program = builder.getProgram();
      // Walks what the changes affect, which drops the stale diagnostics of the environment files among them (a
      // changed import can break an unchanged environment file); other files are passed over unchecked.
      const ownSet = new Set(own(program));
      while (builder.getSemanticDiagnosticsOfNextAffectedFile(undefined, (f) => !ownSet.has(f)));
      semantic = (f) => builder.getSemanticDiagnostics(f);
    } else {
      program = ts.createProgram({ rootNames: files, options, host, oldProgram: this.program });
      this.program = program;
      semantic = (f) => program.getSemanticDiagnostics(f);
    }
    const diagnostics = [
      ...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics(),
      ...own(program).flatMap((f) => [...program.getSyntacticDiagnostics(f), ...semantic(f)]),
    ];
    const problems = diagnostics.map((d): TypeProblem => {
      const message = ts.flattenDiagnosticMessageText(d.messageText, '\n    ');
      if (!d.file || d.start === undefined) return { file: 'tsconfig.json', line: 0, column: 0, message };
      const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
      return { file: path.relative(root, d.file.fileName).split(path.sep).join('/'), line: line + 1, column: character + 1, message };
    });
    if (!problems.length) {
      const ownNames = new Set(files);
      const imports = program.getSourceFiles().map((f) => path.resolve(f.fileName))
        .filter((f) => !ownNames.has(f) && !path.relative(root, f).startsWith('..') && !f.split(path.sep).includes('node_modules'))
        .map((f) => path.relative(root, f).split(path.sep).join('/')).sort();
      fs.mkdirSync(path.dirname(cache), { recursive: true });
      fs.writeFileSync(cache, JSON.stringify({ environments: digestOf(imports), imports }));
    }
    return { problems, ran: true };
  }
}

function lastCleanCheck(root: string, files: readonly string[]): boolean {
  let previous: { environments?: string; imports?: string[] } = {};
  try {
    previous = JSON.parse(fs.readFileSync(path.join(root, CACHE), 'utf8'));
  } catch {
    return false;
  }
  return previous.environments === environmentsDigest(root, files, previous.imports ?? []);
}

/** The environment files and what they imported when last checked (a file gone since reads as changed). */
function environmentsDigest(root: string, files: readonly string[], imports: readonly string[]): string {
  const hash = createHash('sha256');
  for (const f of [path.join(root, 'tsconfig.json'), ...files, ...imports.map((i) => path.join(root, i))]) {
    hash.update(`${path.relative(root, f)}\0${fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : '\0gone'}\0`);
  }
  return hash.digest('hex');
}

/** `environments/receivables/staging.ts:12:5: Object literal may only specify known properties, …` */
export function formatTypeProblem(p: TypeProblem): string {
  return `${p.file}:${p.line}:${p.column}: ${p.message}`;
}

function sourcesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts'))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}
