// The service's API as the dashboard uses it (docs/api.md): types of the JSON it
// sends and small fetch helpers. Everything is same-origin; nothing leaves the
// machine the service runs on.

export interface IntersectionJson {
  id: string;
  x: number;
  y: number;
  lat?: number;
  lon?: number;
  virtual: boolean;
  signalised: boolean;
  outline?: [number, number][];  // the area it covers, a polygon (absent at boundary points)
  signal?: number;
  phases?: number;
  clearance_phase?: number;
  control_phases?: number[];
}

export interface RoadJson {
  id: string;
  from: number;
  to: number;
  points: [number, number][];  // centre line as the data gives it
  lanes: number[];
  lane_points: [number, number][][];  // per lane (order of `lanes`): where it is drawn
  lane_widths_m: number[];
  length_m: number;
  speed_limit_mps: number;
}

export interface NetworkJson {
  source: string;
  format: string;
  coordinates: string;
  bounds: { min_x: number; min_y: number; max_x: number; max_y: number };
  intersections: IntersectionJson[];
  signals: number[];
  roads: RoadJson[];
  lane_road: number[];
}

export interface StateJson {
  run_id: number;
  time_s: number;
  paused: boolean;
  speed: number | 'max';
  achieved_speed: number;
  lag_s: number;
  controller: string;
  controller_at: Record<string, string>;
  kpis: {
    average_travel_time_s: number;
    delay_index: number;
    throughput: number;
    on_road: number;
    waiting_to_enter: number;
    entered: number;
    queued_on_lanes: number;
  };
  signals: { phase: number[]; granted: number[]; held: number[] };
  lanes: { vehicles: number[]; queue: number[]; speed_mps: number[] };
  counters: {
    phase_changes: number;
    safety_violations: number;
    signal_refusals: number;
    emergency_active: number;
    detector_readings: number;
    stream_clients: number;
  };
}

export interface VehiclesJson {
  time_s: number;
  road: number[];
  lane: number[];
  pos: number[];  // thousandths of the lane's length
}

// GET /api/v1/emergency: the dispatches of the run, the newest `limit`.
export interface EmergencyTripJson {
  dispatch: number;
  vehicle: number;
  origin: string;
  destination: string;
  state: 'waiting' | 'driving' | 'arrived';
  arrived: boolean;
  dispatched_at_s: number;
  arrived_at_s: number | null;
  travel_time_s: number;
  free_flow_time_s: number;
  remaining_free_flow_time_s: number;
  route: string[];  // road ids: driven so far, then the planned rest
  route_index: number;  // the road it is on or entering; the rest is route[route_index..]
  position: { x: number; y: number; road: string; lane: number; on_lane_link: boolean };
  speed_mps: number;
  held: string[];  // intersection ids ahead holding a green for it
  stops: number;
  preempted: number;
  yielded: number;
  reroutes: number;
}

export interface EmergencyJson {
  time_s: number;
  dispatcher: string;
  dispatched: number;
  active: number;
  trips: EmergencyTripJson[];
}

export interface KpiSample {
  time_s: number;
  delay_index: number;
  average_travel_time_s: number;
  finished: number;
}

export interface EventJson {
  id: number;
  run_id: number;
  time_s: number;
  kind: string;
  intersection: string;
  phase: number;
  source: string;
  detail: string;
}

export async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(path, { cache: 'no-store' });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

// A control request with the operator token; resolves to the JSON answer or
// rejects with the service's error message.
export async function postJson(path: string, token: string, body: unknown): Promise<unknown> {
  const res = await fetch(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  let answer: unknown = null;
  try {
    answer = await res.json();
  } catch {
    // not JSON: fall through to the status
  }
  if (!res.ok) {
    const message = (answer as { error?: string } | null)?.error ?? `HTTP ${res.status}`;
    throw new Error(message);
  }
  return answer;
}
