#!/usr/bin/env bash
# A stand-in for kubectl in tests (no API server runs here). Records every call, one line of arguments per
# call, in $FAKE_KUBECTL_LOG; keeps Secrets created with `create --filename -` as files in $FAKE_KUBECTL_STATE
# (returned by `get secret`); fails any call whose arguments match the regex $FAKE_KUBECTL_FAIL.
set -u
printf '%s\n' "$*" >> "$FAKE_KUBECTL_LOG"
args=("$@")
if [ "${args[0]:-}" = "--context" ]; then args=("${args[@]:2}"); fi
if [ -n "${FAKE_KUBECTL_FAIL:-}" ] && printf '%s' "${args[*]}" | grep -Eq -- "$FAKE_KUBECTL_FAIL"; then
  echo "error: simulated failure of: ${args[*]}" >&2
  exit 1
fi
case "${args[0]:-}" in
  get)
    # get secret --namespace <ns> <name> --output json --ignore-not-found
    f="$FAKE_KUBECTL_STATE/${args[3]}_${args[4]}.json"
    if [ -f "$f" ]; then cat "$f"; fi
    exit 0 ;;
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
    echo '{"serverVersion":{"gitVersion":"v1.30.0"}}'
    exit 0 ;;
  *)
    exit 0 ;;
esac
