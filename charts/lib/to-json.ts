/**
 * A chart's manifests exactly as cdk8s's `Chart.toJson()` renders them, at a fraction of the cost.
 *
 * Profiling a synth (`node --cpu-prof`) showed cdk8s's `toJson` as about a third of a render, for two reasons
 * that have nothing to do with our objects:
 * - every `chart.toJson()` first walks the whole App (resolving construct dependencies and validating every
 *   construct), so rendering twenty charts walks the App twenty times;
 * - `ApiObject.toJson` resolves every value, down to each string, through a fresh resolution context, looking
 *   the App up from the object at every level, then copies the result again to sort its keys.
 *
 * Here each chart is validated once and its objects are listed in the same order (construct tree preorder,
 * which is cdk8s's dependency topology when nothing declares a dependency), and values are resolved and
 * sanitised in one pass by the same rules (cdk8s's built-in resolvers: Lazy, implicit tokens, number/string
 * unions; keys sorted, null and undefined dropped, empty metadata collections dropped). The generated L1
 * classes still convert their props (field names, field order, unknown fields dropped) with their own code.
 * Anything outside those rules (a construct dependency, a nested chart, a custom resolver) is handed to cdk8s
 * unchanged. test/to-json.test.ts compares both for every object of every environment.
 */
import { ApiObject, App, Chart, ImplicitTokenResolver, JsonPatch, Lazy, LazyResolver, NumberStringUnionResolver } from 'cdk8s';

/** A rendered Kubernetes object. */
type Json = Record<string, any>;

/** `chart.toJson()`, the same objects in the same order with the same bytes. */
export function chartManifests(chart: Chart): Json[] {
  const constructs = chart.node.findAll();
  const objects: ApiObject[] = [];
  const errors: string[] = [];
  for (const c of constructs) {
    // Dependencies reorder objects and nested charts own theirs: cdk8s's own algorithm decides those.
    if (c !== chart && (c instanceof Chart || c.node.dependencies.length)) return chart.toJson();
    for (const error of c.node.validate()) errors.push(`[${c.node.path}] ${error}`);
    if (c instanceof ApiObject) objects.push(c);
  }
  if (chart.node.dependencies.length) return chart.toJson();
  if (errors.length) throw new Error(`Validation failed with the following errors:\n  ${errors.join('\n  ')}`);
  if (!builtinResolvers(App.of(chart) as App)) return chart.toJson();

  const original = Object.getOwnPropertyDescriptor(ApiObject.prototype, 'toJson')!;
  // The L1 classes call `super.toJson()` (ApiObject's) and convert its result: swap in the fast one meanwhile.
  Object.defineProperty(ApiObject.prototype, 'toJson', { ...original, value: apiObjectJson });
  try {
    return objects.map((o) => o.toJson());
  } finally {
    Object.defineProperty(ApiObject.prototype, 'toJson', original);
  }
}

/** Whether the App resolves with cdk8s's three built-in resolvers only (the ones `clean` implements). */
function builtinResolvers(app: App): boolean {
  const r = app.resolvers;
  return r.length === 3 && r[0] instanceof LazyResolver && r[1] instanceof ImplicitTokenResolver && r[2] instanceof NumberStringUnionResolver;
}

/** `ApiObject.prototype.toJson`, with `resolve` + `sanitizeValue` as one pass. */
function apiObjectJson(this: ApiObject): Json {
  try {
    const self = this as unknown as { props: Json; patches: JsonPatch[] };
    const sortKeys = !process.env.CDK8S_DISABLE_SORT; // cdk8s's switch, honoured the same way
    const json = clean({ ...self.props, metadata: metadataJson(this.metadata) }, sortKeys, false) as Json;
    const patched = self.patches.length ? JsonPatch.apply(json, ...self.patches) : json;
    const result: Json = {};
    for (const k of ['apiVersion', 'kind', 'metadata', ...Object.keys(patched)]) if (k in patched) result[k] = patched[k];
    return result;
  } catch (e) {
    throw new Error(`Failed serializing construct at path '${this.node.path}' with name '${this.name}': ${e}`);
  }
}

/** `ApiObjectMetadataDefinition.toJson`: empty arrays and objects are dropped here, at every level. */
function metadataJson(m: ApiObject['metadata']): unknown {
  const f = m as unknown as Json;
  return clean({
    ...f._additionalAttributes,
    name: f.name,
    namespace: f.namespace,
    annotations: f.annotations,
    finalizers: f.finalizers,
    ownerReferences: f.ownerReferences,
    labels: f.labels,
  }, true, true);
}

/**
 * cdk8s's `sanitizeValue(resolve(value))`. Resolution first (repeatedly, as cdk8s re-resolves a replaced
 * value): a Lazy is produced, an object with a `resolve()` method is resolved, a non-plain object with a
 * number or string `value` (IntOrString, Quantity) becomes `{ value }`. Then plain objects and arrays are
 * copied, keys sorted, null and undefined members dropped.
 */
function clean(value: unknown, sortKeys: boolean, dropEmpty: boolean): unknown {
  // Most values are strings, numbers and booleans, which no built-in resolver changes (none of them has a
  // `resolve` method or a `value`): returned without the resolvers' property lookups on a boxed primitive.
  const t = typeof value;
  if (t === 'string' || t === 'number' || t === 'boolean') return value;
  let v = value;
  for (;;) {
    if (v === null || v === undefined) return undefined;
    if (v instanceof Lazy) v = v.produce();
    else if (typeof (v as { resolve?: unknown }).resolve === 'function') v = (v as { resolve(): unknown }).resolve();
    else if ((v as object).constructor !== Object && isUnionValue((v as { value?: unknown }).value)) v = { value: (v as { value: unknown }).value };
    else break;
  }
  if (typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    if (dropEmpty && v.length === 0) return undefined;
    return v.map((x) => clean(x, sortKeys, dropEmpty));
  }
  const o = v as Json;
  // resolve() leaves other objects as they are, and sanitizeValue refuses them unless they are plain.
  const resolving = o.constructor === Object;
  if (!resolving && o.constructor.name !== 'Object') throw new Error(`can't render non-simple object of type '${o.constructor.name}'`);
  const out: Json = {};
  const keys = sortKeys ? Object.keys(o).sort() : Object.keys(o);
  let n = 0;
  for (const k of keys) {
    const x = resolving ? clean(o[k], sortKeys, dropEmpty) : sanitizeOnly(o[k], sortKeys, dropEmpty);
    if (x !== null && x !== undefined) { out[k] = x; n++; }
  }
  return dropEmpty && n === 0 ? undefined : out;
}

function isUnionValue(x: unknown): boolean {
  return typeof x === 'number' || typeof x === 'string';
}

/** cdk8s's `sanitizeValue` alone, for what `resolve` does not descend into. */
function sanitizeOnly(v: unknown, sortKeys: boolean, dropEmpty: boolean): unknown {
  if (v === null || v === undefined) return undefined;
  if (typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    if (dropEmpty && v.length === 0) return undefined;
    return v.map((x) => sanitizeOnly(x, sortKeys, dropEmpty));
  }
  const o = v as Json;
  if (o.constructor.name !== 'Object') throw new Error(`can't render non-simple object of type '${o.constructor.name}'`);
  const out: Json = {};
  let n = 0;
  for (const k of sortKeys ? Object.keys(o).sort() : Object.keys(o)) {
    const x = sanitizeOnly(o[k], sortKeys, dropEmpty);
    if (x !== null && x !== undefined) { out[k] = x; n++; }
  }
  return dropEmpty && n === 0 ? undefined : out;
}

