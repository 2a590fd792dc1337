/** The Prisma client over node-postgres. Only repository modules use it (DESIGN §8). */
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client.js';

export type Database = PrismaClient;

export function createDatabase(databaseUrl: string, maxConnections = 10): Database {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl, max: maxConnections }) });
}
