/**
 * What `npm run synth` and `npm run check` both do between loading the environments and writing (or comparing)
 * files, so that check refuses exactly what synth refuses: the guards that read the previous render (MinIO
 * pools are never reshaped in place, StatefulSet fields the API server keeps are not changed), the render, and
 * the fit check against the declared nodes.
 */
import * as path from 'path';
import type { ConfigProblem } from '../../environments/schema';
import type { EnvironmentConfig } from '../../environments/schema';
import { checkFit } from '../capacity/fit';
import { poolShapeChanges } from '../data/minio/guard';
import { renderPlatform, type RenderedPlatform } from '../platform';
import { statefulSetChanges } from './immutable';
import { outputFolder } from '../lib/naming';
import { hasStores } from '../context';

export interface Prepared {
  /** One per environment, in the order given; empty when a guard refused the change (nothing was rendered). */
  readonly platforms: readonly RenderedPlatform[];
  /** Configuration problems (a ConfigError's content): refuse the render when there is any. */
  readonly problems: readonly ConfigProblem[];
  /** Printed, not fatal (e.g. a node pool above the fit check's warning level). */
  readonly warnings: readonly string[];
  /** The same warnings by environment, in the order of `platforms` (synth's render cache keeps each one's). */
  readonly warningsOf?: readonly (readonly string[])[];
}

/** @param outDir the output folder whose `<env>/` holds each environment's previous render */
export function renderEnvironments(configs: readonly EnvironmentConfig[], outDir: string): Prepared {
  // Each problem names its platform too (the charts' own checks know only the environment).
  const of = (c: EnvironmentConfig, ps: readonly ConfigProblem[]) => ps.map((p) => ({ platform: c.platform.name, ...p }));
  const guard = configs.flatMap((c) => (hasStores(c, ['minio']) ? of(c, poolShapeChanges(c, path.join(outDir, outputFolder(c)))) : []));
  if (guard.length) return { platforms: [], problems: guard, warnings: [] };
  const platforms = configs.map(renderPlatform);
  // What the API server would refuse to change on the StatefulSets the cluster runs (the previous render).
  const immutable = platforms.flatMap((p) => of(p.config, statefulSetChanges(p, path.join(outDir, outputFolder(p.config)))));
  const fits = platforms.map(checkFit);
  return {
    platforms, problems: [...immutable, ...platforms.flatMap((p, i) => of(p.config, fits[i].problems))],
    warnings: fits.flatMap((f) => f.warnings), warningsOf: fits.map((f) => f.warnings),
  };
}
