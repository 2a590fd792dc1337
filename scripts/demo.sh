#!/usr/bin/env bash
# make demo: renders VIDEO (or a generated sample clip) narrated with TEXT into OUT/ — through
# the running service when `make dev` answers at $CUTLINE_API, else with the engine directly.
set -euo pipefail
video=$1 text=$2 formats=$3 out=$4
api=${CUTLINE_API:-http://127.0.0.1:8080}
if [ -z "$video" ]; then
  mkdir -p "$out"
  video="$out/sample-source.mp4"
  if [ ! -s "$video" ]; then
    echo "No VIDEO given: generating a sample clip at $video"
    ffmpeg -v error -y -f lavfi -i "testsrc2=s=1920x1080:r=30:d=6" -f lavfi -i "sine=f=330:d=6" \
      -c:v libx264 -preset veryfast -pix_fmt yuv420p -c:a aac -shortest "$video"
  fi
fi
if node -e 'fetch(process.argv[1] + "/readyz", { signal: AbortSignal.timeout(2000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "$api"; then
  exec node scripts/demo-client.mjs "$api" "$video" "$text" "$formats" "$out"
fi
echo "(make dev is not running at $api: rendering with the engine directly)"
node render-job/bin/cutline-render.js --video "$video" --text "$text" --formats "$formats" --out "$out"
echo "Done: $(ls "$out"/video-*.mp4 | tr '\n' ' ')"
