/**
 * The composition root: what each role runs, built from its config in one place and handed
 * back with its parts to close, in order, within a deadline. main.ts runs the roles with it;
 * the tests build the same runtime with a few parts of their own (bus, launcher, clock).
 */
import { VoiceCatalogue } from '@cutline/render-job';
import type { FastifyInstance } from 'fastify';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp } from './app.js';
import { OverageReporter } from './workers/overage-reporter.js';
import type { ControlPlaneConfig } from './config.js';
import { createDatabase, type Database } from './db/client.js';
import { CredentialChanges } from './db/credential-changes.js';
import type { EventBus } from './events/event-bus.js';
import { InProcessBus } from './events/in-process-bus.js';
import { NatsBus } from './events/nats-bus.js';
import { OutboxRelay } from './workers/outbox-relay.js';
import { createMailer, LocalOutbox, type Mailer } from './mail/mailer.js';
import { MailTemplates } from './mail/templates.js';
import { MailRepository } from './repositories/mail-repository.js';
import { NotificationsRepository } from './repositories/notifications-repository.js';
import { WebhooksRepository } from './repositories/webhooks-repository.js';
import { AccountsRepository } from './repositories/accounts-repository.js';
import { MailSender } from './workers/mail-sender.js';
import { Notifier } from './workers/notifier.js';
import { WebhookDeliverer } from './workers/webhook-deliverer.js';
import { createRegistry, renderMetrics } from './http/metrics.js';
import { LauncherLease } from './launcher/launcher-lease.js';
import { KUBERNETES_LAUNCHER_ID, type Launcher } from './launcher/launcher.js';
import { LocalLauncher } from './launcher/local-launcher.js';
import { renderStoreEnvironment } from './launcher/render-credentials.js';
import { RenderLifecycle } from './lifecycle/render-lifecycle.js';
import { logAt, type Logger } from './logger.js';
import { planTable, type PlanTable } from './plans.js';
import { RenderStatesRepository } from './repositories/render-states-repository.js';
import { UsageRepository } from './repositories/usage-repository.js';
import { OutboxRepository } from './repositories/outbox-repository.js';
import { OutputsRepository } from './repositories/outputs-repository.js';
import { OverageRepository } from './repositories/overage-repository.js';
import { RetentionRepository } from './repositories/retention-repository.js';
import { createObjectStore } from './storage/create-object-store.js';
import type { ObjectStore } from './storage/object-store.js';
import { startTracing } from './tracing/tracing.js';
import { recordClusterProgress } from './workers/cluster-progress.js';
import { ClusterRenderRecords } from './workers/cluster-render-records.js';
import { Dispatcher } from './workers/dispatcher.js';
import { Sweeper } from './workers/sweeper.js';

/** The admin UI built by `make build` (and copied so in the image). */
const BUNDLED_UI_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../admin-ui/dist');
/** The embedded default sweeps in-process this often. */
const SWEEP_EVERY_MS = 10 * 60_000;

/** Parts to close, last started first; past the deadline the rest are left (and named in the log). */
export class Closeables {
  private readonly parts: Array<{ name: string; close: () => unknown }> = [];

  add(name: string, close: () => unknown): void {
    this.parts.push({ name, close });
  }

  async close(deadlineMs: number, log: Logger): Promise<void> {
    const pending = this.parts.splice(0).reverse();
    const all = (async () => {
      for (const part of [...pending]) {
        try {
          await part.close();
        } catch (err) {
          log.warn({ part: part.name, error: String(err) }, 'closing failed');
        }
        pending.shift();
      }
    })();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), deadlineMs)));
    if ((await Promise.race([all, late])) === 'late')
      log.error(
        { parts: pending.map((p) => p.name), deadlineMs },
        'shutdown deadline passed; not waiting for the rest',
      );
    clearTimeout(timer);
  }
}

export function renderLifecycle(db: Database, plans: PlanTable): RenderLifecycle {
  return new RenderLifecycle(new RenderStatesRepository(db), new UsageRepository(db), plans);
}

async function connectBus(config: ControlPlaneConfig, closeables: Closeables): Promise<EventBus> {
  const bus = config.natsUrl ? await NatsBus.connect(config.natsUrl) : new InProcessBus();
  closeables.add('event bus', () => bus.close());
  return bus;
}

function openDatabase(databaseUrl: string, closeables: Closeables, maxConnections?: number): Database {
  const db = createDatabase(databaseUrl, maxConnections);
  closeables.add('database', () => db.$disconnect());
  return db;
}

/** Where the API's dispatcher hands renders: none, local workers (the embedded default), or given (tests). */
export type Dispatch =
  | { kind: 'none' }
  | { kind: 'local' }
  | { kind: 'given'; launcher: Launcher; launcherId: string; recoverOrphans: boolean };

export interface ApiRuntimeOptions {
  dispatch: Dispatch;
  logger: Logger;
  /** Sweep retention in-process (the embedded default; clusters run `sweep` from a CronJob). */
  sweep?: boolean;
  bus?: EventBus;
  now?: () => Date;
  /** How often the dispatcher looks for queued renders when nothing wakes it. */
  pollMs?: number;
  relayIntervalMs?: number;
  /** How often the notifier, mail sender and webhook deliverer look for work when nothing wakes them. */
  notifyIntervalMs?: number;
  maxConnections?: number;
}

export interface ApiRuntime {
  app: FastifyInstance;
  db: Database;
  store: ObjectStore;
  bus: EventBus;
  lifecycle: RenderLifecycle;
  plans: PlanTable;
  dispatcher: Dispatcher | undefined;
  /** Where mail goes: SMTP, or the local outbox (CUTLINE_SMTP_URL unset). */
  mailer: Mailer;
  /** Listens, then starts the background work; returns the address. */
  start(): Promise<string>;
  close(): Promise<void>;
}

/** `serve` and `all`: the API, the outbox relay and, where renders start here, the dispatcher. */
export async function createApiRuntime(
  config: ControlPlaneConfig,
  databaseUrl: string,
  options: ApiRuntimeOptions,
): Promise<ApiRuntime> {
  const { logger } = options;
  const closeables = new Closeables();
  const tracing = await startTracing(config.tracing);
  closeables.add('tracing', () => tracing.shutdown());
  const db = openDatabase(databaseUrl, closeables, options.maxConnections);
  const store = await createObjectStore(config);
  await store.ensureReady();
  const plans = planTable(config.planOverrides);
  await store.configureExpiry(Object.values(plans).map((plan) => plan.retentionDays));
  const bus = options.bus ?? (await connectBus(config, closeables));
  const credentialChanges = config.auth.apiKeyCache
    ? await CredentialChanges.start(databaseUrl, { log: (message) => logger.warn(message) })
    : undefined;
  if (credentialChanges) closeables.add('credential changes', () => credentialChanges.close());
  const relay = new OutboxRelay(new OutboxRepository(db), bus, options.relayIntervalMs ?? 200, (err) =>
    logger.warn({ error: String(err) }, 'outbox relay failed; trying again'),
  );
  const registry = createRegistry();
  const lifecycle = renderLifecycle(db, plans);
  const dispatcher = await createDispatcher(config, databaseUrl, options, { lifecycle, bus, registry, closeables });
  const notifications = notificationWorkers(config, db, logger, options.notifyIntervalMs ?? config.mail.pollMs);
  const app = await buildApp({
    config,
    logger,
    mailer: notifications.mailer,
    wakeWebhooks: () => notifications.deliverer.kick(),
    db,
    store,
    bus,
    registry,
    catalogue: VoiceCatalogue.standard(undefined, config.voicesDir),
    plans,
    billing: config.billing,
    launcher: config.launcher,
    uiDir: config.http.uiDir ?? BUNDLED_UI_DIR,
    credentialChanges,
    ...(options.now ? { now: options.now } : {}),
    ...(dispatcher ? { dispatcher } : {}),
  });
  closeables.add('http server', () => app.close());
  closeables.add('outbox relay', () => relay.stop());
  // Renders beyond the quota on plans with overage go to Stripe as metered usage.
  const overage =
    config.billing.kind === 'stripe'
      ? new OverageReporter(
          new OverageRepository(db),
          new (await import('./billing/stripe-gateway.js')).StripeGateway(config.billing),
          {
            log: logAt(logger, 'warn'),
          },
        )
      : undefined;
  const sweeper = options.sweep
    ? new Sweeper(new RetentionRepository(db), new OutputsRepository(db), store, lifecycle, logAt(logger, 'info'), {
        sweepOrphans: config.sweepOrphans,
      })
    : undefined;
  return {
    app,
    db,
    store,
    bus,
    lifecycle,
    plans,
    dispatcher,
    mailer: notifications.mailer,
    start: async () => {
      const address = await app.listen({ host: config.http.host, port: config.http.port });
      relay.start();
      const granted = await new AccountsRepository(db).grantVerifiedOperators(config.platformAdmins);
      if (granted > 0) logger.info({ granted }, 'CUTLINE_PLATFORM_ADMINS: verified accounts made operators');
      notifications.start();
      closeables.add('notifications', () => notifications.stop());
      if (notifications.mailer instanceof LocalOutbox)
        logger.info(`no CUTLINE_SMTP_URL: mail is logged and kept at ${config.http.publicUrl}/dev/mail`);
      if (overage) {
        overage.start();
        closeables.add('overage reporter', () => overage.stop());
      }
      if (dispatcher) {
        await dispatcher.start();
        closeables.add('dispatcher', () => dispatcher.stop());
      }
      if (sweeper) {
        const timer = setInterval(
          () => void sweeper.sweep().catch((err: unknown) => logger.warn({ error: String(err) }, 'sweep failed')),
          SWEEP_EVERY_MS,
        );
        closeables.add('sweeps', () => clearInterval(timer));
      }
      return address;
    },
    close: () => closeables.close(config.http.shutdownGraceMs + 5_000, logger),
  };
}

/**
 * What tells people and endpoints about work: the notifier (events → mail and deliveries),
 * the mail sender and the webhook deliverer. Every API replica runs them; rows are claimed
 * with SKIP LOCKED, so they share the work.
 */
function notificationWorkers(config: ControlPlaneConfig, db: Database, logger: Logger, intervalMs: number) {
  const mailer = createMailer(config.mail, logger);
  const templates = new MailTemplates(config.http.publicUrl);
  const warn = (what: string) => (err: unknown, data?: Record<string, unknown>) =>
    logger.warn({ ...data, error: String(err) }, what);
  const sender = new MailSender(new MailRepository(db), mailer, { intervalMs, onError: warn('mail not sent') });
  const deliverer = new WebhookDeliverer(new WebhooksRepository(db), templates, config.webhooks, {
    intervalMs,
    onError: warn('webhook delivery failed'),
    mailQueued: () => sender.kick(),
  });
  const notifier = new Notifier(new NotificationsRepository(db), templates, {
    intervalMs,
    pastDueGraceMs: config.billing.pastDueGraceDays * 86_400_000,
    onError: warn('notifications not expanded; trying again'),
    queued: ({ mail, webhooks }) => {
      if (mail > 0) sender.kick();
      if (webhooks > 0) deliverer.kick();
    },
  });
  return {
    mailer,
    deliverer,
    start: () => {
      notifier.start();
      sender.start();
      deliverer.start();
    },
    stop: async () => {
      await notifier.stop();
      await Promise.all([sender.stop(), deliverer.stop()]);
      await mailer.close();
    },
  };
}

async function createDispatcher(
  config: ControlPlaneConfig,
  databaseUrl: string,
  options: ApiRuntimeOptions,
  parts: {
    lifecycle: RenderLifecycle;
    bus: EventBus;
    registry: ReturnType<typeof createRegistry>;
    closeables: Closeables;
  },
): Promise<Dispatcher | undefined> {
  const { logger } = options;
  const common = {
    maxAttempts: config.maxAttempts,
    pollMs: options.pollMs ?? 2_000,
    log: logAt(logger, 'warn'),
    bus: parts.bus,
    metrics: renderMetrics(parts.registry),
    ...(options.now ? { now: options.now } : {}),
  };
  if (config.launcher === 'kubernetes') {
    // Renders become RenderJobs; the operator (its own role) runs them and records the outcome.
    const { KubernetesLauncher, loadKubeConfig } = await loadKubernetes();
    const launcher = new KubernetesLauncher(loadKubeConfig(config), {
      namespace: config.kubernetes.namespace,
      maxPending: 200,
    });
    return new Dispatcher(parts.lifecycle, launcher, {
      ...common,
      launcherId: KUBERNETES_LAUNCHER_ID,
      recoverOrphans: false,
    });
  }
  const { dispatch } = options;
  if (dispatch.kind === 'given') return new Dispatcher(parts.lifecycle, dispatch.launcher, { ...common, ...dispatch });
  if (dispatch.kind === 'none') return undefined;
  // The lock that tells other replicas this one's renders are not orphans (launcher-lease.ts).
  // While it is lost (the database is away) nothing new starts; renders already running
  // finish and their outcomes are written once the database is back.
  const guarded: { dispatcher?: Dispatcher } = {};
  const lease = await LauncherLease.acquire(databaseUrl, {
    onLost: (err) => {
      logger.warn({ error: String(err) }, 'lost the launcher lease; pausing new renders until the database is back');
      guarded.dispatcher?.pause();
    },
    onRegained: () => {
      logger.warn('launcher lease held again; resuming');
      guarded.dispatcher?.resume();
    },
  });
  parts.closeables.add('launcher lease', () => lease.release());
  const launcher = new LocalLauncher(config.localWorkers, {
    ...config.renderProcessEnv,
    ...renderStoreEnvironment(config),
  });
  guarded.dispatcher = new Dispatcher(parts.lifecycle, launcher, { ...common, launcherId: lease.id });
  return guarded.dispatcher;
}

/**
 * The Kubernetes client is loaded only by the roles that talk to a cluster: it is large, and an
 * API that launches renders as local processes has no use for it.
 */
async function loadKubernetes() {
  const [launcher, cluster, operator] = await Promise.all([
    import('./launcher/kubernetes-launcher.js'),
    import('./kubernetes/cluster-config.js'),
    import('./kubernetes/operator.js'),
  ]);
  return {
    KubernetesLauncher: launcher.KubernetesLauncher,
    loadKubeConfig: cluster.loadKubeConfig,
    renderPodOptions: cluster.renderPodOptions,
    RenderJobOperator: operator.RenderJobOperator,
  };
}

export interface Runtime {
  start(): Promise<void>;
  close(): Promise<void>;
}

/** `operator`: reconciles RenderJobs while it holds the Lease; /metrics and /healthz on its own port. */
export async function createOperatorRuntime(config: ControlPlaneConfig, logger: Logger): Promise<Runtime> {
  const closeables = new Closeables();
  const { loadKubeConfig, renderPodOptions, RenderJobOperator } = await loadKubernetes();
  const plans = planTable(config.planOverrides);
  const registry = createRegistry();
  const db = config.databaseUrl ? openDatabase(config.databaseUrl, closeables) : undefined;
  const store = db ? await createObjectStore(config) : undefined;
  const bus = db ? await connectBus(config, closeables) : undefined;
  // Outcomes are recorded through the outbox; relay it too, so events flow while the API is down.
  const relay =
    db && bus
      ? new OutboxRelay(new OutboxRepository(db), bus, 200, (err) =>
          logger.warn({ error: String(err) }, 'outbox relay failed; trying again'),
        )
      : undefined;
  const lifecycle = db ? renderLifecycle(db, plans) : undefined;
  const records =
    lifecycle && store ? new ClusterRenderRecords(lifecycle, store, { metrics: renderMetrics(registry) }) : undefined;
  const operator = new RenderJobOperator(loadKubeConfig(config), {
    namespace: config.kubernetes.namespace,
    identity: config.kubernetes.operatorId,
    plans,
    pod: renderPodOptions(config),
    registry,
    ...(records ? { records } : {}),
    leaseDurationSeconds: config.kubernetes.leaseSeconds,
    renewDeadlineMs: Math.max(1_000, config.kubernetes.leaseSeconds * 666),
    retryPeriodMs: Math.max(250, config.kubernetes.leaseSeconds * 133),
    log: logAt(logger, 'warn'),
  });
  const server = createServer((request, response) => {
    if (request.url === '/metrics') {
      void registry
        .metrics()
        .then((text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text));
    } else if (request.url === '/healthz') {
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ status: 'ok', leader: operator.isLeader }));
    } else {
      response.writeHead(404).end();
    }
  });
  return {
    start: async () => {
      await new Promise<void>((resolve) => server.listen(config.kubernetes.operatorPort, config.http.host, resolve));
      closeables.add('health server', () => new Promise((resolve) => server.close(resolve)));
      if (relay) {
        relay.start();
        closeables.add('outbox relay', () => relay.stop());
      }
      // Progress reaches the bus through the API; the leader records it on the render.
      if (bus && lifecycle) {
        const stop = recordClusterProgress(bus, lifecycle, {
          isLeader: () => operator.isLeader,
          onError: (err) => logger.warn({ error: String(err) }, 'recording progress failed'),
        });
        closeables.add('progress recorder', stop);
      }
      operator.start();
      closeables.add('operator', () => operator.stop());
      logger.info(
        { operator: config.kubernetes.operatorId, namespace: config.kubernetes.namespace, records: Boolean(records) },
        'operator watching',
      );
    },
    close: () => closeables.close(15_000, logger),
  };
}

/** `sweep`: one pass of retention, then the process ends. */
export async function sweepOnce(config: ControlPlaneConfig, databaseUrl: string, logger: Logger) {
  const closeables = new Closeables();
  const db = openDatabase(databaseUrl, closeables);
  try {
    const plans = planTable(config.planOverrides);
    return await new Sweeper(
      new RetentionRepository(db),
      new OutputsRepository(db),
      await createObjectStore(config),
      renderLifecycle(db, plans),
      logAt(logger, 'info'),
      { sweepOrphans: config.sweepOrphans },
    ).sweep();
  } finally {
    await closeables.close(10_000, logger);
  }
}
