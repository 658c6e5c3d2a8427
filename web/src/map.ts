// The network drawn to scale on one <canvas>: roads along their lanes' shapes
// coloured by congestion, intersections as their outlines, signals coloured by the
// phase they show, vehicles on their lanes when zoomed in. Emergency vehicles are
// drawn above it by the EmergencyLayer (emergency.ts), on its own canvas.
//
// Geometry comes from GET /api/v1/network as it is in the data, whatever the format:
// every lane's polyline (SUMO's curved lane shapes, or the road's centre line offset
// to the lane's place), every intersection's outline, in metres with y up; the view
// is fitted to the network's bounds, wherever they are (SUMO's coordinates can be
// kilometres from the origin).
//
// Built to stay smooth on a 1000-signal city: geometry is flattened once into typed
// arrays; a redraw strokes one path per congestion colour and fills one path per
// phase colour (a few dozen canvas calls, not one per road); roads outside the view
// are skipped by their bounding boxes; when lanes are thinner than a pixel only each
// road's middle lane is stroked, as wide as the road; redraws are coalesced into
// animation frames and state-driven ones throttled.
import type { NetworkJson, StateJson, VehiclesJson } from './api';

const QUEUED_VEHICLE_M = 7.5;  // a standing vehicle's length plus gap
// Upper bounds of the flowing / light / queue / heavy buckets; longer is jammed.
const QUEUE_LIMITS_M = [15, 45, 100, 200];
const ROAD_COLOURS = ['#3d4a57', '#2fb36f', '#b7d433', '#f2c230', '#f08a24', '#e0362c'];
const JUNCTION_COLOUR = '#2b3540';
const PHASE_COLOURS = ['#9aa5b1', '#4aa8ff', '#48c78e', '#c77dff', '#ff8fab', '#5ee7df', '#ffd166', '#8ecae6',
  '#f4a261', '#b5e48c'];
const CLEARANCE_COLOUR = '#ffb000';
const STATE_REDRAW_MS = 200;
export const VEHICLE_ZOOM = 0.5;  // pixels per metre from which vehicles are drawn
const VEHICLE_LENGTH_M = 4.5;  // as drawn: a car
const VEHICLE_WIDTH_M = 1.8;

interface View { cx: number; cy: number; scale: number }  // world centre, pixels per metre

// Polylines or polygons flattened: item i's points are xy[2 * start[i] .. 2 * start[i + 1]).
class Shapes {
  readonly start: Uint32Array;
  readonly xy: Float64Array;
  constructor(items: [number, number][][]) {
    this.start = new Uint32Array(items.length + 1);
    let n = 0;
    items.forEach((pts, i) => { this.start[i] = n; n += pts.length; });
    this.start[items.length] = n;
    this.xy = new Float64Array(n * 2);
    items.forEach((pts, i) => pts.forEach((p, k) => this.xy.set(p, (this.start[i] + k) * 2)));
  }
}

export class MapView {
  private readonly ctx: CanvasRenderingContext2D;
  private view: View = { cx: 0, cy: 0, scale: 1 };
  private width = 0;
  private height = 0;
  private dpr = 1;
  private readonly lanes: Shapes;  // by global lane number
  private readonly laneLengthM: Float64Array;  // of each lane's polyline
  private readonly laneWidthM: number;  // typical (median) lane width, for strokes
  private readonly roadBox: Float64Array;  // minx, miny, maxx, maxy per road, over its lanes
  private readonly roadWidthM: Float64Array;  // sum of its lane widths
  private readonly outlines: Shapes;  // by intersection; empty where none
  private readonly outlineBox: Float64Array;
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
  private onDrawHandlers: (() => void)[] = [];
  // CSS pixels at the top of the canvas that a fitted view leaves free (the legend).
  topInsetPx: () => number = () => 64;

  constructor(private readonly canvas: HTMLCanvasElement, private readonly net: NetworkJson) {
    const ctx = canvas.getContext('2d', { alpha: false });
    if (!ctx) throw new Error('no 2D canvas');
    this.ctx = ctx;
    const roads = net.roads;
    const lanePoints: [number, number][][] = new Array(net.lane_road.length).fill([]);
    const widths: number[] = [];
    this.roadBox = new Float64Array(roads.length * 4);
    this.roadWidthM = new Float64Array(roads.length);
    this.roadBucket = new Uint8Array(roads.length);
    this.lengthM = new Float64Array(roads.length);
    for (let r = 0; r < roads.length; ++r) {
      const road = roads[r];
      this.lengthM[r] = road.length_m;
      let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
      road.lanes.forEach((lane, k) => {
        const pts = road.lane_points[k];
        lanePoints[lane] = pts;
        widths.push(road.lane_widths_m[k]);
        this.roadWidthM[r] += road.lane_widths_m[k];
        for (const [x, y] of pts) {
          minX = Math.min(minX, x); minY = Math.min(minY, y);
          maxX = Math.max(maxX, x); maxY = Math.max(maxY, y);
        }
      });
      this.roadBox.set([minX, minY, maxX, maxY], r * 4);
    }
    this.lanes = new Shapes(lanePoints);
    this.laneLengthM = new Float64Array(lanePoints.length);
    for (let l = 0; l < lanePoints.length; ++l) {
      const pts = lanePoints[l];
      for (let k = 1; k < pts.length; ++k) {
        this.laneLengthM[l] += Math.hypot(pts[k][0] - pts[k - 1][0], pts[k][1] - pts[k - 1][1]);
      }
    }
    widths.sort((a, b) => a - b);
    this.laneWidthM = widths.length ? widths[widths.length >> 1] : 3.2;
    const outlines = net.intersections.map((i) => i.outline ?? []);
    this.outlines = new Shapes(outlines);
    this.outlineBox = new Float64Array(outlines.length * 4);
    outlines.forEach((pts, i) => {
      const xs = pts.map((p) => p[0]), ys = pts.map((p) => p[1]);
      this.outlineBox.set(pts.length ? [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)]
        : [Infinity, Infinity, -Infinity, -Infinity], i * 4);
    });
    this.installInput();
    new ResizeObserver(() => this.resize()).observe(canvas);
    this.resize();
    this.fit();
  }

  onSelect(handler: (signal: number) => void): void { this.onSelectHandlers.push(handler); }
  onViewChange(handler: () => void): void { this.onViewHandlers.push(handler); }
  // Called after every redraw (the view or the state changed): overlays redraw with it.
  onDraw(handler: () => void): void { this.onDrawHandlers.push(handler); }
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
    const top = this.topInsetPx(), side = 20;
    const scale = Math.min((this.width - 2 * side) / w, (this.height - top - side) / h) || 1;
    this.view = {
      cx: (b.min_x + b.max_x) / 2,
      cy: (b.min_y + b.max_y) / 2 + (top - side) / 2 / scale,
      scale,
    };
    this.requestDraw();
  }

  // Fits the view to a world rectangle (metres), with `marginPx` around it.
  // The legend's inset is kept free at the top.
  fitBox(x0: number, y0: number, x1: number, y1: number, marginPx = 60): void {
    const w = Math.max(x1 - x0, 50), h = Math.max(y1 - y0, 50);
    const top = Math.max(this.topInsetPx(), marginPx);
    const scale = Math.min(Math.max((this.width - 2 * marginPx) / w, 1e-4),
      Math.max((this.height - top - marginPx) / h, 1e-4), 60);
    // Centred in the free area below the inset.
    this.view = { cx: (x0 + x1) / 2, cy: (y0 + y1) / 2 + (top - marginPx) / 2 / scale, scale };
    this.requestDraw();
    for (const h of this.onViewHandlers) h();
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

  // Where world point (x, y), in metres, is on the canvas, in CSS pixels.
  toScreen(x: number, y: number): [number, number] {
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

    const outside = (box: Float64Array, i: number) =>
      box[4 * i + 2] < vx0 || box[4 * i] > vx1 || box[4 * i + 3] < vy0 || box[4 * i + 1] > vy1;
    // Appends polyline i of `shapes` to the current path (closed for polygons).
    const trace = (shapes: Shapes, i: number, close: boolean) => {
      const a = shapes.start[i], b = shapes.start[i + 1], xy = shapes.xy;
      for (let k = a; k < b; ++k) {
        const x = (xy[2 * k] - cx) * s + hw, y = hh - (xy[2 * k + 1] - cy) * s;
        if (k === a) ctx.moveTo(x, y); else ctx.lineTo(x, y);
      }
      if (close && b > a) ctx.closePath();
    };

    // Intersections: their outlines, one path.
    ctx.beginPath();
    for (let i = 0; i < this.net.intersections.length; ++i) {
      if (!outside(this.outlineBox, i)) trace(this.outlines, i, true);
    }
    ctx.fillStyle = JUNCTION_COLOUR;
    ctx.fill();

    // Roads: one path per congestion colour. Each lane along its own polyline when
    // lanes are a pixel wide or more; else each road's middle lane, as wide as the road.
    ctx.lineCap = 'butt';
    ctx.lineJoin = 'round';
    const laneByLane = this.laneWidthM * s >= 1;
    for (let bucket = 0; bucket < ROAD_COLOURS.length; ++bucket) {
      ctx.beginPath();
      let any = false, widest = 0;
      for (let r = 0; r < roads; ++r) {
        if (this.roadBucket[r] !== bucket || outside(this.roadBox, r)) continue;
        any = true;
        const lanes = this.net.roads[r].lanes;
        if (laneByLane) {
          for (const lane of lanes) trace(this.lanes, lane, false);
        } else {
          trace(this.lanes, lanes[lanes.length >> 1], false);
          widest = Math.max(widest, this.roadWidthM[r]);
        }
      }
      if (!any) continue;
      ctx.strokeStyle = ROAD_COLOURS[bucket];
      const widthM = laneByLane ? this.laneWidthM * 0.85 : Math.min(widest, 3 * this.laneWidthM);
      ctx.lineWidth = Math.max(widthM * s, bucket === 0 ? 1 : 2);  // to scale, at least visible
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
    for (const h of this.onDrawHandlers) h();
  }

  private drawVehicles(vx0: number, vy0: number, vx1: number, vy1: number): void {
    const v = this.vehicles!;
    const ctx = this.ctx, s = this.view.scale, cx = this.view.cx, cy = this.view.cy;
    const hw = this.width / 2, hh = this.height / 2;
    // A square of a few pixels; zoomed in further, a car to scale along its lane.
    const toScale = VEHICLE_LENGTH_M * s > 8;
    const size = Math.max(2, Math.min(VEHICLE_LENGTH_M * s, 8));
    const half = (VEHICLE_LENGTH_M / 2) * s, side = (VEHICLE_WIDTH_M / 2) * s;
    ctx.fillStyle = '#f5f7fa';
    ctx.beginPath();
    for (let i = 0; i < v.road.length; ++i) {
      const r = v.road[i];
      const b = r * 4;
      if (this.roadBox[b + 2] < vx0 || this.roadBox[b] > vx1 || this.roadBox[b + 3] < vy0 || this.roadBox[b + 1] > vy1) continue;
      const lane = this.net.roads[r]?.lanes[v.lane[i]];
      if (lane === undefined) continue;
      const [px, py, dx, dy] = this.pointAlong(lane, v.pos[i] / 1000);
      const x = (px - cx) * s + hw, y = hh - (py - cy) * s;
      if (!toScale) {
        ctx.rect(x - size / 2, y - size / 2, size, size);
        continue;
      }
      // Screen y points down: the lane's direction on screen is (dx, -dy).
      const ax = dx * half, ay = -dy * half, bx = dy * side, by = dx * side;
      ctx.moveTo(x - ax - bx, y - ay - by);
      ctx.lineTo(x + ax - bx, y + ay - by);
      ctx.lineTo(x + ax + bx, y + ay + by);
      ctx.lineTo(x - ax + bx, y - ay + by);
      ctx.closePath();
    }
    ctx.fill();
  }

  // The point at `fraction` of lane l's polyline and the unit direction there.
  private pointAlong(l: number, fraction: number): [number, number, number, number] {
    const a = this.lanes.start[l], b = this.lanes.start[l + 1], xy = this.lanes.xy;
    let want = fraction * this.laneLengthM[l];
    for (let k = a + 1; k < b; ++k) {
      const x0 = xy[2 * k - 2], y0 = xy[2 * k - 1];
      const dx = xy[2 * k] - x0, dy = xy[2 * k + 1] - y0;
      const len = Math.hypot(dx, dy);
      if (want <= len || k === b - 1) {
        const t = len > 0 ? Math.min(want / len, 1) : 0;
        return [x0 + dx * t, y0 + dy * t, len > 0 ? dx / len : 1, len > 0 ? dy / len : 0];
      }
      want -= len;
    }
    return [xy[2 * a], xy[2 * a + 1], 1, 0];
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
