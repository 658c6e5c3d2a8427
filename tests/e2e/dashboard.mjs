// End-to-end test of the live service and its dashboard, in headless Chromium.
//
// Starts `build/release/citybrain serve` on Hangzhou's 4x4 grid (a free port of
// 127.0.0.1, a fresh data folder, a token file), opens the dashboard and checks
// that: the map is drawn (the canvas is not blank); a KPI update arrives (the
// simulated clock and the KPI figures change); a control action taken through the
// page works (enter the operator token, click a signal on the map, hold another
// phase, then pause) and shows in GET /api/v1/state. Saves a screenshot to
// build/e2e/dashboard.png. Exits non-zero on any failure.
//
// Environment: CITYBRAIN_BIN (default build/release/citybrain), CHROMIUM
// (default /usr/bin/chromium).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const binary = process.env.CITYBRAIN_BIN ?? join(repo, 'build/release/citybrain');
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const screenshot = join(repo, 'build/e2e/dashboard.png');
const WATCHDOG_MS = 180_000;

let serverProcess = null;  // killed by the watchdog if all else hangs
const log = (...args) => console.error('e2e:', ...args);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function freePort() {
  return new Promise((resolvePort, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolvePort(port));
    });
  });
}

async function waitFor(what, check, timeoutMs = 30_000, everyMs = 100) {
  const until = Date.now() + timeoutMs;
  let last;
  while (Date.now() < until) {
    try {
      last = await check();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    await sleep(everyMs);
  }
  throw new Error(`timed out waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
}

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'citybrain-e2e-'));
  const token = randomBytes(24).toString('hex');
  const tokenFile = join(work, 'operator.token');
  writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const serverLog = [];
  const server = spawn(binary, [
    'serve',
    '--roadnet', join(repo, 'data/cityflow/hangzhou_4x4/roadnet_4_4.json'),
    '--flow', join(repo, 'data/cityflow/hangzhou_4x4/anon_4_4_hangzhou_real.json'),
    '--controller', 'maxpressure',
    '--port', String(port),
    '--speed', '60',
    '--token-file', tokenFile,
    '--data-dir', join(work, 'data'),
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  serverProcess = server;
  server.stdout.on('data', (d) => serverLog.push(String(d)));
  server.stderr.on('data', (d) => serverLog.push(String(d)));
  const exited = new Promise((r) => server.on('exit', (code, signal) => r({ code, signal })));

  let context;
  const userData = mkdtempSync(join(tmpdir(), 'citybrain-e2e-chromium-'));
  try {
    await waitFor('the service to answer', async () => (await fetch(`${base}/api/v1/state`)).ok);
    const net = await (await fetch(`${base}/api/v1/network`)).json();
    const signalId = net.intersections[net.signals[0]].id;
    log(`service up on ${base}; ${net.signals.length} signals; will override ${signalId}`);

    context = await chromium.launchPersistentContext(userData, {
      executablePath: chromiumPath,
      headless: true,
      viewport: { width: 1400, height: 860 },
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
    });
    const page = context.pages()[0] ?? (await context.newPage());
    const pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error') pageErrors.push(m.text()); });
    await page.goto(base, { waitUntil: 'load' });

    // 1. The map is drawn: enough canvas pixels differ from the background.
    await page.waitForFunction(() => {
      const c = document.getElementById('map');
      const ctx = c.getContext('2d');
      const data = ctx.getImageData(0, 0, c.width, c.height).data;
      let drawn = 0;
      for (let i = 0; i < data.length; i += 16) {
        if (Math.abs(data[i] - 0x0b) + Math.abs(data[i + 1] - 0x10) + Math.abs(data[i + 2] - 0x16) > 30) ++drawn;
      }
      return drawn > 2000;
    }, null, { timeout: 20_000 });
    log('map drawn');

    // 2. A KPI update: the clock moves and the KPI figures are filled in.
    const t0 = await page.textContent('#sim-time');
    await page.waitForFunction((before) => {
      const t = document.getElementById('sim-time').textContent;
      return t !== before && t !== '–' && document.getElementById('kpi-delay').textContent !== '–';
    }, t0, { timeout: 20_000 });
    await page.waitForFunction(() => Number(document.getElementById('kpi-onroad').textContent.replace(/,/g, '')) > 0,
      null, { timeout: 20_000 });
    log(`KPIs updating (clock ${t0} -> ${await page.textContent('#sim-time')})`);
    // Let some traffic build up, for a screenshot that shows congestion.
    await waitFor('5 simulated minutes', async () => (await (await fetch(`${base}/api/v1/state`)).json()).time_s >= 300,
      30_000, 250);

    // 3. A control action through the page: token, click the signal, hold another phase.
    await page.fill('#token', token);
    await page.dispatchEvent('#token', 'change');
    const at = await page.evaluate((id) => window.citybrain.signalScreen(id), signalId);
    const box = await page.locator('#map').boundingBox();
    await page.mouse.click(box.x + at[0], box.y + at[1]);
    await page.waitForSelector('#selected:not([hidden])', { timeout: 5_000 });
    const shownId = await page.textContent('#sel-id');
    if (shownId !== signalId) throw new Error(`clicked signal shows as '${shownId}', expected '${signalId}'`);
    const before = await (await fetch(`${base}/api/v1/state`)).json();
    const granted = before.signals.granted[0];
    const target = net.intersections[net.signals[0]].control_phases.find((p) => p !== granted);
    await page.fill('#sel-duration', '600');
    await page.click(`#sel-phases button[data-phase="${target}"]`);
    await page.waitForFunction(() => document.getElementById('message').className === 'ok', null, { timeout: 5_000 });
    const held = await waitFor(`phase ${target} held at ${signalId}`, async () => {
      const s = await (await fetch(`${base}/api/v1/state`)).json();
      return s.signals.held[0] === 1 && s.signals.phase[0] === target ? s : null;
    }, 30_000, 200);
    log(`override through the page: ${signalId} shows phase ${target} (held) at t=${held.time_s}`);
    await page.waitForFunction(() => document.getElementById('sel-held').textContent.includes('held'), null,
      { timeout: 10_000 });

    // ... then pause from the page.
    await page.click('#pause');
    await waitFor('the service to pause', async () => (await (await fetch(`${base}/api/v1/state`)).json()).paused,
      10_000, 100);
    await page.waitForFunction(() => document.getElementById('run-state').textContent === 'paused', null,
      { timeout: 10_000 });
    await page.waitForFunction(() => document.querySelectorAll('#events li').length > 0, null, { timeout: 10_000 });
    log('paused through the page; event log filled');

    if (pageErrors.length) throw new Error(`errors in the page: ${pageErrors.join('; ')}`);
    mkdirSync(dirname(screenshot), { recursive: true });
    await sleep(500);  // let the throttled map redraw settle
    await page.screenshot({ path: screenshot });
    log(`screenshot saved to ${screenshot}`);
  } finally {
    if (context) await context.close().catch(() => undefined);
    server.kill('SIGINT');
    const result = await Promise.race([exited, sleep(15_000).then(() => null)]);
    if (!result) {
      server.kill('SIGKILL');
      throw new Error('citybrain serve did not stop within 15 s of SIGINT');
    }
    rmSync(userData, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
    if (result.code !== 0) {
      throw new Error(`citybrain serve exited with ${result.code ?? result.signal}:\n${serverLog.join('')}`);
    }
  }
}

const watchdog = setTimeout(() => {
  log(`gave up after ${WATCHDOG_MS / 1000} s`);
  if (serverProcess) serverProcess.kill('SIGKILL');
  process.exit(1);
}, WATCHDOG_MS);

main().then(() => {
  clearTimeout(watchdog);
  console.log('e2e: 1 passed, 0 failed');
}, (e) => {
  clearTimeout(watchdog);
  log(`FAILED: ${e.stack ?? e.message}`);
  console.log('e2e: 0 passed, 1 failed');
  process.exit(1);
});
