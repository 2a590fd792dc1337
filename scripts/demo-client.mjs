#!/usr/bin/env node
/**
 * make demo, when `make dev` is running: renders a video through the service's own API, the
 * way any client would — sign in (a demo account is created on first use and remembered in
 * .cutline/demo-account.json), stream the upload, submit the render, follow its progress over
 * SSE, download the outputs. Usage: demo-client.mjs API VIDEO TEXT FORMATS OUT
 */
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createWriteStream } from 'node:fs';

const [api, video, text, formats, out] = process.argv.slice(2);
const ACCOUNT_FILE = '.cutline/demo-account.json';

async function call(path, init = {}) {
  const response = await fetch(`${api}${path}`, init);
  const body = response.status === 204 ? null : await response.json();
  if (!response.ok)
    throw new Error(
      `${init.method ?? 'GET'} ${path}: ${response.status} ${body?.error?.code ?? ''} ${body?.error?.message ?? ''}`,
    );
  return body;
}

async function signIn() {
  const json = { 'content-type': 'application/json' };
  if (existsSync(ACCOUNT_FILE)) {
    const account = JSON.parse(await readFile(ACCOUNT_FILE, 'utf8'));
    try {
      return (await call('/v1/auth/login', { method: 'POST', headers: json, body: JSON.stringify(account) }))
        .accessToken;
    } catch {
      // A fresh database (.cutline removed): register again below.
    }
  }
  const account = {
    email: `demo-${randomBytes(4).toString('hex')}@cutline.local`,
    password: randomBytes(18).toString('base64url'),
  };
  const session = await call('/v1/auth/register', {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ ...account, name: 'Demo' }),
  });
  await mkdir('.cutline', { recursive: true });
  await writeFile(ACCOUNT_FILE, JSON.stringify(account), { mode: 0o600 });
  return session.accessToken;
}

let lastStage;
function bar(progress, stage) {
  if (!process.stdout.isTTY) {
    // Not a terminal (CI, a log): one line per stage instead of a redrawn bar.
    if (stage !== lastStage) console.log(`${String(Math.round(progress * 100)).padStart(3)}% ${stage}`);
    lastStage = stage;
    return;
  }
  const width = 30;
  const filled = Math.round(progress * width);
  process.stdout.write(
    `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.round(progress * 100)).padStart(3)}% ${stage ?? ''}`.padEnd(
      60,
    ),
  );
}

/** Follows the render's SSE stream until it ends in a final state. */
async function follow(token, renderId) {
  const response = await fetch(`${api}/v1/renders/${renderId}/events`, {
    headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
  });
  if (!response.ok || !response.body) throw new Error(`events: ${response.status}`);
  let buffer = '';
  for await (const chunk of response.body) {
    buffer += Buffer.from(chunk).toString('utf8');
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = block
        .split('\n')
        .filter((l) => l.startsWith('data: '))
        .map((l) => l.slice(6))
        .join('\n');
      if (!data) continue;
      const event = JSON.parse(data);
      if (event.type === 'progress') bar(event.progress, event.stage);
      if (event.type === 'state') {
        if (event.state === 'succeeded') return (bar(1, 'done'), undefined);
        if (event.state === 'failed' || event.state === 'canceled')
          throw new Error(`render ${event.state}: ${event.error?.code ?? ''} ${event.error?.message ?? ''}`);
      }
    }
  }
  throw new Error('the event stream ended before the render finished');
}

const token = await signIn();
const auth = { authorization: `Bearer ${token}` };
console.log(`Uploading ${video} to ${api} …`);
const size = (await stat(video)).size;
const asset = await call(`/v1/assets?kind=video&filename=${encodeURIComponent(basename(video))}`, {
  method: 'POST',
  headers: { ...auth, 'content-type': 'video/mp4', 'content-length': String(size) },
  body: Readable.toWeb(createReadStream(video)),
  duplex: 'half',
});
console.log(`Probed: ${asset.width}x${asset.height}, ${asset.durationSeconds?.toFixed(1)} s, ${asset.videoCodec}`);
const render = await call('/v1/renders', {
  method: 'POST',
  headers: { ...auth, 'content-type': 'application/json' },
  body: JSON.stringify({ assetId: asset.id, script: text, formats: formats.split(','), title: 'Cutline demo' }),
});
console.log(`Render ${render.id} queued`);
await follow(token, render.id);
if (process.stdout.isTTY) process.stdout.write('\n');
await mkdir(out, { recursive: true });
const files = await call(`/v1/renders/${render.id}/outputs`, { headers: auth });
for (const file of files) {
  const response = await fetch(file.url);
  if (!response.ok || !response.body) throw new Error(`download ${file.name}: ${response.status}`);
  await pipeline(Readable.fromWeb(response.body), createWriteStream(join(out, file.name)));
}
console.log(`Done: ${files.map((f) => join(out, f.name)).join(' ')}`);
console.log(`(files expire ${files[0]?.fileExpiresAt ?? 'with the plan'}; API docs at ${api}/docs)`);
