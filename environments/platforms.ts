/**
 * The platforms, in the order they are rendered. Adding one: a folder environments/<name>/ and a line here.
 *
 * This file and the platform folders are bundled apart from the rest of the program (scripts/synth.ts's
 * PLATFORMS), so an edit to an environment rebundles only them; code outside environments/<name>/ reaches a
 * platform's files only through this one.
 */
import type { PlatformDescription } from './platform';
import { pcfBuilder } from './pcf-builder';
import { fnb } from './fnb';
import { arbor } from './arbor';
import { receivables } from './receivables';
import { eksPlatform } from './eks-platform';

export const PLATFORMS: Record<string, PlatformDescription> = { receivables, 'pcf-builder': pcfBuilder, fnb, arbor, 'eks-platform': eksPlatform };
