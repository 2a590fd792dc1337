/** A control-plane app on a fresh, migrated database of the fixture's PostgreSQL. */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { VoiceCatalogue, voicesDir } from '@cutline/render-job';
import { planTable } from '../../control-plane/src/plans.js';
import { createObjectStore } from '../../control-plane/src/storage/create-object-store.js';
import type { ObjectStore } from '../../control-plane/src/storage/object-store.js';
import { LocalLauncher } from '../../control-plane/src/launcher/local-launcher.js';
import { LauncherLease } from '../../control-plane/src/launcher/launcher-lease.js';
import { RenderLifecycle } from '../../control-plane/src/lifecycle/render-lifecycle.js';
import { RenderStatesRepository } from '../../control-plane/src/repositories/render-states-repository.js';
import { UsageRepository } from '../../control-plane/src/repositories/usage-repository.js';
import { Dispatcher } from '../../control-plane/src/services/dispatcher.js';
import { freePort } from '../fixture/ports.js';
import { InProcessBus } from '../../control-plane/src/events/in-process-bus.js';
import type { EventBus } from '../../control-plane/src/events/event-bus.js';
import type { Launcher } from '../../control-plane/src/launcher/launcher.js';
import { OutboxRelay } from '../../control-plane/src/events/outbox-relay.js';
import { createRegistry, renderMetrics } from '../../control-plane/src/http/metrics.js';
import { buildApp } from '../../control-plane/src/app.js';
import { loadConfig } from '../../control-plane/src/config.js';
import { createDatabase, type Database } from '../../control-plane/src/db/client.js';
import { CredentialChanges } from '../../control-plane/src/db/credential-changes.js';
import { migrate } from '../../control-plane/src/db/migrate.js';
import { MIGRATIONS_DIR } from '../../control-plane/tools/schema-diff.js';
import { freshDatabase } from '../fixture/helpers.js';
import { ensureCorpus } from '../render/corpus.js';

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
}

export async function startApp(
  postgresUrl: string,
  env: Record<string, string> = {},
  plans: Parameters<typeof planTable>[0] = {},
  options: StartOptions = {},
): Promise<TestApp> {
  const databaseUrl = await freshDatabase(postgresUrl, 'app');
  await migrate(databaseUrl, MIGRATIONS_DIR);
  const db = createDatabase(databaseUrl, 5);
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
    PORT: String(port),
    ...env,
  });
  const store = await createObjectStore(config);
  await store.ensureReady();
  const table = planTable(plans);
  const bus = options.bus ?? new InProcessBus();
  const registry = createRegistry();
  const relay = new OutboxRelay(db, bus, 100);
  const lease = options.workers ? await LauncherLease.acquire(databaseUrl, () => undefined) : undefined;
  const lifecycle = new RenderLifecycle(new RenderStatesRepository(db), new UsageRepository(db), table);
  const dispatcher = options.launcher
    ? new Dispatcher(lifecycle, options.launcher.launcher, {
        launcherId: options.launcher.launcherId,
        recoverOrphans: options.launcher.recoverOrphans,
        maxAttempts: 2,
        pollMs: 500,
        log: () => undefined,
        bus,
        metrics: renderMetrics(registry),
      })
    : lease
      ? new Dispatcher(lifecycle, new LocalLauncher(options.workers!, config.renderProcessEnv), {
          launcherId: lease.id,
          maxAttempts: 2,
          pollMs: 500,
          log: () => undefined,
          bus,
          metrics: renderMetrics(registry),
        })
      : undefined;
  const credentialChanges = options.credentialChanges ? await CredentialChanges.start(databaseUrl) : undefined;
  const app = await buildApp({
    config,
    db,
    store,
    bus,
    credentialChanges,
    registry,
    catalogue: VoiceCatalogue.standard(undefined, config.voicesDir),
    plans: table,
    billing: config.billing,
    uiDir: options.uiDir,
    ...(options.now ? { now: options.now } : {}),
    ...(dispatcher ? { dispatcher } : {}),
  });
  await app.ready();
  if (options.listen && !dispatcher) await app.listen({ host: '127.0.0.1', port });
  if (dispatcher) {
    await app.listen({ host: '127.0.0.1', port });
    relay.start();
    await dispatcher.start();
  }
  return {
    app,
    baseUrl: `http://127.0.0.1:${port}`,
    store,
    bus,
    lifecycle,
    plans: table,
    db,
    databaseUrl,
    close: async () => {
      await dispatcher?.stop();
      await lease?.release();
      await relay.stop();
      await app.close();
      await credentialChanges?.close();
      await db.$disconnect();
    },
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

export async function register(app: FastifyInstance, name = 'Ada'): Promise<Account> {
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
  return {
    accessToken: body.accessToken,
    refreshToken: body.refreshToken,
    userId: body.user.id,
    organizationId: body.organization.id,
    email,
  };
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
