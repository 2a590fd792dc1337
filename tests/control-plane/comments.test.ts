/**
 * Comments on renders over the API, with mention mail read from Mailpit: a thread per render,
 * time positions within the video, mentions of members only, plain text escaped in mail,
 * resolve and reopen, and who may edit or delete.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Mailpit } from '../fixture/mailpit.js';
import {
  addMember,
  bearer,
  errorCode,
  register,
  startApp,
  uploadVideo,
  type Account,
  type TestApp,
} from './app-helper.js';

const services = inject('services');
const mailpit = new Mailpit(services.mail.apiUrl);
let t: TestApp;
let owner: Account;
let editor: Account;
let editorToken: string;
let renderId: string;

interface CommentView {
  id: string;
  body: string;
  atSeconds: number | null;
  authorName: string;
  mentions: string[];
  resolved: boolean;
  resolvedById: string | null;
}

beforeAll(async () => {
  t = await startApp(
    services.postgresUrl,
    { CUTLINE_AUTH_RATE_LIMIT: '10000', CUTLINE_NOTIFY_INTERVAL: '100ms' },
    {},
    { mail: services.mail, listen: true },
  );
  owner = await register(t.app, 'Olivia Owner');
  editor = await register(t.app, 'Eddie Editor');
  editorToken = await addMember(t.app, owner, editor);
  const assetId = await uploadVideo(t.app, owner.accessToken);
  renderId = (
    await t.app.inject({
      method: 'POST',
      url: '/v1/renders',
      headers: bearer(owner.accessToken),
      payload: { assetId, script: 'Our summer <launch>.', title: 'Summer <launch>' },
    })
  ).json<{ id: string }>().id;
  await t.db.render.update({ where: { id: renderId }, data: { state: 'running' } });
  await t.lifecycle.succeed(renderId, [], 2.5, new Date());
});
afterAll(() => t?.close());

async function call<T>(method: string, url: string, token: string, payload?: object) {
  const response = await t.app.inject({
    method: method as 'GET',
    url,
    headers: bearer(token),
    ...(payload ? { payload } : {}),
  });
  return {
    status: response.statusCode,
    code: errorCode(response),
    body: (response.body ? response.json<T>() : undefined) as T,
    field: response.body
      ? (response.json<{ error?: { details?: Array<{ field: string }> } }>().error?.details?.[0]?.field ?? null)
      : null,
  };
}

describe('comments', () => {
  it('a comment at a time position mentions a member, who is mailed once with the text escaped', async () => {
    const posted = await call<CommentView>('POST', `/v1/renders/${renderId}/comments`, owner.accessToken, {
      body: 'At 0:01 the caption covers the <b>logo</b> — can you move it?',
      atSeconds: 1.2,
      mentions: [editor.userId],
    });
    expect(posted.status).toBe(201);
    expect(posted.body).toMatchObject({
      body: 'At 0:01 the caption covers the <b>logo</b> — can you move it?',
      atSeconds: 1.2,
      authorName: 'Olivia Owner',
      mentions: [editor.userId],
      resolved: false,
    });
    const [mail] = await mailpit.waitFor(editor.email, (m) => m.subject.includes('mentioned you'));
    expect(mail!.subject).toContain('Olivia Owner mentioned you on “Summer <launch>”');
    expect(mail!.html).toContain('&#60;b&#62;logo&#60;/b&#62;');
    expect(mail!.html).not.toContain('<b>logo</b>');
    expect(mail!.text).toContain(`/renders/${renderId}/show?t=1.2`);
    expect(mail!.text).toContain('at 0:01');
    // The author is never mailed about their own comment.
    await new Promise((r) => setTimeout(r, 500));
    expect((await mailpit.to(owner.email)).filter((m) => m.subject.includes('mentioned'))).toHaveLength(0);
    expect((await mailpit.to(editor.email)).filter((m) => m.subject.includes('mentioned'))).toHaveLength(1);
  });

  it('@address in the text mentions a member too', async () => {
    const posted = await call<CommentView>('POST', `/v1/renders/${renderId}/comments`, owner.accessToken, {
      body: `@${editor.email.toUpperCase()} please check the ending`,
    });
    expect(posted.body.mentions).toEqual([editor.userId]);
  });

  it('refuses a time outside the video, a non-member mention, empty, control characters and overlong text', async () => {
    const stranger = await register(t.app, 'Stranger');
    const cases: Array<[object, string]> = [
      [{ body: 'Too late', atSeconds: 3.5 }, 'atSeconds'],
      [{ body: 'Hi', mentions: [stranger.userId] }, 'mentions'],
      [{ body: '   ' }, 'body'],
      [{ body: 'bell \u0007' }, 'body'],
      [{ body: 'x'.repeat(2001) }, 'body'],
    ];
    for (const [payload, field] of cases) {
      const refused = await call('POST', `/v1/renders/${renderId}/comments`, owner.accessToken, payload);
      expect([refused.status, refused.code, refused.field]).toEqual([400, 'CUTLINE_VALIDATION_FAILED', field]);
    }
    expect(
      (await call('POST', `/v1/renders/${renderId}/comments`, owner.accessToken, { body: 'x', atSeconds: -1 })).status,
    ).toBe(400);
  });

  it('any member resolves and reopens; only the author edits; the author or an admin deletes', async () => {
    const mine = await call<CommentView>('POST', `/v1/renders/${renderId}/comments`, owner.accessToken, {
      body: 'Swap the music?',
    });
    const resolved = await call<CommentView>('PATCH', `/v1/comments/${mine.body.id}`, editorToken, { resolved: true });
    expect(resolved.body).toMatchObject({ resolved: true, resolvedById: editor.userId });
    const open = await call<CommentView[]>(
      'GET',
      `/v1/renders/${renderId}/comments?filter=${encodeURIComponent('{"resolved":false}')}&sort=${encodeURIComponent('["createdAt","ASC"]')}`,
      editorToken,
    );
    expect(open.body.map((c) => c.id)).not.toContain(mine.body.id);
    const reopened = await call<CommentView>('PATCH', `/v1/comments/${mine.body.id}`, editorToken, { resolved: false });
    expect(reopened.body.resolved).toBe(false);

    const edit = await call('PATCH', `/v1/comments/${mine.body.id}`, editorToken, { body: 'Hijacked' });
    expect([edit.status, edit.code]).toEqual([403, 'CUTLINE_FORBIDDEN']);
    const edited = await call<CommentView>('PATCH', `/v1/comments/${mine.body.id}`, owner.accessToken, {
      body: 'Swap the music for the upbeat one?',
    });
    expect(edited.body.body).toBe('Swap the music for the upbeat one?');

    const theirs = await call<CommentView>('POST', `/v1/renders/${renderId}/comments`, editorToken, { body: 'Done.' });
    expect((await call('DELETE', `/v1/comments/${mine.body.id}`, editorToken)).status).toBe(403);
    expect((await call('DELETE', `/v1/comments/${theirs.body.id}`, editorToken)).status).toBe(204);
    expect((await call('DELETE', `/v1/comments/${mine.body.id}`, owner.accessToken)).status).toBe(204);

    const thread = await call<CommentView[]>(
      'GET',
      `/v1/renders/${renderId}/comments?sort=${encodeURIComponent('["createdAt","ASC"]')}`,
      owner.accessToken,
    );
    expect(thread.body.map((c) => c.id)).not.toContain(mine.body.id);
    expect(thread.body[0]!.atSeconds).toBe(1.2);
  });
});
