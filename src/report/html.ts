import { withLabels } from "../observability/statusView.ts";
import { BACKTEST_METRIC_KEYS, type ReportData, type ReportEvent } from "./model.ts";
import { mean } from "./stats.ts";
import { bandChart, esc, lineChart, stackedArea } from "./svg.ts";

const CSS = `body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1f24;max-width:980px;margin:24px auto;padding:0 16px}
h1{font-size:24px;margin-bottom:4px}h2{font-size:18px;border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:32px}h3{font-size:15px}
.sub{color:#57606a}table{border-collapse:collapse;width:100%;margin:8px 0;font-size:13px}th,td{border-bottom:1px solid #e5e5e5;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f6f8fa}.num{text-align:right;font-variant-numeric:tabular-nums}.chart{width:100%;height:auto;display:block}.chart text{font-size:11px;fill:#57606a}
.chart .grid{stroke:#eee}.legend{font-size:12px;color:#57606a;margin:2px 0 12px}.legend span{margin-right:14px}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px}
.empty,.note{color:#57606a;font-style:italic}.cards{display:flex;flex-wrap:wrap;gap:10px}.card{border:1px solid #ddd;border-radius:6px;padding:8px 12px;min-width:130px}
.card b{display:block;font-size:18px}.sev-halt{color:#b42318}.sev-warn{color:#9a6700}code{font-size:12px}
@media print{h2{break-after:avoid}.chart{break-inside:avoid}body{margin:0}}`;

function label(d: ReportData, id: string): string {
  if (d.labels[id]) return d.labels[id]!;
  return id.length > 14 && id.startsWith("0x") ? `${id.slice(0, 6)}…${id.slice(-4)}` : id;
}

const pct = (v: number | null | undefined, digits = 2) =>
  typeof v === "number" && Number.isFinite(v) ? `${v.toFixed(digits)}%` : "–";
const date = (t: number) => new Date(t * 1000).toISOString().replace("T", " ").slice(0, 16);

function table(head: readonly string[], rows: readonly (readonly string[])[], numeric: readonly number[] = []): string {
  if (rows.length === 0) return `<p class="empty">none</p>`;
  const th = head.map((h, i) => `<th${numeric.includes(i) ? ' class="num"' : ""}>${esc(h)}</th>`).join("");
  const body = rows
    .map((r) => `<tr>${r.map((c, i) => `<td${numeric.includes(i) ? ' class="num"' : ""}>${c}</td>`).join("")}</tr>`)
    .join("");
  return `<table><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table>`;
}

function events(d: ReportData, list: readonly ReportEvent[]): string {
  return table(
    ["time (UTC)", "code", "what", "source", "decision"],
    list.map((e) => [
      esc(date(e.t)),
      `<code class="sev-${e.severity}">${esc(e.code)}</code>`,
      esc(withLabels(e.message, d.labels)) +
        ((e.count ?? 1) > 1
          ? ` <span class="sub">(${e.count} decisions, until ${esc(date(e.until ?? e.t))})</span>`
          : ""),
      esc(e.sourceId ? label(d, e.sourceId) : ""),
      `<code>${esc(e.decisionId ?? "")}</code>`,
    ]),
  );
}

function summary(d: ReportData): string {
  const last = d.allocation.at(-1);
  const cards = [
    ["decisions", String(Object.values(d.outcomes).reduce((a, b) => a + b, 0))],
    ["rebalances", String(d.gas.rebalances)],
    ["max drawdown", pct(d.risk.maxDrawdownPct)],
    ["historical VaR 95", pct(d.risk.historical?.varPct, 3)],
    ["historical CVaR 95", pct(d.risk.historical?.cvarPct, 3)],
    ["gas spent", `$${d.gas.totalUsd.toFixed(2)}`],
  ]
    .map(([k, v]) => `<div class="card"><span>${esc(k)}</span><b>${esc(v)}</b></div>`)
    .join("");
  const alloc = last
    ? table(
        ["source", "weight"],
        Object.entries(last.weights)
          .sort((a, b) => b[1] - a[1])
          .map(([id, w]) => [esc(label(d, id)), pct(w * 100)]),
        [1],
      )
    : `<p class="empty">no allocation observed</p>`;
  const outcomes = Object.entries(d.outcomes)
    .map(([k, v]) => `${esc(k)}: ${v}`)
    .join(" · ");
  return `<section id="summary"><h2>Summary</h2><div class="cards">${cards}</div><p>Decision outcomes: ${outcomes || "none"}</p><h3>Current allocation${last ? ` (${esc(date(last.t))})` : ""}</h3>${alloc}</section>`;
}

function forecasts(d: ReportData): string {
  if (d.forecasts.length === 0)
    return `<section id="forecasts"><h2>Yields: forecast vs realised</h2><p class="empty">no forecasts recorded</p></section>`;
  const stats = d.forecasts.map((f) => {
    const done = f.rows.filter((r) => r.complete && r.realised !== null);
    const mae = mean(done.map((r) => Math.abs(r.p50 - r.realised!)));
    const cover =
      done.length > 0
        ? (done.filter((r) => r.realised! >= r.p10 && r.realised! <= r.p90).length / done.length) * 100
        : null;
    const last = f.rows.at(-1)!;
    return [
      esc(label(d, f.sourceId)),
      String(f.rows.length),
      String(done.length),
      pct(last.p50),
      mae === null ? "–" : mae.toFixed(3),
      pct(cover, 0),
    ];
  });
  const charts = d.forecasts
    .map(
      (f) =>
        `<h3>${esc(label(d, f.sourceId))} <span class="sub">(${f.horizonDays}-day horizon)</span></h3>${bandChart(f.rows, `forecast vs realised ${f.sourceId}`)}`,
    )
    .join("");
  return `<section id="forecasts"><h2>Yields: forecast vs realised</h2>
<p class="note">Realised = mean observed APR over the forecast's horizon. Only forecasts whose horizon has fully elapsed count in the error and coverage (a calibrated P10–P90 band covers about 80 %).</p>
${table(["source", "forecasts", "evaluated", "latest P50 APR", "MAE (pp)", "P10–P90 coverage"], stats, [1, 2, 3, 4, 5])}${charts}</section>`;
}

function risk(d: ReportData): string {
  const latest = table(
    ["measure (risk gate, % of assets over the horizon)", "value"],
    Object.entries(d.risk.latest).map(([k, v]) => [esc(k), pct(v, 3)]),
    [1],
  );
  const series = Object.entries(d.risk.series).map(([name, points]) => ({ name, points }));
  const hist = d.risk.historical
    ? `<p>Historical over ${d.risk.historical.steps} steps of ${esc(d.equityLabel)}: VaR 95 ${pct(d.risk.historical.varPct, 3)}, CVaR 95 ${pct(d.risk.historical.cvarPct, 3)} per step (deposits and withdrawals are not separated out).</p>`
    : `<p class="empty">not enough observations for historical VaR/CVaR</p>`;
  return `<section id="risk"><h2>Risk measures</h2><h3>Latest risk-gate figures (VaR / CVaR / EVaR, drawdown)</h3>${latest}
${series.length > 0 ? lineChart(series, { unit: "%", label: "risk figures over time" }) : ""}${hist}
<h3>Value and drawdown</h3>${lineChart([{ name: d.equityLabel, points: d.equity }], { label: "value" })}
<p>Maximum drawdown: <b>${pct(d.risk.maxDrawdownPct)}</b></p>${lineChart([{ name: "drawdown %", points: d.risk.drawdown, color: "#d62728" }], { unit: "%", label: "drawdown", zeroBased: true })}</section>`;
}

function il(d: ReportData): string {
  return `<section id="il"><h2>Impermanent-loss exposure</h2>${table(
    ["LP source", "weight", "price vol (ann.)", "expected IL over horizon", "stressed IL (1.645σ)"],
    d.il.map((x) => [
      esc(label(d, x.sourceId)),
      pct(x.weight * 100),
      pct(x.priceVolPct, 1),
      pct(x.expectedPct, 3),
      pct(x.stressPct, 3),
    ]),
    [1, 2, 3, 4],
  )}<p class="note">Constant-product approximation: expected IL ≈ σ²T/8; positions are valued at oracle-fair reserves, never at spot.</p></section>`;
}

function gas(d: ReportData): string {
  const g = d.gas;
  return `<section id="gas"><h2>Gas spent</h2><p>${g.rebalances} rebalances, ${g.totalGasUnits.toLocaleString("en-US")} gas, $${g.totalUsd.toFixed(2)} in total${g.meanUsdPerRebalance === null ? "" : `, $${g.meanUsdPerRebalance.toFixed(2)} per rebalance`}.</p>
${g.series.length > 0 ? lineChart([{ name: "cumulative gas (USD)", points: g.series }], { unit: "", label: "gas", zeroBased: true }) : ""}</section>`;
}

function strategies(d: ReportData): string {
  if (!d.strategies) return "";
  const keys = BACKTEST_METRIC_KEYS;
  const rows = Object.entries(d.strategies).map(([name, m]) => [
    esc(name),
    ...keys.map((k) => (typeof m[k] === "number" ? (m[k] as number).toFixed(3) : "–")),
  ]);
  return `<section id="strategies"><h2>Strategies compared</h2>${table(
    ["strategy", ...keys],
    rows,
    keys.map((_k, i) => i + 1),
  )}</section>`;
}

const ms = (t: number) => new Date(t).toISOString().replace("T", " ").slice(0, 16);
const num = (v: number | undefined, digits = 2) => (v === undefined || !Number.isFinite(v) ? "–" : v.toFixed(digits));

/** Shadow decisions (what would have been sent) and near-misses, newest first, when the journal has any. */
function shadow(d: ReportData): string {
  const s = d.shadow;
  if (!s) return "";
  const would = table(
    ["time (UTC)", "would have sent", "route", "P10 gain $", "gas $", "gain/cost", "decision"],
    s.wouldHave.map((w) => [
      esc(ms(w.startedAt)),
      esc(
        w.moves
          .map(
            (m) =>
              `${m.direction} ${m.amount} ${d.baseSymbol} ${m.direction === "deposit" ? "to" : "from"} ${label(d, m.sourceId)}`,
          )
          .join("; "),
      ),
      esc(w.route ?? "–"),
      num(w.gainP10Usd),
      num(w.costUsd),
      num(w.gainToCost, 1),
      `<code>${esc(w.decisionId)}</code>`,
    ]),
    [3, 4, 5],
  );
  const near = table(
    ["time (UTC)", "kind", "code", "what", "value", "limit", "decision"],
    s.nearMisses.map((m) => [
      esc(ms(m.startedAt)),
      esc(m.kind),
      `<code>${esc(m.code)}</code>`,
      esc(withLabels(m.message, d.labels)),
      num(m.value),
      num(m.limit),
      `<code>${esc(m.decisionId)}</code>`,
    ]),
    [4, 5],
  );
  const mode =
    s.shadowDecisions > 0
      ? `<p>${s.shadowDecisions} decision(s) taken in shadow mode: journaled, nothing signed or sent.</p>`
      : "";
  return `<section id="shadow"><h2>Shadow decisions and near-misses</h2>${mode}<h3>Would have sent</h3>${would}<h3>Near-misses (blocked or cut short by one bound or threshold)</h3>${near}</section>`;
}

/** Renders the report as one self-contained HTML document (inline CSS and SVG; opens offline). */
export function renderReport(d: ReportData): string {
  const names = [...new Set(d.allocation.flatMap((a) => Object.keys(a.weights)))].sort((a, b) =>
    a === "idle" ? 1 : b === "idle" ? -1 : a.localeCompare(b),
  );
  const period = d.period ? `${date(d.period.start)} → ${date(d.period.end)} UTC` : "no decisions";
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${esc(d.title)}</title><style>${CSS}</style></head><body>
<h1>${esc(d.title)}</h1><p class="sub">${esc(d.origin.description)} · ${esc(period)} · generated ${esc(new Date(d.generatedAt).toISOString())}</p>
${summary(d)}${strategies(d)}
<section id="allocation"><h2>Allocation and its history</h2>${stackedArea(d.allocation, names, (id) => label(d, id))}</section>
${forecasts(d)}${risk(d)}${il(d)}
<section id="depeg-oracle"><h2>Depeg and oracle status</h2><h3>Now</h3>${d.depegOracle.current.length > 0 ? events(d, d.depegOracle.current) : `<p>No depeg or oracle finding in the latest risk verdict.</p>`}<h3>History</h3>${events(d, d.depegOracle.history)}</section>
<section id="incidents"><h2>Incidents</h2>${events(d, d.incidents)}</section>
<section id="interventions"><h2>Risk-gate interventions</h2>${events(d, d.interventions)}</section>
${shadow(d)}${gas(d)}
${d.notes.length > 0 ? `<section id="notes"><h2>Notes</h2><ul>${d.notes.map((n) => `<li>${esc(n)}</li>`).join("")}</ul></section>` : ""}
</body></html>
`;
}
