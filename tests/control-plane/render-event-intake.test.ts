/**
 * Render pods report progress to the API with a token for their own render (issue 20,
 * finding 4): the API publishes it under that render's subject and the organization the
 * database names, whatever the pod claims, and refuses anything else.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RenderEventTokens } from '../../control-plane/src/auth/render-event-tokens.js';
import type { BusMessage } from '../../control-plane/src/events/event-bus.js';
import { bearer, register, startApp, type TestApp, uploadVideo } from './app-helper.js';

const services = inject('services');
const tokens = new RenderEventTokens('test-secret-that-is-long-enough-0123456789');
let t: TestApp;
let renderId: string;
let organizationId: string;

beforeAll(async () => {
  t = await startApp(services.postgresUrl, { CUTLINE_AUTH_RATE_LIMIT: '10000' });
  const owner = await register(t.app, 'Pod owner');
  organizationId = owner.organizationId;
  const asset = await uploadVideo(t.app, owner.accessToken);
  renderId = (
    await t.app.inject({
      method: 'POST',
      url: '/v1/renders',
      headers: bearer(owner.accessToken),
      payload: { assetId: asset, script: 'Reported by its pod.' },
    })
  ).json<{ id: string }>().id;
});
afterAll(() => t?.close());

const progress = (id: string, extra: Record<string, unknown> = {}) => ({
  type: 'progress',
  renderId: id,
  stage: 'encoding',
  progress: 0.5,
  stageProgress: 0.4,
  etaSeconds: 12,
  at: new Date().toISOString(),
  ...extra,
});

function report(id: string, token: string | undefined, body: unknown) {
  return t.app.inject({
    method: 'POST',
    url: `/v1/internal/renders/${id}/events`,
    headers: token ? bearer(token) : {},
    payload: body as Record<string, unknown>,
  });
}

describe('render event intake', () => {
  it('publishes a pod’s progress under its render and the organization on record', async () => {
    const seen: BusMessage[] = [];
    const unsubscribe = t.bus.subscribe('cutline.renders.>', (message) => void seen.push(message));
    const sent = await report(renderId, tokens.issue(renderId), progress(renderId, { organizationId: randomUUID() }));
    expect(sent.statusCode).toBe(204);
    await new Promise((r) => setTimeout(r, 50));
    unsubscribe();
    expect(seen.map((m) => [m.subject, m.data.organizationId, m.data.progress])).toEqual([
      [`cutline.renders.${renderId}.progress`, organizationId, 0.5],
    ]);
  });

  it('refuses a missing or foreign token, an event naming another render, and nonsense figures', async () => {
    const other = randomUUID();
    expect((await report(renderId, undefined, progress(renderId))).statusCode).toBe(401);
    expect((await report(renderId, tokens.issue(other), progress(renderId))).statusCode).toBe(401);
    expect((await report(other, tokens.issue(other), progress(other))).statusCode).toBe(404);
    expect((await report(renderId, tokens.issue(renderId), progress(other))).statusCode).toBe(403);
    expect((await report(renderId, tokens.issue(renderId), progress(renderId, { progress: 7 }))).statusCode).toBe(400);
    expect((await report(renderId, tokens.issue(renderId), progress(renderId, { stage: 'hacking' }))).statusCode).toBe(
      400,
    );
  });
});
