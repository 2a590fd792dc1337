/** The Prisma client over node-postgres. Only repository modules use it (DESIGN §8). */
import { createHash } from 'node:crypto';
import { PrismaPg } from '@prisma/adapter-pg';
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

export function createDatabase(databaseUrl: string, maxConnections = 10): Database {
  return new PrismaClient({
    adapter: new PrismaPg({ connectionString: databaseUrl, max: maxConnections }, { statementNameGenerator: preparedStatementNames() as NameGenerator }),
  });
}
