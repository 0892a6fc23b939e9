/**
 * `npm run bench:api`: HTTP throughput and latency of the API, each endpoint beside a bare Fastify route
 * that runs the same SQL through the same `Database.asUser` (so row-level security is identical).
 *
 * Backends: always the embedded default (PGlite, in-process, data in a temp dir); PostgreSQL as well when
 * DATABASE_URL is set (a fresh `rosin_bench_<random>` database is created from it and dropped afterwards).
 * Results go to stdout and to docs/benchmarks.md, section "## API (npm run bench:api)".
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import Fastify, { type FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { hashPassword } from '../src/auth/passwords';
import { userRepository } from '../src/auth/repository';
import { randomSecrets, type Secrets } from '../src/crypto/keys';
import { PiiCipher } from '../src/crypto/pii-cipher';
import { openEmbeddedDatabase, openPostgresDatabase, type Database } from '../src/db/database';
import type { PracticeFocus } from '../src/db/schema';
import { DEMO_ACCOUNTS, DEMO_PASSWORD, seedDemoDataIfEmpty } from '../src/demo/seed-demo-data';
import { buildApp } from '../src/http/app';
import { openTempLocalStorage } from '../src/storage/create-object-storage';
import { deriveLocalStorageSigningKey } from '../src/storage/local-url-signing';
import type { ZodApp } from '../src/http/zod-app';
import { teachingRepository } from '../src/teaching/repository';
import { createScratchDatabase } from '../test/scratch-postgres';
import { BENCHMARKS_MD, markdownTable, writeSection } from './report';

const CONNECTIONS = 50;
const DURATION_S = 10;
const WARMUP_S = 2;
/** The load generator runs in its own worker thread so it does not share the server's event loop. */
const LOAD_WORKERS = 1;
const EXTRA_STUDENTS = 40;
const HISTORY_DAYS = 28;
const POOL_SIZE = Number(process.env.DATABASE_POOL_SIZE ?? 10);
const TARGETS = { p50Ms: 5, p99Ms: 30, minRatio: 0.7 } as const;
const SECTION_HEADING = '## API (npm run bench:api)';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const FOCUSES: PracticeFocus[] = ['scales', 'etudes', 'repertoire', 'technique', 'sight_reading'];

interface OpenedBackend {
  label: string;
  db: Database;
  close(): Promise<void>;
}

interface Row {
  endpoint: string;
  server: 'API' | 'bare';
  reqPerSec: number;
  p50: number;
  p99: number;
  responses: number;
  failures: number;
  /** API req/s divided by the bare route's; 1 for the bare route itself. */
  ratio: number;
}

interface BackendResult {
  label: string;
  version: string;
  dataset: string;
  rows: Row[];
}

// --- Backends -------------------------------------------------------------------------------------------

async function openEmbedded(): Promise<OpenedBackend> {
  const dataDir = await mkdtemp(join(os.tmpdir(), 'rosin-bench-'));
  const db = await openEmbeddedDatabase({ dataDir });
  return {
    label: 'Embedded (PGlite, in-process)',
    db,
    async close() {
      await db.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function openPostgres(adminUrl: string): Promise<OpenedBackend> {
  const scratch = await createScratchDatabase(adminUrl, 'rosin_bench');
  const db = openPostgresDatabase(scratch.url, POOL_SIZE);
  return {
    label: `PostgreSQL (pool of ${POOL_SIZE})`,
    db,
    async close() {
      await db.close();
      await scratch.drop();
    },
  };
}

// --- Data -----------------------------------------------------------------------------------------------

/** Demo data, then more students linked to the demo teacher with four weeks of sessions and rollups. */
async function seed(db: Database, secrets: Secrets): Promise<{ teacherId: string; dataset: string }> {
  await db.migrate();
  if (!(await seedDemoDataIfEmpty(db, secrets))) throw new Error('expected an empty database');
  const teacher = await db.asSystem((tx) =>
    tx
      .selectFrom('users')
      .select('id')
      .where('email_blind_index', '=', new PiiCipher(secrets).emailBlindIndex(DEMO_ACCOUNTS[0].email))
      .executeTakeFirstOrThrow(),
  );

  const pii = new PiiCipher(secrets);
  const passwordHash = await hashPassword(randomBytes(16).toString('hex'));
  const students = Array.from({ length: EXTRA_STUDENTS }, (_, index) => ({
    id: randomUUID(),
    email: `bench-student-${index + 1}@rosin.bench`,
    displayName: `Bench student ${String(index + 1).padStart(2, '0')}`,
  }));
  const now = Date.now();

  await db.asSystem(async (tx) => {
    for (const student of students) {
      await userRepository.insertUser(tx, {
        id: student.id,
        emailCiphertext: pii.encrypt(student.email, student.id),
        emailBlindIndex: pii.emailBlindIndex(student.email),
        passwordHash,
        role: 'student',
        displayName: student.displayName,
      });
      await userRepository.insertRole(tx, student.id, 'student');
      await teachingRepository.insertLink(tx, teacher.id, student.id);
      await teachingRepository.setPrimaryTeacherIfNone(tx, student.id, teacher.id);
    }

    const sessions = [];
    for (const [index, student] of students.entries()) {
      for (let daysAgo = HISTORY_DAYS - 1; daysAgo >= 0; daysAgo--) {
        const pattern = (daysAgo * 3 + index * 5) % 7;
        if (pattern === 0) continue; // a rest day a week
        if (index % 10 === 9 && daysAgo < 10) continue; // every tenth student has lapsed lately
        const count = pattern === 6 ? 2 : 1;
        for (let k = 0; k < count; k++) {
          const start = new Date(now - daysAgo * DAY - (1 + 3 * k + (index % 5)) * HOUR);
          const minutes = 10 + ((daysAgo * 7 + index * 13 + k * 5) % 50);
          sessions.push({
            student_id: student.id,
            focus: FOCUSES[(daysAgo + index + k) % FOCUSES.length]!,
            start_ts: start,
            end_ts: new Date(start.getTime() + minutes * MINUTE),
            self_rating: 1 + ((daysAgo + index) % 5),
            note: '',
            status: 'ready' as const,
          });
        }
      }
    }
    await tx.insertInto('practice_sessions').values(sessions).execute();
    await sql`insert into practice_daily_rollups (student_id, day, practice_seconds, session_count)
              select student_id, (start_ts at time zone 'UTC')::date,
                     sum(extract(epoch from end_ts - start_ts))::int, count(*)
              from practice_sessions
              where deleted_at is null and student_id in (${sql.join(students.map((s) => s.id))})
              group by 1, 2`.execute(tx);
  });

  const counts = await db.asSystem(async (tx) => {
    const count = async (
      table: 'users' | 'teacher_students' | 'practice_sessions' | 'practice_daily_rollups',
    ) =>
      Number(
        (
          await tx
            .selectFrom(table)
            .select((eb) => eb.fn.countAll<string>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    return {
      users: await count('users'),
      links: await count('teacher_students'),
      sessions: await count('practice_sessions'),
      rollups: await count('practice_daily_rollups'),
    };
  });
  const dataset =
    `${counts.users} users, ${counts.links} teacher–student links (all to the demo teacher), ` +
    `${counts.sessions} practice sessions, ${counts.rollups} practice_daily_rollups rows`;
  return { teacherId: teacher.id, dataset };
}

// --- Servers --------------------------------------------------------------------------------------------

function utcToday(): string {
  return new Date().toISOString().slice(0, 10);
}

/** The same SQL as the API routes, through the same `asUser`, with the user fixed and nothing else. */
async function startBare(db: Database, userId: string): Promise<FastifyInstance> {
  const bare = Fastify();
  bare.get('/me', () => db.asUser(userId, (tx) => userRepository.findByIdIncludeProfileAndRoles(tx, userId)));
  bare.get('/students', async () => ({
    students: await db.asUser(userId, (tx) =>
      teachingRepository.findLinkedStudentsIncludeWeek(tx, userId, utcToday()),
    ),
  }));
  await bare.listen({ host: '127.0.0.1', port: 0 });
  return bare;
}

function baseUrl(app: FastifyInstance | ZodApp): string {
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('server is not listening on TCP');
  return `http://127.0.0.1:${address.port}`;
}

async function getJson(url: string, headers: Record<string, string> = {}): Promise<unknown> {
  const response = await fetch(url, { headers });
  if (response.status !== 200) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
  return response.json();
}

// --- Measurement ----------------------------------------------------------------------------------------

function load(url: string, headers: Record<string, string>, duration: number): Promise<autocannon.Result> {
  return autocannon({ url, headers, connections: CONNECTIONS, duration, workers: LOAD_WORKERS });
}

/**
 * When a run ends, the requests it cut off are still queued for the database (the pool, or PGlite's single
 * connection). One request through the same queue returns only after they finished, so the next run starts
 * clean.
 */
async function drain(url: string, headers: Record<string, string>): Promise<void> {
  await (await fetch(url, { headers })).arrayBuffer();
  await sleep(250);
}

async function measure(
  endpoint: string,
  server: Row['server'],
  url: string,
  headers: Record<string, string>,
): Promise<Omit<Row, 'ratio'>> {
  await drain(url, headers);
  await load(url, headers, WARMUP_S);
  await drain(url, headers);
  const result = await load(url, headers, DURATION_S);
  const row = {
    endpoint,
    server,
    reqPerSec: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    responses: result['2xx'],
    failures: result.non2xx + result.errors,
  };
  console.log(
    `  ${endpoint} ${server}: ${row.reqPerSec.toFixed(0)} req/s, p50 ${row.p50} ms, p99 ${row.p99} ms` +
      (row.failures
        ? ` (${result.non2xx} non-2xx, ${result.errors} errors of which ${result.timeouts} timeouts)`
        : ''),
  );
  return row;
}

async function benchBackend(backend: OpenedBackend, secrets: Secrets): Promise<BackendResult> {
  const { db } = backend;
  console.log(`\n${backend.label}: seeding`);
  const { teacherId, dataset } = await seed(db, secrets);
  const version = (await sql<{ version: string }>`select version()`.execute(db.owner)).rows[0]!.version;
  console.log(`  ${version}\n  ${dataset}`);

  // The API under test: no logger (silent), no Redis (neither route is rate-limited).
  // Neither benchmarked route touches storage.
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
  await api.listen({ host: '127.0.0.1', port: 0 });
  const bare = await startBare(db, teacherId);
  try {
    const login = await api.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { email: DEMO_ACCOUNTS[0].email, password: DEMO_PASSWORD },
    });
    if (login.statusCode !== 200) throw new Error(`demo login failed: ${login.body}`);
    const auth = {
      authorization: `Bearer ${(JSON.parse(login.body) as { accessToken: string }).accessToken}`,
    };

    // Both servers must answer the same thing before anything is measured.
    const apiMe = (await getJson(`${baseUrl(api)}/me`, auth)) as { id: string };
    const bareMe = (await getJson(`${baseUrl(bare)}/me`)) as { id: string };
    const apiList = (await getJson(`${baseUrl(api)}/students`, auth)) as { students: { id: string }[] };
    const bareList = (await getJson(`${baseUrl(bare)}/students`)) as { students: { id: string }[] };
    const expected = EXTRA_STUDENTS + DEMO_ACCOUNTS.length - 1;
    if (apiMe.id !== teacherId || bareMe.id !== teacherId) throw new Error('GET /me: wrong user');
    if (
      apiList.students.length !== expected ||
      apiList.students.map((s) => s.id).join() !== bareList.students.map((s) => s.id).join()
    ) {
      throw new Error(`GET /students: expected the same ${expected} students from both servers`);
    }

    const rows: Row[] = [];
    for (const path of ['/me', '/students']) {
      const endpoint = `GET ${path}`;
      const viaApi = await measure(endpoint, 'API', `${baseUrl(api)}${path}`, auth);
      const viaBare = await measure(endpoint, 'bare', `${baseUrl(bare)}${path}`, {});
      rows.push({ ...viaApi, ratio: viaApi.reqPerSec / viaBare.reqPerSec }, { ...viaBare, ratio: 1 });
    }
    return { label: backend.label, version, dataset, rows };
  } finally {
    await api.close();
    await bare.close();
    await objects.close();
  }
}

// --- Report ---------------------------------------------------------------------------------------------

function targetVerdict(row: Row, postgres: boolean): string {
  if (row.server === 'bare') return 'n/a';
  const missed: string[] = [];
  if (postgres && row.p50 > TARGETS.p50Ms) missed.push('p50');
  if (postgres && row.p99 > TARGETS.p99Ms) missed.push('p99');
  if (row.ratio < TARGETS.minRatio) missed.push('ratio');
  return missed.length ? `missed: ${missed.join(', ')}` : 'met';
}

function resultTable(result: BackendResult): string {
  const postgres = result.label.startsWith('PostgreSQL');
  return markdownTable(
    [
      'Endpoint',
      'Server',
      'Req/s',
      'p50 (ms)',
      'p99 (ms)',
      'vs bare req/s',
      'Responses',
      'Non-2xx/errors',
      'Targets',
    ],
    ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'left'],
    result.rows.map((row) => [
      `\`${row.endpoint}\``,
      row.server,
      row.reqPerSec.toFixed(0),
      String(row.p50),
      String(row.p99),
      `${(row.ratio * 100).toFixed(0)} %`,
      String(row.responses),
      String(row.failures),
      targetVerdict(row, postgres),
    ]),
  );
}

async function machine(loadAverage: number[]): Promise<string[]> {
  const cpuinfo = await readFile('/proc/cpuinfo', 'utf8').catch(() => '');
  const cpuModel = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
  return [
    `- CPU: ${cpuModel}, ${os.availableParallelism()} logical CPUs (nproc)`,
    `- RAM: ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `- OS: ${os.type()} ${os.release()} (${os.arch()})`,
    `- Node: ${process.version}`,
    `- Load average when the run started (1/5/15 min): ${loadAverage.map((value) => value.toFixed(2)).join(' / ')}`,
  ];
}

function command(): string {
  const url = process.env.DATABASE_URL;
  if (!url) return 'npm run bench:api';
  const shown = new URL(url);
  if (shown.password) shown.password = '***';
  return `DATABASE_URL=${shown.toString()} npm run bench:api`;
}

function section(results: BackendResult[], machineLines: string[], date: Date): string {
  const lines = [
    SECTION_HEADING,
    '',
    `Measured ${date.toISOString().replace(/\.\d+Z$/, 'Z')} with:`,
    '',
    '```sh',
    command(),
    '```',
    '',
    '### Machine',
    '',
    ...machineLines,
    ...results.map((result) => `- ${result.label}: ${result.version}`),
    '',
    '### Method',
    '',
    `- autocannon, ${CONNECTIONS} connections, ${DURATION_S} s per run after a ${WARMUP_S} s warm-up run against the same URL; ` +
      `the load generator runs in ${LOAD_WORKERS} worker thread of the same process, on the same machine.`,
    '- **API**: `buildApp` with no logger (silent) and no Redis (neither route is rate-limited), called with the ' +
      "demo teacher's access token. **bare**: a plain `Fastify()` app (no zod, swagger, auth or rate-limit " +
      'plugins) on another loopback port, running the same repository query through the same `Database.asUser` ' +
      "(so row-level security is identical) with the teacher's user id fixed and the rows returned as they come.",
    '- Both listen on 127.0.0.1 and share one `Database`. Runs are sequential; before each, one request ' +
      'through the same database queue waits out the requests the previous run cut off.',
    `- Data: demo seed plus ${EXTRA_STUDENTS} more students linked to the demo teacher, with ${HISTORY_DAYS} days ` +
      'of practice sessions and daily rollups. `GET /students` returns every linked student with a 7-day heat-map.',
    `- Req/s is autocannon's mean of per-second samples; p50/p99 are its latency percentiles (1 ms resolution).`,
    `- Targets: p50 ≤ ${TARGETS.p50Ms} ms and p99 ≤ ${TARGETS.p99Ms} ms on PostgreSQL; API req/s ≥ ${TARGETS.minRatio * 100} % of the bare route's.`,
  ];
  for (const result of results) {
    lines.push('', `### ${result.label}`, '', `Dataset: ${result.dataset}.`, '', resultTable(result));
  }
  return lines.join('\n') + '\n';
}

// --- Main -----------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const date = new Date();
  const loadAverage = os.loadavg();
  const openers: (() => Promise<OpenedBackend>)[] = [openEmbedded];
  if (process.env.DATABASE_URL) {
    const adminUrl = process.env.DATABASE_URL;
    openers.push(() => openPostgres(adminUrl));
  } else {
    console.log('DATABASE_URL is not set: benchmarking the embedded backend only.');
  }

  const results: BackendResult[] = [];
  for (const open of openers) {
    const backend = await open();
    try {
      // Fresh secrets per backend, as a fresh install would generate.
      results.push(await benchBackend(backend, randomSecrets()));
    } finally {
      await backend.close();
    }
  }

  const text = section(results, await machine(loadAverage), date);
  console.log(`\n${text}`);
  await writeSection(SECTION_HEADING, text);
  console.log(`Written to ${BENCHMARKS_MD}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
