/**
 * SIGKILL the control plane while renders are queued and running, start it again: every
 * render completes exactly once, with no duplicate outputs, no lost state events, and the
 * quota right. Runs the built program (`control-plane all`) as a separate process.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freshDatabase } from '../fixture/helpers.js';
import { freePort, waitFor } from '../fixture/ports.js';
import { ensureCorpus, type CorpusName } from '../render/corpus.js';

const PROGRAM = join(import.meta.dirname, '../../control-plane/bin/cutline.js');
const services = inject('services');
let corpus: Record<CorpusName, string>;
let env: Record<string, string>;
let api: string;
let child: ChildProcess | undefined;
let log = '';

function start(): ChildProcess {
  const proc = spawn(PROGRAM, ['all'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout?.on('data', (c: Buffer) => (log += c.toString()));
  proc.stderr?.on('data', (c: Buffer) => (log += c.toString()));
  return proc;
}

async function ready(): Promise<void> {
  await waitFor(
    async () => (await fetch(`${api}/readyz`).catch(() => undefined))?.ok ?? false,
    `control plane (log: ${log.slice(-500)})`,
    60_000,
  );
}

function orphanRenders(): string[] {
  const result = spawnSync('pgrep', ['-af', '--', '--exit-with-parent'], { encoding: 'utf8' });
  return result.stdout.split('\n').filter((l) => l.includes('cutline-render'));
}

beforeAll(async () => {
  corpus = await ensureCorpus();
  const port = await freePort();
  api = `http://127.0.0.1:${port}`;
  env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? tmpdir(),
    DATABASE_URL: await freshDatabase(services.postgresUrl, 'crash'),
    CUTLINE_DATA_DIR: await mkdtemp(join(tmpdir(), 'cutline-crash-')),
    CUTLINE_JWT_SECRET: 'crash-test-secret-that-is-long-enough-012345',
    PORT: String(port),
    LOG_LEVEL: 'warn',
    CUTLINE_LOCAL_WORKERS: '1',
  };
});

afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    await new Promise((r) => child!.once('exit', r));
  }
});

describe('crash recovery', () => {
  it('completes every render exactly once after a SIGKILL mid-render', async () => {
    child = start();
    await ready();
    const session = (await (
      await fetch(`${api}/v1/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'crash@example.com', password: 'a long password', name: 'Crash' }),
      })
    ).json()) as { accessToken: string; organization: { id: string } };
    const auth = { authorization: `Bearer ${session.accessToken}` };
    const asset = (await (
      await fetch(`${api}/v1/assets?kind=video&filename=c.mp4`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'video/mp4' },
        body: await readFile(corpus.oneSecond),
      })
    ).json()) as { id: string };
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`${api}/v1/renders`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({
          assetId: asset.id,
          script: `Render ${i} survives a crash. `.repeat(3),
          maxResolution: 480,
        }),
      });
      expect(response.status).toBe(201);
      ids.push(((await response.json()) as { id: string }).id);
    }
    const stateOf = async (id: string) =>
      ((await (await fetch(`${api}/v1/renders/${id}`, { headers: auth })).json()) as { state: string }).state;
    await waitFor(async () => (await Promise.all(ids.map(stateOf))).includes('running'), 'a running render', 60_000);

    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
    // The running render's process notices its parent is gone and stops.
    await waitFor(async () => orphanRenders().length === 0, 'orphaned render processes to stop', 10_000);

    child = start();
    await ready();
    await waitFor(
      async () => (await Promise.all(ids.map(stateOf))).every((s) => s === 'succeeded'),
      `all renders to succeed (log: ${log.slice(-800)})`,
      120_000,
    );

    const db = new pg.Client({ connectionString: env.DATABASE_URL });
    await db.connect();
    try {
      for (const id of ids) {
        const outputs = await db.query<{ object_key: string }>(
          'SELECT object_key FROM render_outputs WHERE render_id = $1',
          [id],
        );
        expect(outputs.rows).toHaveLength(5);
        expect(new Set(outputs.rows.map((r) => r.object_key)).size).toBe(5);
        const states = await db.query<{ state: string }>(
          "SELECT payload->>'state' AS state FROM outbox_events WHERE subject = $1 ORDER BY id",
          [`cutline.renders.${id}.state`],
        );
        const sequence = states.rows.map((r) => r.state);
        expect(sequence[0]).toBe('queued');
        expect(sequence.filter((s) => s === 'succeeded')).toHaveLength(1);
        expect(sequence.at(-1)).toBe('succeeded');
      }
      // No event is lost: the relay publishes every one, including those written before the crash.
      await waitFor(
        async () =>
          (await db.query<{ n: string }>('SELECT count(*)::text AS n FROM outbox_events WHERE published_at IS NULL'))
            .rows[0]!.n === '0',
        'the outbox to drain',
        10_000,
      );
      const usage = await db.query<{ renders_reserved: number; renders_committed: number }>(
        'SELECT renders_reserved, renders_committed FROM usage_periods WHERE organization_id = $1',
        [session.organization.id],
      );
      expect(usage.rows[0]).toEqual({ renders_reserved: 0, renders_committed: 3 });
    } finally {
      await db.end();
    }
  });
});
