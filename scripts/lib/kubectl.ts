/**
 * Running kubectl for the installer and the secret generator: arguments as an array (no shell), input on stdin
 * (Secret values never appear in a process list), the context passed on every call.
 */
import { spawnSync } from 'child_process';

export interface KubectlResult { readonly code: number; readonly stdout: string; readonly stderr: string }

export class Kubectl {
  /**
   * @param binary kubectl, or another path (`--kubectl`)
   * @param context a kubeconfig context; the current one when undefined
   */
  constructor(private readonly binary = 'kubectl', private readonly context?: string, private readonly env?: NodeJS.ProcessEnv) {}

  run(args: readonly string[], input?: string): KubectlResult {
    const full = [...(this.context ? ['--context', this.context] : []), ...args];
    const r = spawnSync(this.binary, full, { input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: this.env ?? process.env });
    // A kubectl that exits before reading all its input (refusing at once) leaves EPIPE on the write: it ran, and
    // its status and message say why.
    const ranAndExited = (r.error as NodeJS.ErrnoException | undefined)?.code === 'EPIPE' && r.status !== null;
    if (r.error && !ranAndExited) throw new Error(`cannot run ${this.binary}: ${r.error.message}`);
    return { code: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  }

  /** The command line as a person would type it (for plans and error messages). */
  show(args: readonly string[]): string {
    return ['kubectl', ...(this.context ? ['--context', this.context] : []), ...args].join(' ');
  }
}

/** Parses `--flag value` and `--switch` arguments; throws UsageError on anything unknown. */
export class UsageError extends Error {}

export function parseFlags(argv: readonly string[], valued: readonly string[], switches: readonly string[]): Record<string, string | true> {
  const out: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const name = a.replace(/^--/, '');
    if (a.startsWith('--') && valued.includes(name)) {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${a} needs a value`);
      out[name] = v;
    } else if (a.startsWith('--') && switches.includes(name)) {
      out[name] = true;
    } else {
      throw new UsageError(`unknown argument "${a}"`);
    }
  }
  return out;
}
