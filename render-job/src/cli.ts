/**
 * cutline-render: render a video from a spec file or from plain flags.
 *
 *   cutline-render --video in.mp4 --text "Hello" --out out/ --formats 9:16,1:1,16:9
 *   cutline-render --spec spec.json --events nats://127.0.0.1:4222
 *
 * Exit codes: 0 ok, 2 bad input (never retry), 1 transient failure (retry), 130/143 on signals.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Writable } from 'node:stream';
import { listCaptionStyles } from './captions/styles.js';
import { ConfigError, loadConfig } from './config.js';
import { EXIT_BAD_INPUT, EXIT_OK, RenderError } from './errors.js';
import type { EventSink } from './events/events.js';
import { MultiSink } from './events/events.js';
import { JsonLinesSink } from './events/json-lines-sink.js';
import { LabelledSink } from './events/labelled-sink.js';
import { writeTerminationLog } from './termination-log.js';
import { HttpEventSink } from './events/http-sink.js';
import { NatsSink } from './events/nats-sink.js';
import { TtyProgressSink } from './events/tty-sink.js';
import { createS3Client } from './io/object-store.js';
import { runRender } from './render.js';
import { ASPECTS, CAPTION_STYLES, parseRenderSpec, type Aspect, type RenderSpec } from './spec.js';
import { AUTO_VOICE, VoiceCatalogue } from './tts/catalogue.js';
import { parseImageSpec, type ImageSpec } from './image/image-spec.js';
import { runImageJob } from './image/image-job.js';

export interface CliIo {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

const USAGE = `Usage:
  cutline-render --video <file|url|s3://…> (--text "…" | --text-file <file>) --out <dir|s3://…> [options]
  cutline-render --spec <spec.json> [--events …]     (a render, or an image job: "kind": "image")
  cutline-render --list-voices [--json] | --list-styles

Options:
  --formats 9:16,1:1,16:9   aspect ratios to render (default 9:16)
  --voice <id>              auto (the default: a voice of the script's language, neural where
                            installed), or a voice id: piper:en_US-joe-medium, espeak:fr, flite:slt, …
  --rate <0.5-2>            speaking rate (default 1)
  --pitch <0-100>           pitch (default 50)
  --style <name>            caption style: ${CAPTION_STYLES.join(', ')} (default karaoke)
  --no-captions             render without captions
  --position bottom|middle|top
  --words-per-line <n>      caption words per line (default 5)
  --fit smart|crop|letterbox|blur
                            how the source fills each format (default smart: a crop
                            that follows the subject)
  --extend loop|freeze      when the video is shorter than the narration (default loop)
  --logo <file>             logo image; --logo-position top-right|top-left|bottom-right|bottom-left|center
  --music <file>            music bed, ducked under the voice
  --drop-audio              drop the source video's own sound (default: keep it, ducked)
  --max-resolution <px>     cap on the short side: 480, 720, 1080, 1440, 2160 (default 1080)
  --watermark <text>        burn a watermark text
  --preset <x264 preset>    superfast … medium (default veryfast)
  --id <render id>          names events and the manifest
  --events stdout|http|nats://host:port|none
                            (http: to CUTLINE_EVENTS_URL with CUTLINE_EVENTS_TOKEN)
                            progress: a bar on a terminal, JSON lines otherwise
  --termination-log <file>  write the outcome there as JSON (Kubernetes: /dev/termination-log)
  -h, --help, --version
`;

const OPTIONS = {
  spec: { type: 'string' },
  video: { type: 'string' },
  text: { type: 'string' },
  'text-file': { type: 'string' },
  out: { type: 'string' },
  formats: { type: 'string' },
  voice: { type: 'string' },
  rate: { type: 'string' },
  pitch: { type: 'string' },
  style: { type: 'string' },
  'no-captions': { type: 'boolean' },
  position: { type: 'string' },
  'words-per-line': { type: 'string' },
  fit: { type: 'string' },
  extend: { type: 'string' },
  logo: { type: 'string' },
  'logo-position': { type: 'string' },
  music: { type: 'string' },
  'drop-audio': { type: 'boolean' },
  'max-resolution': { type: 'string' },
  watermark: { type: 'string' },
  preset: { type: 'string' },
  id: { type: 'string' },
  events: { type: 'string' },
  'termination-log': { type: 'string' },
  'list-voices': { type: 'boolean' },
  'list-styles': { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;

type CliValues = ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values'];
type CliConfig = ReturnType<typeof loadConfig>;

export async function main(argv: string[], io: CliIo): Promise<number> {
  let values: CliValues;
  try {
    ({ values } = parseArgs({ args: argv, strict: true, allowPositionals: false, options: OPTIONS }));
  } catch (err) {
    io.stderr.write(`cutline-render: ${(err as Error).message}\n\n${USAGE}`);
    return EXIT_BAD_INPUT;
  }
  if (values.help) {
    io.stdout.write(USAGE);
    return EXIT_OK;
  }
  if (values.version) {
    io.stdout.write('cutline-render 0.1.0\n');
    return EXIT_OK;
  }
  let config: CliConfig;
  try {
    config = loadConfig(io.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    await writeTerminationLog(values['termination-log'], { code: 'CUTLINE_INVALID_CONFIG', message: err.message });
    io.stderr.write(`cutline-render: ${err.message}\n`);
    return EXIT_BAD_INPUT;
  }
  if (values['list-voices'] || values['list-styles']) return list(values, config, io);
  const spec = await specOrExit(values, io);
  if (typeof spec === 'number') return spec;
  if ('kind' in spec) return imagesAndReport(spec, values, config, io);
  return renderAndReport(spec, values, config, io);
}

function catalogueFor(config: CliConfig, openai?: { baseUrl: string; model: string }): VoiceCatalogue {
  // A spec from the control plane may carry an OpenAI-compatible server of its own.
  const server =
    openai ?? (config.openaiBaseUrl ? { baseUrl: config.openaiBaseUrl, model: config.openaiModel } : undefined);
  return VoiceCatalogue.standard(
    server ? { ...server, ...(config.openaiApiKey ? { apiKey: config.openaiApiKey } : {}) } : undefined,
  );
}

/** --list-voices [--json] and --list-styles. */
async function list(values: CliValues, config: CliConfig, io: CliIo): Promise<number> {
  if (values['list-voices']) {
    const voices = await catalogueFor(config).list();
    if (values.json) io.stdout.write(`${JSON.stringify(voices, null, 2)}\n`);
    else
      for (const v of voices)
        io.stdout.write(`${v.id.padEnd(40)} ${v.language.padEnd(10)} ${v.gender.padEnd(8)} ${v.label}\n`);
    return EXIT_OK;
  }
  for (const s of listCaptionStyles()) io.stdout.write(`${s.id.padEnd(14)} ${s.description}\n`);
  return EXIT_OK;
}

/** The spec from --spec or the flags, or the exit code after saying what is wrong with it. */
async function specOrExit(values: CliValues, io: CliIo): Promise<RenderSpec | ImageSpec | number> {
  try {
    const raw = await specFromArgs(values);
    // An image job's spec says so; every other spec is a render's.
    if (raw && typeof raw === 'object' && (raw as { kind?: unknown }).kind === 'image') return parseImageSpec(raw);
    return parseRenderSpec(raw);
  } catch (err) {
    if (!(err instanceof RenderError)) throw err;
    await writeTerminationLog(values['termination-log'], { code: err.code, message: err.message });
    io.stderr.write(`cutline-render: ${err.message} [${err.code}]\n`);
    for (const e of (err.details?.errors as Array<{ path: string; message: string }> | undefined) ?? []) {
      io.stderr.write(`  ${e.path}: ${e.message}\n`);
    }
    return err.exitCode;
  }
}

async function openEvents(values: CliValues, config: CliConfig, io: CliIo): Promise<EventSink | undefined> {
  try {
    const events = await eventSink(values.events, io, config.natsUrl, config.events);
    return config.eventOrganizationId
      ? new LabelledSink(events, { organizationId: config.eventOrganizationId })
      : events;
  } catch (err) {
    io.stderr.write(`cutline-render: cannot open the event sink: ${(err as Error).message}\n`);
    return undefined;
  }
}

/** Reports a failed job's outcome the same way for renders and image jobs. */
function failureExit(error: RenderError, values: CliValues, io: CliIo): number {
  if (!io.stderr.isTTY || values.events !== undefined)
    io.stderr.write(`cutline-render: ${error.message} [${error.code}]\n`);
  if (error.code === 'CUTLINE_CANCELED') return 143;
  return error.exitCode;
}

async function imagesAndReport(spec: ImageSpec, values: CliValues, config: CliConfig, io: CliIo): Promise<number> {
  const events = await openEvents(values, config, io);
  if (!events) return 1;
  const outcome = await runImageJob(spec, {
    events,
    scratchDir: config.scratchDir,
    faceModelsDir: config.faceModelsDir,
    s3: config.s3 ? createS3Client(config.s3) : undefined,
    ...(io.signal ? { signal: io.signal } : {}),
  });
  await events.close();
  await writeTerminationLog(
    values['termination-log'],
    outcome.ok ? { ok: true } : { code: outcome.error.code, message: outcome.error.message },
  );
  if (!outcome.ok) return failureExit(outcome.error, values, io);
  if (values.events === undefined && io.stdout.isTTY)
    for (const image of outcome.manifest.images)
      io.stdout.write(`  ${image.name.padEnd(40)} ${image.width}x${image.height}  ${image.uri}\n`);
  return EXIT_OK;
}

async function renderAndReport(spec: RenderSpec, values: CliValues, config: CliConfig, io: CliIo): Promise<number> {
  const events = await openEvents(values, config, io);
  if (!events) return 1;
  const outcome = await runRender(spec, {
    catalogue: spec.voice.openai ? catalogueFor(config, spec.voice.openai) : catalogueFor(config),
    events,
    scratchDir: config.scratchDir,
    s3: config.s3 ? createS3Client(config.s3) : undefined,
    fontsDir: config.fontsDir,
    ttsConcurrency: config.ttsConcurrency,
    reframeTimeoutMs: config.reframeTimeoutMs,
    faceModelsDir: config.faceModelsDir,
    ...(io.signal ? { signal: io.signal } : {}),
  });
  await events.close();
  await writeTerminationLog(
    values['termination-log'],
    outcome.ok ? { ok: true } : { code: outcome.error.code, message: outcome.error.message },
  );
  if (outcome.ok) {
    if (values.events === undefined && io.stdout.isTTY) {
      for (const v of outcome.manifest.videos)
        io.stdout.write(`  ${v.aspect.padEnd(5)} ${v.width}x${v.height}  ${v.uri}\n`);
    }
    return EXIT_OK;
  }
  return failureExit(outcome.error, values, io);
}

type ArgValues = Record<string, string | boolean | undefined>;

async function specFromArgs(values: ArgValues): Promise<unknown> {
  const str = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
  const numberFlag = (k: string): number | undefined => {
    const v = str(k);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new RenderError('CUTLINE_INVALID_SPEC', `--${k} must be a number (got "${v}").`);
    return n;
  };
  const specPath = str('spec');
  if (specPath) {
    let raw: string;
    try {
      raw = await readFile(specPath, 'utf8');
    } catch {
      throw new RenderError('CUTLINE_INVALID_SPEC', `Cannot read the spec file ${specPath}.`);
    }
    try {
      return JSON.parse(raw) as unknown;
    } catch (err) {
      throw new RenderError('CUTLINE_INVALID_SPEC', `The spec file is not valid JSON: ${(err as Error).message}`);
    }
  }
  const video = str('video');
  const out = str('out');
  const textFile = str('text-file');
  let text = str('text');
  if (!video) throw new RenderError('CUTLINE_INVALID_SPEC', 'Give a video with --video (or a spec with --spec).');
  if (!out) throw new RenderError('CUTLINE_INVALID_SPEC', 'Give an output directory with --out.');
  if (text === undefined && textFile) {
    try {
      text = await readFile(textFile, 'utf8');
    } catch {
      throw new RenderError('CUTLINE_INVALID_SPEC', `Cannot read the script file ${textFile}.`);
    }
  }
  if (text === undefined) throw new RenderError('CUTLINE_INVALID_SPEC', 'Give the script with --text or --text-file.');
  const voice = str('voice');
  const formats = str('formats')
    ?.split(',')
    .map((f) => f.trim()) as Aspect[] | undefined;
  for (const f of formats ?? []) {
    if (!(ASPECTS as readonly string[]).includes(f))
      throw new RenderError('CUTLINE_INVALID_SPEC', `Unknown format "${f}"; use ${ASPECTS.join(', ')}.`);
  }
  const localPath = (p: string) => (/^[a-z][a-z0-9+.-]*:\/\//i.test(p) ? p : resolve(p));
  const spec: Record<string, unknown> = {
    version: 1,
    video: { source: localPath(video), ...(str('extend') ? { extend: str('extend') } : {}) },
    script: { text },
    voice: {
      id: voice ? (voice === AUTO_VOICE || voice.includes(':') ? voice : `espeak:${voice}`) : AUTO_VOICE,
      ...(numberFlag('rate') !== undefined ? { rate: numberFlag('rate') } : {}),
      ...(numberFlag('pitch') !== undefined ? { pitch: numberFlag('pitch') } : {}),
    },
    captions: {
      enabled: !values['no-captions'],
      ...(str('style') ? { style: str('style') } : {}),
      ...(str('position') ? { position: str('position') } : {}),
      ...(numberFlag('words-per-line') !== undefined ? { maxWordsPerLine: numberFlag('words-per-line') } : {}),
    },
    ...(formats ? { formats } : {}),
    ...(str('fit') ? { fit: str('fit') } : {}),
    ...(numberFlag('max-resolution') !== undefined ? { maxResolution: numberFlag('max-resolution') } : {}),
    ...(str('logo')
      ? {
          logo: {
            source: localPath(str('logo')!),
            ...(str('logo-position') ? { position: str('logo-position') } : {}),
          },
        }
      : {}),
    audio: {
      original: values['drop-audio'] ? 'drop' : 'duck',
      ...(str('music') ? { music: { source: localPath(str('music')!) } } : {}),
    },
    ...(str('watermark') ? { watermark: { text: str('watermark') } } : {}),
    ...(str('preset') ? { encoding: { preset: str('preset') } } : {}),
    ...(str('id') ? { id: str('id') } : {}),
    output: { destination: localPath(out) },
  };
  return spec;
}

async function eventSink(
  flag: string | undefined,
  io: CliIo,
  defaultNats: string | undefined,
  events: { url: string | undefined; token: string | undefined },
): Promise<EventSink> {
  const sinks: EventSink[] = [];
  if (flag === undefined) {
    sinks.push(io.stderr.isTTY ? new TtyProgressSink(io.stderr) : new JsonLinesSink(io.stdout));
  } else if (flag === 'stdout') {
    sinks.push(new JsonLinesSink(io.stdout));
  } else if (flag === 'http') {
    if (!events.url || !events.token)
      throw new Error('--events http needs CUTLINE_EVENTS_URL and CUTLINE_EVENTS_TOKEN');
    sinks.push(new HttpEventSink(events.url, events.token));
  } else if (flag.startsWith('nats://') || flag === 'nats') {
    sinks.push(await NatsSink.connect(flag === 'nats' ? (defaultNats ?? 'nats://127.0.0.1:4222') : flag));
    if (io.stderr.isTTY) sinks.push(new TtyProgressSink(io.stderr));
  } else if (flag !== 'none') {
    throw new Error(`unknown --events target "${flag}" (use stdout, http, nats://host:port or none)`);
  }
  return new MultiSink(sinks);
}
