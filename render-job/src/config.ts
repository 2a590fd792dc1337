/**
 * The render-job's environment, parsed once. No other file reads process.env (DESIGN §8).
 * Credentials live here, not in the spec: in Kubernetes they come from the render's Secret.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
 * Where Piper voices are (one `.onnx` and `.onnx.json` per voice): CUTLINE_VOICES_DIR, else the
 * voices `make tools` installs, else the render image's.
 */
export function voicesDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CUTLINE_VOICES_DIR) return env.CUTLINE_VOICES_DIR;
  const tools = env.CUTLINE_TOOLS_DIR || (env.HOME ? join(env.HOME, '.cache', 'cutline-tools') : undefined);
  return tools ? join(tools, 'voices') : '/usr/share/cutline/voices';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): RenderJobConfig {
  const endpoint = env.CUTLINE_S3_ENDPOINT;
  let s3: S3Config | undefined;
  if (endpoint) {
    const accessKey = env.CUTLINE_S3_ACCESS_KEY;
    const secretKey = env.CUTLINE_S3_SECRET_KEY;
    if (!accessKey || !secretKey)
      throw new ConfigError(
        'CUTLINE_S3_ENDPOINT is set, so CUTLINE_S3_ACCESS_KEY and CUTLINE_S3_SECRET_KEY must be set too.',
      );
    s3 = { ...parseS3Endpoint(endpoint), accessKey, secretKey, region: env.CUTLINE_S3_REGION ?? 'us-east-1' };
  }
  const concurrency = Number(env.CUTLINE_TTS_CONCURRENCY ?? 4);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    throw new ConfigError(
      `CUTLINE_TTS_CONCURRENCY must be an integer from 1 to 64 (got "${env.CUTLINE_TTS_CONCURRENCY}")`,
    );
  }
  return {
    s3,
    natsUrl: env.CUTLINE_NATS_URL,
    events: { url: env.CUTLINE_EVENTS_URL || undefined, token: env.CUTLINE_EVENTS_TOKEN || undefined },
    openaiApiKey: env.CUTLINE_OPENAI_API_KEY,
    openaiBaseUrl: env.CUTLINE_OPENAI_BASE_URL,
    openaiModel: env.CUTLINE_OPENAI_MODEL ?? 'tts-1',
    scratchDir: env.CUTLINE_SCRATCH_DIR ?? tmpdir(),
    fontsDir: env.CUTLINE_FONTS_DIR,
    ttsConcurrency: concurrency,
    eventOrganizationId: env.CUTLINE_EVENT_ORGANIZATION_ID || undefined,
  };
}
