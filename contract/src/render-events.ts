/**
 * What the control plane announces about a render, on the bus and to browsers over SSE: state
 * changes (durable, from the outbox) and progress (live only). One schema for the writer, the
 * relay, the streams and the UI.
 */
import Type, { type Static } from 'typebox';
import { RENDER_STATES } from './render-states.js';

export const REQUEUE_REASONS = ['retry', 'requeued'] as const;

export const RenderStateEvent = Type.Object(
  {
    type: Type.Literal('state'),
    renderId: Type.String({ format: 'uuid' }),
    organizationId: Type.String({ format: 'uuid' }),
    state: Type.Enum(RENDER_STATES),
    /** Why a render went back to the queue: a retry, or a launcher or pod that was lost. */
    reason: Type.Optional(Type.Enum(REQUEUE_REASONS)),
    error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() })),
    /** The narrated video's length, on `succeeded`. */
    durationSeconds: Type.Optional(Type.Number()),
    at: Type.String({ format: 'date-time' }),
    /** The outbox row's id, set when the relay publishes the event; SSE sends it as the event id. */
    eventId: Type.Optional(Type.Integer()),
  },
  { $id: 'RenderStateEvent', additionalProperties: false },
);
export type RenderStateEvent = Static<typeof RenderStateEvent>;

export const RenderProgressEvent = Type.Object(
  {
    type: Type.Literal('progress'),
    renderId: Type.String({ format: 'uuid' }),
    organizationId: Type.String({ format: 'uuid' }),
    stage: Type.String(),
    /** Overall progress 0..1. */
    progress: Type.Number({ minimum: 0, maximum: 1 }),
    stageProgress: Type.Number({ minimum: 0, maximum: 1 }),
    etaSeconds: Type.Union([Type.Number(), Type.Null()]),
    at: Type.String({ format: 'date-time' }),
  },
  { $id: 'RenderProgressEvent' },
);
export type RenderProgressEvent = Static<typeof RenderProgressEvent>;

export type RenderServerEvent = RenderStateEvent | RenderProgressEvent;
