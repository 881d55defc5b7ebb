/** Inline SVG charts for the self-contained report (no scripts, no external resources). */
import type { Point } from "./stats.ts";

export const PALETTE = ["#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#17becf", "#d62728", "#bcbd22", "#8c564b"];
const W = 760;
const H = 220;
const PAD = { l: 56, r: 12, t: 10, b: 26 };

/** Escapes text for HTML and SVG. */
export function esc(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

interface Scale {
  x(t: number): number;
  y(v: number): number;
  t0: number;
  t1: number;
  lo: number;
  hi: number;
}

/** Smallest and largest value (a loop: spreading 100 000 values into Math.min overflows the stack). */
function extent(xs: readonly number[]): [number, number] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const x of xs) {
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  return [lo, hi];
}

function scale(ts: readonly number[], vs: readonly number[], zeroBased: boolean): Scale {
  const [t0, t1] = extent(ts);
  let [lo, hi] = extent(vs);
  if (zeroBased) lo = Math.min(lo, 0);
  if (!(hi > lo)) {
    // A flat series: give it a visible range, never below zero for zero-based charts.
    const pad = Math.abs(lo) > 0 ? Math.abs(lo) * 0.01 : 1;
    hi = lo + pad;
    if (!zeroBased || lo > 0) lo -= pad;
  }
  const pw = W - PAD.l - PAD.r;
  const ph = H - PAD.t - PAD.b;
  return {
    x: (t) => PAD.l + (t1 > t0 ? ((t - t0) / (t1 - t0)) * pw : pw / 2),
    y: (v) => PAD.t + ph - ((v - lo) / (hi - lo)) * ph,
    t0,
    t1,
    lo,
    hi,
  };
}

function fmt(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e9) return `${(v / 1e9).toFixed(2)}B`;
  if (a >= 1e6) return `${(v / 1e6).toFixed(2)}M`;
  if (a >= 1e4) return `${(v / 1e3).toFixed(1)}k`;
  return a >= 100 ? v.toFixed(0) : a >= 1 ? v.toFixed(2) : v.toFixed(3);
}

function day(t: number): string {
  return new Date(t * 1000).toISOString().slice(0, 10);
}

function axes(s: Scale, unit: string): string {
  const ticks = [s.lo, (s.lo + s.hi) / 2, s.hi]
    .map(
      (v) =>
        `<line x1="${PAD.l}" x2="${W - PAD.r}" y1="${s.y(v)}" y2="${s.y(v)}" class="grid"/><text x="${PAD.l - 4}" y="${s.y(v) + 4}" text-anchor="end">${esc(fmt(v))}${esc(unit)}</text>`,
    )
    .join("");
  return `${ticks}<text x="${PAD.l}" y="${H - 6}">${day(s.t0)}</text><text x="${W - PAD.r}" y="${H - 6}" text-anchor="end">${day(s.t1)}</text>`;
}

function path(points: readonly Point[], s: Scale): string {
  return points.map((p, i) => `${i === 0 ? "M" : "L"}${s.x(p.t).toFixed(1)},${s.y(p.value).toFixed(1)}`).join("");
}

function frame(body: string, label: string): string {
  return `<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(label)}">${body}</svg>`;
}

/** Down-samples a series to at most `max` points (keeps the first and last). */
export function thin<T>(items: readonly T[], max = 400): T[] {
  if (items.length <= max) return [...items];
  const step = (items.length - 1) / (max - 1);
  return Array.from({ length: max }, (_v, i) => items[Math.round(i * step)]!);
}

/** One or more lines over time. */
export function lineChart(
  lines: readonly { name: string; points: readonly Point[]; color?: string }[],
  opts: { unit?: string; label: string; zeroBased?: boolean },
): string {
  const all = lines.flatMap((l) => l.points);
  if (all.length === 0) return `<p class="empty">no data</p>`;
  const s = scale(
    all.map((p) => p.t),
    all.map((p) => p.value),
    opts.zeroBased ?? false,
  );
  const body = lines
    .map(
      (l, i) =>
        `<path d="${path(thin(l.points), s)}" fill="none" stroke="${l.color ?? PALETTE[i % PALETTE.length]}" stroke-width="1.6"><title>${esc(l.name)}</title></path>`,
    )
    .join("");
  return (
    frame(axes(s, opts.unit ?? "") + body, opts.label) +
    legend(lines.map((l, i) => ({ name: l.name, color: l.color ?? PALETTE[i % PALETTE.length]! })))
  );
}

/** Stacked areas of weights (0..1) over time. */
export function stackedArea(
  rows: readonly { t: number; weights: Readonly<Record<string, number>> }[],
  names: readonly string[],
  label: (id: string) => string,
): string {
  if (rows.length === 0) return `<p class="empty">no data</p>`;
  const data = thin(rows);
  const s = scale(
    data.map((r) => r.t),
    [0, 1],
    true,
  );
  const base = data.map(() => 0);
  const layers = names.map((name, i) => {
    const top = data.map((r, j) => base[j]! + (r.weights[name] ?? 0));
    const upper = data.map((r, j) => `${s.x(r.t).toFixed(1)},${s.y(top[j]!).toFixed(1)}`);
    const lower = data.map((r, j) => `${s.x(r.t).toFixed(1)},${s.y(base[j]!).toFixed(1)}`).reverse();
    top.forEach((v, j) => {
      base[j] = v;
    });
    const color = name === "idle" ? "#bbbbbb" : PALETTE[i % PALETTE.length];
    return `<polygon points="${[...upper, ...lower].join(" ")}" fill="${color}" fill-opacity="0.85"><title>${esc(label(name))}</title></polygon>`;
  });
  const ticks = [0, 0.5, 1]
    .map((v) => `<text x="${PAD.l - 4}" y="${s.y(v) + 4}" text-anchor="end">${v * 100}%</text>`)
    .join("");
  const dates = `<text x="${PAD.l}" y="${H - 6}">${day(s.t0)}</text><text x="${W - PAD.r}" y="${H - 6}" text-anchor="end">${day(s.t1)}</text>`;
  return (
    frame(layers.join("") + ticks + dates, "allocation over time") +
    legend(names.map((n, i) => ({ name: label(n), color: n === "idle" ? "#bbbbbb" : PALETTE[i % PALETTE.length]! })))
  );
}

/** Forecast band (P10–P90), median, and what was realised. */
export function bandChart(
  rows: readonly { t: number; p10: number; p50: number; p90: number; realised: number | null }[],
  label: string,
): string {
  if (rows.length === 0) return `<p class="empty">no forecasts</p>`;
  const data = thin(rows);
  const vals = data.flatMap((r) => [r.p10, r.p90, ...(r.realised === null ? [] : [r.realised])]);
  const s = scale(
    data.map((r) => r.t),
    vals,
    false,
  );
  const upper = data.map((r) => `${s.x(r.t).toFixed(1)},${s.y(r.p90).toFixed(1)}`);
  const lower = data.map((r) => `${s.x(r.t).toFixed(1)},${s.y(r.p10).toFixed(1)}`).reverse();
  const realised = data.filter((r) => r.realised !== null).map((r) => ({ t: r.t, value: r.realised! }));
  const body = `<polygon points="${[...upper, ...lower].join(" ")}" fill="#1f77b4" fill-opacity="0.2"/><path d="${path(
    data.map((r) => ({ t: r.t, value: r.p50 })),
    s,
  )}" fill="none" stroke="#1f77b4" stroke-width="1.6"/><path d="${path(realised, s)}" fill="none" stroke="#ff7f0e" stroke-width="1.6"/>`;
  return (
    frame(axes(s, "%") + body, label) +
    legend([
      { name: "P10–P90 forecast", color: "#a6c8e6" },
      { name: "P50 forecast", color: "#1f77b4" },
      { name: "realised mean over the horizon", color: "#ff7f0e" },
    ])
  );
}

function legend(items: readonly { name: string; color: string }[]): string {
  return `<div class="legend">${items.map((i) => `<span><i style="background:${i.color}"></i>${esc(i.name)}</span>`).join("")}</div>`;
}
