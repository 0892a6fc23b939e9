/**
 * `npm run bench:analytics` (needs DATABASE_URL): `GET /analytics/dash` over 50 M metric points on PostgreSQL.
 *
 * 1. Creates a scratch database `rosin_bench_analytics_<random>` from DATABASE_URL and migrates it.
 * 2. Loads, server-side with `insert … select … generate_series` (no rows cross the wire): STUDENTS students with
 *    SESSIONS_PER_STUDENT practice sessions each, spread evenly over the last HISTORY_DAYS days, and the six core
 *    metrics per session (10,000 × 834 × 6 = 50.04 M `metrics` rows). Rows are generated session index first, so
 *    each student's rows are scattered over the heap as they would be after years of interleaved inserts.
 * 3. Builds every analytics rollup with `BACKFILL_STEPS` (the same SQL as the jobs' recompute, for everyone).
 *    During 2–3 the loaded tables' indexes are dropped and rebuilt afterwards, and foreign-key triggers are off
 *    (`session_replication_role = replica`; the generated rows are consistent by construction).
 * 4. VACUUM ANALYZE (what autovacuum does in production; the trend reads are index-only scans).
 * 5. Times the `metrics_ready` job (`refreshSessionMetrics`) for the latest session of random students.
 * 6. Runs autocannon against `GET /analytics/dash` of the real app, each request as a random student (access tokens
 *    minted for them), at several concurrency levels.
 * Results go to stdout and to docs/benchmarks.md, section "## Analytics dashboard (npm run bench:analytics)".
 *
 * Environment: BENCH_STUDENTS, BENCH_SESSIONS_PER_STUDENT (smaller trial runs); BENCH_KEEP_DATABASE=1 keeps the
 * loaded database and prints its name; BENCH_DATABASE=<name> measures an existing loaded one (skips 1–4). Only a
 * full-size run that loaded its own database writes docs/benchmarks.md.
 */
import { randomInt } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Dashboard } from '@rosin/contracts/analytics';
import autocannon from 'autocannon';
import { sql } from 'kysely';
import pg from 'pg';
import { BACKFILL_STEPS, refreshSessionMetrics } from '../src/analytics/jobs';
import { AnalyticsService } from '../src/analytics/service';
import { AccessTokens } from '../src/auth/access-tokens';
import { randomSecrets } from '../src/crypto/keys';
import { openPostgresDatabase, type Database } from '../src/db/database';
import { buildApp } from '../src/http/app';
import { openTempLocalStorage } from '../src/storage/create-object-storage';
import { deriveLocalStorageSigningKey } from '../src/storage/local-url-signing';
import { createScratchDatabase } from '../test/scratch-postgres';
import { BENCHMARKS_MD, markdownTable, writeSection } from './report';

const DEFAULT_STUDENTS = 10_000;
const DEFAULT_SESSIONS_PER_STUDENT = 834;
const STUDENTS = positiveInt('BENCH_STUDENTS', DEFAULT_STUDENTS);
const SESSIONS_PER_STUDENT = positiveInt('BENCH_SESSIONS_PER_STUDENT', DEFAULT_SESSIONS_PER_STUDENT);
const HISTORY_DAYS = 1_000;
const POOL_SIZE = Number(process.env.DATABASE_POOL_SIZE ?? 10);
const CONNECTION_LEVELS = [1, 10, 50] as const;
const DURATION_S = 15;
const WARMUP_S = 5;
const JOB_SAMPLES = 200;
const SERVICE_SAMPLES = 2_000;
const LOAD_WORKERS = 1;
const TARGET_P50_MS = 10;
const SECTION_HEADING = '## Analytics dashboard (npm run bench:analytics)';
/** Tables bulk-loaded with their indexes dropped. The streaks table keeps its key: its backfill is an upsert. */
const BULK_TABLES = [
  'practice_sessions',
  'metrics',
  'practice_daily_rollups',
  'practice_focus_daily_rollups',
  'metric_daily_rollups',
  'metric_trend_points',
] as const;
const MEASURED_TABLES = [...BULK_TABLES, 'practice_streaks'] as const;

function positiveInt(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
}

interface Step {
  name: string;
  seconds: number;
}

interface LoadRun {
  name: string;
  connections: number;
  reqPerSec: number;
  p50: number;
  p90: number;
  p99: number;
  responses: number;
  failures: number;
}

// --- Load -----------------------------------------------------------------------------------------------

async function timed(steps: Step[], name: string, work: () => Promise<unknown>): Promise<void> {
  const started = performance.now();
  process.stdout.write(`  ${name} … `);
  await work();
  const seconds = (performance.now() - started) / 1000;
  console.log(`${seconds.toFixed(1)} s`);
  steps.push({ name, seconds });
}

/**
 * Drops a table's indexes except those a foreign key depends on (practice_sessions' primary key) and returns the
 * statements that recreate them.
 */
async function dropIndexes(client: pg.Client, table: string): Promise<string[]> {
  const constraints = await client.query<{ name: string; definition: string }>(
    `select c.conname as name, pg_get_constraintdef(c.oid) as definition
     from pg_constraint c
     where c.conrelid = $1::regclass and c.contype in ('p', 'u')
       and not exists (select 1 from pg_constraint f where f.contype = 'f' and f.conindid = c.conindid)`,
    [table],
  );
  const indexes = await client.query<{ name: string; definition: string }>(
    `select i.indexrelid::regclass::text as name, pg_get_indexdef(i.indexrelid) as definition
     from pg_index i
     where i.indrelid = $1::regclass
       and not exists (select 1 from pg_constraint c where c.conindid = i.indexrelid)`,
    [table],
  );
  for (const constraint of constraints.rows) {
    await client.query(`alter table ${table} drop constraint ${constraint.name}`);
  }
  for (const index of indexes.rows) await client.query(`drop index ${index.name}`);
  return [
    ...constraints.rows.map((c) => `alter table ${table} add constraint ${c.name} ${c.definition}`),
    ...indexes.rows.map((i) => i.definition),
  ];
}

/** Student number `s` → a stable, valid (version 4, variant 1) uuid, so sessions can be generated without a join. */
const STUDENT_ID = `overlay(overlay(md5('rosin-bench-student-' || s) placing '4' from 13) placing '8' from 17)::uuid`;

async function load(db: Database, url: string): Promise<Step[]> {
  const steps: Step[] = [];
  // One session of the schema owner for the bulk work: its settings must not leak into the API's pool.
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`set session_replication_role = replica`);
    await client.query(`set maintenance_work_mem = '1GB'`);
    await client.query(`set work_mem = '512MB'`);
    const restore: string[] = [];
    for (const table of BULK_TABLES) restore.push(...(await dropIndexes(client, table)));

    await timed(steps, `users: ${STUDENTS.toLocaleString('en')} students`, async () => {
      await client.query(
        `insert into users (id, email_ciphertext, email_blind_index, password_hash, active_role)
         select ${STUDENT_ID}, 'bench', 'bench-student-' || s, 'bench', 'student'
         from generate_series(1, $1::int) s`,
        [STUDENTS],
      );
      await client.query(
        `insert into user_roles (user_id, role) select id, 'student' from users;
         insert into students (user_id) select id from users`,
      );
    });
    const sessionCount = STUDENTS * SESSIONS_PER_STUDENT;
    await timed(steps, `practice_sessions: ${sessionCount.toLocaleString('en')} rows`, () =>
      client.query(
        `insert into practice_sessions (id, student_id, focus, start_ts, end_ts, self_rating, note, status)
         select gen_random_uuid(), ${STUDENT_ID},
                (enum_range(null::practice_focus))[1 + (s + k) % 6],
                t.start_ts, t.start_ts + make_interval(mins => 10 + (s * 7 + k * 13) % 50),
                1 + (s + k) % 5, '', 'ready'
         from generate_series(0, $2::int - 1) k
         cross join generate_series(1, $1::int) s
         cross join lateral (
           select date_trunc('day', now()) - make_interval(days => $3::int + 2)
                  + (k * $3::float8 / $2::int) * interval '1 day'
                  + make_interval(days => (s * 31 + k * 17) % 3 - 1, hours => 6 + s % 12) as start_ts
         ) t`,
        [STUDENTS, SESSIONS_PER_STUDENT, HISTORY_DAYS],
      ),
    );
    // Each metric drifts over the student's history (practice helps) with per-session noise.
    await timed(steps, `metrics: ${(sessionCount * 6).toLocaleString('en')} rows`, () =>
      client.query(
        `insert into metrics (session_id, student_id, metric_key, metric_val, unit, ts)
         select s.id, s.student_id, m.metric_key,
                m.base + m.drift * extract(epoch from s.start_ts - (now() - make_interval(days => $1::int)))
                                  / ($1::int * 86400.0)
                       + m.noise * (random() - 0.5),
                m.unit, s.start_ts
         from practice_sessions s
         cross join (values ('tempoBpm', 'bpm', 72.0, 12.0, 8.0),
                            ('tempoVarianceMs', 'ms', 38.0, -18.0, 10.0),
                            ('dynamicRangeDb', 'dB', 14.0, 6.0, 4.0),
                            ('vibratoRateHz', 'Hz', 5.2, 0.6, 0.8),
                            ('vibratoExtentCents', 'cents', 35.0, 10.0, 12.0),
                            ('bowStability', 'score', 60.0, 20.0, 15.0))
                    as m (metric_key, unit, base, drift, noise)`,
        [HISTORY_DAYS],
      ),
    );
    // The backfill runs as the owner here (the jobs run it as system work under RLS; the SQL is the same).
    for (const step of BACKFILL_STEPS) {
      await timed(steps, `${step.table} (analytics backfill)`, () =>
        db.owner.transaction().execute(async (tx) => {
          await sql`set local session_replication_role = replica`.execute(tx);
          await sql`set local work_mem = '1GB'`.execute(tx);
          await step.run(tx);
        }),
      );
    }
    await timed(steps, `rebuild ${restore.length} indexes and keys`, async () => {
      for (const statement of restore) await client.query(statement);
    });
    await timed(steps, 'vacuum analyze', async () => {
      for (const table of MEASURED_TABLES) await client.query(`vacuum analyze ${table}`);
    });
  } finally {
    await client.end();
  }
  return steps;
}

// --- Measurement ----------------------------------------------------------------------------------------

async function tableSizes(db: Database): Promise<{ table: string; rows: number; bytes: number }[]> {
  const { rows } = await sql<{ table: string; rows: string; bytes: string }>`
    select c.relname as table, c.reltuples::bigint::text as rows, pg_total_relation_size(c.oid)::text as bytes
    from pg_class c where c.relname in (${sql.join(MEASURED_TABLES)}) and c.relkind = 'r'
    order by pg_total_relation_size(c.oid) desc`.execute(db.owner);
  return rows.map((row) => ({ table: row.table, rows: Number(row.rows), bytes: Number(row.bytes) }));
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** The metrics_ready job of a session that just got its metrics: the latest session of random students. */
async function timeMetricsJob(db: Database, studentIds: string[]): Promise<{ p50: number; p99: number }> {
  const durations: number[] = [];
  for (let i = 0; i < JOB_SAMPLES; i++) {
    const studentId = studentIds[randomInt(studentIds.length)]!;
    const latest = await db.asSystem((tx) =>
      tx
        .selectFrom('practice_sessions')
        .select('id')
        .where('student_id', '=', studentId)
        .where('deleted_at', 'is', null)
        .orderBy('start_ts', 'desc')
        .limit(1)
        .executeTakeFirstOrThrow(),
    );
    const started = performance.now();
    await db.asSystem((tx) => refreshSessionMetrics(tx, { sessionId: latest.id }));
    durations.push(performance.now() - started);
  }
  durations.sort((a, b) => a - b);
  return { p50: percentile(durations, 50), p99: percentile(durations, 99) };
}

/** Picks a random student's token per request, in autocannon's worker thread (see the file). */
const RANDOM_STUDENT_REQUEST = fileURLToPath(new URL('./random-student-request.cjs', import.meta.url));

/**
 * `AnalyticsService.dashboard` without HTTP, one call after another for random students: the database's share of a
 * request (a transaction with one statement).
 */
async function timeDashboardService(
  db: Database,
  studentIds: string[],
): Promise<{ p50: number; p99: number }> {
  const service = new AnalyticsService(db);
  const durations: number[] = [];
  for (let i = 0; i < SERVICE_SAMPLES; i++) {
    const userId = studentIds[randomInt(studentIds.length)]!;
    const started = performance.now();
    await service.dashboard({ userId, role: 'student' }, { days: 28 });
    durations.push(performance.now() - started);
  }
  durations.sort((a, b) => a - b);
  return { p50: percentile(durations, 50), p99: percentile(durations, 99) };
}

function runAutocannon(url: string, connections: number, duration: number): Promise<autocannon.Result> {
  return autocannon({
    url,
    connections,
    duration,
    // The load generator runs in its own thread so that it does not share the server's event loop.
    workers: LOAD_WORKERS,
    // Every request as a random student: their own dashboard, cold or warm as it comes.
    requests: [{ method: 'GET', path: '/analytics/dash', setupRequest: RANDOM_STUDENT_REQUEST }],
  });
}

async function measure(db: Database, studentIds: string[]): Promise<LoadRun[]> {
  const secrets = randomSecrets();
  // The dashboard does not touch storage.
  const objects = await openTempLocalStorage({
    publicUrl: 'http://127.0.0.1',
    signingKey: deriveLocalStorageSigningKey(secrets),
  });
  const api = await buildApp({
    db,
    secrets,
    authRateLimitPerMinute: 10_000,
    storage: objects.storage,
    uploads: { quotaBytes: 1, urlTtlSeconds: 60 },
    publicUrl: () => 'http://127.0.0.1',
  });
  try {
    await api.listen({ host: '127.0.0.1', port: 0 });
    const address = api.server.address();
    if (!address || typeof address === 'string') throw new Error('not listening on TCP');
    const base = `http://127.0.0.1:${address.port}`;
    const accessTokens = new AccessTokens(secrets.jwtSecret);
    const tokens = await Promise.all(
      studentIds.map(async (userId) => (await accessTokens.issue({ userId, role: 'student' })).token),
    );
    // Read by the request hook in autocannon's worker (workers inherit the environment when they start).
    const tokensFile = join(objects.dataDir, 'tokens.json');
    await writeFile(tokensFile, JSON.stringify(tokens));
    process.env.ROSIN_BENCH_TOKENS_FILE = tokensFile;

    // One answer checked before anything is timed: a full window of a student with history.
    const probe = await fetch(`${base}/analytics/dash`, {
      headers: { authorization: `Bearer ${tokens[0]}` },
    });
    if (probe.status !== 200) throw new Error(`GET /analytics/dash: ${probe.status} ${await probe.text()}`);
    const dash = (await probe.json()) as Dashboard;
    const points = dash.metrics.reduce((sum, metric) => sum + metric.points.length, 0);
    console.log(
      `  probe: ${dash.practiceMinutesByDay.length} days, ${points} trend points, streak ${dash.streak.currentDays}`,
    );
    if (dash.practiceMinutesByDay.length !== 28 || points === 0) throw new Error('unexpected dashboard');

    const runs: LoadRun[] = [];
    for (const connections of CONNECTION_LEVELS) {
      await runAutocannon(base, connections, WARMUP_S);
      const result = await runAutocannon(base, connections, DURATION_S);
      const run = {
        name: 'GET /analytics/dash',
        connections,
        reqPerSec: result.requests.average,
        p50: result.latency.p50,
        p90: result.latency.p90,
        p99: result.latency.p99,
        responses: result['2xx'],
        failures: result.non2xx + result.errors,
      };
      console.log(
        `  ${connections} connections: ${run.reqPerSec.toFixed(0)} req/s, p50 ${run.p50} ms, p90 ${run.p90} ms, ` +
          `p99 ${run.p99} ms, ${run.failures} failures`,
      );
      runs.push(run);
    }
    return runs;
  } finally {
    await api.close();
    await objects.close();
  }
}

// --- Report ---------------------------------------------------------------------------------------------

async function machine(loadAverage: number[], version: string): Promise<string[]> {
  const cpuinfo = await readFile('/proc/cpuinfo', 'utf8').catch(() => '');
  const cpuModel = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
  return [
    `- CPU: ${cpuModel}, ${os.availableParallelism()} logical CPUs (nproc)`,
    `- RAM: ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `- OS: ${os.type()} ${os.release()} (${os.arch()})`,
    `- Node: ${process.version}`,
    `- ${version}, server settings untouched (shared_buffers, work_mem: defaults of the dev service)`,
    `- Load average when the run started (1/5/15 min): ${loadAverage.map((value) => value.toFixed(2)).join(' / ')}`,
  ];
}

function command(): string {
  const shown = new URL(process.env.DATABASE_URL!);
  if (shown.password) shown.password = '***';
  return `DATABASE_URL=${shown.toString()} npm run bench:analytics`;
}

const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(2)}`;

function section(report: {
  date: Date;
  machineLines: string[];
  steps: Step[];
  sizes: { table: string; rows: number; bytes: number }[];
  job: { p50: number; p99: number };
  service: { p50: number; p99: number };
  runs: LoadRun[];
}): string {
  const loadSeconds = report.steps.reduce((sum, step) => sum + step.seconds, 0);
  const lines = [
    SECTION_HEADING,
    '',
    `Measured ${report.date.toISOString().replace(/\.\d+Z$/, 'Z')} with:`,
    '',
    '```sh',
    command(),
    '```',
    '',
    '### Machine',
    '',
    ...report.machineLines,
    '',
    '### Data and method',
    '',
    `- ${STUDENTS.toLocaleString('en')} students × ${SESSIONS_PER_STUDENT} practice sessions each, evenly spread ` +
      `over the last ${HISTORY_DAYS} days (about one session every ${(HISTORY_DAYS / SESSIONS_PER_STUDENT).toFixed(1)} ` +
      `days ±1 day of deterministic jitter, so that some gaps break streaks; ~${Math.round((28 * SESSIONS_PER_STUDENT) / HISTORY_DAYS)} ` +
      'in a 28-day window), six core metrics per ' +
      `session: **${(STUDENTS * SESSIONS_PER_STUDENT * 6).toLocaleString('en')} metric points**. Generated ` +
      'server-side with `insert … select … generate_series` (no COPY: pg-copy-streams is not a dependency, and ' +
      'generating in the server is faster than streaming), session index first, so that each student’s rows are ' +
      'scattered over the heap as years of interleaved inserts leave them.',
    '- Indexes of the loaded tables dropped during the load and rebuilt after; foreign-key triggers off ' +
      '(`session_replication_role = replica`: the generated rows are consistent by construction). The rollups are ' +
      'built by the analytics backfill (`BACKFILL_STEPS`, the same SQL as the jobs’ recompute). Then `VACUUM ' +
      'ANALYZE`, as autovacuum would.',
    `- \`metrics_ready\` job: \`refreshSessionMetrics\` (as system work, under RLS) for the latest session of ` +
      `${JOB_SAMPLES} random students, one after another.`,
    `- Service alone: \`AnalyticsService.dashboard\` (28 days) for ${SERVICE_SAMPLES} random students, one after ` +
      'another, no HTTP: the database’s share of a request (one transaction, one statement, under RLS).',
    `- Dashboard: the real app (\`buildApp\`, pool of ${POOL_SIZE}, no logger), \`GET /analytics/dash\` (28 days) ` +
      'with each request as a random student (access tokens minted for every student), via autocannon in ' +
      `${LOAD_WORKERS} worker thread of the same process, on the same machine: ${WARMUP_S} s warm-up, then ` +
      `${DURATION_S} s measured, per concurrency level. ` +
      'p50/p90/p99 are autocannon’s latency percentiles (1 ms resolution); req/s is its mean of per-second samples.',
    `- Target: p50 ≤ ${TARGET_P50_MS} ms.`,
    '',
    '### Load',
    '',
    markdownTable(
      ['Step', 'Time (s)'],
      ['left', 'right'],
      [
        ...report.steps.map((step) => [step.name, step.seconds.toFixed(1)]),
        ['**Total**', `**${loadSeconds.toFixed(0)}**`],
      ],
    ),
    '',
    markdownTable(
      ['Table', 'Rows (estimate)', 'Size with indexes (GiB)'],
      ['left', 'right', 'right'],
      report.sizes.map((size) => [size.table, size.rows.toLocaleString('en'), gib(size.bytes)]),
    ),
    '',
    `\`metrics_ready\` job for a student's latest session: p50 ${report.job.p50.toFixed(1)} ms, ` +
      `p99 ${report.job.p99.toFixed(1)} ms.`,
    '',
    `Dashboard service alone (no HTTP, sequential): p50 ${report.service.p50.toFixed(2)} ms, ` +
      `p99 ${report.service.p99.toFixed(2)} ms.`,
    '',
    '### `GET /analytics/dash`',
    '',
    markdownTable(
      [
        'Connections',
        'Req/s',
        'p50 (ms)',
        'p90 (ms)',
        'p99 (ms)',
        'Responses',
        'Non-2xx/errors',
        'p50 target',
      ],
      ['right', 'right', 'right', 'right', 'right', 'right', 'right', 'left'],
      report.runs.map((run) => [
        String(run.connections),
        run.reqPerSec.toFixed(0),
        String(run.p50),
        String(run.p90),
        String(run.p99),
        String(run.responses),
        String(run.failures),
        run.p50 <= TARGET_P50_MS ? 'met' : 'missed',
      ]),
    ),
  ];
  const single = report.runs.find((run) => run.connections === 1);
  const queued = report.runs.find((run) => run.connections > 1);
  if (single && queued) {
    lines.push(
      '',
      '### Reading the numbers',
      '',
      `- One connection measures a request's latency: p50 ${single.p50} ms. The service alone (measured ` +
        `separately, sequentially) has p50 ${report.service.p50.toFixed(1)} ms: nearly all of a request is its ` +
        'database transaction.',
      '- With more connections than the machine serves at once, requests queue: throughput is CPU-bound (2 vCPUs ' +
        'shared by PostgreSQL, the app, the load generator and whatever else runs; see the load average above), so ' +
        `p50 ≈ connections ÷ req/s (${queued.connections} ÷ ${queued.reqPerSec.toFixed(0)} ≈ ` +
        `${((queued.connections / queued.reqPerSec) * 1000).toFixed(0)} ms). The rows a request reads do not grow ` +
        'with the tables (index-only scans of O(window) rows), so more throughput takes more CPU (API instances, ' +
        'read replicas), not a different query.',
    );
  }
  return lines.join('\n') + '\n';
}

// --- Main -----------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    console.error(
      'bench:analytics needs PostgreSQL: set DATABASE_URL to a server where it may create a scratch database, e.g.\n' +
        '  DATABASE_URL=postgres://postgres@127.0.0.1:54329/postgres npm run bench:analytics',
    );
    process.exit(1);
  }
  const date = new Date();
  const loadAverage = os.loadavg();
  const reused = process.env.BENCH_DATABASE;
  let url: string;
  let drop = async () => {};
  if (reused) {
    const existing = new URL(adminUrl);
    existing.pathname = `/${reused}`;
    url = existing.toString();
  } else {
    const scratch = await createScratchDatabase(adminUrl, 'rosin_bench_analytics');
    url = scratch.url;
    if (process.env.BENCH_KEEP_DATABASE) console.log(`Keeping the database ${scratch.name}`);
    else drop = scratch.drop;
  }
  const db = openPostgresDatabase(url, POOL_SIZE);
  try {
    const version = (await sql<{ version: string }>`select version()`.execute(db.owner)).rows[0]!.version;
    let steps: Step[] = [];
    if (!reused) {
      await db.migrate();
      console.log(`Loading into ${new URL(url).pathname.slice(1)}:`);
      steps = await load(db, url);
    }
    const sizes = await tableSizes(db);
    for (const size of sizes) console.log(`  ${size.table}: ~${size.rows} rows, ${gib(size.bytes)} GiB`);
    const studentIds = (await db.asSystem((tx) => tx.selectFrom('students').select('user_id').execute())).map(
      (row) => row.user_id,
    );

    console.log('metrics_ready job:');
    const job = await timeMetricsJob(db, studentIds);
    console.log(`  p50 ${job.p50.toFixed(1)} ms, p99 ${job.p99.toFixed(1)} ms`);
    console.log('Dashboard service alone:');
    const service = await timeDashboardService(db, studentIds);
    console.log(`  p50 ${service.p50.toFixed(2)} ms, p99 ${service.p99.toFixed(2)} ms`);
    console.log('GET /analytics/dash:');
    const runs = await measure(db, studentIds);

    const text = section({
      date,
      machineLines: await machine(loadAverage, version),
      steps,
      sizes,
      job,
      service,
      runs,
    });
    console.log(`\n${text}`);
    const trial = STUDENTS !== DEFAULT_STUDENTS || SESSIONS_PER_STUDENT !== DEFAULT_SESSIONS_PER_STUDENT;
    if (reused || trial) {
      console.log('(a reused database or a trial size: docs/benchmarks.md left unchanged)');
    } else {
      await writeSection(SECTION_HEADING, text);
      console.log(`Written to ${BENCHMARKS_MD}`);
    }
  } finally {
    await db.close();
    await drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
