/**
 * The control plane survives its database (issue 21, faults to survive): with renders queued
 * and running, PostgreSQL stops for ten seconds and comes back. The process (`control-plane
 * all`, run as a separate program) stays up, /readyz says the database is down and then up,
 * nothing is logged as an unhandled rejection, and every render completes exactly once with its
 * events in order and the quota right. PostgreSQL here is one of the test's own, on a fixed port.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, waitFor } from '../fixture/ports.js';
import { importEmbeddedPostgres } from '../fixture/services.js';
import { ensureCorpus, type CorpusName } from '../render/corpus.js';
import {
  accountWithVideo,
  apiJson,
  recordedOutcome,
  startProgram,
  submitRender,
  type Program,
} from './program-helper.js';

let corpus: Record<CorpusName, string>;
let postgres: { start(): Promise<void>; stop(): Promise<void> };
let databaseUrl: string;
let dataRoot: string;
let program: Program;

beforeAll(async () => {
  corpus = await ensureCorpus();
  const EmbeddedPostgres = await importEmbeddedPostgres();
  dataRoot = await mkdtemp(join(tmpdir(), 'cutline-outage-'));
  await chmod(dataRoot, 0o777);
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: join(dataRoot, 'pg'),
    port,
    user: 'postgres',
    password: 'outage',
    persistent: true,
    createPostgresUser: true,
    onLog: () => undefined,
    onError: () => undefined,
  });
  await server.initialise();
  await server.start();
  await server.createDatabase('cutline_outage');
  postgres = server;
  databaseUrl = `postgresql://postgres:outage@127.0.0.1:${port}/cutline_outage`;
  program = await startProgram({
    DATABASE_URL: databaseUrl,
    CUTLINE_DATA_DIR: join(dataRoot, 'data'),
    CUTLINE_JWT_SECRET: 'outage-test-secret-that-is-long-enough-0123',
  });
}, 120_000);

afterAll(async () => {
  await program?.stop();
  await postgres?.stop().catch(() => undefined);
  await rm(dataRoot, { recursive: true, force: true });
});

async function readiness(): Promise<{ status: number; database?: string }> {
  const response = await fetch(`${program.api}/readyz`).catch(() => undefined);
  if (!response) return { status: 0 };
  const body = (await response.json()) as {
    checks?: { database?: string };
    error?: { details?: Array<{ field: string }> };
  };
  return {
    status: response.status,
    database: body.checks?.database ?? (body.error?.details?.some((d) => d.field === 'database') ? 'failing' : 'ok'),
  };
}

describe('PostgreSQL away for ten seconds', () => {
  it('keeps the process up, reports it, and completes every render exactly once', async () => {
    const { api } = program;
    const { token, organizationId, assetId } = await accountWithVideo(api, 'outage@example.com', corpus.oneSecond);
    const ids: string[] = [];
    for (let i = 0; i < 2; i++)
      ids.push(await submitRender(api, token, assetId, `Render ${i} outlives its database. `.repeat(4)));
    await waitFor(
      async () => (await apiJson<{ state: string }>(api, `/v1/renders/${ids[0]}`, { token })).state === 'running',
      'the first render to run',
      60_000,
    );

    await postgres.stop();
    await waitFor(async () => (await readiness()).status === 503, 'readiness to report the database', 15_000);
    expect((await readiness()).database).toBe('failing');
    await new Promise((r) => setTimeout(r, 10_000));
    expect(program.child.exitCode).toBeNull();
    await postgres.start();
    await waitFor(async () => (await readiness()).status === 200, 'readiness to recover', 60_000);

    for (const id of ids)
      await waitFor(
        async () => (await apiJson<{ state: string }>(api, `/v1/renders/${id}`, { token })).state === 'succeeded',
        `render ${id} to succeed (log: ${program.log().slice(-800)})`,
        120_000,
      );
    expect(program.child.exitCode).toBeNull();
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      const query = async <R>(sql: string, values: unknown[]) => (await db.query(sql, values)).rows as R[];
      const { states, usage } = await recordedOutcome(query, ids, organizationId);
      for (const id of ids) expect([id, states[id]]).toEqual([id, ['queued', 'admitted', 'running', 'succeeded']]);
      for (const id of ids) {
        const [outputs] = await query<{ n: number }>(
          `SELECT count(*)::int AS n FROM render_outputs WHERE render_id = $1 AND kind = 'video'`,
          [id],
        );
        expect(outputs!.n).toBe(1);
      }
      expect(usage).toEqual({ reserved: 0, committed: 2 });
    } finally {
      await db.end();
    }
    expect(program.log()).not.toMatch(/unhandled rejection/i);
    expect(program.log()).toContain('launcher lease held again');
  }, 300_000);
});
