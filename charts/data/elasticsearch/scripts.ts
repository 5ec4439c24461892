/**
 * Shell scripts of the Elasticsearch pods and of the setup Job. Kept as plain text so that the tests run
 * shellcheck and `bash -n` on exactly what is rendered. They run in the Elasticsearch image (bash and curl).
 */

/** The file in path.data that records the cluster a node has joined (written by post-start.sh). */
export const BOOTSTRAP_MARKER = 'bootstrapped-cluster-uuid';

/**
 * Init container: a writable config directory holding the image's defaults, our settings and the keystore.
 * `cluster.initial_master_nodes` is added only for the first bootstrap: while the node's data path holds no
 * record of a formed cluster (BOOTSTRAP_MARKER). Elasticsearch warns that leaving it set risks a second
 * bootstrap (a new, empty cluster) when a master restarts without its peers.
 */
export const PREPARE_CONFIG = `#!/bin/bash
# Builds the config directory the node runs with (an emptyDir, so the root filesystem stays read-only):
# the image's defaults, this role's elasticsearch.yml, and a keystore with the elastic user's bootstrap
# password and MinIO's credentials for the snapshot repository (secure settings live only in the keystore).
# The keystore tool loads elasticsearch.yml and resolves its \${VAR} placeholders (elastic/cloud-on-k8s#5577):
# this container has the same POD_NAME and POD_IP as the node.
set -euo pipefail

home="\${ES_HOME:-/usr/share/elasticsearch}"
target="\${CONFIG_TARGET:-/mnt/config}"
settings="\${SETTINGS_DIR:-/mnt/settings}"
minio="\${MINIO_DIR:-/mnt/minio}"
data="\${DATA_DIR:-/mnt/data}"
keystore="$home/bin/elasticsearch-keystore"

# -R, not -a: ownership of the image files (1000:0) cannot and need not be preserved by a non-root user.
cp -R "$home/config/." "$target/"
cp "$settings/elasticsearch.yml" "$target/elasticsearch.yml"
rm -f "$target/elasticsearch.keystore"

# INITIAL_MASTER_NODES is set for the master nodes of a multi-node cluster only.
if [ -n "\${INITIAL_MASTER_NODES:-}" ]; then
  if [ -s "$data/${BOOTSTRAP_MARKER}" ]; then
    echo "this node has joined cluster $(cat "$data/${BOOTSTRAP_MARKER}"): no cluster.initial_master_nodes"
  else
    echo "no formed cluster recorded in the data path: cluster.initial_master_nodes for the first bootstrap"
    printf '\\ncluster.initial_master_nodes: [%s]\\n' "\${INITIAL_MASTER_NODES//,/, }" >> "$target/elasticsearch.yml"
  fi
fi

export ES_PATH_CONF="$target"
"$keystore" create
printf '%s' "$ELASTIC_PASSWORD" | "$keystore" add --stdin --force bootstrap.password
"$keystore" add --stdin --force s3.client.default.access_key <"$minio/accessKey"
"$keystore" add --stdin --force s3.client.default.secret_key <"$minio/secretKey"
echo "config prepared for $POD_NAME"
`;

/**
 * preStop: a node that holds shards registers a node shutdown of type "restart" so that the master does not
 * start copying its replicas elsewhere while it is away (allocation_delay), and waits until Elasticsearch
 * reports the shutdown safe (status COMPLETE). Every node then waits a little so that Services stop routing to
 * it before it closes its ports. Never fails: a stuck hook must not block the pod's termination.
 */
export const PRE_STOP = `#!/bin/bash
set -uo pipefail

es() {
  curl --silent --show-error --fail --max-time 10 \\
    --cacert /usr/share/elasticsearch/config/certs/http/ca.crt \\
    -u "elastic:\${ELASTIC_PASSWORD}" -H 'Content-Type: application/json' "$@"
}
url=https://localhost:9200

if [ "\${NODE_HOLDS_DATA:-false}" = true ]; then
  node_id=$(es "$url/_nodes/_local?filter_path=nodes.*.name" | sed -n 's/.*"nodes":{"\\([^"]*\\)".*/\\1/p')
  if [ -n "$node_id" ]; then
    body="{\\"type\\":\\"restart\\",\\"reason\\":\\"pod \${POD_NAME} terminating\\",\\"allocation_delay\\":\\"10m\\"}"
    if es -X PUT "$url/_nodes/$node_id/shutdown" -d "$body" >/dev/null; then
      deadline=$((SECONDS + \${DRAIN_TIMEOUT_SECONDS:-120}))
      while [ "$SECONDS" -lt "$deadline" ]; do
        if es "$url/_nodes/$node_id/shutdown" | grep -q '"status":"COMPLETE"'; then
          echo "node $node_id ready to stop"
          break
        fi
        sleep 5
      done
    fi
  fi
fi
sleep 10
exit 0
`;

/**
 * postStart: waits until the node answers as a member of a formed cluster, then
 *  - records that cluster's UUID in path.data (BOOTSTRAP_MARKER), so that the next start omits
 *    cluster.initial_master_nodes;
 *  - on a node that holds shards, removes the shutdown record a preStop registered for it, retrying until it is
 *    gone: while it exists Elasticsearch keeps the node's readiness port closed and stops allocating to it, so a
 *    record left behind would stall the rolling restart. A DELETE fails while there is no elected master.
 */
export const POST_START = `#!/bin/bash
set -uo pipefail

es() {
  curl --silent --show-error --fail --max-time 10 \\
    --cacert /usr/share/elasticsearch/config/certs/http/ca.crt \\
    -u "elastic:\${ELASTIC_PASSWORD}" "$@"
}
url=https://localhost:9200
data="\${DATA_DIR:-/usr/share/elasticsearch/data}"
pause="\${RETRY_SECONDS:-5}"

uuid=
until [ -n "$uuid" ] && [ "$uuid" != _na_ ]; do
  [ -z "$uuid" ] || sleep "$pause"
  uuid=$(es "$url/?filter_path=cluster_uuid" 2>/dev/null | sed -n 's/.*"cluster_uuid":"\\([^"]*\\)".*/\\1/p')
  uuid="\${uuid:-_na_}"
done
printf '%s\\n' "$uuid" > "$data/${BOOTSTRAP_MARKER}"
echo "node is in cluster $uuid"

[ "\${NODE_HOLDS_DATA:-false}" = true ] || exit 0
node_id=
while [ -z "$node_id" ]; do
  node_id=$(es "$url/_nodes/_local?filter_path=nodes.*.name" 2>/dev/null | sed -n 's/.*"nodes":{"\\([^"]*\\)".*/\\1/p')
  [ -n "$node_id" ] || sleep "$pause"
done
while :; do
  if records=$(es "$url/_nodes/$node_id/shutdown" 2>/dev/null); then
    if ! printf '%s' "$records" | grep -q "\\"node_id\\":\\"$node_id\\""; then
      echo "no shutdown record for node $node_id"
      exit 0
    fi
    es -X DELETE "$url/_nodes/$node_id/shutdown" >/dev/null 2>&1 || echo "shutdown record of $node_id not removed yet; retrying"
  fi
  sleep "$pause"
done
`;

/**
 * The start of a setup Job's script that calls Elasticsearch's API (this store's, and the logging add-on's in
 * charts/logging/setup.ts): strict mode, the mounted definitions in $conf, `es` (curl as the elastic user,
 * verifying the internal CA), and a wait of up to 10 minutes for the cluster to be at least yellow. `between` goes
 * before the wait.
 */
export function esSetupScript(between = ''): string {
  return `#!/bin/bash
set -euo pipefail

conf=/setup
url="$ES_URL"

es() {
  curl --silent --show-error --fail --max-time 60 --cacert /certs/ca.crt \\
    -u "elastic:\${ELASTIC_PASSWORD}" -H 'Content-Type: application/json' "$@"
}

${between}tries=0
until es "$url/_cluster/health?wait_for_status=yellow&timeout=10s" >/dev/null; do
  tries=$((tries + 1))
  if [ "$tries" -ge 60 ]; then
    echo "Elasticsearch did not become available within 10 minutes" >&2
    exit 1
  fi
  sleep 10
done
`;
}

/**
 * The setup Job: every call PUTs a complete definition, so a second run changes nothing. Waits for the cluster,
 * then creates the exporter's role and user, the applications' role and user, the snapshot repository on MinIO, the snapshot lifecycle policy,
 * and the log index lifecycle policy with its index template.
 */
export const SETUP = `${esSetupScript(`# JSON string escaping for a password (backslash and double quote).
json_escape() {
  printf '%s' "$1" | sed 's/\\\\/\\\\\\\\/g; s/"/\\\\"/g'
}

`)}
es -X PUT "$url/_security/role/prometheus_exporter" --data-binary "@$conf/exporter-role.json" >/dev/null
password=$(json_escape "$EXPORTER_PASSWORD")
printf '{"password":"%s","roles":["prometheus_exporter"],"full_name":"Prometheus exporter"}' "$password" \\
  | es -X PUT "$url/_security/user/$EXPORTER_USERNAME" --data-binary @- >/dev/null
echo "exporter user ready"

es -X PUT "$url/_security/role/$APP_ROLE" --data-binary "@$conf/app-role.json" >/dev/null
password=$(json_escape "$APP_PASSWORD")
printf '{"password":"%s","roles":["%s"],"full_name":"%s"}' "$password" "$APP_ROLE" "$(json_escape "$APP_FULL_NAME")" \\
  | es -X PUT "$url/_security/user/$APP_USERNAME" --data-binary @- >/dev/null
echo "application user ready"

es -X PUT "$url/_snapshot/$REPOSITORY" --data-binary "@$conf/snapshot-repository.json" >/dev/null
echo "snapshot repository $REPOSITORY ready (verified by every master and data node)"
es -X PUT "$url/_slm/policy/$SLM_POLICY" --data-binary "@$conf/slm-policy.json" >/dev/null
echo "snapshot policy $SLM_POLICY ready"

es -X PUT "$url/_ilm/policy/$ILM_POLICY" --data-binary "@$conf/ilm-policy.json" >/dev/null
es -X PUT "$url/_index_template/$INDEX_TEMPLATE" --data-binary "@$conf/index-template.json" >/dev/null
echo "index lifecycle $ILM_POLICY and template $INDEX_TEMPLATE ready"
`;
