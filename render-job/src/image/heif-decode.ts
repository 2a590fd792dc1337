/**
 * HEIC (HEVC-coded HEIF, what iPhones save): the prebuilt libvips in sharp decodes only AV1,
 * so such a picture is decoded by libheif's heif-convert (Debian's libheif-examples, with
 * libde265) to a PNG in scratch first. Its size was checked from the header before this runs;
 * libheif applies the picture's rotation and mirroring, so the PNG is upright. The program
 * gets a local path only (argument vector, no shell), and a time limit.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { RenderError } from '../errors.js';
import { ProgramNotFoundError, runProgram } from '../run-process.js';

const DECODE_TIMEOUT_MS = 60_000;

export async function decodeHevcPicture(path: string, scratchDir: string, name: string): Promise<string> {
  const target = join(scratchDir, `${name}.png`);
  let result;
  try {
    result = await runProgram('heif-convert', ['--quiet', path, target], {
      timeoutMs: DECODE_TIMEOUT_MS,
      maxOutputBytes: 1024 * 1024,
    });
  } catch (err) {
    if (err instanceof ProgramNotFoundError)
      throw new RenderError(
        'CUTLINE_IMAGE_FORMAT_NOT_ALLOWED',
        'HEIC pictures need heif-convert (libheif-examples), which this machine lacks; export the picture as JPEG.',
      );
    throw err;
  }
  const made = await stat(target).catch(() => undefined);
  if (result.code !== 0 || !made)
    throw new RenderError(
      'CUTLINE_IMAGE_CORRUPT',
      `The HEIC picture cannot be decoded${result.signal ? ' in time' : ''}: ${result.stderr.trim().slice(0, 300) || `exit ${result.code}`}`,
    );
  return target;
}
