/**
 * What a render process may touch in the object store. A render in a cluster gets no storage
 * keys at all: its spec is rewritten so that every input is a link that reads that one object
 * and every output a link that writes (or, to clean up, deletes) that one file under the
 * render's own prefix. A render that an exploit takes over can reach nothing else.
 *
 * The links are signed as of the RenderJob's creation, so the same RenderJob always gives the
 * same Secret (the operator's objects are pure functions of the RenderJob).
 */
import {
  artifactNames,
  contentTypeFor,
  imageArtifactNames,
  parseImageSpec,
  parseLocation,
  parseRenderSpec,
  type ImageSpec,
  type RenderSpec,
} from '@cutline/render-job';
import type { ControlPlaneConfig } from '../config.js';
import { presignV4, type S3Credentials } from '../storage/sigv4-presign.js';

/** SigV4 links live at most a week. */
const MAX_LINK_SECONDS = 7 * 86_400;

/** The environment local render workers need: the store's keys (they run beside the API). */
export function renderStoreEnvironment(config: ControlPlaneConfig, endpoint?: string): Record<string, string> {
  if (config.storage.kind !== 's3') return {};
  return {
    CUTLINE_S3_ENDPOINT: endpoint ?? config.storage.endpoint,
    CUTLINE_S3_ACCESS_KEY: config.storage.accessKey,
    CUTLINE_S3_SECRET_KEY: config.storage.secretKey,
    CUTLINE_S3_REGION: config.storage.region,
  };
}

export interface RenderLinkOptions {
  /** The store's keys, and the endpoint as render pods reach it. */
  credentials: S3Credentials;
  /** When the links start to be valid (the RenderJob's creation). */
  signedAt: Date;
  /** How long they stay valid: the render's deadline and a margin for waiting. */
  validSeconds: number;
}

/** s3://bucket/key as the render engine reads it (the key may be empty or a prefix); undefined for any other location. */
function s3Location(location: string): { bucket: string; key: string } | undefined {
  try {
    const parsed = parseLocation(location);
    return parsed.kind === 's3' ? parsed : undefined;
  } catch {
    // Not a location the engine takes: left as it is, the render refuses it as bad input.
    return undefined;
  }
}

/** Signs links for one job's objects, valid from its RenderJob's creation. */
function linkSigner(options: RenderLinkOptions) {
  const expiresSeconds = Math.min(MAX_LINK_SECONDS, Math.max(60, Math.round(options.validSeconds)));
  const sign = (
    method: 'GET' | 'PUT' | 'DELETE',
    at: { bucket: string; key: string },
    headers: Record<string, string> = {},
  ) =>
    presignV4(options.credentials, {
      method,
      bucket: at.bucket,
      key: at.key,
      expiresSeconds,
      headers,
      now: options.signedAt,
    });
  return {
    /** An s3:// input as a link that reads that object; any other location as it is. */
    read(source: string): string {
      const at = s3Location(source);
      return at?.key ? sign('GET', at) : source;
    },
    /** A PUT and DELETE link for each named file under an s3:// destination; undefined for others. */
    write(
      destination: string,
      names: readonly string[],
      tags: Record<string, string> | undefined,
    ): OutputLinks | undefined {
      const at = s3Location(destination);
      if (!at) return undefined;
      const prefix = at.key === '' || at.key.endsWith('/') ? at.key : `${at.key}/`;
      const tagging = new URLSearchParams(tags ?? {}).toString();
      return Object.fromEntries(
        names.map((name) => {
          const file = { bucket: at.bucket, key: `${prefix}${name}` };
          const headers: Record<string, string> = {
            'content-type': contentTypeFor(name),
            ...(tagging ? { 'x-amz-tagging': tagging } : {}),
          };
          return [name, { put: sign('PUT', file, headers), delete: sign('DELETE', file), headers }];
        }),
      );
    },
  };
}

type OutputLinks = NonNullable<RenderSpec['output']['links']>;

/**
 * The spec (a render's, or an image job's) with its s3:// inputs and output replaced by links
 * for this job's objects only.
 */
export function scopeRenderSpec(input: Record<string, unknown>, options: RenderLinkOptions): Record<string, unknown> {
  const links = linkSigner(options);
  if (input.kind === 'image') {
    const spec: ImageSpec = structuredClone(parseImageSpec(input));
    for (const image of spec.inputs) image.source = links.read(image.source);
    if (spec.overlay?.logo) spec.overlay.logo.source = links.read(spec.overlay.logo.source);
    const written = links.write(spec.output.destination, imageArtifactNames(spec), spec.output.tags);
    if (written) spec.output.links = written;
    return spec as unknown as Record<string, unknown>;
  }
  const spec = parseRenderSpec(input);
  const scoped: RenderSpec = structuredClone(spec);
  scoped.video.source = links.read(spec.video.source);
  if (scoped.logo) scoped.logo.source = links.read(scoped.logo.source);
  if (scoped.audio.music) scoped.audio.music.source = links.read(scoped.audio.music.source);
  const written = links.write(spec.output.destination, artifactNames(spec), spec.output.tags);
  if (written) scoped.output.links = written;
  return scoped as unknown as Record<string, unknown>;
}
