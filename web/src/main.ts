// citybrain's live dashboard: wires the map, the charts, the event log and the
// operator controls to the service's API (docs/api.md). State arrives over the
// Server-Sent-Events stream; the event log is polled from the store.
import './style.css';
import { getJson, postJson, type EmergencyJson, type EventJson, type KpiSample, type NetworkJson,
  type StateJson, type VehiclesJson } from './api';
import { KpiCharts, formatClock } from './charts';
import { EmergencyLayer } from './emergency';
import { MapView, VEHICLE_ZOOM } from './map';

const EVENTS_POLL_MS = 2000;
const VEHICLES_POLL_MS = 1000;
const EMERGENCY_POLL_MS = 1000;
const MAX_EVENTS_SHOWN = 200;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

interface App {
  net: NetworkJson;
  map: MapView;
  emergency: EmergencyLayer;
  charts: KpiCharts;
  state: StateJson | null;
  selected: number;  // signal index
  lastEventId: number;
  runId: number;
}

function say(text: string, kind: 'ok' | 'error' | '' = ''): void {
  const m = $('message');
  m.textContent = text;
  m.className = kind;
}

function token(): string {
  return ($('token') as HTMLInputElement).value.trim();
}

async function control(path: string, body: unknown, done: string): Promise<unknown> {
  if (!token()) {
    say('Enter the operator token first (it is in the data folder, operator.token).', 'error');
    return null;
  }
  try {
    const answer = await postJson(path, token(), body);
    say(done, 'ok');
    return answer;
  } catch (e) {
    say((e as Error).message, 'error');
    return null;
  }
}

function showState(app: App, s: StateJson): void {
  app.state = s;
  if (s.run_id !== app.runId) {
    app.runId = s.run_id;
    app.lastEventId = 0;
    $('events').replaceChildren();
  }
  $('sim-time').textContent = formatClock(s.time_s);
  const badge = $('run-state');
  badge.textContent = s.paused ? 'paused' : 'live';
  badge.className = `badge ${s.paused ? 'paused' : 'live'}`;
  $('pause').textContent = s.paused ? 'Resume' : 'Pause';
  const speed = s.speed === 'max' ? 'max' : `${s.speed}×`;
  const running = s.paused ? 'paused'
    : `running ${s.achieved_speed.toFixed(s.achieved_speed < 10 ? 1 : 0)}×${s.lag_s > 0.5 ? `, ${s.lag_s.toFixed(1)} s behind` : ''}`;
  $('pace').textContent = `speed ${speed} (${running}) · controller ${s.controller}`;
  const select = $('speed') as HTMLSelectElement;
  if (document.activeElement !== select) {
    const value = String(s.speed);
    if (![...select.options].some((o) => o.value === value)) select.add(new Option(`${value}×`, value));
    select.value = value;
  }
  $('kpi-delay').textContent = s.kpis.delay_index.toFixed(3);
  $('kpi-att').textContent = `${s.kpis.average_travel_time_s.toFixed(0)} s`;
  $('kpi-throughput').textContent = s.kpis.throughput.toLocaleString();
  $('kpi-onroad').textContent = s.kpis.on_road.toLocaleString();
  $('kpi-queued').textContent = s.kpis.queued_on_lanes.toLocaleString();
  $('kpi-changes').textContent = s.counters.phase_changes.toLocaleString();
  app.charts.add(s.time_s, s.kpis.delay_index, s.kpis.average_travel_time_s, s.kpis.throughput);
  app.map.setState(s);
  showSelected(app);
}

function showSelected(app: App): void {
  const box = $('selected');
  if (app.selected < 0) {
    box.hidden = true;
    return;
  }
  box.hidden = false;
  const inter = app.net.intersections[app.net.signals[app.selected]];
  $('sel-id').textContent = inter.id;
  const s = app.state;
  const phase = s ? s.signals.phase[app.selected] : -1;
  $('sel-phase').textContent = phase === inter.clearance_phase ? `${phase} (clearance)` : String(phase);
  $('sel-controller').textContent = s ? `controller ${s.controller_at[inter.id] ?? s.controller}` : '';
  $('sel-held').textContent = s && s.signals.held[app.selected] ? '· held' : '';
  const granted = s ? s.signals.granted[app.selected] : -1;
  for (const b of $('sel-phases').querySelectorAll('button')) {
    b.classList.toggle('current', Number(b.dataset.phase) === granted);
  }
}

function selectSignal(app: App, signal: number): void {
  app.selected = signal;
  const inter = app.net.intersections[app.net.signals[signal]];
  const row = $('sel-phases');
  row.replaceChildren();
  for (const p of inter.control_phases ?? []) {
    const b = document.createElement('button');
    b.className = 'phase';
    b.dataset.phase = String(p);
    b.textContent = String(p);
    b.title = `Hold phase ${p} at ${inter.id}`;
    b.addEventListener('click', () => {
      const duration = Number(($('sel-duration') as HTMLInputElement).value) || 60;
      void control(`/api/v1/intersections/${encodeURIComponent(inter.id)}/override`,
        { phase: p, duration_s: duration }, `Holding phase ${p} at ${inter.id} for ${duration} s (after the clearance).`);
    });
    row.appendChild(b);
  }
  showSelected(app);
}

function addEvents(app: App, events: EventJson[]): void {
  const list = $('events');
  for (const e of events) {
    app.lastEventId = Math.max(app.lastEventId, e.id);
    const li = document.createElement('li');
    const t = document.createElement('span');
    t.className = 't';
    t.textContent = formatClock(e.time_s);
    const k = document.createElement('span');
    k.className = `k ${e.kind}`;
    k.textContent = e.kind;
    li.append(t, k, document.createTextNode(
      [e.intersection && `at ${e.intersection}`, e.phase >= 0 ? `phase ${e.phase}` : '', e.source, e.detail]
        .filter(Boolean).join(' · ')));
    list.prepend(li);
  }
  while (list.childElementCount > MAX_EVENTS_SHOWN) list.lastElementChild?.remove();
}

async function pollEvents(app: App): Promise<void> {
  try {
    const query = app.lastEventId > 0 ? `after_id=${app.lastEventId}&limit=500` : 'limit=50';
    const answer = await getJson<{ events: EventJson[] }>(`/api/v1/events?run=current&${query}`);
    addEvents(app, answer.events);
  } catch {
    // the service may be restarting; try again at the next poll
  }
}

function connectStream(app: App): void {
  const source = new EventSource('/api/v1/stream');
  source.addEventListener('state', (e) => showState(app, JSON.parse((e as MessageEvent).data) as StateJson));
  source.onopen = () => { $('connection').textContent = ''; };
  source.onerror = () => { $('connection').textContent = 'stream interrupted, reconnecting…'; };
}

function installControls(app: App): void {
  const tokenInput = $('token') as HTMLInputElement;
  tokenInput.value = sessionStorage.getItem('citybrain-token') ?? '';
  tokenInput.addEventListener('change', () => sessionStorage.setItem('citybrain-token', token()));
  $('pause').addEventListener('click', () => {
    const resume = app.state?.paused ?? false;
    void control('/api/v1/sim', { action: resume ? 'resume' : 'pause' }, resume ? 'Resumed.' : 'Paused.');
  });
  ($('speed') as HTMLSelectElement).addEventListener('change', (e) => {
    const v = (e.target as HTMLSelectElement).value;
    void control('/api/v1/sim', { speed: v === 'max' ? 'max' : Number(v) }, `Speed ${v}.`);
  });
  $('apply-controller').addEventListener('click', () => {
    const name = ($('controller') as HTMLSelectElement).value;
    void control('/api/v1/controller', { controller: name }, `Controller ${name} on every signal.`);
  });
  $('dispatch').addEventListener('click', async () => {
    const origin = ($('ev-origin') as HTMLInputElement).value.trim();
    const destination = ($('ev-destination') as HTMLInputElement).value.trim();
    const answer = await control('/api/v1/emergency', { origin, destination }, 'Dispatched.') as
      { vehicle: number; route: string[]; dispatcher: string } | null;
    if (answer) {
      say(`Emergency vehicle ${answer.vehicle} dispatched over ${answer.route.length} roads.`, 'ok');
      void pollEmergency(app);
    }
  });
  $('sel-release').addEventListener('click', () => {
    if (app.selected < 0) return;
    const id = app.net.intersections[app.net.signals[app.selected]].id;
    void control(`/api/v1/intersections/${encodeURIComponent(id)}/override`, { release: true }, `Released ${id}.`);
  });
}

async function pollVehicles(app: App): Promise<void> {
  if (app.map.scale < VEHICLE_ZOOM) {
    app.map.setVehicles(null);
    return;
  }
  try {
    app.map.setVehicles(await getJson<VehiclesJson>('/api/v1/vehicles'));
  } catch {
    app.map.setVehicles(null);
  }
}

// The emergency vehicles: fetched while one is on its way or still shown (the state's
// counter says when a dispatch from elsewhere started one).
async function pollEmergency(app: App): Promise<void> {
  try {
    app.emergency.update(await getJson<EmergencyJson>('/api/v1/emergency'));
  } catch {
    // the service may be restarting; try again at the next poll
  }
}

async function main(): Promise<void> {
  const net = await getJson<NetworkJson>('/api/v1/network');
  const name = net.source.split('/').pop() ?? net.source;
  $('network-name').textContent = `${name} · ${net.signals.length} signals · ${net.lane_road.length} lanes`;
  const map = new MapView($('map') as HTMLCanvasElement, net);
  const app: App = {
    net,
    map,
    emergency: new EmergencyLayer($('overlay') as HTMLCanvasElement, map, net, $('ev-list'), $('ev-none')),
    charts: new KpiCharts($('charts')),
    state: null,
    selected: -1,
    lastEventId: 0,
    runId: -1,
  };
  const legend = $('legend');
  map.topInsetPx = () => legend.offsetTop + legend.offsetHeight + 8;
  map.fit();
  app.map.onSelect((signal) => selectSignal(app, signal));
  app.emergency.onSelect((trip) => app.emergency.showRoute(trip));
  installControls(app);

  const roads = $('roads');
  const options = net.roads.slice(0, 20000).map((r) => {
    const o = document.createElement('option');
    o.value = r.id;
    return o;
  });
  roads.replaceChildren(...options);
  getJson<{ controllers: string[]; current: string }>('/api/v1/controllers').then((c) => {
    const select = $('controller') as HTMLSelectElement;
    select.replaceChildren(...c.controllers.map((n) => new Option(n, n, n === c.current, n === c.current)));
  }).catch(() => undefined);
  getJson<{ samples: KpiSample[] }>('/api/v1/kpis?run=current').then((k) => {
    for (const s of k.samples) app.charts.add(s.time_s, s.delay_index, s.average_travel_time_s, s.finished);
  }).catch(() => undefined);

  connectStream(app);
  void pollEvents(app);
  window.setInterval(() => void pollEvents(app), EVENTS_POLL_MS);
  window.setInterval(() => void pollVehicles(app), VEHICLES_POLL_MS);
  void pollEmergency(app);
  window.setInterval(() => {
    if (app.emergency.wantsUpdates() || (app.state?.counters.emergency_active ?? 0) > 0) void pollEmergency(app);
  }, EMERGENCY_POLL_MS);
  app.map.onViewChange(() => { if (app.map.scale < VEHICLE_ZOOM) app.map.setVehicles(null); });
  // For tests and scripting: where a signal, a world point or an emergency vehicle is
  // drawn, the last state, and the emergency vehicles shown.
  (window as unknown as { citybrain: unknown }).citybrain = {
    signalScreen: (id: string) => {
      const index = net.intersections.findIndex((i) => i.id === id);
      return index >= 0 ? app.map.project(index) : null;
    },
    state: () => app.state,
    worldScreen: (x: number, y: number) => app.map.toScreen(x, y),
    emergency: () => app.emergency.trips(),
    emergencyScreen: (dispatch: number) => app.emergency.markerScreen(dispatch),
  };
}

main().catch((e) => {
  document.body.textContent = `citybrain dashboard: ${(e as Error).message}`;
});
