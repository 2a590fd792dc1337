/** A control-plane app on a fresh, migrated database of the fixture's PostgreSQL. */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { voicesDir } from '@cutline/render-job';
import type { Database } from '../../control-plane/src/db/client.js';
import type { RenderLifecycle } from '../../control-plane/src/lifecycle/render-lifecycle.js';
import { createLogger } from '../../control-plane/src/logger.js';
import { createApiRuntime } from '../../control-plane/src/runtime.js';
import { planTable, type PlanOverrides } from '../../control-plane/src/plans.js';
import type { ObjectStore } from '../../control-plane/src/storage/object-store.js';
import { freePort } from '../fixture/ports.js';
import type { EventBus } from '../../control-plane/src/events/event-bus.js';
import type { Launcher } from '../../control-plane/src/launcher/launcher.js';
import { loadConfig } from '../../control-plane/src/config.js';
import { migrate } from '../../control-plane/src/db/migrate.js';
import { MIGRATIONS_DIR } from '../../control-plane/tools/schema-diff.js';
import { freshDatabase } from '../fixture/helpers.js';
import { ensureCorpus } from '../render/corpus.js';
import { LocalOutbox } from '../../control-plane/src/mail/mailer.js';
import { Mailpit, tokenIn } from '../fixture/mailpit.js';
import type { MailServer } from '../fixture/services.js';
import { waitFor } from '../fixture/ports.js';

/** Where a test app's mail can be read: its local outbox, or Mailpit when it sends by SMTP. */
export interface Mailbox {
  /** The token of the newest link to `path` mailed to `to` (waits for it). */
  token(to: string, path: string): Promise<string>;
}

const mailboxes = new WeakMap<FastifyInstance, Mailbox>();

export function mailboxOf(app: FastifyInstance): Mailbox {
  const mailbox = mailboxes.get(app);
  if (!mailbox) throw new Error('not a test app');
  return mailbox;
}

function outboxMailbox(outbox: LocalOutbox): Mailbox {
  return {
    async token(to, path) {
      let token: string | undefined;
      await waitFor(
        async () => {
          const mail = outbox.recent().find((m) => m.to === to && tokenIn(m.text, path));
          token = mail && tokenIn(mail.text, path);
          return token !== undefined;
        },
        `a ${path} link to ${to}`,
        10_000,
      );
      return token!;
    },
  };
}

function mailpitMailbox(mailpit: Mailpit): Mailbox {
  return {
    async token(to, path) {
      const mails = await mailpit.waitFor(to, (m) => tokenIn(m.text, path) !== undefined);
      return tokenIn(mails[mails.length - 1]!.text, path)!;
    },
  };
}

/** The scrape token every test app's /metrics asks for. */
export const METRICS_TOKEN = 'test-metrics-token-0123456789';

export interface TestApp {
  app: FastifyInstance;
  baseUrl: string;
  store: ObjectStore;
  bus: EventBus;
  lifecycle: RenderLifecycle;
  plans: ReturnType<typeof planTable>;
  db: Database;
  databaseUrl: string;
  close(): Promise<void>;
}

export interface StartOptions {
  /** Serve this directory as the admin UI. */
  uiDir?: string;
  /** Listen on a real port without running the dispatcher (for links the server reads itself). */
  listen?: boolean;
  /** Run the dispatcher with a local launcher of this many workers, and listen on a real port. */
  workers?: number;
  /** Run the dispatcher with this launcher instead (e.g. Kubernetes), and listen on a real port. */
  launcher?: { launcher: Launcher; launcherId: string; recoverOrphans: boolean };
  /** The event bus (default: in-process). */
  bus?: EventBus;
  /** The app's clock (plans, periods, expiry); default the real one. */
  now?: () => Date;
  /** Keep verified API keys between requests, as `serve` does (db/credential-changes.ts). */
  credentialChanges?: boolean;
  /** Send mail by SMTP to this server (Mailpit) instead of the local outbox. */
  mail?: MailServer;
}

export async function startApp(
  postgresUrl: string,
  env: Record<string, string> = {},
  plans: Parameters<typeof planTable>[0] = {},
  options: StartOptions = {},
): Promise<TestApp> {
  const databaseUrl = await freshDatabase(postgresUrl, 'app');
  await migrate(databaseUrl, MIGRATIONS_DIR);
  const dataDir = await mkdtemp(join(tmpdir(), 'cutline-cp-'));
  const dispatching = Boolean(options.workers ?? options.launcher);
  const port = dispatching || options.listen ? await freePort() : 8080;
  const config = loadConfig({
    PATH: process.env.PATH ?? '',
    LOG_LEVEL: 'silent',
    CUTLINE_JWT_SECRET: 'test-secret-that-is-long-enough-0123456789',
    CUTLINE_METRICS_TOKEN: METRICS_TOKEN,
    // The voices this machine has (make tools), for the API and its render workers alike.
    CUTLINE_VOICES_DIR: voicesDir(),
    CUTLINE_DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    PORT: String(port),
    CUTLINE_MAX_ATTEMPTS: '2',
    CUTLINE_API_KEY_CACHE: options.credentialChanges ? 'true' : 'false',
    ...(options.workers ? { CUTLINE_LOCAL_WORKERS: String(options.workers) } : {}),
    ...(options.uiDir ? { CUTLINE_UI_DIR: options.uiDir } : { CUTLINE_UI_DIR: join(dataDir, 'no-ui') }),
    ...(options.mail ? { CUTLINE_SMTP_URL: options.mail.smtpUrl } : {}),
    ...env,
  });
  // Straight into the config: tests take limits (a 5 s deadline) that CUTLINE_PLANS refuses.
  config.planOverrides = withTestApiAccess(plans);
  const runtime = await createApiRuntime(config, databaseUrl, {
    dispatch: options.launcher
      ? { kind: 'given', ...options.launcher }
      : options.workers
        ? { kind: 'local' }
        : { kind: 'none' },
    logger: createLogger('silent', 'test'),
    pollMs: 500,
    relayIntervalMs: 100,
    maxConnections: 5,
    ...(options.bus ? { bus: options.bus } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  if (dispatching || options.listen) await runtime.start();
  else await runtime.app.ready();
  mailboxes.set(
    runtime.app,
    runtime.mailer instanceof LocalOutbox
      ? outboxMailbox(runtime.mailer)
      : mailpitMailbox(new Mailpit(options.mail!.apiUrl)),
  );
  return {
    app: runtime.app,
    baseUrl: `http://127.0.0.1:${port}`,
    store: runtime.store,
    bus: runtime.bus,
    lifecycle: runtime.lifecycle,
    plans: runtime.plans,
    db: runtime.db,
    databaseUrl,
    close: () => runtime.close(),
  };
}

/**
 * The suite's apps let every plan use API keys unless a test says otherwise: most tests use a
 * key on the free plan to reach a route, not to test plans (workspace-access.test.ts tests the
 * default table, which keeps keys to the paid plans).
 */
function withTestApiAccess(plans: PlanOverrides = {}): PlanOverrides {
  return {
    ...plans,
    free: { apiAccess: true, ...plans.free },
    starter: { apiAccess: true, ...plans.starter },
  };
}

export interface Account {
  accessToken: string;
  refreshToken: string;
  userId: string;
  organizationId: string;
  email: string;
}

let counter = 0;

/**
 * Signs up a new account and, unless `verified` is false, proves its address through the
 * mailed link (as a person would), so paid actions and invitations are open to it.
 */
export async function register(
  app: FastifyInstance,
  name = 'Ada',
  { verified = true }: { verified?: boolean } = {},
): Promise<Account> {
  const email = `${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${Date.now()}-${counter++}@example.com`;
  const response = await app.inject({
    method: 'POST',
    url: '/v1/auth/register',
    payload: { email, password: 'correct horse battery', name },
  });
  if (response.statusCode !== 201) throw new Error(`register failed: ${response.statusCode} ${response.body}`);
  const body = response.json<{
    accessToken: string;
    refreshToken: string;
    user: { id: string };
    organization: { id: string };
  }>();
  if (verified) {
    const token = await mailboxOf(app).token(email, '/verify-email');
    const verify = await app.inject({ method: 'POST', url: '/v1/auth/verify-email', payload: { token } });
    if (verify.statusCode !== 200) throw new Error(`verification failed: ${verify.statusCode} ${verify.body}`);
  }
  return {
    accessToken: body.accessToken,
    refreshToken: body.refreshToken,
    userId: body.user.id,
    organizationId: body.organization.id,
    email,
  };
}

/**
 * Makes `member` a member of `owner`'s organization the only way there is: `owner` invites
 * the address, `member` accepts through the mailed link. Returns the member's access token
 * in that organization.
 */
export async function addMember(
  app: FastifyInstance,
  owner: Account,
  member: Account,
  role: 'member' | 'admin' | 'owner' = 'member',
): Promise<string> {
  const invited = await app.inject({
    method: 'POST',
    url: '/v1/invitations',
    headers: bearer(owner.accessToken),
    payload: { email: member.email, role },
  });
  if (invited.statusCode !== 201) throw new Error(`invite failed: ${invited.statusCode} ${invited.body}`);
  const token = await mailboxOf(app).token(member.email, '/accept-invitation');
  const accepted = await app.inject({
    method: 'POST',
    url: '/v1/invitations/accept',
    headers: bearer(member.accessToken),
    payload: { token },
  });
  if (accepted.statusCode !== 200) throw new Error(`accept failed: ${accepted.statusCode} ${accepted.body}`);
  const login = await app.inject({
    method: 'POST',
    url: '/v1/auth/login',
    payload: { email: member.email, password: 'correct horse battery', organizationId: owner.organizationId },
  });
  return login.json<{ accessToken: string }>().accessToken;
}

/** Uploads a video (default: the corpus's one-second clip) as the account; its asset id. */
export async function uploadVideo(app: FastifyInstance, accessToken: string, file?: string): Promise<string> {
  const path = file ?? (await ensureCorpus()).oneSecond;
  const response = await app.inject({
    method: 'POST',
    url: '/v1/assets?kind=video&filename=clip.mp4',
    headers: { ...bearer(accessToken), 'content-type': 'video/mp4' },
    payload: await readFile(path),
  });
  if (response.statusCode !== 201) throw new Error(`upload failed: ${response.statusCode} ${response.body}`);
  return response.json<{ id: string }>().id;
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

export function errorCode(response: LightMyRequestResponse): string | undefined {
  try {
    return response.json<{ error?: { code?: string } }>().error?.code;
  } catch {
    return undefined;
  }
}
