/**
 * Refuses to change a MinIO pool's shape in place.
 *
 * MinIO fixes a pool's erasure sets when the pool is created: more servers or drives in an existing pool make
 * every server of it refuse to start (the drives' format no longer matches the argument), and fewer lose data.
 * StatefulSet claim templates are immutable too, so a new volume size would fail every sync. Capacity grows by
 * adding a pool. The configuration alone cannot tell a change from a first render, so this compares with the
 * shape recorded on each pool's StatefulSet (annotation `poolAnnotation()`, `<label domain>/minio-pool`) in the previously
 * rendered `dist/<platform>/<env>/10-minio/` — the folder Argo CD applies, i.e. what the cluster runs.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import type { ConfigProblem } from '../../../environments/schema';
import type { MinioConfig } from './context';
import { platformKeys } from '../../lib/labels';
import { poolAnnotation, poolStatefulSet } from './chart';
import { NAMESPACES } from '../refs';

export const MINIO_FOLDER = '10-minio';

export interface RecordedPool {
  readonly name: string;
  /** Index in `stores.minio.pools` (the order of the server arguments). */
  readonly position: number;
  readonly servers: number;
  readonly drivesPerServer: number;
  readonly volume: string;
  /** The file it was read from, relative to the environment's folder. */
  readonly file: string;
}

/**
 * The top-level `metadata:` block of a rendered manifest (block style, as charts/lib/yaml.ts writes it), or the
 * whole text when there is none: all the guard reads, and a small part of a StatefulSet to parse. Lines of the
 * block are indented (or blank, inside a literal string); the next top-level key ends it.
 */
export function metadataBlock(text: string): string {
  const m = /^metadata:\n(?:[ \t].*\n|\n)*/m.exec(text);
  return m ? m[0] : text;
}

/** The pools recorded in a previously rendered environment folder (none when it was never rendered). */
export function recordedPools(config: MinioConfig, envDir: string): RecordedPool[] {
  const dir = path.join(envDir, MINIO_FOLDER);
  if (!fs.existsSync(dir)) return [];
  const prefix = `statefulset.${NAMESPACES.minio}.`;
  const out: RecordedPool[] = [];
  for (const file of fs.readdirSync(dir).filter((f) => f.startsWith(prefix) && f.endsWith('.yaml')).sort()) {
    const doc = parse(metadataBlock(fs.readFileSync(path.join(dir, file), 'utf8')));
    const shape = doc?.metadata?.annotations?.[poolAnnotation(config)];
    const name = doc?.metadata?.labels?.[platformKeys(config).pool];
    if (typeof shape !== 'string' || typeof name !== 'string') continue;
    const s = JSON.parse(shape) as { position: number; servers: number; drivesPerServer: number; volume: string };
    out.push({ name, position: s.position, servers: s.servers, drivesPerServer: s.drivesPerServer, volume: s.volume, file: `${MINIO_FOLDER}/${file}` });
  }
  return out.sort((a, b) => a.position - b.position);
}

/**
 * Problems (in the configuration's terms) with the pools of `config` against those rendered before into
 * `envDir` (e.g. `dist/receivables/production`). An empty list means the change is safe: same shapes, possibly new pools.
 */
export function poolShapeChanges(config: MinioConfig, envDir: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const env = config.name;
  const pools = config.stores.minio.pools;
  const where = path.join(...envDir.split(path.sep).slice(-3), MINIO_FOLDER);
  const recorded = recordedPools(config, envDir);
  // Pools keep their relative order and new ones go last: MinIO knows pools by their place in the arguments.
  const known = new Set(recorded.map((r) => r.name));
  const kept = pools.map((p) => p.name).filter((n) => known.has(n));
  const before = recorded.map((r) => r.name).filter((n) => kept.includes(n));
  const lastKept = Math.max(-1, ...pools.map((p, i) => (known.has(p.name) ? i : -1)));
  const inserted = pools.findIndex((p, i) => !known.has(p.name) && i < lastKept);
  if (kept.join() !== before.join() || (recorded.length > 0 && inserted >= 0)) {
    problems.push({
      environment: env, path: 'stores.minio.pools', value: pools.map((p) => p.name),
      message: `changes the order of the pools rendered in ${where} (${recorded.map((r) => r.name).join(', ')}): MinIO knows pools by their position in the server arguments; keep the order and append new pools at the end`,
    });
  }
  for (const before of recorded) {
    const i = pools.findIndex((p) => p.name === before.name);
    if (i < 0) {
      problems.push({
        environment: env, path: 'stores.minio.pools', value: pools.map((p) => p.name),
        message: `pool "${before.name}" (rendered in ${where}) is missing: removing a pool loses its objects unless it was decommissioned first (mc admin decommission start, see docs/minio.md); once decommissioning is complete, delete ${path.join(where, path.basename(before.file))} and render again`,
      });
      continue;
    }
    const now = pools[i];
    const at = (field: string) => `stores.minio.pools[${i}].${field}`;
    const tail = `MinIO cannot resize a pool in place (its erasure sets are fixed when it is created): keep the pool as it is and add a new pool to grow`;
    if (now.servers !== before.servers) {
      problems.push({ environment: env, path: at('servers'), value: now.servers, message: `pool "${now.name}" has ${before.servers} servers in ${where}: ${tail}` });
    }
    if (now.drivesPerServer !== before.drivesPerServer) {
      problems.push({ environment: env, path: at('drivesPerServer'), value: now.drivesPerServer, message: `pool "${now.name}" has ${before.drivesPerServer} drives per server in ${where}: ${tail}` });
    }
    if (now.volume.size !== before.volume) {
      problems.push({
        environment: env, path: at('volume.size'), value: now.volume.size,
        message: `pool "${now.name}" has volumes of ${before.volume} in ${where}: the claim templates of StatefulSet ${poolStatefulSet(now)} are immutable; expand its PVCs directly (storage class permitting) or add a pool`,
      });
    }
  }
  return problems;
}
