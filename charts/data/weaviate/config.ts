/**
 * The `stores.weaviate` section of an environment: its shape and field rules (zod), to be registered in
 * charts/data/stores.ts; the Weaviate cluster, its schema classes and its backups (./chart.ts documents each use).
 */
import { z } from 'zod';
import { haMinimum, type Issue, type RuleContext } from '../kind';
import { computeResources, replicas, scheduledBackup, volume } from '../../../environments/values';

/**
 * A Weaviate class (collection) name: GraphQL type names, upper-case first letter (Weaviate capitalises the
 * first letter itself, so a lower-case name would be created under another name than the one looked up).
 */
const CLASS_NAME = /^[A-Z][_0-9A-Za-z]*$/;

/**
 * One schema class the setup Job creates when it is missing. Clients supply the vectors (vectorizer `none`):
 * the embedding model and its dimensions are stated so that every client embeds with the same model.
 */
export const weaviateClass = z.strictObject({
  name: z.string().regex(CLASS_NAME, { message: 'must be a Weaviate class name: an upper-case letter, then letters, digits or "_"' }),
  description: z.string().min(1, { message: 'must describe what the class holds' }),
  /** The embedding model clients use for this class, e.g. `text-embedding-ada-002`. */
  embeddingModel: z.string().min(1, { message: 'must name the embedding model' }),
  /** Length of every vector of the class (the model's output: 1536 for text-embedding-ada-002). */
  vectorDimensions: replicas(1),
});
export type WeaviateClass = z.infer<typeof weaviateClass>;

export const weaviateSection = z.strictObject({
  /** Weaviate nodes (one StatefulSet); the first `raftVoters(replicas)` of them vote in Raft. */
  replicas: replicas(1),
  /**
   * Copies of every shard (each class's `replicationConfig.factor`, and the server's minimum for classes clients
   * create). Reads and writes at consistency QUORUM survive a node down only from 3 copies.
   */
  replicationFactor: replicas(1),
  /** Classes the setup Job creates when missing (never changed or deleted: see ./scripts.ts). */
  classes: z.array(weaviateClass),
  /** Backups through the backup-s3 module into MinIO (`<bucket>/<environment>/<id>/`); older ones are pruned. */
  backup: scheduledBackup,
  volume,
  resources: computeResources,
});
export type WeaviateSection = z.infer<typeof weaviateSection>;

/**
 * Raft voters among `replicas` nodes, as Weaviate's own Helm chart chooses them (weaviate/weaviate-helm,
 * weaviate/templates/_helpers.tpl `raft_configuration`, chart 17.8.3): 1 below 3 nodes, 3 up to 9, 5 from 10.
 * The other nodes join as non-voters.
 */
export function raftVoters(nodes: number): number {
  if (nodes >= 10) return 5;
  return nodes >= 3 ? 3 : 1;
}

/** Weaviate: a Raft that keeps its quorum with a node down, and shards with enough copies to keep answering. */
export function weaviateRules(section: WeaviateSection, env: RuleContext, issue: Issue): void {
  const at = (...path: (string | number)[]) => ['stores', 'weaviate', ...path];
  const w = section;
  haMinimum(env, issue, at('replicas'), w.replicas, 3, 'Raft keeps a majority of 3 voters with one node down');
  haMinimum(env, issue, at('replicationFactor'), w.replicationFactor, 3, 'reads and writes at consistency QUORUM keep working with one of 3 copies down');
  if (w.replicas === 2) {
    issue(at('replicas'), 'must be 1 or at least 3 (with 2 nodes Raft has one voter, or two that tolerate no failure: the second node adds no availability)');
  }
  if (w.replicationFactor > w.replicas) {
    issue(at('replicationFactor'), `must be at most replicas (${w.replicas}): Weaviate places each copy of a shard on another node`);
  }
  if (env.ha && raftVoters(w.replicas) > env.nodes) {
    issue(at('replicas'), `gives ${raftVoters(w.replicas)} Raft voters on ${env.nodes} nodes (cluster.nodes): two voters on one node would both fall with it (ha is true)`);
  }
  const seen = new Map<string, number>();
  w.classes.forEach((c, i) => {
    // Weaviate compares class names without case (weaviate/weaviate cluster/schema/schema.go, v1.38.11) and
    // refuses "raft", the name of its Raft directory beside the classes' (usecases/schema/parser.go).
    const key = c.name.toLowerCase();
    if (key === 'raft') issue(at('classes', i, 'name'), 'is refused by Weaviate (its Raft data directory has this name)');
    if (seen.has(key)) issue(at('classes', i, 'name'), `duplicates class "${w.classes[seen.get(key)!].name}" (class names are compared without case)`);
    else seen.set(key, i);
  });
}
