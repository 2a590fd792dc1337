/** The creator's preferred voice and caption style, remembered in this browser. */
export interface Preferences {
  voice?: string;
  captionStyle?: string;
}

const KEY = 'cutline.preferences';

export function loadPreferences(): Preferences {
  try {
    return JSON.parse(localStorage.getItem(KEY) ?? '{}') as Preferences;
  } catch {
    return {};
  }
}

export function savePreferences(change: Preferences): void {
  localStorage.setItem(KEY, JSON.stringify({ ...loadPreferences(), ...change }));
}
