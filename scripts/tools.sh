#!/usr/bin/env bash
# Installs what the tests and renders need that npm cannot give: Debian packages (ffmpeg, TTS
# engines, fonts) and real servers built from the Go module proxy (NATS, MinIO) into a cache
# outside the repository. Idempotent: anything already present is skipped.
set -euo pipefail

TOOLS_DIR="${CUTLINE_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/cutline-tools}"
BIN_DIR="$TOOLS_DIR/bin"
mkdir -p "$BIN_DIR"

DEBIAN_PACKAGES=(
  ffmpeg espeak-ng flite festival festvox-us-slt-hts
  fontconfig fonts-noto-core fonts-noto-cjk fonts-dejavu-core fonts-symbola
)

NATS_VERSION=v2.14.5
# MinIO's RELEASE.* tags are not semver, so the module proxy serves the source by pseudo-version.
MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c

log() { printf '\033[1mtools:\033[0m %s\n' "$*"; }

install_debian_packages() {
  local missing=()
  for pkg in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    log "Debian packages present"
    return
  fi
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      echo "tools: missing Debian packages: ${missing[*]} (run as root or install them)" >&2
      exit 1
    fi
  fi
  log "installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# go_build NAME MODULE@VERSION: builds once per version; the stamp file records the version.
go_build() {
  local name=$1 module=$2 version=$3
  local stamp="$BIN_DIR/.$name.version"
  if [ -x "$BIN_DIR/$name" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$version" ]; then
    log "$name $version present"
    return
  fi
  command -v go >/dev/null 2>&1 || { echo "tools: Go is needed to build $name" >&2; exit 1; }
  log "building $name $version (first time only)"
  GOPROXY=https://proxy.golang.org GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-trimpath \
    GOBIN="$BIN_DIR" go install "$module@$version"
  echo "$version" > "$stamp"
}

# `tools.sh media` installs only what rendering needs; `tools.sh` (or `all`) adds the servers
# the tests run.
case "${1:-all}" in
  media)
    install_debian_packages
    ;;
  all)
    install_debian_packages
    go_build nats-server github.com/nats-io/nats-server/v2 "$NATS_VERSION"
    go_build minio github.com/minio/minio "$MINIO_VERSION"
    log "ready in $BIN_DIR"
    ;;
  *)
    echo "usage: $0 [media|all]" >&2
    exit 2
    ;;
esac
