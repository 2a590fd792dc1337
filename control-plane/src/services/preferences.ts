/**
 * A user's choices, kept on the account (users.preferences) so they follow the person to
 * every browser: which mails they get, and the voice and caption style new videos start with.
 */
import Type, { type Static } from 'typebox';
import { Value } from 'typebox/value';

export const NOTIFICATION_KINDS = ['renders', 'batches', 'comments', 'usage', 'billing'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

export const Preferences = Type.Object(
  {
    /** Mail about one's own videos and batches; usage and billing mail go to owners and admins. */
    notifications: Type.Object(
      Object.fromEntries(NOTIFICATION_KINDS.map((k) => [k, Type.Boolean()])) as Record<
        NotificationKind,
        ReturnType<typeof Type.Boolean>
      >,
      { additionalProperties: false },
    ),
    defaultVoice: Type.Union([Type.String({ minLength: 1, maxLength: 100 }), Type.Null()]),
    defaultCaptionStyle: Type.Union([Type.String({ minLength: 1, maxLength: 100 }), Type.Null()]),
  },
  { additionalProperties: false },
);
export type Preferences = Static<typeof Preferences>;

/** What a client sends: a kind of mail it does not know of yet keeps its setting (or the default). */
export const PreferencesUpdate = Type.Object(
  {
    notifications: Type.Partial(Preferences.properties.notifications, { additionalProperties: false }),
    defaultVoice: Preferences.properties.defaultVoice,
    defaultCaptionStyle: Preferences.properties.defaultCaptionStyle,
  },
  { additionalProperties: false },
);

export const DEFAULT_PREFERENCES: Preferences = {
  notifications: { renders: true, batches: true, comments: true, usage: true, billing: true },
  defaultVoice: null,
  defaultCaptionStyle: null,
};

/** What is stored, over the defaults; anything malformed (an older shape) falls back to them. */
export function preferencesOf(stored: unknown): Preferences {
  const raw = (stored && typeof stored === 'object' ? stored : {}) as Partial<Preferences>;
  const merged = {
    ...DEFAULT_PREFERENCES,
    ...raw,
    notifications: { ...DEFAULT_PREFERENCES.notifications, ...(raw.notifications ?? {}) },
  };
  return Value.Check(Preferences, merged) ? merged : DEFAULT_PREFERENCES;
}

export function wantsMail(stored: unknown, kind: NotificationKind): boolean {
  return preferencesOf(stored).notifications[kind];
}
