/** Choices of a render request that the API, the CSV batch and the New video page share. */

/** How the source fills an output of another shape; smart follows the subject (the default). */
export const FITS = ['smart', 'crop', 'letterbox', 'blur'] as const;
export type Fit = (typeof FITS)[number];

/** The columns a batch CSV may have (script and video are required). */
export const CSV_COLUMNS = [
  'script',
  'video',
  'voice',
  'style',
  'formats',
  'fit',
  'title',
  'trim_start',
  'trim_end',
] as const;

/** Image batches (POST /v1/images/batches): pictures a request may hold, with and without the plan's batches, and sizes. */
export const IMAGE_BATCH_LIMITS = { pictures: 100, picturesWithoutBatch: 5, presets: 12 } as const;
