/** Builds the one event type a render's state change is announced with (contract/render-events.ts). */
import type { RenderState, RenderStateEvent } from '@cutline/contract';

export interface StateEventDetails {
  reason?: RenderStateEvent['reason'] | undefined;
  error?: { code: string; message: string } | undefined;
  durationSeconds?: number | undefined;
}

export function stateEvent(
  renderId: string,
  organizationId: string,
  state: RenderState,
  at: Date,
  details: StateEventDetails = {},
): RenderStateEvent {
  return {
    type: 'state',
    renderId,
    organizationId,
    state,
    ...(details.reason ? { reason: details.reason } : {}),
    ...(details.error ? { error: details.error } : {}),
    ...(details.durationSeconds !== undefined ? { durationSeconds: details.durationSeconds } : {}),
    at: at.toISOString(),
  };
}
