import { randomUUID } from 'node:crypto';
import type { ErrorResponse } from '@rosin/contracts/errors';
import type { PracticeSession, PracticeSessionDetail, SessionList } from '@rosin/contracts/sessions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiHarness } from '../../test/api-harness';
import { backends } from '../../test/backends';
import { practiceSessionBody } from '../../test/fixtures';
import { createCast, type Cast } from '../../test/principals';

type Created = { session: PracticeSession; upload: null };

describe.each(backends)('practice sessions on $name', (backend) => {
  let api: ApiHarness;
  let cast: Cast;
  beforeAll(async () => {
    api = await ApiHarness.start(backend);
    cast = await createCast(api);
  });
  afterAll(() => api.close());

  const create = (body: Record<string, unknown>, token = cast.studentA.accessToken) =>
    api.request<Created>('POST', '/sessions', { token, body });

  it('creates a session with a client id and answers a replay with the same session', async () => {
    const id = randomUUID();
    const first = await create(practiceSessionBody({ id }));
    expect(first.status).toBe(201);
    expect(first.body.session).toMatchObject({
      id,
      focus: 'scales',
      status: 'ready',
      studentId: cast.studentA.user.id,
    });

    const replay = await create(practiceSessionBody({ id, note: 'changed on the phone later' }));
    expect(replay.status).toBe(200);
    expect(replay.body.session).toEqual(first.body.session); // the server's copy is the truth
  });

  it('turns 50 concurrent copies of one offline request into one session', async () => {
    const id = randomUUID();
    const responses = await Promise.all(
      Array.from({ length: 50 }, () => create(practiceSessionBody({ id }))),
    );
    expect(responses.filter((r) => r.status === 201)).toHaveLength(1);
    expect(responses.filter((r) => r.status === 200)).toHaveLength(49);
    const rows = await api.backend.db.asSystem((tx) =>
      tx.selectFrom('practice_sessions').select('id').where('id', '=', id).execute(),
    );
    expect(rows).toHaveLength(1);
  });

  it("refuses to reuse another student's session id", async () => {
    const id = randomUUID();
    expect((await create(practiceSessionBody({ id }))).status).toBe(201);
    const stolen = await api.request<ErrorResponse>('POST', '/sessions', {
      token: cast.studentB.accessToken,
      body: practiceSessionBody({ id }),
    });
    expect(stolen.status).toBe(409);
    expect(stolen.body.error.code).toBe('CONFLICT');
  });

  it('shows a session to its owner and the linked teacher only', async () => {
    const { body } = await create(practiceSessionBody());
    const url = `/sessions/${body.session.id}`;
    const statusFor = async (token: string) =>
      (await api.request<PracticeSessionDetail>('GET', url, { token })).status;
    expect(await statusFor(cast.studentA.accessToken)).toBe(200);
    expect(await statusFor(cast.teacherOfA.accessToken)).toBe(200);
    expect(await statusFor(cast.studentB.accessToken)).toBe(404);
    expect(await statusFor(cast.unlinkedTeacher.accessToken)).toBe(404);
  });

  it('pages through sessions newest first with a stable cursor and filters', async () => {
    const student = await api.register('student');
    const days = Array.from({ length: 7 }, (_, i) => i + 1);
    for (const day of days) {
      const startTs = `2026-10-${String(day).padStart(2, '0')}T08:00:00.000Z`;
      const focus = day % 2 === 0 ? 'etudes' : 'scales';
      const response = await create(
        practiceSessionBody({ startTs, endTs: startTs, focus }),
        student.accessToken,
      );
      expect(response.status).toBe(201);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${cursor}` : '';
      const page = await api.request<SessionList>('GET', `/sessions?limit=3${query}`, {
        token: student.accessToken,
      });
      expect(page.status).toBe(200);
      seen.push(...page.body.sessions.map((s) => s.startTs.slice(8, 10)));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['07', '06', '05', '04', '03', '02', '01']);

    const etudes = await api.request<SessionList>('GET', '/sessions?focus=etudes&from=2026-10-03T00:00:00Z', {
      token: student.accessToken,
    });
    expect(etudes.body.sessions.map((s) => s.startTs.slice(8, 10))).toEqual(['06', '04']);
    const badCursor = await api.request<ErrorResponse>('GET', '/sessions?cursor=abc', {
      token: student.accessToken,
    });
    expect(badCursor.status).toBe(400);
  });

  it("lets a teacher list a linked student's sessions but not an unlinked one's", async () => {
    const linked = await api.request<SessionList>('GET', `/sessions?studentId=${cast.studentA.user.id}`, {
      token: cast.teacherOfA.accessToken,
    });
    expect(linked.status).toBe(200);
    expect(linked.body.sessions.length).toBeGreaterThan(0);
    const unlinked = await api.request('GET', `/sessions?studentId=${cast.studentA.user.id}`, {
      token: cast.unlinkedTeacher.accessToken,
    });
    expect(unlinked.status).toBe(404);
  });

  it('lets only the owner change or delete a session; deleted sessions disappear', async () => {
    const { body } = await create(practiceSessionBody());
    const url = `/sessions/${body.session.id}`;
    const patched = await api.request<PracticeSession>('PATCH', url, {
      token: cast.studentA.accessToken,
      body: { selfRating: 5, note: 'better' },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ selfRating: 5, note: 'better' });
    const backwards = await api.request('PATCH', url, {
      token: cast.studentA.accessToken,
      body: { endTs: '2026-11-20T16:00:00.000Z' },
    });
    expect(backwards.status).toBe(400);
    expect(
      (await api.request('PATCH', url, { token: cast.teacherOfA.accessToken, body: { note: 'x' } })).status,
    ).toBe(403);
    expect((await api.request('DELETE', url, { token: cast.studentB.accessToken })).status).toBe(404);

    expect((await api.request('DELETE', url, { token: cast.studentA.accessToken })).status).toBe(204);
    expect((await api.request('GET', url, { token: cast.studentA.accessToken })).status).toBe(404);
    expect((await api.request('DELETE', url, { token: cast.studentA.accessToken })).status).toBe(404);
  });

  it('validates sessions', async () => {
    const response = await api.request<ErrorResponse>('POST', '/sessions', {
      token: cast.studentA.accessToken,
      body: practiceSessionBody({
        focus: 'juggling',
        selfRating: 9,
        endTs: '2026-11-20T16:00:00.000Z',
        tagIds: ['nope'],
      }),
    });
    expect(response.status).toBe(400);
    const paths = response.body.error.details?.map((d) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['body.focus', 'body.selfRating', 'body.tagIds.0']));
    const unknownTag = await create(practiceSessionBody({ tagIds: [randomUUID()] }));
    expect(unknownTag.status).toBe(400);
  });
});
