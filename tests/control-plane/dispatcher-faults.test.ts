/**
 * The dispatcher survives its database (issue 21's review): when a finished render's outcome
 * cannot be written, it tries again until it can, with no unhandled rejection, and the render
 * ends exactly once with its quota committed.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { waitFor } from '../fixture/ports.js';
import { bearer, register, startApp, type TestApp, uploadVideo } from './app-helper.js';

const services = inject('services');
let t: TestApp;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => void unhandled.push(reason);

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  t = await startApp(services.postgresUrl, { CUTLINE_AUTH_RATE_LIMIT: '10000' }, {}, { workers: 1 });
});
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await t?.close();
});

describe('dispatcher faults', () => {
  it('records an outcome it could not write at first, once, when the database takes writes again', async () => {
    const owner = await register(t.app, 'Outcome');
    const asset = await uploadVideo(t.app, owner.accessToken);
    // Every write that would end a render fails, as while PostgreSQL is away.
    await t.db.$executeRawUnsafe(
      `CREATE FUNCTION refuse_outcomes() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.state IN ('succeeded', 'failed', 'queued') AND OLD.state IN ('admitted', 'running') THEN RAISE EXCEPTION 'database away'; END IF; RETURN NEW; END $$`,
    );
    await t.db.$executeRawUnsafe(
      'CREATE TRIGGER refuse_outcomes BEFORE UPDATE ON renders FOR EACH ROW EXECUTE FUNCTION refuse_outcomes()',
    );
    let dropped = false;
    try {
      const id = (
        await t.app.inject({
          method: 'POST',
          url: '/v1/renders',
          headers: bearer(owner.accessToken),
          payload: { assetId: asset, script: 'Finished while the database was away.', maxResolution: 480 },
        })
      ).json<{ id: string }>().id;
      const stateOf = async () => (await t.db.render.findUnique({ where: { id } }))!.state;
      await waitFor(async () => (await stateOf()) === 'running', 'the render to run', 60_000);
      // The process ends; its outcome cannot be written for a while.
      await new Promise((r) => setTimeout(r, 6_000));
      expect(await stateOf()).toBe('running');
      await t.db.$executeRawUnsafe('DROP TRIGGER refuse_outcomes ON renders');
      await t.db.$executeRawUnsafe('DROP FUNCTION refuse_outcomes()');
      dropped = true;
      await waitFor(async () => (await stateOf()) === 'succeeded', 'the outcome to be recorded', 60_000);
      const states = (
        await t.db.outboxEvent.findMany({ where: { subject: `cutline.renders.${id}.state` }, orderBy: { id: 'asc' } })
      ).map((e) => (e.payload as { state: string }).state);
      expect(states).toEqual(['queued', 'admitted', 'running', 'succeeded']);
      const usage = await t.db.usagePeriod.findFirst({ where: { organizationId: owner.organizationId } });
      expect({ reserved: usage!.rendersReserved, committed: usage!.rendersCommitted }).toEqual({
        reserved: 0,
        committed: 1,
      });
      expect(unhandled).toEqual([]);
    } finally {
      if (!dropped) {
        await t.db.$executeRawUnsafe('DROP TRIGGER IF EXISTS refuse_outcomes ON renders');
        await t.db.$executeRawUnsafe('DROP FUNCTION IF EXISTS refuse_outcomes()');
      }
    }
  }, 150_000);
});
