/**
 * A render that holds no storage credentials (Kubernetes pods): it publishes each file to its
 * own signed link with exactly the link's headers, the manifest last and once the rest is out
 * (so it records how long publishing took), and on a failure takes back what it published.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactNames, parseRenderSpec } from '@cutline/render-job';
import { ensureCorpus, type CorpusName } from './corpus.js';
import { expectOk, render } from './render-helper.js';

let corpus: Record<CorpusName, string>;
let server: Server;
let base: string;
const requests: Array<{ method: string; name: string; headers: IncomingHttpHeaders; bytes: number }> = [];
/** Names whose PUT the receiver refuses. */
const refused = new Set<string>();

beforeAll(async () => {
  corpus = await ensureCorpus();
  server = createServer((request, response) => {
    const name = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname.split('/').pop() ?? '');
    let bytes = 0;
    request.on('data', (chunk: Buffer) => (bytes += chunk.length));
    request.on('end', () => {
      requests.push({ method: request.method ?? '', name, headers: request.headers, bytes });
      // A slow store: publishing takes a measurable time.
      setTimeout(
        () => response.writeHead(request.method === 'PUT' && refused.has(name) ? 500 : 200).end(),
        request.method === 'PUT' ? 100 : 0,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => server?.close());

function linksFor(spec: Record<string, unknown>, renderId: string) {
  const names = artifactNames(
    parseRenderSpec({
      version: 1,
      video: { source: 'x' },
      script: { text: 'x' },
      output: { destination: 'x' },
      ...spec,
    }),
  );
  return Object.fromEntries(
    names.map((name) => [
      name,
      {
        put: `${base}/put/${renderId}/${name}?sig=1`,
        delete: `${base}/delete/${renderId}/${name}?sig=2`,
        headers: { 'content-type': 'application/x-test', 'x-amz-tagging': 'cutline-retention-days=7' },
      },
    ]),
  );
}

describe('publishing to signed links', () => {
  it('puts every file to its own link with the link’s headers, the manifest last, timed', async () => {
    const spec = {
      id: 'links-ok',
      video: { source: corpus.oneSecond },
      script: { text: 'Published through links.' },
      formats: ['9:16', '1:1'],
    };
    const result = await render({
      ...spec,
      output: { destination: 's3://cutline/orgs/o/renders/links-ok/', links: linksFor(spec, 'links-ok') },
    });
    const manifest = expectOk(result);
    const mine = requests.filter((r) => r.method === 'PUT');
    expect(mine.map((r) => r.name)).toEqual([
      'video-9x16.mp4',
      'video-1x1.mp4',
      'thumbnail.jpg',
      'captions.srt',
      'captions.vtt',
      'words.json',
      'manifest.json',
    ]);
    for (const put of mine) {
      expect(put.headers['x-amz-tagging']).toBe('cutline-retention-days=7');
      expect(Number(put.headers['content-length'])).toBe(put.bytes);
      expect(put.bytes).toBeGreaterThan(0);
    }
    expect(manifest.videos.map((v) => v.uri)).toEqual([
      's3://cutline/orgs/o/renders/links-ok/video-9x16.mp4',
      's3://cutline/orgs/o/renders/links-ok/video-1x1.mp4',
    ]);
    // Six files went out through the slow store before the manifest was written.
    expect(manifest.timings.publishSeconds).toBeGreaterThanOrEqual(0.6);
    expect(manifest.timings.totalSeconds).toBeGreaterThanOrEqual(
      manifest.timings.encodeSeconds + manifest.timings.publishSeconds,
    );
  });

  it('takes back what it published when a later file is refused, and fails as retryable', async () => {
    requests.length = 0;
    refused.add('words.json');
    const spec = {
      id: 'links-fail',
      video: { source: corpus.oneSecond },
      script: { text: 'Refused halfway.' },
      formats: ['9:16'],
    };
    const result = await render({
      ...spec,
      output: { destination: 's3://cutline/orgs/o/renders/links-fail/', links: linksFor(spec, 'links-fail') },
    });
    expect(result.outcome.ok).toBe(false);
    if (result.outcome.ok) return;
    expect(result.outcome.error).toMatchObject({ code: 'CUTLINE_OUTPUT_UPLOAD_FAILED', retryable: true });
    const published = requests
      .filter((r) => r.method === 'PUT' && r.name !== 'words.json')
      .map((r) => r.name)
      .sort();
    const deleted = requests
      .filter((r) => r.method === 'DELETE')
      .map((r) => r.name)
      .sort();
    expect(published).toEqual(['captions.srt', 'captions.vtt', 'thumbnail.jpg', 'video-9x16.mp4']);
    expect(deleted).toEqual(published);
    expect(requests.some((r) => r.name === 'manifest.json')).toBe(false);
  });

  it('publishes nothing when a file has no link', async () => {
    requests.length = 0;
    const spec = {
      id: 'links-missing',
      video: { source: corpus.oneSecond },
      script: { text: 'No link for the manifest.' },
      formats: ['9:16'],
    };
    const links = linksFor(spec, 'links-missing');
    delete links['captions.vtt'];
    const result = await render({
      ...spec,
      output: { destination: 's3://cutline/orgs/o/renders/links-missing/', links },
    });
    expect(result.outcome.ok).toBe(false);
    if (!result.outcome.ok) expect(result.outcome.error.code).toBe('CUTLINE_INVALID_SPEC');
    expect(requests).toEqual([]);
  });
});
