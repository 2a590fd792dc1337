/**
 * The account's preferences (GET/PUT /v1/me/preferences): which mails the user gets, and the
 * voice and caption style new videos start with, kept with the account so they follow the
 * person to every browser.
 */
import { api } from '../api/http';

export interface Preferences {
  notifications: { renders: boolean; batches: boolean; comments: boolean; usage: boolean; billing: boolean };
  defaultVoice: string | null;
  defaultCaptionStyle: string | null;
}

export async function fetchPreferences(): Promise<Preferences> {
  return (await api<Preferences>('/v1/me/preferences')).data;
}

export async function savePreferences(preferences: Preferences): Promise<Preferences> {
  return (await api<Preferences>('/v1/me/preferences', { method: 'PUT', json: preferences })).data;
}

/** The last video's voice and style become the defaults of the next one. */
export async function rememberChoices(choice: { voice: string; captionStyle: string }): Promise<void> {
  const current = await fetchPreferences();
  if (current.defaultVoice === choice.voice && current.defaultCaptionStyle === choice.captionStyle) return;
  await savePreferences({ ...current, defaultVoice: choice.voice, defaultCaptionStyle: choice.captionStyle });
}
