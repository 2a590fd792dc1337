/** A render as the API answers it, and what its lists sort and filter by. */
import Type, { type Static } from 'typebox';
import { RENDER_STATES } from './render-states.js';

const Uuid = Type.String({ format: 'uuid' });
const DateTime = Type.String({ format: 'date-time' });
const Nullable = <T extends Type.TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** What a render makes: a narrated video, or an image job's pictures. */
export const RENDER_KINDS = ['video', 'image'] as const;
export type RenderKind = (typeof RENDER_KINDS)[number];

export const RenderView = Type.Object({
  id: Uuid,
  title: Nullable(Type.String()),
  /** video: a narrated render; image: an image job (formats are then its output sizes). */
  kind: Type.Enum(RENDER_KINDS),
  assetId: Uuid,
  projectId: Nullable(Uuid),
  batchId: Nullable(Uuid),
  state: Type.Enum(RENDER_STATES),
  tier: Type.String(),
  progress: Type.Number(),
  stage: Nullable(Type.String()),
  error: Nullable(Type.Object({ code: Type.String(), message: Type.String() })),
  durationSeconds: Nullable(Type.Number()),
  formats: Type.Array(Type.String()),
  voice: Type.String(),
  /** Each file is deleted once downloaded in full. */
  deleteAfterDownload: Type.Boolean(),
  queuedAt: DateTime,
  startedAt: Nullable(DateTime),
  finishedAt: Nullable(DateTime),
});
export type RenderView = Static<typeof RenderView>;

export interface ListContract {
  readonly sortable: readonly string[];
  readonly defaultSort: string;
  readonly filters: readonly string[];
}

/** The simple-rest lists whose sorting and filters the UI must know; keyed by the UI's resource. */
export const LISTS = {
  renders: {
    sortable: ['queuedAt', 'state', 'title', 'finishedAt'],
    defaultSort: 'queuedAt',
    filters: ['state', 'q', 'batchId', 'projectId', 'kind'],
  },
  organizations: { sortable: ['createdAt'], defaultSort: 'createdAt', filters: ['q', 'plan', 'suspended'] },
  users: { sortable: ['createdAt'], defaultSort: 'createdAt', filters: ['q', 'organizationId'] },
  'all-renders': {
    sortable: ['queuedAt', 'state', 'finishedAt'],
    defaultSort: 'queuedAt',
    filters: ['state', 'tier', 'organizationId', 'q'],
  },
  'all-activity': { sortable: ['createdAt'], defaultSort: 'createdAt', filters: ['organizationId'] },
  assets: {
    sortable: ['createdAt', 'filename', 'sizeBytes', 'durationSeconds', 'expiresAt'],
    defaultSort: 'createdAt',
    filters: ['q', 'kind', 'status', 'projectId', 'tag', 'uploadedById'],
  },
  projects: { sortable: ['createdAt', 'name', 'updatedAt'], defaultSort: 'updatedAt', filters: ['q', 'archived'] },
  comments: { sortable: ['createdAt'], defaultSort: 'createdAt', filters: ['resolved'] },
  activity: { sortable: ['createdAt'], defaultSort: 'createdAt', filters: ['projectId'] },
} as const satisfies Record<string, ListContract>;
