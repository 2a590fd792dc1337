import { describe, expect, it } from 'vitest';
import { isLegalTransition, RENDER_STATES, RENDER_TRANSITIONS, transitionsBetween } from './render-states.js';

// Written out by hand from DESIGN §4, apart from the table, so a change to either shows here.
const LEGAL: Record<string, string> = {
  'queued→admitted': 'admit',
  'queued→canceled': 'cancel',
  'admitted→running': 'start',
  'admitted→failed': 'fail',
  'admitted→canceled': 'cancel',
  'admitted→queued': 'requeue',
  'running→succeeded': 'succeed',
  'running→failed': 'fail',
  'running→canceled': 'cancel',
  'running→queued': 'requeue',
  'running→admitted': 'preempt',
  'failed→queued': 'retry',
  'canceled→queued': 'retry',
  'succeeded→expired': 'expire',
};

describe('the render state machine', () => {
  for (const from of RENDER_STATES) {
    for (const to of RENDER_STATES) {
      const key = `${from}→${to}`;
      const expected = LEGAL[key];
      it(`${expected ? 'allows' : 'refuses'} ${key}`, () => {
        expect(isLegalTransition(from, to)).toBe(expected !== undefined);
        expect(transitionsBetween(from, to)).toEqual(expected ? [expected] : []);
      });
    }
  }

  it('creates renders only by submission, in the queue', () => {
    const creating = Object.entries(RENDER_TRANSITIONS).filter(([, rule]) => rule.from.length === 0);
    expect(creating).toEqual([['submit', { from: [], to: 'queued' }]]);
  });

  it('never leaves expired', () => {
    for (const to of RENDER_STATES) expect(isLegalTransition('expired', to)).toBe(false);
  });
});
