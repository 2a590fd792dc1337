/**
 * The control plane survives its database (issue 21, faults to survive): with renders queued
 * and running, PostgreSQL stops for ten seconds and comes back. The process (`control-plane
 * all`, run as a separate program) stays up, /readyz says the database is down and then up,
 * nothing is logged as an unhandled rejection, and every render completes exactly once with its
 * events in order and the quota right. PostgreSQL here is one of the test's own, on a fixed port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, waitFor } from '../fixture/ports.js';
import { importEmbeddedPostgres } from '../fixture/services.js';
import { ensureCorpus, type CorpusName } from '../render/corpus.js';

const PROGRAM = join(import.meta.dirname, '../../control-plane/bin/cutline.js');
let corpus: Record<CorpusName, string>;
let postgres: { start(): Promise<void>; stop(): Promise<void> };
let databaseUrl: string;
let dataRoot: string;
let api: string;
let child: ChildProcess | undefined;
let log = '';

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
  const apiPort = await freePort();
  api = `http://127.0.0.1:${apiPort}`;
  child = spawn(PROGRAM, ['all'], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? tmpdir(),
      DATABASE_URL: databaseUrl,
      CUTLINE_DATA_DIR: join(dataRoot, 'data'),
      CUTLINE_JWT_SECRET: 'outage-test-secret-that-is-long-enough-0123',
      PORT: String(apiPort),
      LOG_LEVEL: 'warn',
      CUTLINE_LOCAL_WORKERS: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (c: Buffer) => (log += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (log += c.toString()));
  await waitFor(
    async () => (await fetch(`${api}/readyz`).catch(() => undefined))?.ok ?? false,
    'the control plane',
    60_000,
  );
}, 120_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    await new Promise((r) => child!.once('exit', r));
  }
  await postgres?.stop().catch(() => undefined);
  await rm(dataRoot, { recursive: true, force: true });
});

async function json<T>(path: string, init: RequestInit & { token?: string } = {}): Promise<T> {
  const response = await fetch(`${api}${path}`, {
    ...init,
    headers: {
      'content-type': 'application/json',
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      ...(init.headers as Record<string, string> | undefined),
    },
  });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

async function readiness(): Promise<{ status: number; database?: string }> {
  const response = await fetch(`${api}/readyz`).catch(() => undefined);
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
    const session = await json<{ accessToken: string; organization: { id: string } }>('/v1/auth/register', {
      method: 'POST',
      body: JSON.stringify({ email: 'outage@example.com', password: 'a long password', name: 'Outage' }),
    });
    const token = session.accessToken;
    const upload = await fetch(`${api}/v1/assets?kind=video&filename=clip.mp4`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'video/mp4' },
      body: await readFile(corpus.oneSecond),
    });
    const asset = ((await upload.json()) as { id: string }).id;
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      ids.push(
        (
          await json<{ id: string }>('/v1/renders', {
            method: 'POST',
            token,
            body: JSON.stringify({
              assetId: asset,
              script: `Render ${i} outlives its database. `.repeat(4),
              maxResolution: 480,
            }),
          })
        ).id,
      );
    }
    await waitFor(
      async () => (await json<{ state: string }>(`/v1/renders/${ids[0]}`, { token })).state === 'running',
      'the first render to run',
      60_000,
    );

    await postgres.stop();
    await waitFor(async () => (await readiness()).status === 503, 'readiness to report the database', 15_000);
    expect((await readiness()).database).toBe('failing');
    await new Promise((r) => setTimeout(r, 10_000));
    expect(child!.exitCode).toBeNull();
    await postgres.start();
    await waitFor(async () => (await readiness()).status === 200, 'readiness to recover', 60_000);

    for (const id of ids)
      await waitFor(
        async () => (await json<{ state: string }>(`/v1/renders/${id}`, { token })).state === 'succeeded',
        `render ${id} to succeed (log: ${log.slice(-800)})`,
        120_000,
      );
    expect(child!.exitCode).toBeNull();
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      for (const id of ids) {
        const { rows } = await db.query<{ state: string }>(
          `SELECT payload->>'state' AS state FROM outbox_events WHERE subject = $1 ORDER BY id`,
          [`cutline.renders.${id}.state`],
        );
        expect([id, rows.map((r) => r.state)]).toEqual([id, ['queued', 'admitted', 'running', 'succeeded']]);
        const outputs = await db.query(
          `SELECT count(*)::int AS n FROM render_outputs WHERE render_id = $1 AND kind = 'video'`,
          [id],
        );
        expect(outputs.rows[0].n).toBe(1);
      }
      const usage = await db.query<{ reserved: number; committed: number }>(
        `SELECT sum(renders_reserved)::int AS reserved, sum(renders_committed)::int AS committed FROM usage_periods WHERE organization_id = $1`,
        [session.organization.id],
      );
      expect(usage.rows[0]).toEqual({ reserved: 0, committed: 2 });
    } finally {
      await db.end();
    }
    expect(log).not.toMatch(/unhandled rejection/i);
    expect(log).toContain('launcher lease held again');
  }, 300_000);
});
