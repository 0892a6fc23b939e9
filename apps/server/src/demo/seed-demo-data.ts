import { sql } from 'kysely';
import { recomputeStudentAnalytics } from '../analytics/jobs';
import { AccessTokens } from '../auth/access-tokens';
import { AuthService } from '../auth/service';
import type { Secrets } from '../crypto/keys';
import { PiiCipher } from '../crypto/pii-cipher';
import type { Database } from '../db/database';
import { TeachingService } from '../teaching/service';

export const DEMO_PASSWORD = 'rosin-demo-2026';
export const DEMO_ACCOUNTS = [
  {
    email: 'teacher@rosin.demo',
    displayName: 'Clara Schumann (demo teacher)',
    role: 'teacher',
    phone: '+49 30 5550101',
  },
  {
    email: 'ada@rosin.demo',
    displayName: 'Ada (demo student, violin)',
    role: 'student',
    phone: '+44 20 5550102',
  },
  {
    email: 'ben@rosin.demo',
    displayName: 'Ben (demo student, cello)',
    role: 'student',
    phone: '+1 212 5550103',
  },
] as const;

const FOCUSES = ['scales', 'etudes', 'repertoire', 'technique', 'sight_reading'] as const;

/**
 * Demo data for a first `npm start`: a teacher linked to two students, two weeks of practice sessions with
 * metrics and rollups, and a few forum posts. Runs only when the database has no users.
 */
export async function seedDemoDataIfEmpty(db: Database, secrets: Secrets): Promise<boolean> {
  const { count } = await db.asSystem((tx) =>
    tx
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<string>().as('count'))
      .executeTakeFirstOrThrow(),
  );
  if (Number(count) > 0) return false;

  const pii = new PiiCipher(secrets);
  const auth = new AuthService(db, pii, new AccessTokens(secrets.jwtSecret));
  const teaching = new TeachingService(db);
  const [teacher, ada, ben] = await Promise.all(
    DEMO_ACCOUNTS.map(async ({ phone, ...account }) => {
      const registered = await auth.register({ ...account, password: DEMO_PASSWORD });
      await db.asUser(registered.user.id, (tx) =>
        tx
          .updateTable('users')
          .set({ phone_ciphertext: pii.encrypt(phone, registered.user.id) })
          .where('id', '=', registered.user.id)
          .execute(),
      );
      return registered;
    }),
  );
  if (!teacher || !ada || !ben) throw new Error('demo registration failed');

  const invitation = await teaching.createInvitation(
    { userId: teacher.user.id, role: 'teacher' },
    { expiresInDays: 90, maxUses: 10 },
  );
  for (const student of [ada, ben]) {
    await teaching.acceptInvitation({ userId: student.user.id, role: 'student' }, invitation.code);
  }

  await db.asSystem(async (tx) => {
    const today = new Date();
    today.setUTCHours(17, 0, 0, 0);
    for (const [studentIndex, student] of [ada, ben].entries()) {
      for (let daysAgo = 13; daysAgo >= 0; daysAgo--) {
        if ((daysAgo + studentIndex) % 4 === 3) continue; // rest days
        const start = new Date(today.getTime() - daysAgo * 86_400_000);
        const minutes = 15 + ((daysAgo * 7 + studentIndex * 11) % 35);
        const session = await tx
          .insertInto('practice_sessions')
          .values({
            student_id: student.user.id,
            focus: FOCUSES[(daysAgo + studentIndex) % FOCUSES.length]!,
            start_ts: start,
            end_ts: new Date(start.getTime() + minutes * 60_000),
            self_rating: 2 + ((daysAgo + studentIndex) % 4),
            note: daysAgo % 3 === 0 ? 'Slow practice with the metronome' : '',
            status: 'ready',
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        const progress = (13 - daysAgo) / 13; // students improve over the fortnight
        const values: [string, number, string][] = [
          ['tempoBpm', 72 + 8 * progress, 'bpm'],
          ['tempoVarianceMs', 38 - 16 * progress + (daysAgo % 3), 'ms'],
          ['dynamicRangeDb', 14 + 6 * progress, 'dB'],
          ['vibratoRateHz', 5.2 + 0.6 * progress, 'Hz'],
          ['vibratoExtentCents', 35 + 10 * progress, 'cents'],
          ['bowStability', 60 + 20 * progress - (daysAgo % 2) * 3, 'score'],
        ];
        await tx
          .insertInto('metrics')
          .values(
            values.map(([key, value, unit]) => ({
              session_id: session.id,
              student_id: student.user.id,
              metric_key: key,
              metric_val: Math.round(value * 100) / 100,
              unit,
              ts: start,
            })),
          )
          .execute();
      }
    }
    // Rollups, trends and streaks are derived from the rows above by the analytics jobs' own recompute.
    const fortnight = Array.from({ length: 14 }, (_, daysAgo) =>
      new Date(today.getTime() - daysAgo * 86_400_000).toISOString().slice(0, 10),
    );
    for (const student of [ada, ben]) {
      await recomputeStudentAnalytics(tx, {
        studentId: student.user.id,
        days: fortnight,
        practice: true,
        metrics: true,
      });
    }

    const posts = [
      {
        author: ada,
        title: 'How do you keep collé bowing crisp at the frog?',
        body: 'My **collé** strokes get mushy near the frog. Any exercises?\n\n- I use a metronome at 60\n- fingers feel stiff',
      },
      {
        author: teacher,
        title: 'Vibrato: start slow, measure it',
        body: 'Practise vibrato in rhythm: 4 per beat at `♩ = 60`, then 5, then 6. Rosin shows your rate in Hz.',
      },
      {
        author: ben,
        title: 'Cello endpin height and bow arm tension?',
        body: 'Does a higher endpin help with bow stability in long tones?',
      },
    ];
    for (const post of posts) {
      await tx
        .insertInto('forum_posts')
        .values({
          author_id: post.author.user.id,
          title: post.title,
          body_md: post.body,
          is_question: post.title.endsWith('?'),
          search_vector: sql<string>`to_tsvector('simple', unaccent(${post.title} || ' ' || ${post.body}))`,
        })
        .execute();
    }
  });
  return true;
}
