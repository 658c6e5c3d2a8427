// The network drawn to scale on one <canvas>: roads coloured by congestion,
// signals coloured by the phase they show, vehicles when zoomed in.
//
// Built to stay smooth on a 1000-signal city: road geometry is flattened once
// into typed arrays; a redraw strokes one path per congestion colour and fills
// one path per phase colour (a few dozen canvas calls, not one per road); roads
// outside the view are skipped by their bounding boxes; redraws are coalesced
// into animation frames and state-driven ones throttled.
import type { NetworkJson, StateJson, VehiclesJson } from './api';

const LANE_WIDTH_M = 3.2;
const QUEUED_VEHICLE_M = 7.5;  // a standing vehicle's length plus gap
// Upper bounds of the flowing / light / queue / heavy buckets; longer is jammed.
const QUEUE_LIMITS_M = [15, 45, 100, 200];
const ROAD_COLOURS = ['#3d4a57', '#2fb36f', '#b7d433', '#f2c230', '#f08a24', '#e0362c'];
const PHASE_COLOURS = ['#9aa5b1', '#4aa8ff', '#48c78e', '#c77dff', '#ff8fab', '#5ee7df', '#ffd166', '#8ecae6',
  '#f4a261', '#b5e48c'];
const CLEARANCE_COLOUR = '#ffb000';
const STATE_REDRAW_MS = 200;
export const VEHICLE_ZOOM = 0.5;  // pixels per metre from which vehicles are drawn

interface View { cx: number; cy: number; scale: number }  // world centre, pixels per metre

export class MapView {
  private readonly ctx: CanvasRenderingContext2D;
  private view: View = { cx: 0, cy: 0, scale: 1 };
  private width = 0;
  private height = 0;
  private dpr = 1;
  // Road geometry: offset polyline points (right-hand side) per road, flattened.
  private readonly roadStart: Uint32Array;  // index into roadXY (pairs), per road + 1
  private readonly roadXY: Float64Array;
  private readonly roadBox: Float64Array;  // minx, miny, maxx, maxy per road
  private readonly centreXY: Float64Array;  // centre lines, same layout, for vehicles
  private readonly roadBucket: Uint8Array;
  private readonly lengthM: Float64Array;
  private state: StateJson | null = null;
  private vehicles: VehiclesJson | null = null;
  private selected = -1;  // signal index
  private frameRequested = false;
  private lastStateDraw = 0;
  private stateTimer: number | undefined;
  private onSelectHandlers: ((signal: number) => void)[] = [];
  private onViewHandlers: (() => void)[] = [];

  constructor(private readonly canvas: HTMLCanvasElement, private readonly net: NetworkJson) {
    const ctx = canvas.getContext('2d', { alpha: false });
    if (!ctx) throw new Error('no 2D canvas');
    this.ctx = ctx;
    const roads = net.roads;
    this.roadStart = new Uint32Array(roads.length + 1);
    let points = 0;
    for (let r = 0; r < roads.length; ++r) {
      this.roadStart[r] = points;
      points += roads[r].points.length;
    }
    this.roadStart[roads.length] = points;
    this.roadXY = new Float64Array(points * 2);
    this.centreXY = new Float64Array(points * 2);
    this.roadBox = new Float64Array(roads.length * 4);
    this.roadBucket = new Uint8Array(roads.length);
    this.lengthM = new Float64Array(roads.length);
    for (let r = 0; r < roads.length; ++r) {
      const road = roads[r];
      this.lengthM[r] = road.length_m;
      // Both directions of a street share a centre line: draw each on its right.
      const offset = (road.lanes.length * LANE_WIDTH_M) / 2;
      const pts = road.points;
      let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
      for (let i = 0; i < pts.length; ++i) {
        const a = pts[Math.max(0, i - 1)], b = pts[Math.min(pts.length - 1, i + 1)];
        const dx = b[0] - a[0], dy = b[1] - a[1];
        const len = Math.hypot(dx, dy) || 1;
        const x = pts[i][0] + (dy / len) * offset, y = pts[i][1] - (dx / len) * offset;
        const k = (this.roadStart[r] + i) * 2;
        this.roadXY[k] = x;
        this.roadXY[k + 1] = y;
        this.centreXY[k] = pts[i][0];
        this.centreXY[k + 1] = pts[i][1];
        minX = Math.min(minX, x); minY = Math.min(minY, y);
        maxX = Math.max(maxX, x); maxY = Math.max(maxY, y);
      }
      this.roadBox.set([minX, minY, maxX, maxY], r * 4);
    }
    this.installInput();
    new ResizeObserver(() => this.resize()).observe(canvas);
    this.resize();
    this.fit();
  }

  onSelect(handler: (signal: number) => void): void { this.onSelectHandlers.push(handler); }
  onViewChange(handler: () => void): void { this.onViewHandlers.push(handler); }
  get scale(): number { return this.view.scale; }

  // The view rectangle in world coordinates (for fetching vehicles).
  worldBox(): [number, number, number, number] {
    const [x0, y0] = this.toWorld(0, this.height), [x1, y1] = this.toWorld(this.width, 0);
    return [x0, y0, x1, y1];
  }

  fit(): void {
    const b = this.net.bounds;
    const w = Math.max(b.max_x - b.min_x, 1), h = Math.max(b.max_y - b.min_y, 1);
    // Leave room for the legend along the top edge.
    const top = 64, side = 20;
    const scale = Math.min((this.width - 2 * side) / w, (this.height - top - side) / h) || 1;
    this.view = {
      cx: (b.min_x + b.max_x) / 2,
      cy: (b.min_y + b.max_y) / 2 + (top - side) / 2 / scale,
      scale,
    };
    this.requestDraw();
  }

  setState(state: StateJson): void {
    this.state = state;
    const lanes = state.lanes;
    const roads = this.net.roads;
    for (let r = 0; r < roads.length; ++r) {
      // Congestion as an operator reads it: the longest standing queue on the road's
      // lanes, in metres (or most of the road, on short ones).
      let vehicles = 0, worst = 0;
      for (const lane of roads[r].lanes) {
        vehicles += lanes.vehicles[lane] ?? 0;
        worst = Math.max(worst, lanes.queue[lane] ?? 0);
      }
      const queueM = worst * QUEUED_VEHICLE_M;
      const bucket = vehicles === 0 ? 0 : QUEUE_LIMITS_M.findIndex((limit) => queueM < limit) + 1 || 5;
      this.roadBucket[r] = queueM > 0.8 * this.lengthM[r] && vehicles > 0 ? 5 : bucket;
    }
    // Throttled: at most one state-driven redraw per STATE_REDRAW_MS.
    const wait = this.lastStateDraw + STATE_REDRAW_MS - performance.now();
    if (wait <= 0) {
      this.requestDraw();
    } else if (this.stateTimer === undefined) {
      this.stateTimer = window.setTimeout(() => {
        this.stateTimer = undefined;
        this.requestDraw();
      }, wait);
    }
  }

  setVehicles(vehicles: VehiclesJson | null): void {
    this.vehicles = vehicles;
    this.requestDraw();
  }

  select(signal: number): void {
    this.selected = signal;
    this.requestDraw();
  }

  // Where intersection `index` is on the canvas, in CSS pixels.
  project(index: number): [number, number] {
    const i = this.net.intersections[index];
    return this.toScreen(i.x, i.y);
  }

  private toScreen(x: number, y: number): [number, number] {
    return [(x - this.view.cx) * this.view.scale + this.width / 2, this.height / 2 - (y - this.view.cy) * this.view.scale];
  }

  private toWorld(sx: number, sy: number): [number, number] {
    return [(sx - this.width / 2) / this.view.scale + this.view.cx, (this.height / 2 - sy) / this.view.scale + this.view.cy];
  }

  private resize(): void {
    const rect = this.canvas.getBoundingClientRect();
    this.dpr = window.devicePixelRatio || 1;
    const firstTime = this.width === 0;
    this.width = Math.max(rect.width, 1);
    this.height = Math.max(rect.height, 1);
    this.canvas.width = Math.round(this.width * this.dpr);
    this.canvas.height = Math.round(this.height * this.dpr);
    if (firstTime) this.fit();
    this.requestDraw();
  }

  private requestDraw(): void {
    if (this.frameRequested) return;
    this.frameRequested = true;
    requestAnimationFrame(() => {
      this.frameRequested = false;
      this.draw();
    });
  }

  private draw(): void {
    this.lastStateDraw = performance.now();
    const ctx = this.ctx;
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.fillStyle = '#0b1016';
    ctx.fillRect(0, 0, this.width, this.height);
    const [vx0, vy0, vx1, vy1] = this.worldBox();
    const s = this.view.scale, cx = this.view.cx, cy = this.view.cy, hw = this.width / 2, hh = this.height / 2;
    const roads = this.net.roads.length;

    // Roads: one path per congestion colour.
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    for (let bucket = 0; bucket < ROAD_COLOURS.length; ++bucket) {
      ctx.beginPath();
      let any = false;
      for (let r = 0; r < roads; ++r) {
        if (this.roadBucket[r] !== bucket) continue;
        const b = r * 4;
        if (this.roadBox[b + 2] < vx0 || this.roadBox[b] > vx1 || this.roadBox[b + 3] < vy0 || this.roadBox[b + 1] > vy1) continue;
        any = true;
        for (let k = this.roadStart[r]; k < this.roadStart[r + 1]; ++k) {
          const x = (this.roadXY[2 * k] - cx) * s + hw, y = hh - (this.roadXY[2 * k + 1] - cy) * s;
          if (k === this.roadStart[r]) ctx.moveTo(x, y); else ctx.lineTo(x, y);
        }
      }
      if (!any) continue;
      ctx.strokeStyle = ROAD_COLOURS[bucket];
      // About the width of a three-lane carriageway when zoomed in; visible when not.
      ctx.lineWidth = Math.min(Math.max(3 * LANE_WIDTH_M * 0.9 * s, bucket === 0 ? 1.5 : 2.5), 40);
      ctx.stroke();
    }

    // Vehicles, when zoomed in far enough to see them.
    if (this.vehicles && s >= VEHICLE_ZOOM) this.drawVehicles(vx0, vy0, vx1, vy1);

    // Signals: one path per phase colour; held ones ringed, the selected one marked.
    const state = this.state;
    const signals = this.net.signals;
    const radius = Math.min(Math.max(6 * s, 3.5), 10);
    const paths = new Map<string, Path2D>();
    const rings = new Path2D();
    for (let k = 0; k < signals.length; ++k) {
      const inter = this.net.intersections[signals[k]];
      if (inter.x < vx0 - 50 || inter.x > vx1 + 50 || inter.y < vy0 - 50 || inter.y > vy1 + 50) continue;
      const phase = state ? state.signals.phase[k] : -1;
      const colour = phase < 0 ? '#666' : phase === inter.clearance_phase ? CLEARANCE_COLOUR
        : PHASE_COLOURS[phase % PHASE_COLOURS.length];
      let path = paths.get(colour);
      if (!path) { path = new Path2D(); paths.set(colour, path); }
      const x = (inter.x - cx) * s + hw, y = hh - (inter.y - cy) * s;
      path.moveTo(x + radius, y);
      path.arc(x, y, radius, 0, 2 * Math.PI);
      if (state && state.signals.held[k]) {
        rings.moveTo(x + radius + 3, y);
        rings.arc(x, y, radius + 3, 0, 2 * Math.PI);
      }
    }
    for (const [colour, path] of paths) {
      ctx.fillStyle = colour;
      ctx.fill(path);
    }
    ctx.strokeStyle = '#ffffff';
    ctx.lineWidth = 1.5;
    ctx.stroke(rings);
    if (this.selected >= 0) {
      const [x, y] = this.project(signals[this.selected]);
      ctx.strokeStyle = '#4aa8ff';
      ctx.lineWidth = 2.5;
      ctx.beginPath();
      ctx.arc(x, y, radius + 7, 0, 2 * Math.PI);
      ctx.stroke();
    }

    // Scale bar.
    const metres = niceLength(120 / s);
    ctx.fillStyle = '#8593a3';
    ctx.fillRect(this.width - 20 - metres * s, this.height - 18, metres * s, 2);
    ctx.font = '11px system-ui, sans-serif';
    ctx.textAlign = 'right';
    ctx.fillText(metres >= 1000 ? `${metres / 1000} km` : `${metres} m`, this.width - 20, this.height - 24);
  }

  private drawVehicles(vx0: number, vy0: number, vx1: number, vy1: number): void {
    const v = this.vehicles!;
    const ctx = this.ctx, s = this.view.scale, cx = this.view.cx, cy = this.view.cy;
    const hw = this.width / 2, hh = this.height / 2;
    const size = Math.max(2, Math.min(4.5 * s, 8));
    ctx.fillStyle = '#f5f7fa';
    ctx.beginPath();
    for (let i = 0; i < v.road.length; ++i) {
      const r = v.road[i];
      const b = r * 4;
      if (this.roadBox[b + 2] < vx0 || this.roadBox[b] > vx1 || this.roadBox[b + 3] < vy0 || this.roadBox[b + 1] > vy1) continue;
      const p = this.pointAlong(r, v.pos[i] / 1000, (v.lane[i] + 0.5) * LANE_WIDTH_M);
      const x = (p[0] - cx) * s + hw, y = hh - (p[1] - cy) * s;
      ctx.rect(x - size / 2, y - size / 2, size, size);
    }
    ctx.fill();
  }

  // The point at `fraction` of road r's centre line, `right_m` to its right.
  private pointAlong(r: number, fraction: number, right_m: number): [number, number] {
    const a = this.roadStart[r], b = this.roadStart[r + 1];
    let total = 0;
    for (let k = a + 1; k < b; ++k) total += Math.hypot(this.centreXY[2 * k] - this.centreXY[2 * k - 2], this.centreXY[2 * k + 1] - this.centreXY[2 * k - 1]);
    let want = fraction * total;
    for (let k = a + 1; k < b; ++k) {
      const x0 = this.centreXY[2 * k - 2], y0 = this.centreXY[2 * k - 1];
      const dx = this.centreXY[2 * k] - x0, dy = this.centreXY[2 * k + 1] - y0;
      const len = Math.hypot(dx, dy) || 1;
      if (want <= len || k === b - 1) {
        const t = Math.min(want / len, 1);
        return [x0 + dx * t + (dy / len) * right_m, y0 + dy * t - (dx / len) * right_m];
      }
      want -= len;
    }
    return [this.centreXY[2 * a], this.centreXY[2 * a + 1]];
  }

  // The signal nearest to a canvas point, within `max_px`; -1 if none.
  signalAt(sx: number, sy: number, maxPx = 14): number {
    let best = -1, bestD = maxPx * maxPx;
    const signals = this.net.signals;
    for (let k = 0; k < signals.length; ++k) {
      const [x, y] = this.project(signals[k]);
      const d = (x - sx) ** 2 + (y - sy) ** 2;
      if (d < bestD) { bestD = d; best = k; }
    }
    return best;
  }

  private installInput(): void {
    const c = this.canvas;
    let drag: { x: number; y: number; cx: number; cy: number; moved: boolean } | null = null;
    c.addEventListener('mousedown', (e) => {
      drag = { x: e.offsetX, y: e.offsetY, cx: this.view.cx, cy: this.view.cy, moved: false };
      c.classList.add('dragging');
    });
    window.addEventListener('mouseup', (e) => {
      if (!drag) return;
      c.classList.remove('dragging');
      const wasClick = !drag.moved;
      drag = null;
      if (wasClick && e.target === c) {
        const hit = this.signalAt(e.offsetX, e.offsetY);
        if (hit >= 0) {
          this.select(hit);
          for (const h of this.onSelectHandlers) h(hit);
        }
      }
    });
    c.addEventListener('mousemove', (e) => {
      if (drag) {
        const dx = e.offsetX - drag.x, dy = e.offsetY - drag.y;
        if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
        this.view.cx = drag.cx - dx / this.view.scale;
        this.view.cy = drag.cy + dy / this.view.scale;
        this.requestDraw();
        for (const h of this.onViewHandlers) h();
        return;
      }
      const hit = this.signalAt(e.offsetX, e.offsetY);
      const hover = document.getElementById('hover');
      if (hover) hover.textContent = hit >= 0 ? `signal ${this.net.intersections[this.net.signals[hit]].id}` : '';
    });
    c.addEventListener('wheel', (e) => {
      e.preventDefault();
      const [wx, wy] = this.toWorld(e.offsetX, e.offsetY);
      const factor = Math.exp(-e.deltaY * 0.0015);
      this.view.scale = Math.min(Math.max(this.view.scale * factor, 1e-4), 60);
      // Keep the point under the cursor in place.
      this.view.cx = wx - (e.offsetX - this.width / 2) / this.view.scale;
      this.view.cy = wy - (this.height / 2 - e.offsetY) / this.view.scale;
      this.requestDraw();
      for (const h of this.onViewHandlers) h();
    }, { passive: false });
    c.addEventListener('dblclick', () => this.fit());
  }
}

function niceLength(m: number): number {
  const p = 10 ** Math.floor(Math.log10(m));
  for (const k of [1, 2, 5]) if (k * p >= m) return k * p;
  return 10 * p;
}
