// Emergency vehicles on the map and in their panel, from GET /api/v1/emergency.
//
// Every EV on its way is drawn at every zoom level as a flashing red/blue dot with a
// halo and its label, its route ahead as a highlighted line (a dark casing under a
// cyan stroke) to a mark at its destination, and the signals holding a green for it
// as flashing rings. An EV that arrived stays on the map (a green dot) and in the
// panel for ARRIVED_SHOWN_MS after the page saw it arrive, then drops.
//
// It draws on its own transparent canvas above the map, redrawn after every map
// redraw (same view) and on its flash timer, so the flashing never redraws the
// network. The route ahead is built in world coordinates once per update (the
// current road's middle lane from the EV's place on, then each later road's middle
// lane, joined through the intersections) and only projected per frame.
import type { EmergencyJson, EmergencyTripJson, NetworkJson } from './api';
import type { MapView } from './map';
import { formatClock } from './charts';

export const ARRIVED_SHOWN_MS = 60_000;
const FLASH_MS = 300;
// Trips that had arrived this long (simulated s) before the page first saw them are
// history, not news: not shown.
const STALE_ARRIVAL_S = 300;
const RED = '#ff2d55';
const BLUE = '#2f7dff';
const ROUTE = '#22d3ee';
const ARRIVED = '#48c78e';

interface Shown {
  trip: EmergencyTripJson;
  ahead: Float64Array;  // world x, y pairs: the route from the EV to its destination
}

export class EmergencyLayer {
  private readonly ctx: CanvasRenderingContext2D;
  private readonly roadIndex = new Map<string, number>();
  private readonly intersectionIndex = new Map<string, number>();
  private readonly arrivedSeen = new Map<number, number>();  // dispatch -> when first seen arrived (ms)
  private shown: Shown[] = [];
  private flashOn = false;
  private flashTimer: number | undefined;
  private firstUpdate = true;
  private dpr = 1;
  private onSelectHandlers: ((trip: EmergencyTripJson) => void)[] = [];

  constructor(private readonly canvas: HTMLCanvasElement, private readonly map: MapView,
    private readonly net: NetworkJson, private readonly list: HTMLElement, private readonly none: HTMLElement) {
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2D canvas');
    this.ctx = ctx;
    net.roads.forEach((r, i) => this.roadIndex.set(r.id, i));
    net.intersections.forEach((x, i) => this.intersectionIndex.set(x.id, i));
    map.onDraw(() => this.draw());
  }

  // The trips on the map and in the panel now (arrived ones until they drop).
  trips(): EmergencyTripJson[] { return this.shown.map((s) => s.trip); }

  // Whether the list should be fetched again: an EV is on its way, or an arrived one
  // is still shown (it has to drop).
  wantsUpdates(): boolean { return this.shown.length > 0; }

  // Where the marker of dispatch `id` is drawn on the canvas (CSS pixels), or null.
  markerScreen(id: number): [number, number] | null {
    const s = this.shown.find((x) => x.trip.dispatch === id);
    return s ? this.map.toScreen(s.trip.position.x, s.trip.position.y) : null;
  }

  onSelect(handler: (trip: EmergencyTripJson) => void): void { this.onSelectHandlers.push(handler); }

  update(answer: EmergencyJson): void {
    const now = performance.now();
    const shown: Shown[] = [];
    for (const trip of answer.trips) {
      if (trip.arrived) {
        if (!this.arrivedSeen.has(trip.dispatch)) {
          const stale = this.firstUpdate && answer.time_s - (trip.arrived_at_s ?? 0) > STALE_ARRIVAL_S;
          this.arrivedSeen.set(trip.dispatch, stale ? now - ARRIVED_SHOWN_MS : now);
        }
        if (now - (this.arrivedSeen.get(trip.dispatch) ?? now) >= ARRIVED_SHOWN_MS) continue;
      }
      shown.push({ trip, ahead: trip.arrived ? new Float64Array(0) : this.routeAhead(trip) });
    }
    this.firstUpdate = false;
    this.shown = shown;
    this.renderPanel(answer.time_s);
    const flashing = shown.some((s) => !s.trip.arrived);
    if (flashing && this.flashTimer === undefined) {
      this.flashTimer = window.setInterval(() => {
        this.flashOn = !this.flashOn;
        this.draw();
      }, FLASH_MS);
    } else if (!flashing && this.flashTimer !== undefined) {
      window.clearInterval(this.flashTimer);
      this.flashTimer = undefined;
    }
    this.draw();
  }

  // The route ahead in world coordinates: from the EV's place along the rest of its
  // current road's middle lane, then every later road's middle lane.
  private routeAhead(trip: EmergencyTripJson): Float64Array {
    const out: number[] = [trip.position.x, trip.position.y];
    trip.route.slice(trip.route_index).forEach((id, k) => {
      const r = this.roadIndex.get(id);
      if (r === undefined) return;
      const road = this.net.roads[r];
      const pts = road.lane_points[road.lanes.length >> 1] ?? road.points;
      if (k > 0 || trip.position.on_lane_link || trip.state === 'waiting') {
        for (const [x, y] of pts) out.push(x, y);
        return;
      }
      // The road it is on: only the part beyond the point nearest to the EV.
      const from = nearestSegment(pts, trip.position.x, trip.position.y);
      for (let i = from + 1; i < pts.length; ++i) out.push(pts[i][0], pts[i][1]);
    });
    return Float64Array.from(out);
  }

  private sync(): void {
    const rect = this.canvas.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    const w = Math.round(Math.max(rect.width, 1) * dpr), h = Math.round(Math.max(rect.height, 1) * dpr);
    if (this.canvas.width !== w || this.canvas.height !== h) {
      this.canvas.width = w;
      this.canvas.height = h;
    }
    this.dpr = dpr;
  }

  draw(): void {
    this.sync();
    const ctx = this.ctx;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    if (this.shown.length === 0) return;
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    const screen = (x: number, y: number) => this.map.toScreen(x, y);
    ctx.lineJoin = 'round';
    ctx.lineCap = 'round';

    // Routes ahead: a dark casing, then the cyan line, then the destination mark.
    for (const { ahead } of this.shown) {
      if (ahead.length < 4) continue;
      ctx.beginPath();
      for (let k = 0; k < ahead.length; k += 2) {
        const [x, y] = screen(ahead[k], ahead[k + 1]);
        if (k === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
      }
      ctx.strokeStyle = 'rgba(5, 10, 16, 0.75)';
      ctx.lineWidth = 8;
      ctx.stroke();
      ctx.strokeStyle = ROUTE;
      ctx.lineWidth = 3.5;
      ctx.stroke();
      const [dx, dy] = screen(ahead[ahead.length - 2], ahead[ahead.length - 1]);
      ctx.beginPath();
      ctx.arc(dx, dy, 6, 0, 2 * Math.PI);
      ctx.fillStyle = '#0b1016';
      ctx.fill();
      ctx.lineWidth = 3;
      ctx.strokeStyle = ROUTE;
      ctx.stroke();
    }

    // Signals holding a green for an EV: rings flashing with it.
    const rings = new Path2D();
    for (const { trip } of this.shown) {
      for (const id of trip.held) {
        const i = this.intersectionIndex.get(id);
        if (i === undefined) continue;
        const [x, y] = this.map.project(i);
        rings.moveTo(x + 14, y);
        rings.arc(x, y, 14, 0, 2 * Math.PI);
      }
    }
    ctx.strokeStyle = 'rgba(5, 10, 16, 0.75)';
    ctx.lineWidth = 6;
    ctx.stroke(rings);
    ctx.strokeStyle = this.flashOn ? BLUE : RED;
    ctx.lineWidth = 3;
    ctx.stroke(rings);

    // The vehicles: halo, dot, label.
    ctx.font = 'bold 12px system-ui, sans-serif';
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    for (const { trip } of this.shown) {
      const [x, y] = screen(trip.position.x, trip.position.y);
      const colour = trip.arrived ? ARRIVED : this.flashOn ? BLUE : RED;
      ctx.beginPath();
      ctx.arc(x, y, 17, 0, 2 * Math.PI);
      ctx.fillStyle = trip.arrived ? 'rgba(72, 199, 142, 0.25)' : this.flashOn ? 'rgba(47, 125, 255, 0.3)'
        : 'rgba(255, 45, 85, 0.3)';
      ctx.fill();
      // A thin white rim: a target, unlike any signal dot whatever its phase colour.
      ctx.lineWidth = 1.5;
      ctx.strokeStyle = 'rgba(255, 255, 255, 0.85)';
      ctx.stroke();
      ctx.beginPath();
      ctx.arc(x, y, 7, 0, 2 * Math.PI);
      ctx.fillStyle = colour;
      ctx.fill();
      ctx.lineWidth = 2;
      ctx.strokeStyle = '#ffffff';
      ctx.stroke();
      const label = `EV ${trip.vehicle}${trip.arrived ? ' arrived' : ''}`;
      ctx.lineWidth = 3;
      ctx.strokeStyle = 'rgba(5, 10, 16, 0.85)';
      ctx.strokeText(label, x + 20, y);
      ctx.fillStyle = '#ffffff';
      ctx.fillText(label, x + 20, y);
    }
  }

  private renderPanel(timeS: number): void {
    this.none.hidden = this.shown.length > 0;
    const rows = this.shown.map(({ trip }) => {
      const tr = document.createElement('tr');
      tr.dataset.dispatch = String(trip.dispatch);
      tr.title = `dispatch ${trip.dispatch}: ${trip.origin} → ${trip.destination}, ${trip.route.length} roads, ` +
        `dispatched at ${formatClock(trip.dispatched_at_s)}; ${trip.preempted} signals pre-empted, ` +
        `${trip.reroutes} re-routes. Click to show its route.`;
      // Once arrived: its travel time against its free-flow time (the City Brain figure).
      const ratio = trip.free_flow_time_s > 0 ? trip.travel_time_s / trip.free_flow_time_s : 0;
      const cells = [
        `EV ${trip.vehicle}`,
        trip.state,
        `${trip.travel_time_s.toFixed(0)} s${trip.arrived ? ` (×${ratio.toFixed(2)})` : ''}`,
        `${trip.free_flow_time_s.toFixed(0)} s`,
        trip.arrived ? '–' : String(trip.held.length),
        String(trip.stops),
      ];
      cells.forEach((text, k) => {
        const td = document.createElement('td');
        td.textContent = text;
        if (k === 1) td.className = `ev-state ${trip.state}`;
        if (k === 4 && !trip.arrived && trip.held.length) td.title = trip.held.join(', ');
        tr.appendChild(td);
      });
      tr.addEventListener('click', () => {
        for (const h of this.onSelectHandlers) h(trip);
      });
      return tr;
    });
    this.list.replaceChildren(...rows);
    this.list.dataset.time = String(timeS);
  }

  // Fits the map to a trip's whole route.
  showRoute(trip: EmergencyTripJson): void {
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (const id of trip.route) {
      const r = this.roadIndex.get(id);
      if (r === undefined) continue;
      for (const [x, y] of this.net.roads[r].points) {
        x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y);
      }
    }
    if (x0 <= x1) this.map.fitBox(x0, y0, x1, y1, 80);
  }
}

// Index of the first point of the polyline segment nearest to (x, y).
function nearestSegment(pts: [number, number][], x: number, y: number): number {
  let best = 0, bestD = Infinity;
  for (let i = 0; i + 1 < pts.length; ++i) {
    const [ax, ay] = pts[i], [bx, by] = pts[i + 1];
    const dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy;
    const t = len2 > 0 ? Math.min(Math.max(((x - ax) * dx + (y - ay) * dy) / len2, 0), 1) : 0;
    const d = (ax + dx * t - x) ** 2 + (ay + dy * t - y) ** 2;
    if (d < bestD) { bestD = d; best = i; }
  }
  return best;
}
