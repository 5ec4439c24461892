/**
 * Checks a rendered pod template against the contracts of the images it runs (charts/lib/image-contracts.ts).
 * Pure functions over plain manifests, so the unit tests can feed hand-made pods.
 *
 * What "a container runs program P" means here: P is the container's command (past `exec`/`timeout`/`env`
 * wrappers and shells), a program of a script the command, a lifecycle hook or an exec probe runs, or of a script
 * whose path a configuration file mounted into the container names (Patroni's callbacks); without a `command`, the
 * image's own start (`<default>` and the contract's `startRuns`). Scripts are read with test/support/shell.ts.
 */
import * as path from 'path';
import type { ImageContract } from '../../charts/lib/image-contracts';
import { parseShell, programsOf, reachable, SHELL_BUILTINS } from './shell';

export type Rule = 'contract' | 'volume' | 'write' | 'config-env' | 'program' | 'user';

export interface Violation {
  readonly rule: Rule;
  readonly env: string;
  /** `<Kind> <namespace>/<name>` */
  readonly workload: string;
  readonly container: string;
  readonly image: string;
  readonly message: string;
}

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = Record<string, any>;

export interface PodUnderTest {
  readonly env: string;
  readonly workload: string;
  /** The pod template (`metadata` + `spec`). */
  readonly template: Obj;
  /** Names of the owner's volumeClaimTemplates (StatefulSets). */
  readonly claimTemplates?: readonly string[];
  /** ConfigMaps of the pod's namespace, by name. */
  readonly configMaps: ReadonlyMap<string, Readonly<Record<string, string>>>;
}

export type ContractLookup = (image: string) => ImageContract | undefined;

const STD_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
const SHELLS = new Set(['sh', 'bash', 'dash', 'ash']);

interface Mount { readonly path: string; readonly volume: string; readonly kind: string; readonly readOnly: boolean }
interface MountedFile { readonly content: string; readonly volume: string }
/** Environment as the container sees it: a value, or `undefined` for "set, value unknown here" (Secrets, downward API). */
type Env = Map<string, string | undefined>;

const under = (p: string, dir: string) => p === dir || p.startsWith(dir.endsWith('/') ? dir : `${dir}/`);
const deepest = (mounts: readonly Mount[], p: string) =>
  mounts.filter((m) => under(p, m.path)).sort((a, b) => b.path.length - a.path.length)[0];

function volumeKinds(template: Obj, claimTemplates: readonly string[]): Map<string, Obj> {
  const out = new Map<string, Obj>();
  for (const v of template.spec.volumes ?? []) out.set(v.name, v);
  for (const c of claimTemplates) out.set(c, { name: c, persistentVolumeClaim: { claimName: c } });
  return out;
}

function kindOf(v: Obj | undefined): string {
  if (!v) return 'missing';
  return Object.keys(v).find((k) => k !== 'name') ?? 'missing';
}

/** Files that ConfigMap volumes put into a container, by absolute path. */
function mountedFiles(c: Obj, volumes: Map<string, Obj>, configMaps: PodUnderTest['configMaps']): Map<string, MountedFile> {
  const out = new Map<string, MountedFile>();
  for (const m of c.volumeMounts ?? []) {
    const v = volumes.get(m.name);
    const sources: Obj[] = v?.configMap ? [v.configMap] : (v?.projected?.sources ?? []).map((s: Obj) => s.configMap).filter(Boolean);
    for (const src of sources) {
      const data = configMaps.get(src.name) ?? {};
      const items: { key: string; path: string }[] = src.items ?? Object.keys(data).map((key) => ({ key, path: key }));
      for (const it of items) {
        if (data[it.key] === undefined) continue;
        if (m.subPath !== undefined) {
          if (m.subPath === it.path) out.set(m.mountPath, { content: data[it.key], volume: m.name });
        } else out.set(path.posix.join(m.mountPath, it.path), { content: data[it.key], volume: m.name });
      }
    }
  }
  return out;
}

function containerEnv(c: Obj, contract: ImageContract, configMaps: PodUnderTest['configMaps']): Env {
  const env: Env = new Map(Object.entries(contract.env?.value ?? {}));
  for (const from of c.envFrom ?? []) {
    if (from.configMapRef) for (const [k, v] of Object.entries(configMaps.get(from.configMapRef.name) ?? {})) env.set(`${from.prefix ?? ''}${k}`, v);
  }
  for (const e of c.env ?? []) env.set(e.name, e.value !== undefined ? String(e.value) : undefined);
  return env;
}

/** Expands `$X`, `${X}`, `${X:-d}`, `${X-d}`, `${X:=d}` from `vars`; `undefined` when a value cannot be known. */
export function expand(word: string, vars: (name: string) => { set: boolean; value?: string }): string | undefined {
  let unknown = false;
  const sub = (name: string, op?: string, def?: string): string => {
    const v = vars(name);
    if (v.set && v.value !== undefined && !(op?.startsWith(':') && v.value === '')) return v.value;
    if (v.set && v.value === undefined) { unknown = true; return ''; }
    if (op !== undefined && op !== ':?' && op !== '?') {
      const d = expand(def ?? '', vars);
      if (d === undefined) unknown = true;
      return d ?? '';
    }
    unknown = true;
    return '';
  };
  if (word.includes('$(')) return undefined;
  const out = word
    .replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-=?+])([^}]*))?\}/g, (_m, n: string, op?: string, d?: string) => sub(n, op, d))
    .replace(/\$([A-Za-z_][A-Za-z0-9_]*)/g, (_m, n: string) => sub(n));
  return unknown || /\$\{/.test(out) ? undefined : out;
}

interface Analysis {
  /** Programs run: full paths and base names, plus `<default>` when the image's own start runs. */
  readonly runs: Set<string>;
  /** Environment including what the scripts export. */
  readonly env: Env;
  /** Every word of every invocation (for flags such as --config-dir). */
  readonly words: string[];
  /** Paths our scripts write with `>`/`>>`. */
  readonly scriptWrites: string[];
  readonly problems: string[];
}

/**
 * Reads what a container runs. `provided` maps absolute paths that init containers copy into shared volumes to
 * the contract of the image they come from.
 */
function analyse(c: Obj, contract: ImageContract, files: Map<string, MountedFile>, baseEnv: Env,
  provided: Map<string, ImageContract>): Analysis {
  const runs = new Set<string>();
  const env: Env = new Map(baseEnv);
  const words: string[] = [];
  const scriptWrites: string[] = [];
  const problems: string[] = [];
  const programs = new Set((contract.programs ?? []).flatMap((g) => g.value));
  const dirs = contract.path?.value ?? STD_PATH;
  const seenScripts = new Set<string>();

  const exists = (p: string): boolean => {
    if (p.includes('/')) return programs.has(p) || files.has(p) || provided.has(p);
    return dirs.some((d) => programs.has(`${d}/${p}`));
  };
  const note = (p: string) => { runs.add(p); runs.add(path.posix.basename(p)); };

  const runScript = (file: string, from: string, arg1?: string) => {
    if (seenScripts.has(`${file} ${arg1}`)) return;
    seenScripts.add(`${file} ${arg1}`);
    const f = files.get(file);
    if (!f) { problems.push(`${from} runs the script ${file}, which no ConfigMap mounts into the container`); return; }
    const script = parseShell(f.content);
    const local = new Map<string, string>();
    const vars = (name: string): { set: boolean; value?: string } => {
      if (local.has(name)) return { set: true, value: local.get(name) };
      if (env.has(name)) return { set: true, value: env.get(name) };
      return { set: false };
    };
    for (const a of script.assignments) {
      const v = expand(a.value, vars);
      if (v !== undefined) local.set(a.name, v); else local.delete(a.name);
      if (script.exports.has(a.name)) env.set(a.name, v);
    }
    for (const name of script.exports) if (!env.has(name)) env.set(name, local.get(name));
    // Every command must find its program; only those reachable with this argument count as run.
    const live = new Set(reachable(script, arg1));
    for (const cmd of script.commands) {
      const runsHere = live.has(cmd);
      for (const w of runsHere ? cmd.writes : []) {
        const p = expand(w, vars);
        if (p?.startsWith('/') && !p.startsWith('/dev/')) scriptWrites.push(p);
      }
      for (const raw of programsOf(cmd.words)) {
        if (SHELL_BUILTINS.has(raw) || script.functions.has(raw)) continue;
        const p = expand(raw, vars);
        if (p === undefined || p === '') { problems.push(`${file}: cannot tell which program "${raw}" is`); continue; }
        if (SHELL_BUILTINS.has(p) || script.functions.has(p)) continue;
        if (runsHere) note(p);
        if (!exists(p)) problems.push(`${file} runs "${p}", which the image does not have`);
        else if (runsHere && files.has(p) && p !== file && /^#!|\.sh$/.test(p)) runScript(p, file);
      }
    }
  };

  const invoke = (argv: readonly string[], from: string) => {
    words.push(...argv);
    const progs = programsOf(argv);
    if (!progs.length) return;
    // Wrappers (timeout, env, …) first, then the program they run.
    for (const w of progs.slice(0, -1)) { note(w); if (!exists(w)) problems.push(`${from} runs "${w}", which the image does not have`); }
    const last = progs[progs.length - 1];
    const rest = argv.slice(argv.lastIndexOf(last) + 1);
    const p = expand(last, (n) => (env.has(n) ? { set: true, value: env.get(n) } : { set: false })) ?? last;
    note(p);
    if (!exists(p)) { problems.push(`${from} runs "${p}", which the image does not have`); return; }
    if (SHELLS.has(path.posix.basename(p))) {
      const i = rest.findIndex((a) => !a.startsWith('-'));
      if (rest.includes('-c')) {
        const inline = rest[rest.indexOf('-c') + 1] ?? '';
        const key = `<inline ${from}>`;
        files.set(key, { content: inline, volume: '' });
        runScript(key, from);
      } else if (i >= 0) runScript(rest[i], from, rest[i + 1]);
    } else if (files.has(p)) runScript(p, from, rest[0]);
  };

  if (!c.command) {
    runs.add('<default>');
    for (const p of contract.startRuns?.value ?? []) note(p);
    for (const p of contract.entrypoint.value) if (p.startsWith('/')) note(p);
    words.push(...(c.args ?? []));
  } else invoke([...c.command, ...(c.args ?? [])], 'the command');
  for (const [hook, h] of Object.entries(c.lifecycle ?? {})) if ((h as Obj).exec) invoke((h as Obj).exec.command, `the ${hook} hook`);
  for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) if (c[probe]?.exec) invoke(c[probe].exec.command, `the ${probe}`);
  // Scripts named by a mounted configuration file that a program here is given (Patroni's callbacks in the
  // patroni.yml that `patroni` reads) run in this container too.
  for (const [file, f] of files) {
    if (!words.includes(file)) continue;
    for (const m of f.content.matchAll(/(\/[A-Za-z0-9_./-]+\.sh)\b/g)) if (files.has(m[1])) runScript(m[1], file);
    // Settings whose values are command lines (archive_command, …) run here too.
    for (const cc of contract.configCommands?.value ?? []) {
      if (!new RegExp(cc.file).test(path.posix.basename(file))) continue;
      for (const key of cc.keys) {
        for (const m of f.content.matchAll(new RegExp(`^\\s*${key}:\\s*(.+)$`, 'gm'))) {
          const key2 = `${file}#${key}`;
          files.set(key2, { content: m[1].replace(/^(['"])(.*)\1$/, '$2'), volume: f.volume });
          runScript(key2, `${key} in ${file}`);
        }
      }
    }
  }
  return { runs, env, words, scriptWrites, problems };
}

const intersects = (a: readonly string[], runs: Set<string>) => a.some((p) => runs.has(p) || runs.has(path.posix.basename(p)));

function flagValue(words: readonly string[], flag: string): string | undefined {
  for (let i = 0; i < words.length; i++) {
    if (words[i] === flag) return words[i + 1];
    if (words[i].startsWith(`${flag}=`)) return words[i].slice(flag.length + 1);
  }
  return undefined;
}

/** Every violation of one pod template. */
export function checkPod(pod: PodUnderTest, lookup: ContractLookup): Violation[] {
  const out: Violation[] = [];
  const spec = pod.template.spec;
  const volumes = volumeKinds(pod.template, pod.claimTemplates ?? []);
  const containers: Obj[] = [...(spec.initContainers ?? []), ...spec.containers];
  const podFiles = new Map<string, MountedFile>();
  for (const c of containers) for (const [p, f] of mountedFiles(c, volumes, pod.configMaps)) podFiles.set(`${c.name}:${p}`, f);

  // Programs that init containers copy into shared volumes (`cp SRC DST`): DST is SRC of the init's image.
  const copied = new Map<string, { volume: string; rel: string; contract: ImageContract; src: string; from: string }>();
  for (const c of spec.initContainers ?? []) {
    const argv = [...(c.command ?? []), ...(c.args ?? [])];
    const contract = lookup(c.image);
    if (argv[0] === 'cp' && argv.length === 3 && contract) {
      const m = deepest(mountsOf(c, volumes), argv[2]);
      if (m) copied.set(argv[2], { volume: m.volume, rel: path.posix.relative(m.path, argv[2]), contract, src: argv[1], from: c.name });
    }
  }

  for (const c of containers) {
    const v = (rule: Rule, message: string) => out.push({ rule, env: pod.env, workload: pod.workload, container: c.name, image: c.image, message });
    const contract = lookup(c.image);
    if (!contract) { v('contract', `image ${c.image} has no contract in charts/lib/image-contracts.ts`); continue; }
    const mounts = mountsOf(c, volumes);
    const files = mountedFiles(c, volumes, pod.configMaps);
    const provided = new Map<string, ImageContract>();
    for (const [, cp] of copied) {
      const m = mounts.find((x) => x.volume === cp.volume);
      if (!m) continue;
      if (!(cp.contract.programs ?? []).some((g) => g.value.includes(cp.src))) continue; // reported on the init container
      provided.set(path.posix.join(m.path, cp.rel), cp.contract);
    }
    const a = analyse(c, contract, files, containerEnv(c, contract, pod.configMaps), provided);
    for (const p of a.problems) v('program', p);
    if (c.command?.[0] === 'cp' && !(contract.programs ?? []).some((g) => g.value.includes(c.command[1]))) v('program', `copies ${c.command[1]}, which the image does not have`);
    const configText = [...files.values()].map((f) => f.content).join('\n');

    // VOLUMEs: a claim or emptyDir exactly at each path the running programs use; never a claim at a parent.
    for (const vol of contract.volumes.value) {
      const exact = mounts.find((m) => m.path === vol.path);
      const parent = mounts.find((m) => m.path !== vol.path && under(vol.path, m.path) && (m.kind === 'persistentVolumeClaim' || m.kind === 'emptyDir'));
      if (parent && !exact) {
        v('volume', `${parent.kind} "${parent.volume}" is mounted at ${parent.path}, a parent of the image's VOLUME ${vol.path}: the runtime mounts an anonymous volume over ${vol.path}, so what is written there is not on "${parent.volume}"`);
        continue;
      }
      const used = intersects(vol.usedBy, a.runs) && !(vol.unlessConfigContains && configText.includes(vol.unlessConfigContains));
      if (!used) continue;
      if (!exact) v('volume', `the image declares VOLUME ${vol.path} (used by ${vol.usedBy.join(', ')}) and no claim or emptyDir is mounted there`);
      else if (exact.kind !== 'persistentVolumeClaim' && exact.kind !== 'emptyDir') v('volume', `VOLUME ${vol.path} is a ${exact.kind} mount, not a claim or emptyDir`);
    }

    // With a read-only root, every path written is on a writable mount.
    if (c.securityContext?.readOnlyRootFilesystem) {
      // /dev/shm is a tmpfs the runtime always gives a pod.
      const writable = (p: string) => { const m = deepest(mounts, p); return under(p, '/dev/shm') || (m && !m.readOnly && (m.kind === 'emptyDir' || m.kind === 'persistentVolumeClaim')); };
      const contracts = [contract, ...new Set(provided.values())];
      for (const k of contracts) {
        for (const w of k.writes?.value ?? []) {
          if (!intersects(w.by, a.runs) || (w.unlessConfigContains && configText.includes(w.unlessConfigContains))) continue;
          let p = (w.redirectedByFlag && flagValue(a.words, w.redirectedByFlag)) || undefined;
          if (p === undefined && w.redirectedByEnv && a.env.has(w.redirectedByEnv)) {
            p = a.env.get(w.redirectedByEnv);
            if (p === undefined) { v('write', `${w.redirectedByEnv} (where ${w.by.join('/')} writes) is set to a value unknown here`); continue; }
          }
          p ??= w.path.replace('${HOME}', (a.env.get('HOME') ?? '/').replace(/\/$/, ''));
          if (!writable(p)) v('write', `${w.by.join('/')} writes ${p}${p !== w.path ? ` (${w.path} redirected)` : ''}, which is on no writable mount with readOnlyRootFilesystem`);
        }
      }
      for (const p of a.scriptWrites) if (!writable(p)) v('write', `a script writes ${p}, which is on no writable mount with readOnlyRootFilesystem`);
    }

    // ${VAR} (or from_env) in configuration files of the pod, for containers that read them.
    for (const cfg of contract.envConfig?.value ?? []) {
      if (!intersects(cfg.readBy, a.runs)) continue;
      const re = new RegExp(cfg.file);
      for (const [key, f] of podFiles) {
        const file = key.slice(key.indexOf(':') + 1);
        if (!re.test(path.posix.basename(file))) continue;
        const pattern = cfg.syntax === 'dollar' ? /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::[^}]*)?\}/g : /from_env="([A-Za-z_][A-Za-z0-9_]*)"/g;
        const missing = [...new Set([...f.content.matchAll(pattern)].map((m) => m[1]))].filter((n) => !a.env.has(n));
        if (missing.length) v('config-env', `reads ${path.posix.basename(file)} (via ${cfg.readBy.filter((r) => a.runs.has(r) || a.runs.has(path.posix.basename(r))).join(', ')}), which uses ${missing.map((n) => cfg.syntax === 'dollar' ? `\${${n}}` : `from_env="${n}"`).join(', ')}: not set in this container`);
      }
    }

    // The user the image runs as.
    const uid = c.securityContext?.runAsUser ?? spec.securityContext?.runAsUser;
    const fsGroup = spec.securityContext?.fsGroup;
    const u = contract.user.value;
    if ((u.uid === undefined || u.uid === 0) && (uid === undefined || uid === 0)) {
      v('user', `the image's user is ${u.uid === 0 ? 'root' : `"${u.name ?? '(none)'}" (not numeric)`}: runAsUser must be set to a non-root uid`);
    }
    if (u.needsOwnUser && (!u.neededBy || intersects(u.neededBy, a.runs))) {
      if (uid !== u.uid) v('user', `runs as uid ${uid ?? '(image default)'}; the image needs its own user ${u.name ?? ''} uid ${u.uid}`);
      if (u.gid !== undefined && fsGroup !== u.gid) v('user', `fsGroup is ${fsGroup ?? '(unset)'}; the image's group is gid ${u.gid}`);
    }
  }
  return out;
}

function mountsOf(c: Obj, volumes: Map<string, Obj>): Mount[] {
  return (c.volumeMounts ?? []).map((m: Obj) => ({ path: m.mountPath, volume: m.name, kind: kindOf(volumes.get(m.name)), readOnly: !!m.readOnly }));
}
