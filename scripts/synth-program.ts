/**
 * The synth program as scripts/synth.ts loads it (bundled into .build/program.js): main.ts's entry points, and
 * what the watch mode needs besides. Loading it does not render; `main` does.
 */
export { main, parseArgs, renderEnvironments } from '../main';
export { writeDist, type FileTree } from '../charts/lib/render';
export { ENVIRONMENTS } from '../environments';
