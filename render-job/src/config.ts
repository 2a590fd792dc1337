/**
 * The render-job's environment, parsed once by one schema (RenderJobEnv). No other file reads
 * process.env (DESIGN §8).
 * Credentials live here, not in the spec: in Kubernetes they come from the render's Secret.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Type, { type StaticDecode } from 'typebox';
import { EnvError, EnvDuration, EnvInteger, EnvString, EnvUrl, readEnv } from './env/env-schema.js';

export interface S3Config {
  endPoint: string;
  port: number;
  useSSL: boolean;
  accessKey: string;
  secretKey: string;
  region: string;
}

export interface RenderJobConfig {
  s3: S3Config | undefined;
  /** NATS server(s) for `--events nats://…` when the flag gives no host. */
  natsUrl: string | undefined;
  openaiApiKey: string | undefined;
  openaiBaseUrl: string | undefined;
  openaiModel: string;
  scratchDir: string;
  fontsDir: string | undefined;
  /** Parallel TTS processes. */
  ttsConcurrency: number;
  /** Bound on the smart fit's analysis pass. */
  reframeTimeoutMs: number;
  /** The face detector's networks (pnet/rnet/onet.onnx), when installed. */
  faceModelsDir: string;
  /** Added to every event (set by the operator: the control plane's streams filter on it). */
  eventOrganizationId: string | undefined;
  /** `--events http`: the control plane's URL and this render's event token. */
  events: { url: string | undefined; token: string | undefined };
}

export class ConfigError extends Error {}

export function parseS3Endpoint(url: string): Pick<S3Config, 'endPoint' | 'port' | 'useSSL'> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`CUTLINE_S3_ENDPOINT must be a URL like http://127.0.0.1:9000 (got "${url}")`);
  }
  const useSSL = parsed.protocol === 'https:';
  return { endPoint: parsed.hostname, port: Number(parsed.port || (useSSL ? 443 : 80)), useSSL };
}

/**
 * Where Piper voices are (one `.onnx` and `.onnx.json` per voice): CUTLINE_VOICES_DIR (one
 * directory or a `:` list, searched in order), else the voices `make tools` installs, else the
 * render image's.
 */
export function voicesDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CUTLINE_VOICES_DIR) return env.CUTLINE_VOICES_DIR;
  const tools = env.CUTLINE_TOOLS_DIR || (env.HOME ? join(env.HOME, '.cache', 'cutline-tools') : undefined);
  return tools ? join(tools, 'voices') : '/usr/share/cutline/voices';
}

/** Every variable cutline-render reads, with its form and default. */
/**
 * Where the smart fit's face detector is: CUTLINE_FACE_MODELS_DIR, else the tools cache that
 * `make tools` fills. Without the files there, reframing goes on without faces.
 */
export function faceModelsDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CUTLINE_FACE_MODELS_DIR) return env.CUTLINE_FACE_MODELS_DIR;
  const tools = env.CUTLINE_TOOLS_DIR || (env.HOME ? join(env.HOME, '.cache', 'cutline-tools') : undefined);
  return tools ? join(tools, 'models', 'mtcnn') : '/usr/share/cutline/models/mtcnn';
}

export const RenderJobEnv = Type.Object({
  CUTLINE_S3_ENDPOINT: Type.Optional(EnvUrl(['http', 'https'], { description: 'S3-compatible object store' })),
  CUTLINE_S3_ACCESS_KEY: Type.Optional(EnvString({ description: 'Object store access key' })),
  CUTLINE_S3_SECRET_KEY: Type.Optional(EnvString({ description: 'Object store secret key' })),
  CUTLINE_S3_REGION: EnvString({ description: 'Region', default: 'us-east-1' }),
  CUTLINE_TTS_CONCURRENCY: EnvInteger(1, 64, { description: 'Parallel TTS processes', default: 4 }),
  CUTLINE_NATS_URL: Type.Optional(EnvUrl(['nats', 'tls'], { description: 'NATS for --events nats' })),
  CUTLINE_EVENTS_URL: Type.Optional(EnvUrl(['http', 'https'], { description: '--events http: where to report' })),
  CUTLINE_EVENTS_TOKEN: Type.Optional(EnvString({ description: '--events http: this render’s token' })),
  CUTLINE_OPENAI_API_KEY: Type.Optional(EnvString({ description: 'OpenAI-compatible speech server key' })),
  CUTLINE_OPENAI_BASE_URL: Type.Optional(EnvUrl(['http', 'https'], { description: 'OpenAI-compatible speech server' })),
  CUTLINE_OPENAI_MODEL: EnvString({ description: 'Its model', default: 'tts-1' }),
  CUTLINE_SCRATCH_DIR: Type.Optional(EnvString({ description: 'Where a render works; default the temp dir' })),
  CUTLINE_FONTS_DIR: Type.Optional(EnvString({ description: 'Fonts for captions' })),
  CUTLINE_EVENT_ORGANIZATION_ID: Type.Optional(EnvString({ description: 'Added to every event' })),
  CUTLINE_FACE_MODELS_DIR: Type.Optional(
    EnvString({ description: 'The smart fit’s face detector (MTCNN .onnx files)' }),
  ),
  CUTLINE_REFRAME_TIMEOUT: EnvDuration(1_000, 3_600_000, {
    description: 'Longest the smart fit may analyse a video before it falls back to the centre crop',
    default: 120_000,
  }),
});

export function loadConfig(processEnv: NodeJS.ProcessEnv = process.env): RenderJobConfig {
  let env: StaticDecode<typeof RenderJobEnv>;
  try {
    env = readEnv(RenderJobEnv, processEnv);
  } catch (err) {
    if (err instanceof EnvError) throw new ConfigError(err.message);
    throw err;
  }
  let s3: S3Config | undefined;
  if (env.CUTLINE_S3_ENDPOINT) {
    const accessKey = env.CUTLINE_S3_ACCESS_KEY;
    const secretKey = env.CUTLINE_S3_SECRET_KEY;
    if (!accessKey || !secretKey)
      throw new ConfigError(
        'CUTLINE_S3_ENDPOINT is set, so CUTLINE_S3_ACCESS_KEY and CUTLINE_S3_SECRET_KEY must be set too.',
      );
    s3 = { ...parseS3Endpoint(env.CUTLINE_S3_ENDPOINT), accessKey, secretKey, region: env.CUTLINE_S3_REGION };
  }
  return {
    s3,
    natsUrl: env.CUTLINE_NATS_URL,
    events: { url: env.CUTLINE_EVENTS_URL, token: env.CUTLINE_EVENTS_TOKEN },
    openaiApiKey: env.CUTLINE_OPENAI_API_KEY,
    openaiBaseUrl: env.CUTLINE_OPENAI_BASE_URL,
    openaiModel: env.CUTLINE_OPENAI_MODEL,
    scratchDir: env.CUTLINE_SCRATCH_DIR ?? tmpdir(),
    fontsDir: env.CUTLINE_FONTS_DIR,
    ttsConcurrency: env.CUTLINE_TTS_CONCURRENCY,
    reframeTimeoutMs: env.CUTLINE_REFRAME_TIMEOUT,
    faceModelsDir: faceModelsDir(processEnv),
    eventOrganizationId: env.CUTLINE_EVENT_ORGANIZATION_ID,
  };
}
