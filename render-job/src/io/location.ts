/** Parses where a file lives: a local path, file://, http(s):// or s3://bucket/key. */
import { fileURLToPath } from 'node:url';
import { RenderError } from '../errors.js';

export type Location =
  { kind: 'file'; path: string } | { kind: 'http'; url: URL } | { kind: 's3'; bucket: string; key: string };

export function parseLocation(value: string): Location {
  if (value.startsWith('s3://')) {
    const rest = value.slice('s3://'.length);
    const slash = rest.indexOf('/');
    const bucket = slash < 0 ? rest : rest.slice(0, slash);
    const key = slash < 0 ? '' : rest.slice(slash + 1);
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
      throw new RenderError('CUTLINE_INVALID_SPEC', `"${value}" does not name a valid S3 bucket.`);
    }
    return { kind: 's3', bucket, key };
  }
  if (/^https?:\/\//i.test(value)) {
    try {
      return { kind: 'http', url: new URL(value) };
    } catch {
      throw new RenderError('CUTLINE_INVALID_SPEC', `"${value}" is not a valid URL.`);
    }
  }
  if (value.startsWith('file://')) return { kind: 'file', path: fileURLToPath(value) };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    throw new RenderError(
      'CUTLINE_INVALID_SPEC',
      `Unsupported location "${value}": use a path, file://, http(s):// or s3://.`,
    );
  }
  return { kind: 'file', path: value };
}
