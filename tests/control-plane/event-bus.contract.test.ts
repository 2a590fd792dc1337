/** One contract for the EventBus port: in-process (embedded default) and NATS (production). */
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { BusMessage, EventBus } from '../../control-plane/src/events/event-bus.js';
import { subjectMatches } from '../../control-plane/src/events/event-bus.js';
import { InProcessBus } from '../../control-plane/src/events/in-process-bus.js';
import { NatsBus } from '../../control-plane/src/events/nats-bus.js';

const services = inject('services');
const opened: EventBus[] = [];
afterAll(async () => {
  for (const bus of opened) await bus.close();
});

async function settle(bus: EventBus): Promise<void> {
  if (bus instanceof NatsBus) await bus.flush();
  await new Promise((r) => setTimeout(r, 50));
}

describe('subjectMatches', () => {
  it.each([
    ['cutline.renders.>', 'cutline.renders.r1.state', true],
    ['cutline.renders.*.state', 'cutline.renders.r1.state', true],
    ['cutline.renders.*.state', 'cutline.renders.r1.progress', false],
    ['cutline.renders.r1.>', 'cutline.renders.r2.state', false],
    ['cutline.renders.>', 'cutline.renders', false],
    ['a.b', 'a.b.c', false],
  ])('%s ~ %s → %s', (pattern, subject, expected) => expect(subjectMatches(pattern, subject)).toBe(expected));
});

describe.each([
  ['in-process', async () => new InProcessBus()],
  ['NATS', async () => NatsBus.connect(services.natsUrl)],
] as Array<[string, () => Promise<EventBus>]>)('EventBus contract: %s', (_name, make) => {
  it('delivers to matching subscribers, in order, until they unsubscribe', async () => {
    const bus = await make();
    opened.push(bus);
    const prefix = `t${Date.now()}${Math.random().toString(36).slice(2, 6)}`;
    const all: BusMessage[] = [];
    const states: BusMessage[] = [];
    const offAll = bus.subscribe(`${prefix}.renders.>`, (m) => all.push(m));
    const offStates = bus.subscribe(`${prefix}.renders.*.state`, (m) => states.push(m));
    await settle(bus);
    for (let i = 0; i < 5; i++) await bus.publish(`${prefix}.renders.r${i}.state`, { n: i });
    await bus.publish(`${prefix}.renders.r0.progress`, { n: 99 });
    await bus.publish(`${prefix}.other.x`, { n: -1 });
    await settle(bus);
    expect(all.map((m) => m.data.n)).toEqual([0, 1, 2, 3, 4, 99]);
    expect(states.map((m) => m.subject)).toEqual([0, 1, 2, 3, 4].map((i) => `${prefix}.renders.r${i}.state`));
    offAll();
    offStates();
    await settle(bus);
    await bus.publish(`${prefix}.renders.r9.state`, { n: 9 });
    await settle(bus);
    expect(all).toHaveLength(6);
  });

  it('answers a ping while open and refuses it once closed', async () => {
    const bus = await make();
    await expect(bus.ping()).resolves.toBeUndefined();
    await bus.close();
    await expect(bus.ping()).rejects.toThrow();
  });
});
