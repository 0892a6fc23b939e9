#!/usr/bin/env node
// End to end: the exported web app, served by the real server (`npm start`, embedded database, temp DATA_DIR),
// driven in Debian's Chromium with playwright-core. A student signs up, joins a teacher by code, chooses a
// generated clip, saves it offline, closes the app, reopens it online and watches the session upload and get
// analysed; the teacher then opens the session. Screenshots of every step: apps/mobile/e2e/screenshots/.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, unlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const e2eDir = dirname(fileURLToPath(import.meta.url));
const appDir = resolve(e2eDir, '..');
const repoRoot = resolve(appDir, '../..');
const shotsDir = join(e2eDir, 'screenshots');
const fixturesDir = join(e2eDir, 'fixtures', 'generated');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const PASSWORD = 'rosin-e2e-password';
const READY_TIMEOUT_MS = Number(process.env.E2E_READY_TIMEOUT_MS || 240_000);

const results = { passed: 0, failed: 0 };
let server;
let browser;
let dataDir;

function log(message) {
  console.log(`[e2e] ${message}`);
}

async function step(name, work) {
  const started = Date.now();
  try {
    await work();
    results.passed += 1;
    log(`✓ ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  } catch (error) {
    results.failed += 1;
    log(`✗ ${name}: ${error instanceof Error ? error.stack : error}`);
    throw error;
  }
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolvePort(port));
    });
  });
}

/** A 6 s clip with a steady pulse of bowed-like notes (H.264/AAC), and a y4m for the fake camera. */
function generateFixtures() {
  mkdirSync(fixturesDir, { recursive: true });
  const clip = join(fixturesDir, 'practice-clip.mp4');
  const camera = join(fixturesDir, 'camera.y4m');
  if (!existsSync(clip)) {
    execFileSync('ffmpeg', [
      '-loglevel',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      'testsrc=size=640x360:rate=30:duration=6',
      '-f',
      'lavfi',
      '-i',
      // A rising four-note figure (two semitones apart), two notes a second, with a 5.5 Hz vibrato.
      "aevalsrc='0.4*sin(2*PI*440*pow(2,floor(mod(2*t,4))/6)*t+1.5*sin(2*PI*5.5*t))*between(mod(t,0.5),0.02,0.42)':s=48000:d=6",
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-pix_fmt',
      'yuv420p',
      '-c:a',
      'aac',
      '-b:a',
      '128k',
      '-shortest',
      '-movflags',
      '+faststart',
      clip,
    ]);
  }
  if (!existsSync(camera)) {
    execFileSync('ffmpeg', [
      '-loglevel',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      'testsrc=size=320x240:rate=15:duration=4',
      '-pix_fmt',
      'yuv420p',
      camera,
    ]);
  }
  return { clip, camera };
}

async function startServer(port) {
  dataDir = mkdtempSync(join(tmpdir(), 'rosin-e2e-'));
  log(`starting the server on :${port} (DATA_DIR=${dataDir})`);
  // The embedded default whatever CI exports for the server tests (DATABASE_URL, REDIS_URL, S3_*…).
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => !/^(DATABASE_|REDIS_|S3_|JWT_SECRET|PII_|BLIND_INDEX|STORAGE_|RUN_WORKERS)/.test(key),
    ),
  );
  server = spawn('npm', ['start'], {
    cwd: repoRoot,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_LEVEL: process.env.E2E_LOG_LEVEL || 'warn',
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      AUTH_RATE_LIMIT_PER_MINUTE: '1000',
    },
  });
  let output = '';
  server.stdout.on('data', (chunk) => (output += chunk));
  server.stderr.on('data', (chunk) => (output += chunk));
  const deadline = Date.now() + 300_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`the server exited:\n${output}`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (response.ok) return () => output;
    } catch {
      // not yet
    }
    await new Promise((done) => setTimeout(done, 500));
  }
  throw new Error(`the server did not start:\n${output}`);
}

async function api(base, method, path, body, token) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      accept: 'application/json',
      ...(body ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} → ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

async function main() {
  mkdirSync(shotsDir, { recursive: true });
  for (const file of readdirSync(shotsDir)) if (file.endsWith('.png')) unlinkSync(join(shotsDir, file));

  execFileSync('node', [join(appDir, 'scripts/build-web-if-stale.mjs')], { stdio: 'inherit' });
  const { clip, camera } = generateFixtures();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const serverOutput = await startServer(port);

  const stamp = Date.now().toString(36);
  const student = { name: 'Clara Student', email: `clara-${stamp}@e2e.rosin.test` };
  const teacher = { name: 'Teo Teacher', email: `teo-${stamp}@e2e.rosin.test` };

  let code;
  await step('the teacher signs up and creates an invitation code (API)', async () => {
    const auth = await api(base, 'POST', '/auth/register', {
      email: teacher.email,
      password: PASSWORD,
      displayName: teacher.name,
      role: 'teacher',
    });
    code = (await api(base, 'POST', '/invitations', {}, auth.accessToken)).code;
  });

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      `--use-file-for-fake-video-capture=${camera}`,
      '--autoplay-policy=no-user-gesture-required',
      '--no-sandbox',
    ],
  });
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 1,
    permissions: ['camera', 'microphone'],
  });
  const consoleErrors = [];
  const openPage = async () => {
    const opened = await context.newPage();
    opened.on('console', (message) => {
      if (message.type() === 'error')
        consoleErrors.push(`${message.text()} ${message.location()?.url ?? ''}`);
    });
    opened.on('pageerror', (error) => consoleErrors.push(String(error)));
    opened.on('response', (response) => {
      if (response.status() >= 400)
        consoleErrors.push(`${response.status()} ${response.request().method()} ${response.url()}`);
    });
    return opened;
  };
  let page = await openPage();
  let shot = 0;
  /** The app scrolls inside its screens, so grow the viewport to the visible scroller's content first. */
  const screenshot = async (name) => {
    shot += 1;
    const height = await page.evaluate(() => {
      let tallest = 0;
      for (const element of document.querySelectorAll('div')) {
        const style = getComputedStyle(element);
        if (!/(auto|scroll)/.test(style.overflowY) || element.offsetParent === null) continue;
        const box = element.getBoundingClientRect();
        if (box.width === 0 || box.height === 0) continue;
        tallest = Math.max(tallest, element.scrollHeight - element.clientHeight);
      }
      return tallest;
    });
    const viewport = page.viewportSize();
    if (height > 0)
      await page.setViewportSize({ width: viewport.width, height: Math.min(4000, viewport.height + height) });
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(shotsDir, `${String(shot).padStart(2, '0')}-${name}.png`) });
    if (height > 0) await page.setViewportSize(viewport);
  };
  const button = (name) => page.getByRole('button', { name, exact: true }).filter({ visible: true });
  const field = (name) => page.getByLabel(name, { exact: true }).filter({ visible: true });
  const tab = (name) =>
    page
      .getByRole('tab', { name, exact: true })
      .or(page.getByRole('link', { name, exact: true }))
      .first();

  try {
    await step('the app loads at / (served by the API)', async () => {
      await page.goto(base);
      await button('Sign in').waitFor({ timeout: 60_000 });
      const isolated = await page.evaluate(() => globalThis.crossOriginIsolated);
      if (!isolated) throw new Error('the page is not cross-origin isolated (expo-sqlite needs it)');
      await screenshot('sign-in');
    });

    await step('a student creates an account', async () => {
      await button('Create account').click();
      await field('Display name').fill(student.name);
      await field('Email').fill(student.email);
      await field('Password').fill(PASSWORD);
      await screenshot('create-account');
      await button('Create account').click();
      await button('New session').waitFor({ timeout: 30_000 });
      await screenshot('practice');
    });

    await step('the student joins the teacher with the code', async () => {
      await tab('Profile').click();
      await field('Invitation code').fill(code);
      await button('Join teacher').click();
      await page.getByText(`You joined ${teacher.name}.`).waitFor({ timeout: 20_000 });
      await screenshot('joined-teacher');
    });

    await step('the student chooses a video and saves the session offline', async () => {
      await tab('Practice').click();
      await button('New session').click();
      await page.getByRole('radio', { name: 'Repertoire' }).click();
      await page.getByRole('radio', { name: '4 ★' }).click();
      await page.getByRole('radio', { name: '20 min' }).click();
      await field('Note').fill('Bach partita, slow bows');
      const chooser = page.waitForEvent('filechooser');
      await button('Choose video').click();
      await (await chooser).setFiles(clip);
      await page.getByText('practice-clip.mp4').waitFor({ timeout: 10_000 });
      await screenshot('video-chosen');
      await context.setOffline(true);
      await button('Save session').click();
      await page.getByText('Queued (offline)').waitFor({ timeout: 30_000 });
      await screenshot('saved-offline');
    });

    await step('the app is closed while offline; reopened online, it uploads the saved session', async () => {
      // A restart: the queued session must come back from SQLite (and its video from IndexedDB).
      await page.close();
      await context.setOffline(false);
      page = await openPage();
      // Hold each part a moment so "Uploading n %" can be seen (a 130 KB clip is otherwise instant).
      await page.route('**/storage/parts**', async (route) => {
        await new Promise((done) => setTimeout(done, 2_000));
        await route.continue();
      });
      await page.goto(`${base}/sessions`);
      await page.getByText(/Uploading \d+ %/).waitFor({ timeout: 60_000 });
      await screenshot('uploading');
      await page
        .getByText(/Processing|Ready/)
        .first()
        .waitFor({ timeout: 60_000 });
      await screenshot('processing');
      await page.unroute('**/storage/parts**');
      await page.getByText('Ready', { exact: true }).waitFor({ timeout: READY_TIMEOUT_MS });
      await screenshot('ready');
    });

    await step('the session shows its video, metrics and charts', async () => {
      await page
        .getByRole('button', { name: /Repertoire/ })
        .first()
        .click();
      await page.getByText('What Rosin heard').waitFor({ timeout: 30_000 });
      await field('Loudness chart').waitFor();
      await field('Pitch chart').waitFor();
      const video = page.locator('video');
      await video.waitFor({ timeout: 20_000 });
      await page.waitForFunction(() => (document.querySelector('video')?.readyState ?? 0) >= 2, null, {
        timeout: 30_000,
      });
      await page.evaluate(async () => {
        const element = document.querySelector('video');
        element.muted = true;
        element.currentTime = 3;
        await new Promise((done) => element.addEventListener('seeked', done, { once: true }));
      });
      await page.waitForTimeout(500);
      await screenshot('session-detail');
    });

    await step('the progress screen shows minutes, streak and trends', async () => {
      await page.goto(`${base}/progress`);
      await page.getByText('Practice minutes per day').waitFor({ timeout: 30_000 });
      await screenshot('progress');
    });

    await step('the student records a session with the camera (fake device) and saves it', async () => {
      await tab('Practice').click();
      await button('New session').click();
      await button('Record').click();
      await page.locator('video[aria-label="Camera preview"]').waitFor({ timeout: 20_000 });
      await page.waitForFunction(
        () => (document.querySelector('video[aria-label="Camera preview"]')?.readyState ?? 0) >= 2,
        null,
        { timeout: 20_000 },
      );
      await button('Record').click();
      await button('Stop').waitFor();
      await page.waitForTimeout(2_500);
      await screenshot('recording');
      await button('Stop').click();
      await page.getByText(/^practice-\d+\.webm/).waitFor({ timeout: 10_000 });
      await button('Save session').click();
      await page
        .getByText(/Uploading \d+ %|Processing|Ready/)
        .first()
        .waitFor({ timeout: 60_000 });
      await page
        .getByRole('button', { name: /^Scales/ })
        .first()
        .waitFor({ timeout: 60_000 });
      await screenshot('recorded-session-uploading');
    });

    await step('the teacher signs in and opens the student’s session', async () => {
      await tab('Profile').click();
      await button('Sign out').click();
      await field('Email').fill(teacher.email);
      await field('Password').fill(PASSWORD);
      await button('Sign in').click();
      await page.getByRole('button', { name: new RegExp(student.name) }).waitFor({ timeout: 30_000 });
      await screenshot('teacher-students');
      await button('Create invitation code').click();
      await page.getByText(/^[A-Z2-9]{4}-?[A-Z2-9]{4}$/).waitFor({ timeout: 20_000 });
      await screenshot('teacher-invitation-code');
      await page.getByRole('button', { name: new RegExp(student.name) }).click();
      await page
        .getByRole('button', { name: /Repertoire/ })
        .first()
        .click();
      await page.getByText('What Rosin heard').waitFor({ timeout: 30_000 });
      await page.getByText('Bach partita, slow bows').waitFor();
      await screenshot('teacher-session-detail');
    });

    await step('a demo student with two weeks of sessions sees their progress', async () => {
      await page.goto(`${base}/profile`);
      await button('Sign out').click();
      await field('Email').fill('ada@rosin.demo');
      await field('Password').fill('rosin-demo-2026');
      await button('Sign in').click();
      await tab('Progress').click();
      await page.getByText('Practice minutes per day').waitFor({ timeout: 30_000 });
      await screenshot('demo-progress');
      await tab('Sessions').click();
      await page.getByText('Ready').first().waitFor({ timeout: 30_000 });
      await screenshot('demo-sessions');
      // Dark mode follows the system.
      await page.emulateMedia({ colorScheme: 'dark' });
      await page.getByRole('button', { name: /Ready/ }).first().click();
      await page.getByText('What Rosin heard').waitFor({ timeout: 30_000 });
      await screenshot('demo-session-detail-dark');
      await page.emulateMedia({ colorScheme: 'light' });
    });

    const unexpected = consoleErrors.filter(
      (text) => !/Failed to fetch|ERR_INTERNET_DISCONNECTED|net::/.test(text),
    );
    if (unexpected.length > 0) log(`browser console errors:\n  ${unexpected.join('\n  ')}`);
  } catch (error) {
    await screenshot('failure').catch(() => undefined);
    const output = serverOutput();
    log(`server output (last 3000 chars):\n${output.slice(-3000)}`);
    if (consoleErrors.length > 0) log(`browser console errors:\n  ${consoleErrors.join('\n  ')}`);
    throw error;
  }
}

async function shutdown() {
  await browser?.close().catch(() => undefined);
  if (server && server.exitCode === null) {
    try {
      process.kill(-server.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    await new Promise((done) => {
      const timer = setTimeout(() => {
        try {
          process.kill(-server.pid, 'SIGKILL');
        } catch {
          // gone
        }
        done();
      }, 15_000);
      server.once('exit', () => {
        clearTimeout(timer);
        done();
      });
    });
  }
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}

main()
  .then(async () => {
    await shutdown();
    console.log(`e2e: ${results.passed} passed, ${results.failed} failed`);
    console.log(`${results.passed} passed, ${results.failed} failed`);
  })
  .catch(async () => {
    await shutdown();
    console.log(`${results.passed} passed, ${Math.max(1, results.failed)} failed`);
    process.exit(1);
  });
