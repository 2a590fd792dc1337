#!/usr/bin/env bash
# make demo: renders VIDEO (or a generated sample clip) narrated with TEXT into OUT/.
set -euo pipefail
video=$1 text=$2 formats=$3 out=$4
if [ -z "$video" ]; then
  mkdir -p "$out"
  video="$out/sample-source.mp4"
  if [ ! -s "$video" ]; then
    echo "No VIDEO given: generating a sample clip at $video"
    ffmpeg -v error -y -f lavfi -i "testsrc2=s=1920x1080:r=30:d=6" -f lavfi -i "sine=f=330:d=6" \
      -c:v libx264 -preset veryfast -pix_fmt yuv420p -c:a aac -shortest "$video"
  fi
fi
node render-job/bin/cutline-render.js --video "$video" --text "$text" --formats "$formats" --out "$out"
echo "Done: $(ls "$out"/video-*.mp4 | tr '\n' ' ')"
