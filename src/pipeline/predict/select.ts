/**
 * Who serves a source: among the forecasters that forecast it this tick, the one with the lowest rolling
 * MAE on that source's own realised horizons (compared on the origins they all forecast), kept while no
 * other beats it by more than a margin; with too few realised horizons, the kind's prior — the order
 * measured walk-forward in models/README.md. One source's choice never moves another's.
 */
import type { ScoredEntry } from "./ledger.ts";

/** Options of the choice. */
export interface SelectOptions {
  /** Realised horizons a forecaster needs on a source before its skill there counts. */
  readonly minScored: number;
  /** A challenger replaces the serving forecaster only when its MAE is lower by more than this fraction. */
  readonly switchMargin: number;
}

/** The choice for one source. */
export interface Choice {
  readonly name: string;
  /** `SKILL`: chosen by rolling skill; `PRIOR`: too few realised horizons, the kind's prior order. */
  readonly by: "SKILL" | "PRIOR";
  readonly message: string;
  /** Rolling MAE by forecaster on the common origins (when chosen by skill). */
  readonly mae?: Readonly<Record<string, number>>;
  readonly scored?: number;
}

/** Paired MAE of each forecaster over the origins all of them have scored. */
export function pairedMae(scored: Readonly<Record<string, readonly ScoredEntry[]>>): {
  mae: Record<string, number>;
  n: number;
} {
  const names = Object.keys(scored);
  if (names.length === 0) return { mae: {}, n: 0 };
  let common: Set<number> | undefined;
  for (const name of names) {
    const ts = new Set(scored[name]!.map((e) => e.t));
    common = common ? new Set([...common].filter((t) => ts.has(t))) : ts;
  }
  const mae: Record<string, number> = {};
  for (const name of names) {
    const rows = scored[name]!.filter((e) => common!.has(e.t));
    mae[name] = rows.reduce((s, e) => s + Math.abs(e.p50 - e.actual), 0) / Math.max(1, rows.length);
  }
  return { mae, n: common?.size ?? 0 };
}

/**
 * Chooses among `available` (forecasters with a forecast of the source now) by their scored entries on
 * the source; `prior` is the kind's order of preference, `incumbent` who served it last tick.
 */
export function chooseForecaster(args: {
  readonly available: readonly string[];
  readonly scored: Readonly<Record<string, readonly ScoredEntry[]>>;
  readonly prior: readonly string[];
  readonly incumbent?: string | undefined;
  readonly o: SelectOptions;
}): Choice {
  const { available, o } = args;
  const ready = Object.fromEntries(
    available.flatMap((name) => {
      const rows = args.scored[name] ?? [];
      return rows.length >= o.minScored ? [[name, rows]] : [];
    }),
  );
  const { mae, n } = pairedMae(ready);
  const ranked = Object.keys(mae).sort((a, b) => mae[a]! - mae[b]!);
  if (ranked.length === 0 || n < o.minScored) {
    const name = args.prior.find((p) => available.includes(p)) ?? available[0]!;
    return {
      name,
      by: "PRIOR",
      message: `${name}: the kind's prior (fewer than ${o.minScored} realised horizons to compare forecasters on)`,
    };
  }
  let name = ranked[0]!;
  const inc = args.incumbent;
  if (inc !== undefined && inc !== name && mae[inc] !== undefined && mae[name]! > mae[inc]! * (1 - o.switchMargin)) {
    name = inc;
  }
  const others = ranked
    .filter((r) => r !== name)
    .map((r) => `${r} ${mae[r]!.toFixed(3)}`)
    .join(", ");
  return {
    name,
    by: "SKILL",
    message: `${name}: rolling MAE ${mae[name]!.toFixed(3)} over ${n} realised horizons${others ? ` (${others})` : ""}`,
    mae,
    scored: n,
  };
}
