/**
 * Direct upload to object storage with real progress: one presigned PUT for small files, or
 * multipart for large ones. A multipart upload remembers itself (by file name, size and date)
 * so that choosing the same file again after a lost connection or a closed tab sends only the
 * parts that have not arrived.
 */
import { api, ApiError } from './http';

export interface AssetView {
  id: string;
  kind: string;
  status: string;
  filename: string;
  contentType: string;
  sizeBytes: number | null;
  durationSeconds: number | null;
  width: number | null;
  height: number | null;
  rejectionCode: string | null;
  expiresAt: string | null;
}

type UploadPlan =
  | { method: 'PUT'; url: string; headers: Record<string, string> }
  | { method: 'multipart'; partSize: number; partCount: number };

export interface UploadProgress {
  sentBytes: number;
  totalBytes: number;
  phase: 'uploading' | 'checking';
  resumed: boolean;
}

const RESUME_KEY = 'cutline.uploads';
const PARALLEL_PARTS = 3;

function fileKey(file: File): string {
  return `${file.name}|${file.size}|${file.lastModified}`;
}

function resumable(): Record<string, string> {
  try {
    return JSON.parse(localStorage.getItem(RESUME_KEY) ?? '{}') as Record<string, string>;
  } catch {
    return {};
  }
}

function remember(file: File, assetId: string | null): void {
  const all = resumable();
  if (assetId) all[fileKey(file)] = assetId;
  else delete all[fileKey(file)];
  localStorage.setItem(RESUME_KEY, JSON.stringify(all));
}

/** PUT with upload progress (fetch cannot report it). */
export function putWithProgress(
  url: string,
  body: Blob,
  headers: Record<string, string>,
  onProgress: (sent: number) => void,
  signal?: AbortSignal,
): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', url);
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => onProgress(event.loaded);
    xhr.onload = () =>
      xhr.status >= 200 && xhr.status < 300
        ? resolve(xhr.getResponseHeader('etag'))
        : reject(
            new ApiError(xhr.status, 'CUTLINE_UPLOAD_FAILED', `The storage server refused the upload (${xhr.status}).`),
          );
    xhr.onerror = () =>
      reject(
        new ApiError(0, 'CUTLINE_UPLOAD_FAILED', 'The upload was interrupted. Choose the same file again to resume.'),
      );
    xhr.onabort = () => reject(new ApiError(0, 'CUTLINE_UPLOAD_ABORTED', 'The upload was stopped.'));
    signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(body);
  });
}

export async function uploadFile(
  file: File,
  kind: 'video' | 'logo' | 'music' | 'image',
  onProgress: (p: UploadProgress) => void,
  signal?: AbortSignal,
): Promise<AssetView> {
  const contentType = file.type || (kind === 'video' ? 'video/mp4' : 'application/octet-stream');
  let assetId = resumable()[fileKey(file)];
  let plan: UploadPlan | undefined;
  let done = new Set<number>();
  let resumed = false;
  if (assetId) {
    try {
      const { data } = await api<{ partSize: number; partCount: number; uploaded: Array<{ partNumber: number }> }>(
        `/v1/assets/${assetId}/parts`,
      );
      plan = { method: 'multipart', partSize: data.partSize, partCount: data.partCount };
      done = new Set(data.uploaded.map((p) => p.partNumber));
      resumed = done.size > 0;
    } catch {
      remember(file, null);
      assetId = undefined;
    }
  }
  if (!assetId || !plan) {
    const { data } = await api<{ asset: AssetView; upload: UploadPlan }>('/v1/assets/uploads', {
      method: 'POST',
      json: { kind, filename: file.name, contentType, sizeBytes: file.size },
    });
    assetId = data.asset.id;
    plan = data.upload;
  }

  if (plan.method === 'PUT') {
    await putWithProgress(
      plan.url,
      file,
      plan.headers,
      (sent) => onProgress({ sentBytes: sent, totalBytes: file.size, phase: 'uploading', resumed: false }),
      signal,
    );
  } else {
    remember(file, assetId);
    const { partSize, partCount } = plan;
    const inFlight = new Map<number, number>();
    const bytesOf = (n: number) => Math.min(partSize, file.size - (n - 1) * partSize);
    let finished = [...done].reduce((sum, n) => sum + bytesOf(n), 0);
    const report = () =>
      onProgress({
        sentBytes: finished + [...inFlight.values()].reduce((a, b) => a + b, 0),
        totalBytes: file.size,
        phase: 'uploading',
        resumed,
      });
    report();
    const pending = Array.from({ length: partCount }, (_, i) => i + 1).filter((n) => !done.has(n));
    for (let i = 0; i < pending.length; i += 100) {
      const batch = pending.slice(i, i + 100);
      const { data } = await api<{ parts: Array<{ partNumber: number; url: string }> }>(`/v1/assets/${assetId}/parts`, {
        method: 'POST',
        json: { partNumbers: batch },
      });
      const queue = [...data.parts];
      const worker = async () => {
        for (let part = queue.shift(); part; part = queue.shift()) {
          const { partNumber, url } = part;
          const start = (partNumber - 1) * partSize;
          await putWithProgress(
            url,
            file.slice(start, start + bytesOf(partNumber)),
            {},
            (sent) => {
              inFlight.set(partNumber, sent);
              report();
            },
            signal,
          );
          inFlight.delete(partNumber);
          finished += bytesOf(partNumber);
          report();
        }
      };
      await Promise.all(Array.from({ length: PARALLEL_PARTS }, worker));
    }
  }
  onProgress({ sentBytes: file.size, totalBytes: file.size, phase: 'checking', resumed });
  const { data: asset } = await api<AssetView>(`/v1/assets/${assetId}/complete`, { method: 'POST' });
  remember(file, null);
  return asset;
}
