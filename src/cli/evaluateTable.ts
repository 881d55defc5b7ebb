import type { EvaluationReport, ScoreRow } from "../ml/evaluationReport.ts";

const f3 = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : "–");
const pct = (v: number) => `${(100 * v).toFixed(1)}`;

function ratio(r: ScoreRow): string {
  const m = r.mae_ratio;
  if (!m || !Number.isFinite(m.value)) return "–";
  return `${m.value.toFixed(3)} [${f3(m.low)}, ${f3(m.high)}]`;
}

function table(title: string, rows: Record<string, ScoreRow>): string[] {
  const head =
    `${"forecaster".padEnd(12)} ${"n".padStart(6)} ${"window".padEnd(23)} ${"MAE".padStart(8)} ${"MAPE%".padStart(7)} ` +
    `${"pinball".padStart(8)} ${"<P10%".padStart(6)} ${">P90%".padStart(6)}  ${"MAE/persistence [95% CI]".padEnd(26)} better`;
  const lines = [title, head];
  for (const [name, r] of Object.entries(rows)) {
    lines.push(
      `${name.padEnd(12)} ${String(r.n).padStart(6)} ${`${r.window[0]}..${r.window[1]}`.padEnd(23)} ${f3(r.mae).padStart(8)} ` +
        `${r.mape.toFixed(1).padStart(7)} ${f3(r.pinball).padStart(8)} ${pct(r.below_p10).padStart(6)} ${pct(r.above_p90).padStart(6)}  ` +
        `${ratio(r).padEnd(26)} ${r.better_sources ?? ""}`,
    );
  }
  lines.push("");
  return lines;
}

/** The plain-text report: header, overall, per kind, per source. */
export function formatEvaluation(
  r: EvaluationReport,
  models: readonly { path: string; seed: number; sha256: string; trained_before: string }[],
): string {
  const b = r.bootstrap;
  const lines = [
    `walk-forward ${r.start} .. ${r.end}: ${r.origins} daily origins (00:00 UTC), horizon ${r.horizon_days} days`,
    "MAE, pinball in APR points; <P10 / >P90: share of realised means below P10 / above P90 (10 % each when calibrated);",
    `MAE/persistence on the same origins and sources, ${Math.round(b.level * 100)} % moving-block bootstrap interval ` +
      `(${b.blockDays}-day blocks, ${b.replicates} replicates); window: first..last origin scored`,
    ...models.map(
      (m) =>
        `model seed ${m.seed}: ${m.path} (${m.sha256.slice(0, 12)}), trained on data before ${m.trained_before.slice(0, 10)}`,
    ),
    "",
    ...table("OVERALL", r.overall),
  ];
  for (const [kind, rows] of Object.entries(r.kinds)) lines.push(...table(`KIND ${kind}`, rows));
  for (const [id, s] of Object.entries(r.sources)) lines.push(...table(`SOURCE ${id} (${s.kind})`, s.forecasters));
  return `${lines.join("\n")}\n`;
}
