/**
 * Authors migration SQL offline. Prisma 7's CLI needs its Rust schema engine for `migrate
 * diff`, which cannot be downloaded here (nor in air-gapped clusters); Prisma 6.19's CLI runs
 * the same diff through its WASM engine when its config names a driver adapter. This module
 * drives that CLI (installed as the `prisma-migrate-wasm` alias) on transformed copies of the
 * schema: 6.19 wants the datasource URL in the schema and `engineType = "client"`.
 *
 * The adapter needs a reachable PostgreSQL; the diff reads nothing from it and writes nothing.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const CONTROL_PLANE = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const REPO = resolve(CONTROL_PLANE, '..');
const PRISMA6_CLI = join(REPO, 'node_modules/prisma-migrate-wasm/build/index.js');

export const SCHEMA_PATH = join(CONTROL_PLANE, 'prisma/schema.prisma');
export const MIGRATIONS_DIR = join(CONTROL_PLANE, 'prisma/migrations');

/** The schema as Prisma 6.19 accepts it. */
export function toPrisma6Schema(schema: string): string {
  return schema
    .replace(/(datasource\s+\w+\s*\{[^}]*provider\s*=\s*"postgresql")/, '$1\n  url      = env("DATABASE_URL")')
    .replace(/(generator\s+\w+\s*\{[^}]*provider\s*=\s*"prisma-client")/, '$1\n  engineType = "client"');
}

export interface DiffOptions {
  /** Schema text to diff from; empty database when omitted. */
  from?: string;
  to: string;
  databaseUrl: string;
}

export async function schemaDiffSql(options: DiffOptions): Promise<string> {
  // Inside the package so the config's imports resolve from the repository's node_modules.
  const dir = await mkdtemp(join(CONTROL_PLANE, '.schema-diff-'));
  try {
    const toPath = join(dir, 'to.prisma');
    await writeFile(toPath, toPrisma6Schema(options.to));
    const fromArgs = ['--from-empty'];
    if (options.from !== undefined) {
      await writeFile(join(dir, 'from.prisma'), toPrisma6Schema(options.from));
      fromArgs.splice(0, 1, '--from-schema-datamodel', join(dir, 'from.prisma'));
    }
    const config = join(dir, 'prisma.config.ts');
    await writeFile(
      config,
      [
        "import { PrismaPg } from 'prisma-migrate-wasm-adapter-pg';",
        'export default {',
        '  experimental: { adapter: true },',
        "  engine: 'js',",
        `  schema: ${JSON.stringify(toPath)},`,
        '  adapter: async () => new PrismaPg({ connectionString: process.env.DATABASE_URL }),',
        '};',
        '',
      ].join('\n'),
    );
    return await run(
      process.execPath,
      [PRISMA6_CLI, 'migrate', 'diff', '--config', config, ...fromArgs, '--to-schema-datamodel', toPath, '--script'],
      {
        ...process.env,
        DATABASE_URL: options.databaseUrl,
        // Any existing file stops the CLI from downloading engines it will not run.
        PRISMA_SCHEMA_ENGINE_BINARY: process.execPath,
        PRISMA_QUERY_ENGINE_LIBRARY: process.execPath,
        PRISMA_HIDE_UPDATE_MESSAGE: '1',
      },
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function run(program: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(program, args, { env, cwd: CONTROL_PLANE, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolvePromise(stdout) : reject(new Error(`prisma migrate diff failed (${code}): ${stderr.trim()}`)),
    );
  });
}

export async function currentSchema(): Promise<string> {
  return readFile(SCHEMA_PATH, 'utf8');
}
