// Live charts of the network KPIs over simulated time (uPlot, bundled): delay
// index, average travel time and trips completed. Points come from the stored
// history (one per 60 simulated s) and from the stream; the series is thinned
// to at most MAX_POINTS so that a long run stays cheap to draw.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

const MAX_POINTS = 900;
const REDRAW_MS = 1000;

interface Series { title: string; colour: string; decimals: number }

const SERIES: Series[] = [
  { title: 'delay index', colour: '#f2c230', decimals: 3 },
  { title: 'average travel time (s)', colour: '#4aa8ff', decimals: 0 },
  { title: 'trips completed', colour: '#48c78e', decimals: 0 },
];

export class KpiCharts {
  private readonly t: number[] = [];
  private readonly values: number[][] = SERIES.map(() => []);
  private readonly plots: uPlot[] = [];
  private dirty = false;
  private minStep = 1;  // simulated seconds between kept points

  constructor(container: HTMLElement) {
    const width = Math.max(container.clientWidth, 300);
    for (const s of SERIES) {
      const div = document.createElement('div');
      container.appendChild(div);
      this.plots.push(new uPlot({
        title: s.title,
        width,
        height: 84,
        legend: { show: false },
        cursor: { show: false },
        scales: { x: { time: false } },
        axes: [
          { stroke: '#8593a3', grid: { stroke: '#26313d', width: 1 }, ticks: { show: false }, size: 22,
            values: (_u, ticks) => ticks.map((v) => formatClock(v)) },
          { stroke: '#8593a3', grid: { stroke: '#26313d', width: 1 }, ticks: { show: false }, size: 44,
            values: (_u, ticks) => ticks.map((v) => v.toFixed(s.decimals)) },
        ],
        series: [{}, { stroke: s.colour, width: 1.5, points: { show: false } }],
      }, [[], []], div));
    }
    window.setInterval(() => this.flush(), REDRAW_MS);
  }

  // Adds a sample; samples at or before the last time start a new run's series.
  add(timeS: number, delayIndex: number, attS: number, finished: number): void {
    const last = this.t.length ? this.t[this.t.length - 1] : -Infinity;
    if (timeS < last) this.clear();
    else if (timeS - last < this.minStep) return;
    this.t.push(timeS);
    this.values[0].push(delayIndex);
    this.values[1].push(attS);
    this.values[2].push(finished);
    if (this.t.length > MAX_POINTS) this.thin();
    this.dirty = true;
  }

  clear(): void {
    this.t.length = 0;
    for (const v of this.values) v.length = 0;
    this.minStep = 1;
    this.dirty = true;
  }

  private thin(): void {
    // Keep every other point and double the spacing of new ones.
    const keep = (a: number[]) => a.filter((_, i) => i % 2 === 0);
    const t = keep(this.t);
    this.t.length = 0;
    this.t.push(...t);
    for (let k = 0; k < this.values.length; ++k) {
      const v = keep(this.values[k]);
      this.values[k].length = 0;
      this.values[k].push(...v);
    }
    this.minStep *= 2;
  }

  private flush(): void {
    if (!this.dirty) return;
    this.dirty = false;
    this.plots.forEach((p, k) => p.setData([this.t.slice(), this.values[k].slice()]));
  }
}

export function formatClock(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(r).padStart(2, '0')}` : `${m}:${String(r).padStart(2, '0')}`;
}
