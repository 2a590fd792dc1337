/**
 * The platform presets people pick by name: the size and format each platform asks for.
 * Sizes are the platforms' recommended upload sizes; `fit: cover` fills them (cropping).
 */
export const IMAGE_FORMATS = ['jpeg', 'png', 'webp', 'avif'] as const;
export type ImageFormat = (typeof IMAGE_FORMATS)[number];

export interface ImagePreset {
  id: string;
  label: string;
  width: number;
  height: number;
  format: ImageFormat;
}

export const IMAGE_PRESETS: readonly ImagePreset[] = [
  { id: 'instagram-post', label: 'Instagram post (square)', width: 1080, height: 1080, format: 'jpeg' },
  { id: 'instagram-portrait', label: 'Instagram portrait', width: 1080, height: 1350, format: 'jpeg' },
  { id: 'instagram-story', label: 'Instagram story', width: 1080, height: 1920, format: 'jpeg' },
  { id: 'tiktok-cover', label: 'TikTok and Reels cover', width: 1080, height: 1920, format: 'jpeg' },
  { id: 'youtube-thumbnail', label: 'YouTube thumbnail', width: 1280, height: 720, format: 'jpeg' },
  { id: 'x-post', label: 'X (Twitter) post', width: 1600, height: 900, format: 'jpeg' },
  { id: 'linkedin-post', label: 'LinkedIn post', width: 1200, height: 627, format: 'jpeg' },
  { id: 'facebook-cover', label: 'Facebook cover', width: 1640, height: 624, format: 'jpeg' },
  { id: 'pinterest-pin', label: 'Pinterest pin', width: 1000, height: 1500, format: 'jpeg' },
];

export function findPreset(id: string): ImagePreset | undefined {
  return IMAGE_PRESETS.find((p) => p.id === id);
}
