/**
 * Migrations: applied by our runner exactly as Prisma records them, idempotent, guarded
 * against edits — and never drifting from schema.prisma.
 */
import { appendFile, cp, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { migrate, readMigrations } from '../../control-plane/src/db/migrate.js';
import { currentSchema, MIGRATIONS_DIR, schemaDiffSql } from '../../control-plane/tools/schema-diff.js';
import { freshDatabase } from '../fixture/helpers.js';

const services = inject('services');

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** Everything about the public schema that a migration can change, in a comparable form. */
async function catalog(url: string): Promise<Record<string, string[]>> {
  const rows = async (sql: string) => (await query<{ v: string }>(url, sql)).map((r) => r.v);
  return {
    columns:
      await rows(`SELECT table_name || '.' || column_name || ' ' || udt_name || ' ' || is_nullable || ' ' || coalesce(column_default, '') AS v
      FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> '_prisma_migrations' ORDER BY 1`),
    constraints: await rows(`SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) AS v
      FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text <> '_prisma_migrations' ORDER BY 1`),
    indexes: await rows(
      `SELECT indexdef AS v FROM pg_indexes WHERE schemaname = 'public' AND tablename <> '_prisma_migrations' ORDER BY 1`,
    ),
    enums: await rows(`SELECT t.typname || ' ' || string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) AS v
      FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY t.typname ORDER BY 1`),
  };
}

describe('migrations', () => {
  it('match schema.prisma exactly (no drift)', async () => {
    const fromMigrations = await freshDatabase(services.postgresUrl, 'mig');
    const fromSchema = await freshDatabase(services.postgresUrl, 'sch');
    await migrate(fromMigrations, MIGRATIONS_DIR);
    const sql = await schemaDiffSql({ to: await currentSchema(), databaseUrl: fromSchema });
    await query(fromSchema, sql);
    const [a, b] = [await catalog(fromMigrations), await catalog(fromSchema)];
    expect(a.columns!.length).toBeGreaterThan(50);
    expect(a).toEqual(b);
  });

  it('records each migration as Prisma does and is idempotent', async () => {
    const url = await freshDatabase(services.postgresUrl, 'idem');
    const first = await migrate(url, MIGRATIONS_DIR);
    const local = await readMigrations(MIGRATIONS_DIR);
    expect(first.applied).toEqual(local.map((m) => m.name));
    const second = await migrate(url, MIGRATIONS_DIR);
    expect(second.applied).toEqual([]);
    const rows = await query<{
      migration_name: string;
      checksum: string;
      finished_at: Date | null;
      applied_steps_count: number;
    }>(
      url,
      'SELECT migration_name, checksum, finished_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name',
    );
    expect(rows.map((r) => [r.migration_name, r.checksum, r.applied_steps_count])).toEqual(
      local.map((m) => [m.name, m.checksum, 1]),
    );
    expect(rows.every((r) => r.finished_at instanceof Date)).toBe(true);
  });

  it('runs safely from two processes at once', async () => {
    const url = await freshDatabase(services.postgresUrl, 'race');
    const results = await Promise.all([migrate(url, MIGRATIONS_DIR), migrate(url, MIGRATIONS_DIR)]);
    expect(results.flatMap((r) => r.applied).sort()).toEqual((await readMigrations(MIGRATIONS_DIR)).map((m) => m.name));
  });

  it('refuses a migration edited after it was applied, and rolls back a failing one', async () => {
    const url = await freshDatabase(services.postgresUrl, 'edit');
    const dir = await mkdtemp(join(tmpdir(), 'cutline-migrations-'));
    await cp(MIGRATIONS_DIR, dir, { recursive: true });
    await migrate(url, dir);
    const [first] = await readMigrations(dir);
    await appendFile(join(dir, first!.name, 'migration.sql'), '\n-- edited\n');
    await expect(migrate(url, dir)).rejects.toThrow(/edited after it was applied/);

    const fresh = await freshDatabase(services.postgresUrl, 'fail');
    const broken = await mkdtemp(join(tmpdir(), 'cutline-migrations-'));
    await cp(MIGRATIONS_DIR, broken, { recursive: true });
    await mkdir(join(broken, '29990101000000_broken'));
    await writeFile(
      join(broken, '29990101000000_broken', 'migration.sql'),
      'CREATE TABLE ok_table (id int);\nSELECT * FROM no_such_table;\n',
    );
    await expect(migrate(fresh, broken)).rejects.toThrow(/29990101000000_broken failed and was rolled back/);
    const leftover = await query<{ n: string }>(
      fresh,
      "SELECT count(*)::text AS n FROM information_schema.tables WHERE table_name = 'ok_table'",
    );
    expect(leftover[0]!.n).toBe('0');
  });
});
