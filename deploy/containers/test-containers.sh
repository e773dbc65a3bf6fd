#!/usr/bin/env bash
# `make test-containers`: the database-backed tests against PostgreSQL in containers that
# testcontainers starts, on images built here from Debian's packages (no image registry needed).
#
#   1. a Docker engine: the one that answers, else `dockerd` started in the background (as root),
#      installing Debian's docker.io first where it is missing;
#   2. images, each built once and then cached by Docker:
#        petitionflow/debian-base:bookworm  debootstrap --variant=minbase, with the mirror that
#                                           apt on this machine is configured with, imported;
#        petitionflow/postgres:local        Debian's postgresql on that base;
#   3. the tests marked `postgres` (see tests/conftest.py), with PETITIONFLOW_TEST_CONTAINERS=1 and
#      PETITIONFLOW_TEST_POSTGRES_IMAGE=petitionflow/postgres:local, `docker ps` shown as
#      containers come and go;
#   4. the project's Dockerfile built as petitionflow:containers-check, on local stand-ins for
#      python:3.11-slim and node:20-slim where those tags are not already present (an image of
#      that tag pulled from a registry is used as it is, never replaced).
#
# Settings (environment): PYTEST_ARGS (extra pytest arguments, default "-n 2 --dist loadfile"),
# SKIP_APP_IMAGE=1 (leave out step 4), PETITIONFLOW_CONTAINERS_CACHE (work folder, default
# /var/tmp/petitionflow-containers; the debootstrap root is made there and removed once imported).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE="$ROOT/deploy/containers"
CACHE=${PETITIONFLOW_CONTAINERS_CACHE:-/var/tmp/petitionflow-containers}
SUITE=bookworm
BASE_IMAGE=petitionflow/debian-base:$SUITE
PG_IMAGE=petitionflow/postgres:local
APP_IMAGE=petitionflow:containers-check
STANDIN_LABEL=org.petitionflow.local-standin
PYTEST_ARGS=${PYTEST_ARGS:--n 2 --dist loadfile}
START=$(date +%s)

log() { printf '[test-containers %3ss] %s\n' "$(($(date +%s) - START))" "$*"; }
die() { log "error: $*"; exit 1; }
as_root() { [ "$(id -u)" -eq 0 ] || die "$1 needs root (run as root, or start a Docker engine first)"; }

apt_install() {
    as_root "installing $*"
    log "installing Debian packages: $*"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# --- 1. a Docker engine ----------------------------------------------------------------------
engine_answers() { timeout 10 docker info >/dev/null 2>&1; }

ensure_engine() {
    if command -v docker >/dev/null && engine_answers; then
        log "Docker engine answers: $(docker version --format 'server {{.Server.Version}}')"
        return
    fi
    command -v dockerd >/dev/null || apt_install docker.io
    as_root "starting dockerd"
    mkdir -p "$CACHE"
    log "starting dockerd in the background (log: $CACHE/dockerd.log)"
    nohup dockerd >"$CACHE/dockerd.log" 2>&1 &
    echo $! >"$CACHE/dockerd.pid"
    for _ in $(seq 1 60); do
        engine_answers && break
        kill -0 "$(cat "$CACHE/dockerd.pid")" 2>/dev/null || { tail -n 20 "$CACHE/dockerd.log"; die "dockerd exited"; }
        sleep 1
    done
    engine_answers || { tail -n 20 "$CACHE/dockerd.log"; die "dockerd did not answer within 60 s"; }
    log "dockerd (pid $(cat "$CACHE/dockerd.pid")) answers: $(docker version --format 'server {{.Server.Version}}')"
}

# --- 2. images ------------------------------------------------------------------------------
have_image() { docker image inspect "$1" >/dev/null 2>&1; }

# The Debian mirror apt is configured with: the first URI that serves $SUITE itself (not -security
# or -updates), from deb822 .sources files or one-line .list files. Never written down here.
apt_mirror() {
    local f
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        awk -v suite="$SUITE" '
            function flush() { if (uris != "" && (" " suites " ") ~ (" " suite " ")) { split(uris, u, " "); print u[1]; found = 1; exit } uris = ""; suites = "" }
            /^[[:space:]]*$/ { flush(); next }
            tolower($1) == "uris:" { $1 = ""; uris = $0 }
            tolower($1) == "suites:" { $1 = ""; suites = $0 }
            END { if (!found) flush() }' "$f"
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        sed -e 's/\[[^]]*\]//' "$f" | awk -v suite="$SUITE" '$1 == "deb" && $3 == suite { print $2 }'
    done
}

build_base() {
    if have_image "$BASE_IMAGE"; then
        log "base image $BASE_IMAGE: cached ($(docker image inspect -f '{{.Id}}' "$BASE_IMAGE" | cut -c8-19))"
        return
    fi
    as_root "debootstrap"
    command -v debootstrap >/dev/null || apt_install debootstrap
    local mirror rootfs
    mirror=$(apt_mirror | head -n 1)
    [ -n "$mirror" ] || die "no Debian $SUITE mirror in apt's sources"
    rootfs="$CACHE/rootfs-$SUITE"
    rm -rf "$rootfs"
    mkdir -p "$CACHE"
    log "debootstrap --variant=minbase $SUITE from apt's mirror $mirror"
    debootstrap --variant=minbase "$SUITE" "$rootfs" "$mirror" >"$CACHE/debootstrap.log" 2>&1 \
        || { tail -n 20 "$CACHE/debootstrap.log"; die "debootstrap failed"; }
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    log "root file system: $(du -sh "$rootfs" | cut -f1); importing it as $BASE_IMAGE"
    tar -C "$rootfs" -c . | docker import \
        -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        -c 'CMD ["bash"]' - "$BASE_IMAGE" >/dev/null
    rm -rf "$rootfs"
}

# docker build with the context in $1, tagged $2; Docker's layer cache makes a rebuild quick.
build() {
    local context=$1 tag=$2 t0=$SECONDS
    docker build -q --build-arg "BASE=$BASE_IMAGE" -t "$tag" "$context" >"$CACHE/build.log" 2>&1 \
        || { tail -n 30 "$CACHE/build.log"; die "docker build of $tag failed"; }
    log "image $tag: $(docker image inspect -f '{{.Id}}' "$tag" | cut -c8-19), $(docker image inspect -f '{{.Size}}' "$tag" | awk '{printf "%d MB", $1 / 1e6}'), $((SECONDS - t0)) s"
}

# A build context in $CACHE holding the Dockerfile folder $1 and the host's locally added CAs.
context_for() {
    local ctx="$CACHE/context-$1"
    rm -rf "$ctx" && mkdir -p "$ctx/local-ca"
    cp -r "$HERE/$1/." "$ctx/"
    touch "$ctx/local-ca/.keep"
    cp /usr/local/share/ca-certificates/*.crt "$ctx/local-ca/" 2>/dev/null || true
    echo "$ctx"
}

# --- 3. the tests ---------------------------------------------------------------------------
watch_containers() {  # prints `docker ps` of testcontainers' containers whenever the set changes
    local last="" now
    while sleep 1; do
        now=$(docker ps --filter label=org.testcontainers=true --format '{{.ID}}' 2>/dev/null || true)
        if [ "$now" != "$last" ]; then
            log "docker ps (testcontainers' containers):"
            if [ -n "$now" ]; then
                docker ps --filter label=org.testcontainers=true \
                    --format '{{.ID}}  {{.Image}}  {{.Status}}  {{.Ports}}' | sed 's/^/    /'
            else
                echo "    (none running)"
            fi
            last=$now
        fi
    done
}

run_tests() {
    local venv="$ROOT/.venv/bin"
    [ -x "$venv/pytest" ] || die "no .venv: run \`make test\` or \`make .venv/.installed\` first"
    log "running the tests marked postgres against $PG_IMAGE (pytest $PYTEST_ARGS)"
    local events="$CACHE/pg_server.log"
    : >"$events"
    watch_containers &
    local watcher=$! status=0 t0=$SECONDS
    tail -n +1 -f "$events" &  # the fixture's own lines: container id, image, address
    local tailer=$!
    (
        cd "$ROOT"
        unset PETITIONFLOW_TEST_DATABASE_URL
        # Ryuk, testcontainers' reaper, is an image from a registry; the fixture stops its own
        # containers at the end of the session instead.
        PETITIONFLOW_TEST_CONTAINERS=1 PETITIONFLOW_TEST_POSTGRES_IMAGE="$PG_IMAGE" \
            PETITIONFLOW_TEST_CONTAINERS_LOG="$events" TESTCONTAINERS_RYUK_DISABLED=true \
            "$venv/pytest" -q --tb=short -m postgres $PYTEST_ARGS
    ) || status=$?
    sleep 2
    kill "$watcher" "$tailer" 2>/dev/null || true
    wait "$watcher" "$tailer" 2>/dev/null || true
    log "tests finished in $((SECONDS - t0)) s with exit status $status"
    return "$status"
}

# --- 4. the application image ---------------------------------------------------------------
standin() {  # $1 tag, $2 Dockerfile folder; builds a stand-in unless a real image has the tag
    local tag=$1 kind=$2 label
    if have_image "$tag"; then
        label=$(docker image inspect -f "{{index .Config.Labels \"$STANDIN_LABEL\"}}" "$tag")
        if [ -z "$label" ]; then
            log "base $tag: present (not ours), used as it is"
        else
            log "base $tag: our stand-in, cached ($(docker image inspect -f '{{.Id}}' "$tag" | cut -c8-19); \`docker rmi $tag\` rebuilds it)"
        fi
        return
    fi
    local ctx
    ctx=$(context_for "$kind")
    if [ "$kind" = node ]; then
        command -v npm >/dev/null || die "the node:20-slim stand-in needs the host's npm"
        local arch
        case $(uname -m) in x86_64) arch=x64 ;; aarch64) arch=arm64 ;; *) arch=$(uname -m) ;; esac
        (cd "$ctx" && npm pack --silent "node-linux-$arch@20" >/dev/null && npm pack --silent npm@10 >/dev/null \
            && mv node-linux-*.tgz node.tgz && mv npm-*.tgz npm.tgz) || die "npm pack of node 20 failed"
    fi
    build "$ctx" "$tag"
}

build_app_image() {
    standin python:3.11-slim python
    standin node:20-slim node
    log "docker build of the project's Dockerfile as $APP_IMAGE"
    local t0=$SECONDS
    docker build -t "$APP_IMAGE" "$ROOT" >"$CACHE/app-build.log" 2>&1 \
        || { tail -n 40 "$CACHE/app-build.log"; die "docker build of the application image failed"; }
    log "image $APP_IMAGE: $(docker image inspect -f '{{.Id}}' "$APP_IMAGE" | cut -c8-19), $((SECONDS - t0)) s (log: $CACHE/app-build.log)"
    log "docker run --rm $APP_IMAGE --help:"
    docker run --rm "$APP_IMAGE" --help | head -n 5 | sed 's/^/    /'
}

main() {
    mkdir -p "$CACHE"
    ensure_engine
    build_base
    build "$(context_for postgres)" "$PG_IMAGE"
    local status=0
    run_tests || status=$?
    if [ "${SKIP_APP_IMAGE:-0}" != 1 ]; then
        build_app_image
    fi
    log "done in $(($(date +%s) - START)) s"
    return "$status"
}

main "$@"
