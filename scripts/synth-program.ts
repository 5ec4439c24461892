/**
 * The synth program as scripts/synth.ts loads it (bundled into .build/program.js, through the generated
 * .build/program-entry.ts, which adds the modules the platforms' bundle imports): main.ts's entry points, and
 * what the watch mode needs besides. Loading it neither renders nor loads the environment files (main.ts loads
 * them on first use, inside its error handling).
 */
export { main, parseArgs, renderTrees, selectedFolders, targetNames } from '../main';
export { writeDist, type FileTree } from '../charts/output/render';
export { formatChanges } from '../charts/output/changes';
