/**
 * A small POSIX-shell reader for the image-contract test: which programs a script of ours runs, which variables
 * it assigns and exports, and where it redirects output. It is not a shell: it reads the constructs our scripts
 * use (simple commands, pipelines, `&&`/`||`, `if`/`while`/`until`/`for`/`case`, functions, `$(…)` and backticks,
 * quoting, here-documents, redirections, `exec`/`timeout`/`env`/`command` wrappers, `trap '…'`), and leaves out
 * what it cannot know (the value of a variable read at run time, a command name built at run time: those are
 * returned unresolved so that the caller reports them rather than passing them).
 */

/** A simple command: its words with quotes removed and expansions (`$X`, `${X:-d}`) left as written. */
export interface ShellCommand {
  readonly words: readonly string[];
  /** Targets of `>` and `>>` redirections. */
  readonly writes: readonly string[];
  /** The function whose body holds the command, if any. */
  readonly fn?: string;
  /** Patterns of the arm of a top-level `case "$1" in` (the script's sub-command dispatch) that holds it. */
  readonly arm?: readonly string[];
}

export interface ShellScript {
  readonly commands: readonly ShellCommand[];
  /** Functions defined in the script. */
  readonly functions: ReadonlySet<string>;
  /** Assignments in order (`NAME=value`, `export NAME=value`, `local`/`readonly` forms), value as written. */
  readonly assignments: readonly { readonly name: string; readonly value: string }[];
  /** Names exported (`export NAME` or `export NAME=value`). */
  readonly exports: ReadonlySet<string>;
}

type Token = { t: 'word'; v: string } | { t: 'op'; v: string };

/** Builtins and keywords of sh/bash/busybox ash: not programs looked up in PATH. */
export const SHELL_BUILTINS = new Set([
  ':', '.', 'source', '[', 'test', 'alias', 'bg', 'break', 'cd', 'command', 'continue', 'echo', 'eval', 'exec', 'exit',
  'export', 'false', 'fg', 'getopts', 'hash', 'jobs', 'kill', 'local', 'printf', 'pwd', 'read', 'readonly', 'return',
  'set', 'shift', 'times', 'trap', 'true', 'type', 'ulimit', 'umask', 'unalias', 'unset', 'wait', 'declare', 'typeset',
  'let', 'shopt', 'mapfile', 'readarray', 'pushd', 'popd',
]);
const KEYWORDS = new Set(['if', 'then', 'else', 'elif', 'fi', 'do', 'done', 'while', 'until', '!', '{', '}', 'esac', 'time', 'in']);
const SEPARATORS = new Set([';', '\n', '&&', '||', '|', '&', '(', ')', ';;']);

/** Reads `$(…)`, `${…}` or backquoted text starting at `i` (just after the opener); returns the end index (exclusive). */
function matching(s: string, i: number, open: string, close: string): number {
  let depth = 1;
  let q: string | undefined;
  for (; i < s.length; i++) {
    const c = s[i];
    if (q) {
      if (c === '\\' && q === '"') { i++; continue; }
      if (c === q) q = undefined;
      continue;
    }
    if (c === '\\') { i++; continue; }
    if (c === "'" || c === '"') { q = c; continue; }
    if (c === open) depth++;
    else if (c === close && --depth === 0) return i + 1;
  }
  return s.length;
}

function tokenize(src: string, subs: string[]): Token[] {
  const out: Token[] = [];
  let word: string | undefined;
  const flush = () => { if (word !== undefined) out.push({ t: 'word', v: word }); word = undefined; };
  const heredocs: { delim: string; strip: boolean }[] = [];
  let i = 0;
  const dollar = (): boolean => {
    // At src[i] === '$': command substitution, arithmetic, parameter expansion.
    if (src.startsWith('$((', i)) {
      const end = matching(src, i + 3, '(', ')');
      word = (word ?? '') + src.slice(i, end + 1);
      i = end + 1;
      return true;
    }
    if (src[i + 1] === '(') {
      const end = matching(src, i + 2, '(', ')');
      subs.push(src.slice(i + 2, end - 1));
      word = (word ?? '') + '$(…)';
      i = end;
      return true;
    }
    if (src[i + 1] === '{') {
      const end = matching(src, i + 2, '{', '}');
      word = (word ?? '') + src.slice(i, end);
      i = end;
      return true;
    }
    return false;
  };
  while (i < src.length) {
    const c = src[i];
    if (c === '\\' && src[i + 1] === '\n') { i += 2; continue; }
    if (c === '\\') { word = (word ?? '') + (src[i + 1] ?? ''); i += 2; continue; }
    if (c === '\n') {
      flush();
      out.push({ t: 'op', v: '\n' });
      i++;
      // Here-documents start on the next line: skip their bodies.
      for (const h of heredocs.splice(0)) {
        while (i < src.length) {
          const eol = src.indexOf('\n', i);
          const line = src.slice(i, eol < 0 ? src.length : eol);
          i = eol < 0 ? src.length : eol + 1;
          if ((h.strip ? line.replace(/^\t+/, '') : line) === h.delim) break;
        }
      }
      continue;
    }
    if (c === ' ' || c === '\t') { flush(); i++; continue; }
    if (c === '#' && word === undefined) { while (i < src.length && src[i] !== '\n') i++; continue; }
    if (c === "'") {
      const end = src.indexOf("'", i + 1);
      word = (word ?? '') + src.slice(i + 1, end < 0 ? src.length : end);
      i = end < 0 ? src.length : end + 1;
      continue;
    }
    if (c === '"') {
      word ??= '';
      i++;
      while (i < src.length && src[i] !== '"') {
        if (src[i] === '\\') { word += src[i + 1] ?? ''; i += 2; continue; }
        if (src[i] === '$' && dollar()) continue;
        if (src[i] === '`') { const end = src.indexOf('`', i + 1); subs.push(src.slice(i + 1, end)); word += '$(…)'; i = end + 1; continue; }
        word += src[i++];
      }
      i++;
      continue;
    }
    if (c === '`') { const end = src.indexOf('`', i + 1); subs.push(src.slice(i + 1, end)); word = (word ?? '') + '$(…)'; i = end + 1; continue; }
    if (c === '$' && dollar()) continue;
    if (c === '<' && src[i + 1] === '(') {
      flush();
      const end = matching(src, i + 2, '(', ')');
      subs.push(src.slice(i + 2, end - 1));
      out.push({ t: 'word', v: '<(…)' });
      i = end;
      continue;
    }
    if (c === '<' || c === '>') {
      // A word of digits right before is a file descriptor number, not an argument.
      if (word !== undefined && /^\d+$/.test(word)) word = undefined;
      flush();
      const op = /^(<<-|<<|>>|>&|<&|<>|>\||>|<)/.exec(src.slice(i))![1];
      i += op.length;
      if (op === '<<' || op === '<<-') {
        while (src[i] === ' ') i++;
        const m = /^(['"]?)([A-Za-z_0-9]+)\1/.exec(src.slice(i))!;
        heredocs.push({ delim: m[2], strip: op === '<<-' });
        i += m[0].length;
        continue;
      }
      out.push({ t: 'op', v: op });
      continue;
    }
    const op = /^(;;|&&|\|\||[;&|()])/.exec(src.slice(i));
    if (op) { flush(); out.push({ t: 'op', v: op[1] }); i += op[1].length; continue; }
    word = (word ?? '') + c;
    i++;
  }
  flush();
  return out;
}

/** Reads a script. Command substitutions and `trap` actions are read as part of it. */
export function parseShell(src: string): ShellScript {
  const commands: ShellCommand[] = [];
  const functions = new Set<string>();
  const assignments: { name: string; value: string }[] = [];
  const exports = new Set<string>();
  const pending = [src];
  while (pending.length) {
    const subs: string[] = [];
    const tokens = tokenize(pending.shift()!, subs);
    pending.push(...subs);
    readCommands(tokens, commands, functions, assignments, exports, pending);
  }
  return { commands, functions, assignments, exports };
}

function readCommands(tokens: Token[], commands: ShellCommand[], functions: Set<string>,
  assignments: { name: string; value: string }[], exports: Set<string>, pending: string[]): void {
  let i = 0;
  // Open `case`s: whether the word is the script's first argument, and the patterns of the current arm.
  const caseDepth: { arg1: boolean; arm?: string[] }[] = [];
  // Brace groups: a function body is the group that follows `name()`.
  const braces: (string | undefined)[] = [];
  let nextBody: string | undefined;
  let atStart = true;
  const scope = () => {
    const fn = [...braces].reverse().find((b) => b !== undefined);
    const top = caseDepth.find((c) => c.arg1);
    return { fn, arm: fn === undefined && top ? top.arm : undefined };
  };
  const isWord = (k: number) => tokens[k]?.t === 'word';
  while (i < tokens.length) {
    const tok = tokens[i];
    if (tok.t === 'op') {
      if (SEPARATORS.has(tok.v)) { atStart = true; i++; } else i += 2; // a redirection and its target
      continue;
    }
    if (!atStart) { i++; continue; }
    const w = tok.v;
    // Case patterns: words joined by | and closed by ).
    if (caseDepth.length && w !== 'esac') {
      let k = i;
      while (isWord(k) && tokens[k + 1]?.t === 'op' && tokens[k + 1].v === '|') k += 2;
      if (isWord(k) && tokens[k + 1]?.t === 'op' && tokens[k + 1].v === ')') {
        caseDepth[caseDepth.length - 1].arm = tokens.slice(i, k + 1).filter((t) => t.t === 'word').map((t) => t.v);
        i = k + 2;
        continue;
      }
    }
    if (w === 'case') {
      // case WORD in
      const subject = tokens[i + 1]?.v ?? '';
      i += 3;
      caseDepth.push({ arg1: /^\$(1|\{1(:?-[^}]*)?\})$/.test(subject) && braces.every((b) => b === undefined) });
      atStart = true;
      continue;
    }
    if (w === '{') { braces.push(nextBody); nextBody = undefined; i++; continue; }
    if (w === '}') { braces.pop(); i++; continue; }
    if (w === 'esac') { caseDepth.pop(); i++; continue; }
    if (w === 'for' || w === 'select') {
      while (i < tokens.length && !(tokens[i].t === 'op' && (tokens[i].v === ';' || tokens[i].v === '\n'))) i++;
      continue;
    }
    if (w === '[[') {
      while (i < tokens.length && !(tokens[i].t === 'word' && tokens[i].v === ']]')) i++;
      i++;
      atStart = false;
      continue;
    }
    if (KEYWORDS.has(w)) { i++; continue; }
    // name() { … }
    if (tokens[i + 1]?.v === '(' && tokens[i + 2]?.v === ')' && tokens[i + 1].t === 'op') {
      functions.add(w);
      nextBody = w;
      i += 3;
      atStart = true;
      continue;
    }
    const assign = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(w);
    if (assign) { assignments.push({ name: assign[1], value: assign[2] }); i++; continue; }
    // A simple command: words up to a separator; redirection targets aside.
    const words: string[] = [];
    const writes: string[] = [];
    while (i < tokens.length && !(tokens[i].t === 'op' && SEPARATORS.has(tokens[i].v))) {
      const t = tokens[i];
      if (t.t === 'op') {
        const target = tokens[i + 1];
        if (target?.t === 'word' && (t.v === '>' || t.v === '>>' || t.v === '>|')) writes.push(target.v);
        i += 2;
        continue;
      }
      words.push(t.v);
      i++;
    }
    atStart = true;
    if (words[0] === 'export' || words[0] === 'readonly' || words[0] === 'local') {
      for (const a of words.slice(1)) {
        const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:=(.*))?$/s.exec(a);
        if (!m) continue;
        if (m[2] !== undefined) assignments.push({ name: m[1], value: m[2] });
        if (words[0] === 'export') exports.add(m[1]);
      }
    }
    if (words[0] === 'trap' && words[1]) pending.push(words[1]);
    commands.push({ words, writes, ...scope() });
  }
}

/**
 * The program a command runs, past the wrappers that run another program: `exec X`, `command X` (not `-v`),
 * `env [NAME=v…] X`, `timeout [opts] DURATION X`, `nohup X`, `nice X`. Each wrapper that is itself a program
 * (timeout, env, nohup, nice) is returned too.
 */
export function programsOf(words: readonly string[]): string[] {
  const out: string[] = [];
  let k = 0;
  while (k < words.length) {
    const w = words[k];
    if (w === 'exec' || w === 'builtin') { k++; continue; }
    if (w === 'command') {
      if (words[k + 1]?.startsWith('-')) return out;
      k++;
      continue;
    }
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(w)) { k++; continue; }
    out.push(w);
    if (w === 'env' || w === 'nohup' || w === 'nice') {
      k++;
      while (k < words.length && (words[k].startsWith('-') || /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[k]))) k++;
      continue;
    }
    if (w === 'timeout') {
      k++;
      while (k < words.length && words[k].startsWith('-')) k++;
      k++; // the duration
      continue;
    }
    return out;
  }
  return out;
}

/** Shell glob match of a `case` pattern (`*`, `?`, literal text; bracket expressions count as one character). */
function globMatch(pattern: string, text: string): boolean {
  const re = pattern.replace(/\[[^\]]*\]|[*?]|[^*?[]+/g, (m) => (m === '*' ? '.*' : m === '?' || m.startsWith('[') ? '.' : m.replace(/[.+^${}()|\\]/g, '\\$&')));
  return new RegExp(`^${re}$`).test(text);
}

/**
 * The commands that can run when the script is called with first argument `arg1`: the top level outside its
 * `case "$1"` dispatch, the matching arm (every arm when `arg1` is unknown), and the bodies of the functions they
 * call, transitively.
 */
export function reachable(script: ShellScript, arg1?: string): ShellCommand[] {
  const top = script.commands.filter((c) => c.fn === undefined && (c.arm === undefined || arg1 === undefined || c.arm.some((p) => globMatch(p, arg1))));
  const out = new Set(top);
  const called = new Set<string>();
  const queue = [...top];
  while (queue.length) {
    const c = queue.shift()!;
    for (const p of programsOf(c.words)) {
      if (!script.functions.has(p) || called.has(p)) continue;
      called.add(p);
      for (const body of script.commands.filter((x) => x.fn === p)) { out.add(body); queue.push(body); }
    }
  }
  return script.commands.filter((c) => out.has(c));
}
