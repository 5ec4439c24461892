#!/usr/bin/env bash
# A stand-in for kubectl, and for helm when installed under that name, in tests (no API server runs here).
# Records every call, one line of arguments per call (helm's prefixed with "helm "), in $FAKE_KUBECTL_LOG;
# keeps Secrets created with `create --filename -` as files in $FAKE_KUBECTL_STATE (returned by `get secret`;
# a context with its own folder $FAKE_KUBECTL_STATE.<context> is another cluster);
# answers the installer's read-only questions (config view, version, nodes, storage class, Argo CD) from the
# recorded bare cluster $FAKE_CLUSTER (test/support/fake-kubectl-clusters/<flavour>.json); fails any call whose
# arguments match the regex $FAKE_KUBECTL_FAIL. It proves the order and the arguments of the calls, not what a
# real API server would do with them.
set -u
tool=kubectl
if [ "$(basename "$0")" = helm ]; then tool=helm; fi
if [ "$tool" = helm ]; then printf 'helm %s\n' "$*" >> "$FAKE_KUBECTL_LOG"; else printf '%s\n' "$*" >> "$FAKE_KUBECTL_LOG"; fi
args=("$@")
if [ "${args[0]:-}" = "--context" ] || [ "${args[0]:-}" = "--kube-context" ]; then
  # Another cluster's Secrets (a standby's source) live in $FAKE_KUBECTL_STATE.<context> where that exists.
  if [ -d "$FAKE_KUBECTL_STATE.${args[1]}" ]; then FAKE_KUBECTL_STATE="$FAKE_KUBECTL_STATE.${args[1]}"; fi
  args=("${args[@]:2}")
fi
shown="${args[*]}"
if [ "$tool" = helm ]; then shown="helm $shown"; fi
if [ -n "${FAKE_KUBECTL_FAIL:-}" ] && printf '%s' "$shown" | grep -Eq -- "$FAKE_KUBECTL_FAIL"; then
  echo "error: simulated failure of: ${args[*]}" >&2
  exit 1
fi
# A field of the recorded cluster, as JSON.
cluster() {
  node -e 'const c=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));const v=c[process.argv[2]];process.stdout.write(typeof v==="string"?v:JSON.stringify(v))' "${FAKE_CLUSTER:?FAKE_CLUSTER names the recorded cluster}" "$1"
}
# Whether a name is in a list field of the recorded cluster.
listed() {
  node -e 'const c=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));process.exit((c[process.argv[2]]||[]).includes(process.argv[3])?0:1)' "${FAKE_CLUSTER:?}" "$1" "$2"
}
if [ "$tool" = helm ]; then
  case "${args[0]:-}" in
    version) echo 'v3.16.2+g13654a5'; exit 0 ;;
    *) exit 0 ;;
  esac
fi
case "${args[0]:-}" in
  get)
    case "${args[1]:-}" in
      secret)
        # get secret --namespace <ns> <name> --output json|name --ignore-not-found
        f="$FAKE_KUBECTL_STATE/${args[3]}_${args[4]}.json"
        if [ -f "$f" ]; then
          if [ "${args[6]:-}" = name ]; then echo "secret/${args[4]}"; else cat "$f"; fi
        fi
        exit 0 ;;
      nodes) cluster nodes; exit 0 ;;
      storageclass) if listed storageClasses "${args[2]}"; then echo "storageclass.storage.k8s.io/${args[2]}"; fi; exit 0 ;;
      deployment) if listed deployments "${args[3]}/${args[4]}"; then echo "deployment.apps/${args[4]}"; fi; exit 0 ;;
      *) exit 0 ;;
    esac ;;
  config) cluster configView; exit 0 ;;
  create)
    input=$(cat)
    # shellcheck disable=SC2016 # the template literal is JavaScript's, not the shell's
    id=$(printf '%s' "$input" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const m=JSON.parse(s).metadata;console.log(`${m.namespace}_${m.name}`)})')
    f="$FAKE_KUBECTL_STATE/$id.json"
    if [ -e "$f" ]; then echo "Error from server (AlreadyExists): secrets \"${id#*_}\" already exists" >&2; exit 1; fi
    printf '%s' "$input" > "$f"
    echo "secret/${id#*_}"
    exit 0 ;;
  version)
    if [ -n "${FAKE_CLUSTER:-}" ]; then cluster version; else echo '{"serverVersion":{"gitVersion":"v1.30.0"}}'; fi
    exit 0 ;;
  *)
    exit 0 ;;
esac
