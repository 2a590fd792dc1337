/**
 * The control plane survives NATS (issue 21, faults to survive): `control-plane all` on the
 * fixture's PostgreSQL and a NATS server of the test's own, on a fixed port. With renders
 * queued and running, NATS stops for ten seconds and comes back on the same port. The process
 * stays up, /readyz says the event bus is down and then up, nothing is logged as an unhandled
 * rejection, every render completes exactly once with its events in order and the quota right,
 * and live events flow over the bus again afterwards (an SSE client sees a new render's).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freshDatabase } from '../fixture/helpers.js';
import { freePort, waitFor } from '../fixture/ports.js';
import { tcpOpen, toolPath } from '../fixture/services.js';
import { ensureCorpus, type CorpusName } from '../render/corpus.js';
import {
  accountWithVideo,
  apiJson,
  recordedOutcome,
  startProgram,
  submitRender,
  type Program,
} from './program-helper.js';

const services = inject('services');
let corpus: Record<CorpusName, string>;
let dataRoot: string;
let databaseUrl: string;
let natsPort: number;
let nats: ChildProcess | undefined;
let program: Program;

async function startNats(): Promise<void> {
  nats = spawn(toolPath('nats-server'), ['-a', '127.0.0.1', '-p', String(natsPort)], { stdio: 'ignore' });
  await waitFor(() => tcpOpen(natsPort), 'nats-server', 15_000);
}

async function stopNats(): Promise<void> {
  if (!nats || nats.exitCode !== null) return;
  const exited = new Promise((resolve) => nats!.once('exit', resolve));
  nats.kill('SIGTERM');
  await exited;
}

beforeAll(async () => {
  corpus = await ensureCorpus();
  dataRoot = await mkdtemp(join(tmpdir(), 'cutline-nats-outage-'));
  await chmod(dataRoot, 0o777);
  databaseUrl = await freshDatabase(services.postgresUrl, 'natsoutage');
  natsPort = await freePort();
  await startNats();
  program = await startProgram({
    DATABASE_URL: databaseUrl,
    CUTLINE_NATS_URL: `nats://127.0.0.1:${natsPort}`,
    CUTLINE_DATA_DIR: join(dataRoot, 'data'),
    CUTLINE_JWT_SECRET: 'nats-outage-test-secret-that-is-long-enough',
  });
}, 120_000);

afterAll(async () => {
  await program?.stop();
  await stopNats();
  await rm(dataRoot, { recursive: true, force: true });
});

/** 200 or 503, and whether the body names the event bus as failing. */
async function readiness(): Promise<{ status: number; busFailing: boolean }> {
  const response = await fetch(`${program.api}/readyz`).catch(() => undefined);
  if (!response) return { status: 0, busFailing: false };
  const body = JSON.stringify(await response.json());
  return { status: response.status, busFailing: /eventBus/.test(body) && response.status === 503 };
}

/** The state events an SSE client of the organization receives: the replay of earlier ones, then live ones. */
function watchStates(token: string): { states: Array<{ renderId: string; state: string }>; stop: () => void } {
  const controller = new AbortController();
  const states: Array<{ renderId: string; state: string }> = [];
  void (async () => {
    const response = await fetch(`${program.api}/v1/events`, {
      headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
      signal: controller.signal,
    });
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (/^event: state$/m.test(block) && data) states.push(JSON.parse(data) as { renderId: string; state: string });
      }
    }
  })().catch(() => undefined);
  return { states, stop: () => controller.abort() };
}

describe('NATS away for ten seconds', () => {
  it('keeps the process up, reports it, completes every render once, and streams again', async () => {
    const { api } = program;
    const { token, organizationId, assetId } = await accountWithVideo(api, 'nats-outage@example.com', corpus.oneSecond);
    const submit = (i: number) => submitRender(api, token, assetId, `Render ${i} outlives the bus. `.repeat(4));
    const ids = [await submit(0), await submit(1)];
    await waitFor(
      async () => (await apiJson<{ state: string }>(api, `/v1/renders/${ids[0]}`, { token })).state === 'running',
      'the first render to run',
      60_000,
    );

    await stopNats();
    await waitFor(async () => (await readiness()).busFailing, 'readiness to report the event bus', 20_000);
    await new Promise((r) => setTimeout(r, 10_000));
    expect(program.child.exitCode).toBeNull();
    await startNats();
    await waitFor(async () => (await readiness()).status === 200, 'readiness to recover', 60_000);

    for (const id of ids)
      await waitFor(
        async () => (await apiJson<{ state: string }>(api, `/v1/renders/${id}`, { token })).state === 'succeeded',
        `render ${id} to succeed (log: ${program.log().slice(-800)})`,
        120_000,
      );

    // Live events come over NATS again: a render submitted now is seen through to the end.
    const watcher = watchStates(token);
    try {
      await new Promise((r) => setTimeout(r, 500));
      const third = await submit(2);
      await waitFor(
        async () => watcher.states.some((s) => s.renderId === third && s.state === 'succeeded'),
        'the new render’s events over the bus',
        120_000,
      );
      expect(watcher.states.filter((s) => s.renderId === third).map((s) => s.state)).toEqual([
        'queued',
        'admitted',
        'running',
        'succeeded',
      ]);
      ids.push(third);
    } finally {
      watcher.stop();
    }

    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      const query = async <R>(sql: string, values: unknown[]) => (await db.query(sql, values)).rows as R[];
      const { states, usage } = await recordedOutcome(query, ids, organizationId);
      for (const id of ids) expect([id, states[id]]).toEqual([id, ['queued', 'admitted', 'running', 'succeeded']]);
      expect(usage).toEqual({ reserved: 0, committed: 3 });
    } finally {
      await db.end();
    }
    expect(program.child.exitCode).toBeNull();
    expect(program.log()).not.toMatch(/unhandled rejection/i);
  }, 300_000);
});
