/**
 * The scripts of Weaviate's setup Job and backup CronJob, and the class definitions the setup Job POSTs. They run in
 * the Weaviate image itself (Alpine: busybox sh, wget, grep, date; see WEAVIATE_CONTRACTS in
 * charts/lib/image-contracts.ts), so the platform pins no second image for them. Only wget options that busybox's
 * and GNU's wget share are used (-q -O --header --post-data --post-file; time limits from `timeout`, since
 * busybox's -T is a build option), and only HTTP 2xx counts as success (both exit non-zero otherwise).
 * test/weaviate.scripts.test.ts runs both against a stand-in of the REST API.
 */
import type { WeaviateClass } from './config';

/** The class of a `class-<Name>.json` file of the setup ConfigMap. */
export const CLASS_FILE = (name: string) => `class-${name}.json`;

/**
 * The body of `POST /v1/schema` for one class (weaviate/weaviate openapi-specs/schema.json, definitions.Class,
 * v1.38.11): vectors come from the clients (`vectorizer: none`), indexed by HNSW with cosine distance (OpenAI's
 * embeddings are normalised, the distance OpenAI recommends for them), `factor` copies of every shard. Properties
 * are left to the clients (auto-schema adds them on first import); spec 000 §3.2 names the classes only.
 */
export function classDefinition(c: WeaviateClass, replicationFactor: number): Record<string, unknown> {
  return {
    class: c.name,
    description: `${c.description} Vectors: ${c.vectorDimensions} dimensions from ${c.embeddingModel}, supplied by the clients.`,
    vectorizer: 'none',
    vectorIndexType: 'hnsw',
    vectorIndexConfig: { distance: 'cosine' },
    replicationConfig: { factor: replicationFactor },
  };
}

/**
 * Creates every class of `$CONF/class-*.json` that Weaviate does not list yet; an existing class is left exactly as
 * it is (its vector index and replication settings cannot change in place: a changed definition needs a new class
 * and a re-import). Presence is read from `GET /v1/schema` (`"class":"<Name>"` in the answer),
 * so no HTTP status other than success has to be told apart. A POST that fails because another run created the
 * class meanwhile is fine: the class is looked up again.
 */
export const SETUP_SH = `#!/bin/sh
set -eu
conf="\${CONF:-/setup}"
auth="Authorization: Bearer \${WEAVIATE_API_KEY}"
attempts="\${READY_ATTEMPTS:-120}"

# Ready means the node has joined Raft and loaded the schema (/v1/.well-known/ready answers 503 until then).
i=0
until timeout 5 wget -q -O /dev/null "\${WEAVIATE_URL}/v1/.well-known/ready"; do
  i=$((i + 1))
  if [ "$i" -ge "$attempts" ]; then echo "weaviate at \${WEAVIATE_URL} is not ready" >&2; exit 1; fi
  sleep "\${READY_INTERVAL:-5}"
done

has_class() {
  schema=$(timeout 30 wget -q -O - --header "$auth" "\${WEAVIATE_URL}/v1/schema")
  printf '%s' "$schema" | grep -Eq "\\"class\\": ?\\"$1\\""
}

created=0
for file in "$conf"/class-*.json; do
  [ -e "$file" ] || continue
  name="\${file##*/class-}"
  name="\${name%.json}"
  if has_class "$name"; then echo "class $name: exists, left as it is"; continue; fi
  if ! timeout 60 wget -q -O /dev/null --header "$auth" --header 'Content-Type: application/json' --post-file "$file" "\${WEAVIATE_URL}/v1/schema"; then
    if has_class "$name"; then echo "class $name: created meanwhile by another run"; continue; fi
    echo "class $name: could not be created" >&2
    exit 1
  fi
  created=$((created + 1))
  echo "class $name: created"
done
echo "schema: $created classes created"
`;

/**
 * Starts one backup of every class through the backup-s3 module (`POST /v1/backups/s3`) and waits for its end
 * (`GET /v1/backups/s3/<id>`; statuses from openapi-specs/schema.json BackupCreateStatusResponse, v1.38.11). The
 * id is the UTC time (only lower-case letters, digits, "_" and "-" are allowed). Exits non-zero on FAILED or
 * CANCELED, which fails the Job and the backup alert.
 */
export const BACKUP_SH = `#!/bin/sh
set -eu
auth="Authorization: Bearer \${WEAVIATE_API_KEY}"
id="scheduled-$(date -u +%Y%m%d-%H%M%S)"
timeout 60 wget -q -O /dev/null --header "$auth" --header 'Content-Type: application/json' \\
  --post-data "{\\"id\\":\\"$id\\"}" "\${WEAVIATE_URL}/v1/backups/s3"
echo "backup $id: started"
while :; do
  status=$(timeout 30 wget -q -O - --header "$auth" "\${WEAVIATE_URL}/v1/backups/s3/$id")
  case "$status" in
    *'"status":"SUCCESS"'*) echo "backup $id: SUCCESS"; exit 0 ;;
    *'"status":"FAILED"'*|*'"status":"CANCELED"'*) echo "backup $id: $status" >&2; exit 1 ;;
  esac
  sleep "\${POLL_INTERVAL:-15}"
done
`;
