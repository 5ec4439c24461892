/**
 * What `npm run synth` and `npm run check` both do between loading the environments and writing (or comparing)
 * files, so that check refuses exactly what synth refuses: the guards that read the previous render (MinIO
 * pools are never reshaped in place), the render, and the fit check against the declared nodes.
 */
import * as path from 'path';
import type { ConfigProblem } from '../../environments';
import type { EnvironmentConfig } from '../../environments/schema';
import { checkFit } from '../capacity/fit';
import { poolShapeChanges } from '../data/minio-guard';
import { renderPlatform, type RenderedPlatform } from '../platform';

export interface Prepared {
  /** One per environment, in the order given; empty when a guard refused the change (nothing was rendered). */
  readonly platforms: readonly RenderedPlatform[];
  /** Configuration problems (a ConfigError's content): refuse the render when there is any. */
  readonly problems: readonly ConfigProblem[];
  /** Printed, not fatal (e.g. a node pool above the fit check's warning level). */
  readonly warnings: readonly string[];
}

/** @param outDir the output folder whose `<env>/` holds each environment's previous render */
export function renderEnvironments(configs: readonly EnvironmentConfig[], outDir: string): Prepared {
  const guard = configs.flatMap((c) => poolShapeChanges(c, path.join(outDir, c.name)));
  if (guard.length) return { platforms: [], problems: guard, warnings: [] };
  const platforms = configs.map(renderPlatform);
  const fits = platforms.map(checkFit);
  return { platforms, problems: fits.flatMap((f) => f.problems), warnings: fits.flatMap((f) => f.warnings) };
}
