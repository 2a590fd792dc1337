import { afterEach, describe, expect, it, vi } from 'vitest';
import { saveSession } from './session';
import { uploadFile, type UploadProgress } from './upload';

afterEach(() => vi.unstubAllGlobals());

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/** Records PUTs; fails the ones `failPart` names, to simulate a dropped connection. */
function fakeXhr(puts: string[], failPart?: number) {
  return class {
    upload: { onprogress?: (e: { loaded: number }) => void } = {};
    onload?: () => void;
    onerror?: () => void;
    onabort?: () => void;
    status = 0;
    private url = '';
    open(_method: string, url: string) {
      this.url = url;
    }
    setRequestHeader() {}
    getResponseHeader() {
      return '"etag"';
    }
    abort() {}
    send(body: Blob) {
      setTimeout(() => {
        if (failPart !== undefined && this.url.endsWith(`part=${failPart}`)) return this.onerror?.();
        puts.push(this.url);
        this.upload.onprogress?.({ loaded: body.size });
        this.status = 200;
        this.onload?.();
      }, 1);
    }
  };
}

describe('direct multipart upload', () => {
  it('resumes after a dropped connection by sending only the parts that did not arrive', async () => {
    saveSession({
      accessToken: 'a',
      expiresIn: 900,
      refreshToken: 'r',
      user: { id: 'u', email: 'a@b.c', name: 'A', isPlatformAdmin: false },
      organization: { id: 'o', name: 'O', slug: 'o', plan: 'pro', role: 'owner' },
    });
    const file = new File([new Uint8Array(25)], 'big.mp4', { type: 'video/mp4', lastModified: 1 });
    const arrived = new Set<number>();
    const requests: string[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init: RequestInit) => {
        requests.push(`${init.method ?? 'GET'} ${url}`);
        if (url === '/v1/assets/uploads')
          return json({ asset: { id: 'asset-1' }, upload: { method: 'multipart', partSize: 10, partCount: 3 } }, 201);
        if (url === '/v1/assets/asset-1/parts' && init.method === 'POST') {
          const { partNumbers } = JSON.parse(String(init.body)) as { partNumbers: number[] };
          return json({ parts: partNumbers.map((n) => ({ partNumber: n, url: `https://store/put?part=${n}` })) });
        }
        if (url === '/v1/assets/asset-1/parts')
          return json({
            partSize: 10,
            partCount: 3,
            uploaded: [...arrived].map((n) => ({ partNumber: n, bytes: 10, etag: 'e' })),
          });
        if (url === '/v1/assets/asset-1/complete') return json({ id: 'asset-1', status: 'ready', filename: 'big.mp4' });
        throw new Error(`unexpected ${url}`);
      }),
    );

    // First attempt: part 3 never arrives.
    const first: string[] = [];
    vi.stubGlobal('XMLHttpRequest', fakeXhr(first, 3));
    await expect(uploadFile(file, 'video', () => undefined)).rejects.toMatchObject({ code: 'CUTLINE_UPLOAD_FAILED' });
    expect(first.sort()).toEqual(['https://store/put?part=1', 'https://store/put?part=2']);
    arrived.add(1).add(2);

    // Choosing the same file again asks which parts arrived and sends only part 3.
    const second: string[] = [];
    vi.stubGlobal('XMLHttpRequest', fakeXhr(second));
    const progress: UploadProgress[] = [];
    const asset = await uploadFile(file, 'video', (p) => progress.push(p));
    expect(asset).toMatchObject({ id: 'asset-1', status: 'ready' });
    expect(second).toEqual(['https://store/put?part=3']);
    expect(requests.filter((r) => r === 'POST /v1/assets/uploads')).toHaveLength(1);
    expect(progress[0]).toMatchObject({ sentBytes: 20, totalBytes: 25, resumed: true });
    expect(progress.at(-1)).toMatchObject({ sentBytes: 25, phase: 'checking' });
    // Once complete, the file is forgotten: a new choice starts a new upload.
    expect(localStorage.getItem('cutline.uploads')).toBe('{}');
  });
});
