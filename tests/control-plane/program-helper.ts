/**
 * `control-plane all` as a separate program, for the tests that take its dependencies away
 * (dependency-outage, nats-outage): started on a free port, its output kept, and the calls
 * those tests make of it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from '../fixture/ports.js';

const PROGRAM = join(import.meta.dirname, '../../control-plane/bin/cutline.js');

export interface Program {
  api: string;
  child: ChildProcess;
  /** Everything it wrote so far, stdout and stderr. */
  log(): string;
  stop(): Promise<void>;
}

export async function startProgram(env: Record<string, string>): Promise<Program> {
  const port = await freePort();
  const api = `http://127.0.0.1:${port}`;
  let log = '';
  const child = spawn(PROGRAM, ['all'], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? tmpdir(),
      PORT: String(port),
      LOG_LEVEL: 'warn',
      CUTLINE_LOCAL_WORKERS: '1',
      ...env,
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
  return {
    api,
    child,
    log: () => log,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export async function apiJson<T>(api: string, path: string, init: RequestInit & { token?: string } = {}): Promise<T> {
  const response = await fetch(`${api}${path}`, {
    ...init,
    headers: {
      'content-type': 'application/json',
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
    },
  });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** A new account with one uploaded video; returns what the renders need. */
export async function accountWithVideo(
  api: string,
  email: string,
  video: string,
): Promise<{ token: string; organizationId: string; assetId: string }> {
  const session = await apiJson<{ accessToken: string; organization: { id: string } }>(api, '/v1/auth/register', {
    method: 'POST',
    body: JSON.stringify({ email, password: 'a long password', name: 'Outage' }),
  });
  const upload = await fetch(`${api}/v1/assets?kind=video&filename=clip.mp4`, {
    method: 'POST',
    headers: { authorization: `Bearer ${session.accessToken}`, 'content-type': 'video/mp4' },
    body: await readFile(video),
  });
  const assetId = ((await upload.json()) as { id: string }).id;
  return { token: session.accessToken, organizationId: session.organization.id, assetId };
}

/** Submits a short render at 480p; returns its id. */
export async function submitRender(api: string, token: string, assetId: string, script: string): Promise<string> {
  return (
    await apiJson<{ id: string }>(api, '/v1/renders', {
      method: 'POST',
      token,
      body: JSON.stringify({ assetId, script, maxResolution: 480 }),
    })
  ).id;
}

/** The states announced for each render, from the outbox, and the organization's quota. */
export async function recordedOutcome(
  query: <R>(sql: string, values: unknown[]) => Promise<R[]>,
  ids: string[],
  organizationId: string,
): Promise<{ states: Record<string, string[]>; usage: { reserved: number; committed: number } }> {
  const states: Record<string, string[]> = {};
  for (const id of ids)
    states[id] = (
      await query<{ state: string }>(
        `SELECT payload->>'state' AS state FROM outbox_events WHERE subject = $1 ORDER BY id`,
        [`cutline.renders.${id}.state`],
      )
    ).map((r) => r.state);
  const [usage] = await query<{ reserved: number; committed: number }>(
    `SELECT sum(renders_reserved)::int AS reserved, sum(renders_committed)::int AS committed FROM usage_periods WHERE organization_id = $1`,
    [organizationId],
  );
  return { states, usage: usage! };
}
