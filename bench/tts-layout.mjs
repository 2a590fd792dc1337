// Speech synthesis + caption layout for ~60 s of narration, in a fresh Node process running the
// built package (no TypeScript loader in memory), so its peak RSS is the engine's own. A voice
// that plans ahead is run as a render runs it: the timeline first, then every clip's audio.
// Prints one JSON line: { seconds, narrationSeconds, segments, planned, maxRssMb }.
// Arguments: the script, then optionally a voice id (default espeak:en-us) and a WAV file to
// write the narration to.
import { performance } from 'node:perf_hooks';
import { buildAss } from '../render-job/dist/captions/ass.js';
import { buildSrt, buildVtt, buildWordTimings } from '../render-job/dist/captions/sidecars.js';
import { segmentScript } from '../render-job/dist/text/segment.js';
import { normaliseScript } from '../render-job/dist/text/script.js';
import { VoiceCatalogue } from '../render-job/dist/tts/catalogue.js';
import { narrate, planNarration, plannedWav } from '../render-job/dist/tts/narration.js';
import { normaliseLoudness } from '../render-job/dist/tts/loudness.js';
import { encodeWav } from '../render-job/dist/tts/pcm.js';
import { outputSize } from '../render-job/dist/spec.js';

import { writeFileSync } from 'node:fs';

const [script, voiceId = 'espeak:en-us', wavPath] = process.argv.slice(2);
const started = performance.now();
const text = normaliseScript(script, 50_000);
const { voice, engine } = await VoiceCatalogue.standard().resolve(voiceId);
const segments = segmentScript(text, { locale: voice.language, maxWordsPerLine: 5, maxLines: 2 });
const options = { engine, voice, rate: 1, pitch: 50, concurrency: 4 };
const planned = await planNarration(segments, options);
const narration = planned ?? (await narrate(segments, options));
const chunks = [];
if (planned) for await (const chunk of plannedWav(planned, -14)) chunks.push(chunk);
const wav = planned ? Buffer.concat(chunks) : encodeWav(normaliseLoudness(narration.pcm, -14).pcm);
if (wavPath) writeFileSync(wavPath, wav);
let bytes = wav.length;
for (const aspect of ['9:16', '1:1', '16:9']) {
  const { width, height } = outputSize(aspect, 1080);
  bytes += buildAss(narration.segments, {
    style: 'karaoke',
    width,
    height,
    aspect,
    position: 'bottom',
    scale: 1,
    duration: narration.duration,
    enabled: true,
  }).length;
}
bytes +=
  buildSrt(narration.segments, narration.duration).length + buildVtt(narration.segments, narration.duration).length;
bytes += JSON.stringify(buildWordTimings(narration.segments, narration.duration)).length;
const seconds = (performance.now() - started) / 1000;
console.log(
  JSON.stringify({
    seconds,
    narrationSeconds: narration.duration,
    segments: segments.length,
    planned: Boolean(planned),
    bytes,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  }),
);
