/**
 * Type-checks the environment files before synth evaluates them. esbuild bundles without type-checking, so a
 * mistake TypeScript would catch (a misspelt identifier, a string where a number belongs) otherwise surfaces as
 * a stack trace into the bundle (.build/main.js, renamed variables), or not at all. The TypeScript compiler is
 * loaded from node_modules at run time (never bundled) and runs only when a source it read changed since the
 * last clean check: the files of environments/ and those they import (a change to charts/lib/quantity.ts can
 * break an environment file), whose list and hash are kept in .build/.
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
 * Parsed source files by name with the text they were parsed from, and the last program: kept on the process,
 * not this module, because the watch loads a new bundle of it after every save.
 */
const WARM: { parsed: Map<string, { text: string; file: import('typescript').SourceFile }>; program?: import('typescript').Program } =
  ((globalThis as Record<string, unknown>).__synthTypeCheck as typeof WARM | undefined) ?? { parsed: new Map() };
(globalThis as Record<string, unknown>).__synthTypeCheck = WARM;

/**
 * @param root the project folder (holding tsconfig.json and environments/)
 * @param force check even when the sources did not change
 */
export function typeCheckEnvironments(root: string, force = false): TypeCheckResult {
  const envDir = path.join(root, 'environments');
  const tsconfig = path.join(root, 'tsconfig.json');
  if (!fs.existsSync(envDir) || !fs.existsSync(tsconfig)) return { problems: [], ran: false };
  const files = sourcesUnder(envDir);
  const cache = path.join(root, CACHE);
  let previous: { environments?: string; imports?: string[] } = {};
  try {
    previous = JSON.parse(fs.readFileSync(cache, 'utf8'));
  } catch {
    // no cache yet
  }
  // The environment files and what they imported when last checked (a file gone since reads as changed).
  const digestOf = (imports: readonly string[]) => {
    const hash = createHash('sha256');
    for (const f of [tsconfig, ...files, ...imports.map((i) => path.join(root, i))]) {
      hash.update(`${path.relative(root, f)}\0${fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : '\0gone'}\0`);
    }
    return hash.digest('hex');
  };
  if (!force && previous.environments === digestOf(previous.imports ?? [])) return { problems: [], ran: false };
  // Loaded here, from the project's node_modules, so that bundling this file never bundles the compiler.
  const ts: typeof import('typescript') = createRequire(path.join(root, 'package.json'))('typescript');
  const config = ts.readConfigFile(tsconfig, (f) => ts.sys.readFile(f));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  const options = { ...parsed.options, noEmit: true, incremental: false };
  // A long-running process (the watch) checks again after each save: files whose text is unchanged (the
  // compiler's own lib files, cdk8s's declarations, imports/) keep their parsed trees, so only the checker reruns.
  const host = ts.createCompilerHost(options);
  const read = host.getSourceFile;
  host.getSourceFile = (name, lang, onError) => {
    const text = ts.sys.readFile(name);
    const known = WARM.parsed.get(name);
    if (text !== undefined && known?.text === text) return known.file;
    const file = read.call(host, name, lang, onError);
    if (file && text !== undefined) WARM.parsed.set(name, { text, file });
    return file;
  };
  const program = ts.createProgram({ rootNames: files, options, host, oldProgram: WARM.program });
  WARM.program = program;
  const problems = ts.getPreEmitDiagnostics(program).map((d): TypeProblem => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n    ');
    if (!d.file || d.start === undefined) return { file: 'tsconfig.json', line: 0, column: 0, message };
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    return { file: path.relative(root, d.file.fileName).split(path.sep).join('/'), line: line + 1, column: character + 1, message };
  });
  if (!problems.length) {
    const own = new Set(files);
    const imports = program.getSourceFiles().map((f) => path.resolve(f.fileName))
      .filter((f) => !own.has(f) && !path.relative(root, f).startsWith('..') && !f.split(path.sep).includes('node_modules'))
      .map((f) => path.relative(root, f).split(path.sep).join('/')).sort();
    fs.mkdirSync(path.dirname(cache), { recursive: true });
    fs.writeFileSync(cache, JSON.stringify({ environments: digestOf(imports), imports }));
  }
  return { problems, ran: true };
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
