/** For configuration-error tests: a mutable copy of an environment's input, and what validation says of it. */
import { ConfigError, environmentInput, formatProblem, validateEnvironment, type ConfigProblem } from '../../environments';
import { deepMerge } from '../../environments/merge';

export type Input = Record<string, any>;

/** A fresh, mutable copy of an environment's merged input. */
export function input(env: string): Input {
  return structuredClone(environmentInput(env)) as Input;
}

/** Every problem validation reports, all at once ([] when the configuration is accepted). */
export function problemsOf(env: string, cfg: Input): ConfigProblem[] {
  try {
    validateEnvironment(env, cfg);
    return [];
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return [...e.problems];
  }
}

/** The problems as the synth prints them: `environment "x": path = value: reason`. */
export function messagesOf(env: string, cfg: Input): string[] {
  return problemsOf(env, cfg).map(formatProblem);
}

/** The messages for a platform's environment with `patch` merged into its input (maps merged, arrays replaced). */
export function messagesWith(platform: string, env: string, patch: Input): string[] {
  return problemsOf(env, deepMerge(structuredClone(environmentInput(env, platform)) as Input, patch)).map(formatProblem);
}
