/** The Prisma client over node-postgres. Only repository modules use it (DESIGN §8). */
import { createHash } from 'node:crypto';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../generated/prisma/client.js';

export type Database = PrismaClient;

type NameGenerator = NonNullable<NonNullable<ConstructorParameters<typeof PrismaPg>[1]>['statementNameGenerator']>;
type Statement = Parameters<NameGenerator>[0];

/** Distinct statements prepared on each connection at most; later ones run unnamed. */
const MAX_PREPARED_STATEMENTS = 500;

/**
 * Names each distinct SQL text so node-postgres prepares it once per connection: PostgreSQL
 * then skips parsing and planning on every later run. Without it, parse and plan cost more
 * than executing the short statements a request makes (measured with pg_stat_statements).
 * The number of names is capped because node-postgres never deallocates a prepared statement
 * (undefined, which the adapter passes on as an unnamed statement, once the cap is reached).
 */
export function preparedStatementNames(limit = MAX_PREPARED_STATEMENTS): (query: Statement) => string | undefined {
  const names = new Map<string, string>();
  return (query) => {
    let name = names.get(query.sql);
    if (name === undefined && names.size < limit) {
      name = `cutline_${createHash('sha1').update(query.sql).digest('base64url')}`;
      names.set(query.sql, name);
    }
    return name;
  };
}

/** Prisma's driver adapter: SQL with its parameters, straight to node-postgres. */
export type DriverAdapter = Awaited<ReturnType<PrismaPg['connect']>>;

const driverAdapters = new WeakMap<Database, () => Promise<DriverAdapter>>();
const pools = new WeakMap<Database, pg.Pool>();

export function createDatabase(databaseUrl: string, maxConnections = 10): Database {
  // The pool is made here, not by the adapter factory, so the client and driverAdapterOf share
  // its connections; the client's $disconnect ends it.
  const pool = new pg.Pool({ connectionString: databaseUrl, max: maxConnections });
  // An idle connection that dies (PostgreSQL restarted) is dropped from the pool; without a
  // listener its 'error' would end the process. Queries on a live one report their own errors.
  pool.on('error', () => undefined);
  const factory = new PrismaPg(pool, {
    statementNameGenerator: preparedStatementNames() as NameGenerator,
    disposeExternalPool: true,
  });
  const db = new PrismaClient({ adapter: factory });
  let adapter: Promise<DriverAdapter> | undefined;
  driverAdapters.set(db, () => (adapter ??= factory.connect()));
  pools.set(db, pool);
  return db;
}

/**
 * Runs `work` while this process holds a session advisory lock on `key`, on a connection of its
 * own for the duration: undefined when another holder has it. Unlike a transaction-level lock
 * it needs no transaction kept open around slow work (object-store calls); a process that dies
 * drops it with its connection.
 */
export async function withSessionLock<T>(db: Database, key: number, work: () => Promise<T>): Promise<T | undefined> {
  const pool = pools.get(db);
  if (!pool) throw new Error('withSessionLock: the database was not made by createDatabase');
  const connection = await pool.connect();
  let broken = false;
  try {
    const { rows } = await connection.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [key]);
    if (!rows[0]?.locked) return undefined;
    try {
      return await work();
    } finally {
      await connection.query('SELECT pg_advisory_unlock($1)', [key]).catch(() => {
        broken = true;
      });
    }
  } finally {
    // A connection whose unlock failed goes, and the lock with it.
    connection.release(broken);
  }
}

/**
 * The driver adapter under a client from createDatabase, over the same pool and prepared
 * statements, without the client's raw-query layer (why one statement wants that:
 * repositories/submissions-repository.ts).
 */
export function driverAdapterOf(db: Database): Promise<DriverAdapter> {
  const adapter = driverAdapters.get(db);
  if (!adapter) throw new Error('driverAdapterOf: the database was not made by createDatabase');
  return adapter();
}
