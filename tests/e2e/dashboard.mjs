// End-to-end test of the live service and its dashboard, in headless Chromium.
//
// Case 1, a CityFlow network: starts `build/release/citybrain serve` on Hangzhou's
// 4x4 grid (a free port of 127.0.0.1, a fresh data folder, a token file), opens the
// dashboard and checks that: the map is drawn (the canvas is not blank); a KPI
// update arrives (the simulated clock and the KPI figures change); a control action
// taken through the page works (enter the operator token, click a signal on the
// map, hold another phase, then pause) and shows in GET /api/v1/state. Saves a
// screenshot to build/e2e/dashboard.png.
//
// Case 2, a SUMO network (data/sumo/grid2, under its own signal programs,
// `--controller fixed-plan`): checks the map as a person would look at it: the view
// is fitted to the network's bounds; a road is drawn where each lane's shape says
// (a pixel on the middle of every lane is painted); every signal is drawn at its
// junction, in a phase colour; once paused, a vehicle is drawn where its lane's
// shape puts it. Saves build/e2e/dashboard-sumo.png.
//
// Case 3, an emergency vehicle on the KDD Cup 2021 round-3 city (1004 signals, the
// largest bundled network; `--controller maxpressure`), started paused at t = 0:
// dispatches one through the dashboard's form (road 4851 -> 2200: 7 roads, 4 signals,
// ~170 simulated s at free flow), checks that it shows in the EV panel and on the map
// with the whole city in view (its marker, red or blue, where the page says it is;
// build/e2e/dashboard-ev-city.png),
// resumes at 5x through the page, pauses once a signal holds for it
// (GET /api/v1/emergency), shows its route (a click on its row fits the map to it) and
// checks that the route ahead is drawn in the route colour, the marker on it and the
// held signal ringed; saves build/e2e/dashboard-ev.png. Then at max speed (through the
// page) it must be reported arrived by the API and by the page (panel, window.citybrain,
// a green marker); saves build/e2e/dashboard-ev-arrived.png.
//
// Exits non-zero on any failure. Environment: CITYBRAIN_BIN (default
// build/release/citybrain), CHROMIUM (default /usr/bin/chromium); CITYBRAIN_E2E_SUMO
// (a .sumocfg, for a manual look at another SUMO network in case 2; its screenshot
// is build/e2e/dashboard-sumo.png too).
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
const sumoScreenshot = join(repo, 'build/e2e/dashboard-sumo.png');
const evScreenshot = join(repo, 'build/e2e/dashboard-ev.png');
const evArrivedScreenshot = join(repo, 'build/e2e/dashboard-ev-arrived.png');
const evCityScreenshot = join(repo, 'build/e2e/dashboard-ev-city.png');
const WATCHDOG_MS = 480_000;

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

// Starts `citybrain serve` with `args` on a free port, a fresh data folder and a
// token file; resolves once it answers. stop() ends it with SIGINT and checks it
// exited cleanly.
async function startService(args) {
  const work = mkdtempSync(join(tmpdir(), 'citybrain-e2e-'));
  const token = randomBytes(24).toString('hex');
  const tokenFile = join(work, 'operator.token');
  writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const serverLog = [];
  const server = spawn(binary, ['serve', ...args, '--port', String(port), '--token-file', tokenFile,
    '--data-dir', join(work, 'data')], { stdio: ['ignore', 'pipe', 'pipe'] });
  serverProcess = server;
  server.stdout.on('data', (d) => serverLog.push(String(d)));
  server.stderr.on('data', (d) => serverLog.push(String(d)));
  const exited = new Promise((r) => server.on('exit', (code, signal) => r({ code, signal })));
  const stop = async () => {
    server.kill('SIGINT');
    const result = await Promise.race([exited, sleep(15_000).then(() => null)]);
    rmSync(work, { recursive: true, force: true });
    if (!result) {
      server.kill('SIGKILL');
      throw new Error('citybrain serve did not stop within 15 s of SIGINT');
    }
    if (result.code !== 0) {
      throw new Error(`citybrain serve exited with ${result.code ?? result.signal}:\n${serverLog.join('')}`);
    }
  };
  try {
    await waitFor('the service to answer', async () => {
      const done = await Promise.race([exited, sleep(0).then(() => null)]);
      if (done) throw new Error(`citybrain serve exited: ${serverLog.join('')}`);
      return (await fetch(`${base}/api/v1/state`)).ok;
    }, 60_000);
  } catch (e) {
    await stop().catch(() => undefined);
    throw e;
  }
  return { base, token, stop };
}

async function openDashboard(context, base) {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(base, { waitUntil: 'load' });
  return { page, errors };
}

// Waits until enough canvas pixels differ from the background.
async function waitForMap(page) {
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
}

async function cityflowCase(context) {
  const service = await startService([
    '--roadnet', join(repo, 'data/cityflow/hangzhou_4x4/roadnet_4_4.json'),
    '--flow', join(repo, 'data/cityflow/hangzhou_4x4/anon_4_4_hangzhou_real.json'),
    '--controller', 'maxpressure',
    '--speed', '60',
  ]);
  const { base, token } = service;
  let page;
  try {
    const net = await (await fetch(`${base}/api/v1/network`)).json();
    const signalId = net.intersections[net.signals[0]].id;
    log(`CityFlow: service up on ${base}; ${net.signals.length} signals; will override ${signalId}`);
    const opened = await openDashboard(context, base);
    page = opened.page;
    const pageErrors = opened.errors;

    // 1. The map is drawn: enough canvas pixels differ from the background.
    await waitForMap(page);
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
    if (page) await page.close().catch(() => undefined);
    await service.stop();
  }
}

// The canvas pixels (RGB) at CSS points `at` of the map.
async function pixelsAt(page, at) {
  return page.evaluate((points) => {
    const c = document.getElementById('map');
    const ctx = c.getContext('2d');
    const scale = c.width / c.getBoundingClientRect().width;
    return points.map(([x, y]) => [...ctx.getImageData(Math.floor(x * scale), Math.floor(y * scale), 1, 1).data]
      .slice(0, 3));
  }, at);
}

const hex = (h) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16));
const near = (rgb, colour, tolerance = 24) => rgb.every((v, i) => Math.abs(v - colour[i]) <= tolerance);
const BACKGROUND = hex('#0b1016');
const JUNCTION = hex('#2b3540');
const ROADS = ['#3d4a57', '#2fb36f', '#b7d433', '#f2c230', '#f08a24', '#e0362c'].map(hex);
const VEHICLE = hex('#f5f7fa');

// The point at `fraction` of a polyline's length.
function along(points, fraction) {
  let total = 0;
  for (let k = 1; k < points.length; ++k) total += Math.hypot(points[k][0] - points[k - 1][0], points[k][1] - points[k - 1][1]);
  let want = fraction * total;
  for (let k = 1; k < points.length; ++k) {
    const len = Math.hypot(points[k][0] - points[k - 1][0], points[k][1] - points[k - 1][1]);
    if (want <= len || k === points.length - 1) {
      const t = len > 0 ? Math.min(want / len, 1) : 0;
      return [points[k - 1][0] + (points[k][0] - points[k - 1][0]) * t, points[k - 1][1] + (points[k][1] - points[k - 1][1]) * t];
    }
    want -= len;
  }
  return points[0];
}

async function sumoCase(context) {
  const manual = process.env.CITYBRAIN_E2E_SUMO;
  const scenario = manual ? ['--config', manual] : [
    '--roadnet', join(repo, 'data/sumo/grid2/grid2.net.xml'),
    '--flow', join(repo, 'data/sumo/grid2/grid2_flow.json'),
  ];
  const service = await startService([...scenario, '--controller', 'fixed-plan', '--speed', '20']);
  const { base, token } = service;
  let page;
  try {
    const net = await (await fetch(`${base}/api/v1/network`)).json();
    if (net.format !== 'sumo') throw new Error(`format '${net.format}', expected 'sumo'`);
    log(`SUMO: service up on ${base}; ${net.roads.length} roads, ${net.signals.length} signals`);
    const opened = await openDashboard(context, base);
    page = opened.page;
    await waitForMap(page);
    await page.waitForFunction(() => document.getElementById('kpi-delay').textContent !== '–', null,
      { timeout: 20_000 });
    const title = await page.textContent('#network-name');
    if (!title.includes(`${net.signals.length} signals`)) throw new Error(`header '${title}' misses the signals`);
    const screen = (points) => page.evaluate((p) => p.map(([x, y]) => window.citybrain.worldScreen(x, y)), points);
    const box = await page.locator('#map').boundingBox();
    const visible = ([x, y]) => x >= 2 && y >= 2 && x < box.width - 2 && y < box.height - 2;

    // The view is fitted to the bounds: the corners are on the canvas and the
    // network fills most of its width or height.
    const b = net.bounds;
    const corners = await screen([[b.min_x, b.min_y], [b.max_x, b.max_y]]);
    if (!corners.every(([x, y]) => x >= -1 && y >= -1 && x <= box.width + 1 && y <= box.height + 1)) {
      throw new Error(`bounds drawn at ${JSON.stringify(corners)}, outside the ${box.width}x${box.height} map`);
    }
    const spanX = corners[1][0] - corners[0][0], spanY = corners[0][1] - corners[1][1];
    if (spanY <= 0) throw new Error('y is drawn downwards: north should be up');
    if (Math.max(spanX / box.width, spanY / box.height) < 0.6) {
      throw new Error(`the network fills only ${spanX}x${spanY} of the ${box.width}x${box.height} map`);
    }

    // Roads: the middle of every lane is painted, in a road or junction colour or
    // under a signal or vehicle; the rest of the canvas is mostly background.
    const lanes = net.roads.flatMap((r) => r.lane_points);
    const mids = (await screen(lanes.map((pts) => along(pts, 0.5)))).filter(visible);
    const midPixels = await pixelsAt(page, mids);
    const unpainted = midPixels.filter((rgb) => near(rgb, BACKGROUND, 12)).length;
    if (mids.length < 0.9 * lanes.length || unpainted > 0) {
      throw new Error(`${unpainted} of ${mids.length} lane middles unpainted (${lanes.length} lanes)`);
    }
    const roadPainted = midPixels.filter((rgb) => ROADS.some((c) => near(rgb, c))).length;
    if (roadPainted < 0.8 * mids.length) {
      throw new Error(`only ${roadPainted} of ${mids.length} lane middles in a road colour`);
    }
    log(`all ${mids.length} lane middles painted (${roadPainted} in a road colour)`);

    // Signals: one at each signalised junction, in a phase colour.
    const signalAt = (await screen(net.signals.map((i) => [net.intersections[i].x, net.intersections[i].y])));
    const signalPixels = await pixelsAt(page, signalAt);
    const shown = signalPixels.filter((rgb) => !near(rgb, BACKGROUND) && !near(rgb, JUNCTION, 8) &&
      !ROADS.some((c) => near(rgb, c, 8))).length;
    if (shown !== net.signals.length) {
      throw new Error(`${shown} signals drawn in a phase colour, expected ${net.signals.length}`);
    }
    log(`${shown} signals drawn at their junctions`);

    // Vehicles: paused, each drawn where its lane's shape puts it.
    await waitFor('vehicles on the road', async () => (await (await fetch(`${base}/api/v1/state`)).json())
      .kpis.on_road >= 5, 60_000, 250);
    const paused = await fetch(`${base}/api/v1/sim`, { method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      body: JSON.stringify({ action: 'pause' }) });
    if (!paused.ok) throw new Error(`pause: HTTP ${paused.status}`);
    await page.waitForFunction(() => document.getElementById('run-state').textContent === 'paused', null,
      { timeout: 10_000 });
    await sleep(2500);  // a vehicles poll (every 1 s) after the pause, and its redraw
    const v = await (await fetch(`${base}/api/v1/vehicles`)).json();
    const spots = (await screen(v.road.map((r, i) => along(net.roads[r].lane_points[v.lane[i]], v.pos[i] / 1000))))
      .filter(visible);
    const onSpot = (await pixelsAt(page, spots)).filter((rgb) => near(rgb, VEHICLE, 40)).length;
    if (spots.length === 0 || onSpot < 0.8 * spots.length) {
      throw new Error(`${onSpot} of ${spots.length} vehicles drawn on their lanes`);
    }
    log(`${onSpot} of ${spots.length} vehicles drawn on their lanes`);

    if (opened.errors.length) throw new Error(`errors in the page: ${opened.errors.join('; ')}`);
    mkdirSync(dirname(sumoScreenshot), { recursive: true });
    await page.screenshot({ path: sumoScreenshot });
    log(`screenshot saved to ${sumoScreenshot}`);
  } finally {
    if (page) await page.close().catch(() => undefined);
    await service.stop();
  }
}

// The overlay canvas's pixels (RGB; black where nothing is drawn) at CSS points `at`
// of the map.
async function overlayPixelsAt(page, at) {
  return page.evaluate((points) => {
    const c = document.getElementById('overlay');
    const ctx = c.getContext('2d');
    const scale = c.width / c.getBoundingClientRect().width;
    return points.map(([x, y]) => [...ctx.getImageData(Math.floor(x * scale), Math.floor(y * scale), 1, 1).data]
      .slice(0, 3));
  }, at);
}

const EV_COLOURS = ['#ff2d55', '#2f7dff'].map(hex);  // the marker flashes between them
const EV_ROUTE = hex('#22d3ee');
const EV_ARRIVED = hex('#48c78e');
const KDD_ORIGIN = '4851';
const KDD_DESTINATION = '2200';

async function emergencyCase(context) {
  const service = await startService([
    '--roadnet', join(repo, 'data/citybrain_kddcup2021/roadnet_round3.txt'),
    '--flow', join(repo, 'data/citybrain_kddcup2021/flow_round3_flow0.txt'),
    '--controller', 'maxpressure',
    '--paused',
  ]);
  const { base, token } = service;
  const trips = async () => (await (await fetch(`${base}/api/v1/emergency`)).json()).trips;
  let page;
  try {
    const net = await (await fetch(`${base}/api/v1/network`)).json();
    log(`KDD round 3: service up on ${base}; ${net.roads.length} roads, ${net.signals.length} signals`);
    const opened = await openDashboard(context, base);
    page = opened.page;
    await waitForMap(page);
    await page.waitForFunction(() => document.getElementById('run-state').textContent === 'paused', null,
      { timeout: 20_000 });
    const mapBox = await page.locator('#map').boundingBox();
    const visible = ([x, y]) => x >= 2 && y >= 2 && x < mapBox.width - 2 && y < mapBox.height - 2;

    // 1. Dispatch through the form.
    await page.fill('#token', token);
    await page.dispatchEvent('#token', 'change');
    await page.fill('#ev-origin', KDD_ORIGIN);
    await page.fill('#ev-destination', KDD_DESTINATION);
    await page.click('#dispatch');
    await page.waitForFunction(() => /dispatched over \d+ roads/.test(document.getElementById('message').textContent),
      null, { timeout: 10_000 });
    const trip = await (await page.waitForFunction(() => {
      const t = window.citybrain.emergency();
      return t.length === 1 ? t[0] : null;
    }, null, { timeout: 10_000 })).jsonValue();
    if (trip.origin !== KDD_ORIGIN || trip.destination !== KDD_DESTINATION || trip.route[0] !== KDD_ORIGIN ||
      trip.route[trip.route.length - 1] !== KDD_DESTINATION || trip.arrived) {
      throw new Error(`the page shows ${JSON.stringify(trip).slice(0, 300)}`);
    }
    await page.waitForFunction(() => document.querySelectorAll('#ev-list tr').length === 1 &&
      document.getElementById('ev-none').hidden, null, { timeout: 5_000 });
    log(`EV ${trip.vehicle} dispatched through the form: ${trip.route.length} roads, ` +
      `free flow ${trip.free_flow_time_s} s`);

    // 2. Its marker with the whole city in view (drawn at every zoom).
    await sleep(400);  // a redraw of the overlay
    const wholeCity = await page.evaluate((d) => window.citybrain.emergencyScreen(d), trip.dispatch);
    if (!wholeCity || !visible(wholeCity)) throw new Error(`EV marker at ${JSON.stringify(wholeCity)}, off the map`);
    const [cityPixel] = await overlayPixelsAt(page, [wholeCity]);
    if (!EV_COLOURS.some((c) => near(cityPixel, c, 40))) {
      throw new Error(`EV marker pixel ${cityPixel} at ${wholeCity} is not red or blue (whole city in view)`);
    }
    mkdirSync(dirname(evCityScreenshot), { recursive: true });
    await page.screenshot({ path: evCityScreenshot });
    log(`EV marker drawn with the whole city in view at ${wholeCity.map(Math.round)}; screenshot saved to ` +
      evCityScreenshot);

    // 3. Resume at 5x through the page; pause (API) once a signal holds for it.
    await page.selectOption('#speed', '5');
    await waitFor('speed 5', async () => (await (await fetch(`${base}/api/v1/state`)).json()).speed === 5, 10_000);
    await page.click('#pause');
    const resumedAt = Date.now();
    const sim = async (body) => {
      const res = await fetch(`${base}/api/v1/sim`, { method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
        body: JSON.stringify(body) });
      if (!res.ok) throw new Error(`${JSON.stringify(body)}: HTTP ${res.status}`);
    };
    let holding = null;
    for (let attempt = 0; !holding; ++attempt) {
      await waitFor('a signal holding for the EV', async () => {
        const [t] = await trips();
        if (t.arrived) throw new Error('arrived before any signal was seen holding for it');
        return t.state === 'driving' && t.held.length > 0;
      }, 90_000, 50);
      await sim({ action: 'pause' });
      // A step may have run between the look and the pause, and the EV passed.
      const [t] = await trips();
      if (t.held.length > 0) holding = t;
      else if (attempt < 3) await sim({ action: 'resume' });
      else throw new Error('the EV passed every signal seen holding for it before the pause');
    }
    log(`after ${((Date.now() - resumedAt) / 1000).toFixed(1)} s: ${holding.held.join(', ')} held for it ` +
      `(road ${holding.route_index + 1} of ${holding.route.length}, t = ${holding.dispatched_at_s + holding.travel_time_s} s)`);
    const shown = await (await page.waitForFunction(() => {
      const t = window.citybrain.emergency()[0];
      return document.getElementById('run-state').textContent === 'paused' && t && t.held.length > 0 ? t : null;
    }, null, { timeout: 10_000 })).jsonValue();

    // 4. Its route: a click on its row fits the map to it; the route ahead, the marker
    // and the ring of a signal holding for it are drawn.
    await page.click('#ev-list tr');
    await sleep(600);
    const marker = await page.evaluate((d) => window.citybrain.emergencyScreen(d), trip.dispatch);
    const heldAt = await page.evaluate((id) => window.citybrain.signalScreen(id), shown.held[0]);
    const last = net.roads.find((r) => r.id === KDD_DESTINATION);
    const routePoint = await page.evaluate(([x, y]) => window.citybrain.worldScreen(x, y),
      along(last.lane_points[last.lanes.length >> 1], 0.5));
    if (![marker, heldAt, routePoint].every(visible)) {
      throw new Error(`after fitting to the route: marker ${marker}, held signal ${heldAt}, route ${routePoint} not all on the map`);
    }
    // The ring (radius 14 px) at four points: the marker or the route may cover some.
    const ring = [[14, 0], [-14, 0], [0, 14], [0, -14]].map(([dx, dy]) => [heldAt[0] + dx, heldAt[1] + dy]);
    const [markerPx, routePx, ...ringPx] = await overlayPixelsAt(page, [marker, routePoint, ...ring]);
    if (!EV_COLOURS.some((c) => near(markerPx, c, 40))) throw new Error(`EV marker pixel ${markerPx} not red or blue`);
    if (!ringPx.some((px) => EV_COLOURS.some((c) => near(px, c, 40)))) {
      throw new Error(`held signal's ring pixels ${JSON.stringify(ringPx)}: none red or blue`);
    }
    if (!near(routePx, EV_ROUTE, 40)) throw new Error(`route pixel ${routePx} not in the route colour`);
    const row = await page.textContent('#ev-list tr');
    if (!row.includes(`EV ${trip.vehicle}`) || !row.includes('driving')) throw new Error(`EV row reads '${row}'`);
    mkdirSync(dirname(evScreenshot), { recursive: true });
    await page.screenshot({ path: evScreenshot });
    log(`EV, its route ahead and ${shown.held[0]} holding for it drawn; screenshot saved to ${evScreenshot}`);

    // 5. At max speed through the page, until it is reported arrived.
    await page.selectOption('#speed', 'max');
    await waitFor('speed max', async () => (await (await fetch(`${base}/api/v1/state`)).json()).speed === 'max', 10_000);
    await page.click('#pause');
    const arrived = await waitFor('the EV to arrive', async () => {
      const [t] = await trips();
      return t.arrived ? t : null;
    }, 180_000, 250);
    log(`arrived at t = ${arrived.arrived_at_s} s: ${arrived.travel_time_s} s against ${arrived.free_flow_time_s} s ` +
      `free flow, ${arrived.preempted} signals pre-empted, ${arrived.stops} stops`);
    await page.waitForFunction(() => window.citybrain.emergency()[0]?.arrived === true &&
      document.querySelector('#ev-list tr .ev-state').textContent === 'arrived', null, { timeout: 10_000 });
    await sleep(600);
    const end = await page.evaluate((d) => window.citybrain.emergencyScreen(d), trip.dispatch);
    const [endPx] = await overlayPixelsAt(page, [end]);
    if (!near(endPx, EV_ARRIVED, 40)) throw new Error(`arrived EV's marker pixel ${endPx} is not green`);
    await page.waitForFunction(() => /emergency_arrived/.test(document.getElementById('events').textContent), null,
      { timeout: 10_000 });
    if (opened.errors.length) throw new Error(`errors in the page: ${opened.errors.join('; ')}`);
    await page.screenshot({ path: evArrivedScreenshot });
    log(`shown arrived in the panel and on the map; screenshot saved to ${evArrivedScreenshot}`);
  } finally {
    if (page) await page.close().catch(() => undefined);
    await service.stop();
  }
}

async function main() {
  const userData = mkdtempSync(join(tmpdir(), 'citybrain-e2e-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(userData, {
      executablePath: chromiumPath,
      headless: true,
      viewport: { width: 1400, height: 860 },
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
    });
    if (!process.env.CITYBRAIN_E2E_SUMO) await cityflowCase(context);
    await sumoCase(context);
    if (!process.env.CITYBRAIN_E2E_SUMO) await emergencyCase(context);
  } finally {
    if (context) await context.close().catch(() => undefined);
    rmSync(userData, { recursive: true, force: true });
  }
}

const watchdog = setTimeout(() => {
  log(`gave up after ${WATCHDOG_MS / 1000} s`);
  if (serverProcess) serverProcess.kill('SIGKILL');
  process.exit(1);
}, WATCHDOG_MS);

main().then(() => {
  clearTimeout(watchdog);
  console.log(process.env.CITYBRAIN_E2E_SUMO ? 'e2e: 1 passed, 0 failed' : 'e2e: 3 passed, 0 failed');
}, (e) => {
  clearTimeout(watchdog);
  log(`FAILED: ${e.stack ?? e.message}`);
  console.log('e2e: failed');
  process.exit(1);
});
