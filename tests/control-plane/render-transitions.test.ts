/**
 * A transition and its outbox event are one commit (DESIGN §4): when writing the event fails,
 * the render does not move either, so no `queued` event can be lost (issue 21's review). And
 * every transition of the table, walked by one render, writes one event of the shared schema.
 */
import { RenderStateEvent } from '@cutline/contract';
import { Compile } from 'typebox/compile';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bearer, register, startApp, type TestApp, uploadVideo } from './app-helper.js';

const services = inject('services');
let t: TestApp;
let assetId: string;
let token: string;
let owner: Awaited<ReturnType<typeof register>>;

beforeAll(async () => {
  t = await startApp(services.postgresUrl, { CUTLINE_AUTH_RATE_LIMIT: '10000' });
  owner = await register(t.app, 'Requeue');
  token = owner.accessToken;
  assetId = await uploadVideo(t.app, token);
});
afterAll(() => t?.close());

async function renderIn(state: 'admitted' | 'running', launcherId: string): Promise<string> {
  const id = (
    await t.app.inject({
      method: 'POST',
      url: '/v1/renders',
      headers: bearer(token),
      payload: { assetId, script: 'Put back in the queue.' },
    })
  ).json<{ id: string }>().id;
  await t.db.render.update({
    where: { id },
    data: { state, launcherId, admittedAt: new Date(Date.now() - 3_600_000) },
  });
  return id;
}

/** Makes every `requeued` event fail to be written, as a crash or a full disk would. */
async function failingRequeueEvents<T>(work: () => Promise<T>): Promise<T> {
  await t.db.$executeRawUnsafe(
    `CREATE FUNCTION refuse_requeued() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.payload->>'reason' = 'requeued' THEN RAISE EXCEPTION 'outbox unavailable'; END IF; RETURN NEW; END $$`,
  );
  await t.db.$executeRawUnsafe(
    'CREATE TRIGGER refuse_requeued BEFORE INSERT ON outbox_events FOR EACH ROW EXECUTE FUNCTION refuse_requeued()',
  );
  try {
    return await work();
  } finally {
    await t.db.$executeRawUnsafe('DROP TRIGGER refuse_requeued ON outbox_events');
    await t.db.$executeRawUnsafe('DROP FUNCTION refuse_requeued()');
  }
}

const requeuedEvents = async (id: string) =>
  (await t.db.outboxEvent.findMany({ where: { subject: `cutline.renders.${id}.state` } })).filter(
    (e) => (e.payload as { reason?: string }).reason === 'requeued',
  ).length;

describe('requeue transitions', () => {
  it('an orphan is requeued together with its event, or not at all', async () => {
    const id = await renderIn('running', 'a-launcher-that-died');
    await failingRequeueEvents(() => expect(t.lifecycle.requeueOrphans(new Date(), 'this-launcher')).rejects.toThrow());
    expect((await t.db.render.findUnique({ where: { id } }))!.state).toBe('running');
    expect(await t.lifecycle.requeueOrphans(new Date(), 'this-launcher')).toBeGreaterThanOrEqual(1);
    expect((await t.db.render.findUnique({ where: { id } }))!.state).toBe('queued');
    expect(await requeuedEvents(id)).toBe(1);
  });

  it('a render lost in the cluster is requeued together with its event, or not at all', async () => {
    const id = await renderIn('admitted', 'kubernetes');
    await failingRequeueEvents(() =>
      expect(t.lifecycle.requeueLostInCluster(new Date(), 60_000, [])).rejects.toThrow(),
    );
    expect((await t.db.render.findUnique({ where: { id } }))!.state).toBe('admitted');
    expect(await t.lifecycle.requeueLostInCluster(new Date(), 60_000, [])).toBeGreaterThanOrEqual(1);
    expect((await t.db.render.findUnique({ where: { id } }))!.state).toBe('queued');
    expect(await requeuedEvents(id)).toBe(1);
  });
});

describe('the lifecycle', () => {
  const conforms = Compile(RenderStateEvent);

  it('walks a render through every transition, each announced by one valid event', async () => {
    const id = (
      await t.app.inject({
        method: 'POST',
        url: '/v1/renders',
        headers: bearer(token),
        payload: { assetId, script: 'Round and round.' },
      })
    ).json<{ id: string }>().id;
    // Nothing else is queued by now: the earlier renders were requeued, so admit those first.
    await t.db.render.updateMany({ where: { id: { not: id }, state: 'queued' }, data: { state: 'canceled' } });
    const now = new Date();
    const l = t.lifecycle;
    expect(await l.succeed(id, [], 1, now)).toBe(false); // queued → succeeded is not a transition
    expect((await l.admitNext(now, 'walker'))?.id).toBe(id);
    expect(await l.start(id, now)).toBe(true);
    expect(await l.start(id, now)).toBe(false); // already running
    expect(await l.preempt(id, now)).toBe(true);
    expect(await l.start(id, now)).toBe(true);
    expect(await l.fail(id, now, { code: 'CUTLINE_INTERNAL', message: 'Broke.' })).toBe(true);
    expect(await l.requeue(id, now)).toBe(false); // failed renders are retried, not requeued
    const periodId = (await t.db.render.findUniqueOrThrow({ where: { id } })).usagePeriodId!;
    expect(await t.db.$transaction((tx) => l.retry(tx, owner.organizationId, id, periodId, now))).toBe(true);
    expect((await l.admitNext(now, 'walker'))?.id).toBe(id);
    expect(await l.start(id, now)).toBe(true);
    expect(await l.succeed(id, [], 2.5, now)).toBe(true);
    expect(await l.cancel(id, now, { code: 'CUTLINE_CANCELED', message: 'Too late.' })).toBe(false);
    expect(await l.expireDue(new Date(now.getTime() + 400 * 86_400_000))).toBeGreaterThanOrEqual(1);

    const events = await t.db.outboxEvent.findMany({
      where: { subject: `cutline.renders.${id}.state` },
      orderBy: { id: 'asc' },
    });
    for (const e of events) expect(conforms.Check(e.payload), JSON.stringify(e.payload)).toBe(true);
    expect(events.map((e) => (e.payload as RenderStateEvent).state)).toEqual([
      'queued',
      'admitted',
      'running',
      'admitted',
      'running',
      'failed',
      'queued',
      'admitted',
      'running',
      'succeeded',
      'expired',
    ]);
    const usage = await t.db.usagePeriod.findUniqueOrThrow({ where: { id: periodId } });
    expect(usage.rendersCommitted).toBeGreaterThanOrEqual(1);
  });
});
