/**
 * "The compiler catches a missing part": the real TypeScript compiler, run on the project with one registry
 * line removed from charts/data/index.ts or charts/data/stores.ts (the edited text replaces the file in memory;
 * nothing on disk changes), must refuse it, naming the kind.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

const ROOT = path.resolve(__dirname, '..');

/** Diagnostics of `file`, with some files' text replaced in memory (the rest of the project as it is). */
function diagnostics(file: string, replaced: Readonly<Record<string, string>>): string[] {
  const { config } = ts.readConfigFile(path.join(ROOT, 'tsconfig.json'), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, ROOT);
  const texts = new Map(Object.entries(replaced).map(([f, text]) => [path.join(ROOT, f), text]));
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, ...rest) => {
    const text = texts.get(path.resolve(name));
    return text !== undefined ? ts.createSourceFile(name, text, lang) : getSourceFile(name, lang, ...rest);
  };
  const target = path.join(ROOT, file);
  const program = ts.createProgram({ rootNames: [target], options, host });
  return ts.getPreEmitDiagnostics(program, program.getSourceFile(target))
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

function withoutLine(file: string, line: RegExp): string {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
  const kept = text.split('\n').filter((l) => !line.test(l));
  expect(kept.length).toBe(text.split('\n').length - 1);
  return kept.join('\n');
}

test('the registries as they are type-check', () => {
  expect(diagnostics('charts/data/index.ts', {})).toEqual([]);
});

test('a kind registered in stores.ts without a chart in index.ts does not compile', () => {
  const index = withoutLine('charts/data/index.ts', /^\s+kafka: kind\(\{ folder:/);
  expect(diagnostics('charts/data/index.ts', { 'charts/data/index.ts': index }).join('\n')).toMatch(/Property 'kafka' is missing/);
});

test('a chart in index.ts for a kind that stores.ts does not register does not compile', () => {
  const stores = withoutLine('charts/data/stores.ts', /^import \{ kafka \} from/)
    .replace('{ postgres, redis, minio, elasticsearch, clickhouse, kafka, weaviate }', '{ postgres, redis, minio, elasticsearch, clickhouse, weaviate }');
  // stores.ts itself is fine; the chart registry, typed over its names, names the stray kind.
  expect(diagnostics('charts/data/stores.ts', { 'charts/data/stores.ts': stores })).toEqual([]);
  expect(diagnostics('charts/data/index.ts', { 'charts/data/stores.ts': stores }).join('\n')).toMatch(/'kafka' does not exist/);
});
