/**
 * A render's states and the transitions between them (DESIGN §4), as one table. The control
 * plane's lifecycle (control-plane/src/lifecycle) applies nothing else, and the UI reads the
 * same lists, so the two cannot disagree on what a state means.
 */
export const RENDER_STATES = ['queued', 'admitted', 'running', 'succeeded', 'failed', 'canceled', 'expired'] as const;
export type RenderState = (typeof RENDER_STATES)[number];

/** Waiting for a slot or holding one: the render can still be canceled and still changes. */
export const ACTIVE_STATES = ['queued', 'admitted', 'running'] as const satisfies readonly RenderState[];
export type ActiveState = (typeof ACTIVE_STATES)[number];

/** Where a render rests until someone acts (retry) or its files expire. */
export const FINISHED_STATES = ['succeeded', 'failed', 'canceled', 'expired'] as const satisfies readonly RenderState[];

export function isActive(state: string): state is ActiveState {
  return (ACTIVE_STATES as readonly string[]).includes(state);
}

interface TransitionRule {
  readonly from: readonly RenderState[];
  readonly to: RenderState;
}

export const RENDER_TRANSITIONS = {
  /** Submitted with its quota reserved; the only way a render comes to exist. */
  submit: { from: [], to: 'queued' },
  /** Given a dispatcher slot (fair share, tier priority). */
  admit: { from: ['queued'], to: 'admitted' },
  /** Its process or pod has started. */
  start: { from: ['admitted'], to: 'running' },
  /** Outputs recorded, quota committed. */
  succeed: { from: ['running'], to: 'succeeded' },
  /** Quota refunded. */
  fail: { from: ['admitted', 'running'], to: 'failed' },
  /** By the user, an operator or the cluster; quota refunded. */
  cancel: { from: ['queued', 'admitted', 'running'], to: 'canceled' },
  /** By the user, with a fresh quota reservation. */
  retry: { from: ['failed', 'canceled'], to: 'queued' },
  /** A transient failure, a launch that did not happen, or a launcher that died; the reservation stays. */
  requeue: { from: ['admitted', 'running'], to: 'queued' },
  /** The cluster evicted its pod and the Job starts another; the slot stays held. */
  preempt: { from: ['running'], to: 'admitted' },
  /** Its files are past the plan's retention and deleted. */
  expire: { from: ['succeeded'], to: 'expired' },
} as const satisfies Record<string, TransitionRule>;

export type RenderTransition = keyof typeof RENDER_TRANSITIONS;

/** The transitions that lead from `from` to `to` (none: the move is illegal). */
export function transitionsBetween(from: RenderState, to: RenderState): RenderTransition[] {
  return (Object.keys(RENDER_TRANSITIONS) as RenderTransition[]).filter((name) => {
    const rule: TransitionRule = RENDER_TRANSITIONS[name];
    return rule.to === to && rule.from.includes(from);
  });
}

export function isLegalTransition(from: RenderState, to: RenderState): boolean {
  return transitionsBetween(from, to).length > 0;
}
