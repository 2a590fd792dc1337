import { describe, expect, it } from 'vitest';
import { scopeRenderSpec } from './render-credentials.js';

const credentials = {
  endpoint: 'http://minio.cutline.svc:9000',
  accessKey: 'AKIAEXAMPLE',
  secretKey: 'secret-key-example',
  region: 'us-east-1',
};
const spec = {
  version: 1,
  id: '5e0c8f9e-59a4-4d36-9f6c-2f0a7b1f6a11',
  video: { source: 's3://cutline/orgs/o1/assets/a1' },
  logo: { source: 's3://cutline/orgs/o1/assets/logo1' },
  script: { text: 'Hello there.' },
  formats: ['9:16', '1:1'],
  output: { destination: 's3://cutline/orgs/o1/renders/r1/', tags: { 'cutline-retention-days': '7' } },
};

describe('scopeRenderSpec', () => {
  it('turns every s3:// input into a read link and the destination into one link per output, and nothing else', () => {
    const scoped = scopeRenderSpec(spec, {
      credentials,
      signedAt: new Date('2026-12-01T10:00:00Z'),
      validSeconds: 3600,
    }) as typeof spec & {
      output: { links: Record<string, { put: string; delete: string; headers: Record<string, string> }> };
    };
    expect(scoped.video.source).toMatch(
      /^http:\/\/minio\.cutline\.svc:9000\/cutline\/orgs\/o1\/assets\/a1\?.*X-Amz-Expires=3600.*X-Amz-Signature=[0-9a-f]{64}$/,
    );
    expect(scoped.logo.source).toContain('/cutline/orgs/o1/assets/logo1?');
    expect(Object.keys(scoped.output.links)).toEqual([
      'video-9x16.mp4',
      'video-1x1.mp4',
      'thumbnail.jpg',
      'captions.srt',
      'captions.vtt',
      'words.json',
      'manifest.json',
    ]);
    for (const [name, link] of Object.entries(scoped.output.links)) {
      expect(new URL(link.put).pathname).toBe(`/cutline/orgs/o1/renders/r1/${name}`);
      expect(new URL(link.delete).pathname).toBe(`/cutline/orgs/o1/renders/r1/${name}`);
      expect(new URL(link.put).searchParams.get('X-Amz-SignedHeaders')).toBe('content-type;host;x-amz-tagging');
      expect(link.headers['x-amz-tagging']).toBe('cutline-retention-days=7');
    }
    expect(scoped.output.links['video-9x16.mp4']!.headers['content-type']).toBe('video/mp4');
    expect(JSON.stringify(scoped)).not.toContain(credentials.secretKey);
  });

  it('gives the same links for the same RenderJob, and leaves local paths alone', () => {
    const options = { credentials, signedAt: new Date('2026-12-01T10:00:00Z'), validSeconds: 30 * 86_400 };
    expect(scopeRenderSpec(spec, options)).toEqual(scopeRenderSpec(spec, options));
    const week = new URL((scopeRenderSpec(spec, options) as typeof spec).video.source).searchParams.get(
      'X-Amz-Expires',
    );
    expect(week).toBe(String(7 * 86_400));
    const local = scopeRenderSpec(
      { ...spec, video: { source: '/data/in.mp4' }, logo: undefined, output: { destination: '/data/out/' } },
      options,
    ) as typeof spec & { output: { links?: unknown } };
    expect(local.video.source).toBe('/data/in.mp4');
    expect(local.output.links).toBeUndefined();
  });

  it('scopes an image job the same way: each picture and the logo read, each file written, by its own link', () => {
    const image = {
      version: 1,
      kind: 'image',
      id: 'img-1',
      inputs: [{ name: 'beach', source: 's3://cutline/orgs/o1/assets/p1' }],
      outputs: [
        { name: 'instagram-post', width: 1080, height: 1080, format: 'jpeg' },
        { name: 'x-post', width: 1600, height: 900, format: 'webp' },
      ],
      overlay: { logo: { source: 's3://cutline/orgs/o1/assets/logo1' } },
      limits: { maxInputBytes: 1_000_000, maxPixels: 50_000_000, maxFrames: 10 },
      output: { destination: 's3://cutline/orgs/o1/renders/img-1/', tags: { 'cutline-retention-days': '7' } },
    };
    const scoped = scopeRenderSpec(image, {
      credentials,
      signedAt: new Date('2026-12-01T10:00:00Z'),
      validSeconds: 3600,
    }) as typeof image & { output: { links: Record<string, { put: string; headers: Record<string, string> }> } };
    expect(scoped.inputs[0]!.source).toMatch(/\/cutline\/orgs\/o1\/assets\/p1\?.*X-Amz-Signature=/);
    expect(scoped.overlay.logo.source).toMatch(/\/cutline\/orgs\/o1\/assets\/logo1\?.*X-Amz-Signature=/);
    expect(Object.keys(scoped.output.links)).toEqual([
      'beach-instagram-post.jpg',
      'beach-x-post.webp',
      'manifest.json',
    ]);
    expect(scoped.output.links['beach-x-post.webp']!.headers['content-type']).toBe('image/webp');
    expect(JSON.stringify(scoped)).not.toContain(credentials.secretKey);
  });
});
