/**
 * Symbols are compared upper-case everywhere in the gate (`kUSDC` on devnet, `USDC` in datasets):
 * options and inputs are normalised once per tick, so every rule can look symbols up directly.
 */
import type { RiskInput } from "../types.ts";
import type { RiskOptions } from "./options.ts";

function upperKeys<T>(record: Readonly<Record<string, T>>, merge?: (a: T, b: T) => T): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [k, v] of Object.entries(record)) {
    const key = k.toUpperCase();
    const prev = out[key];
    out[key] = prev !== undefined && merge ? merge(prev, v) : (prev ?? v);
  }
  return out;
}

const upperValues = (record: Readonly<Record<string, string>>): Record<string, string> =>
  Object.fromEntries(Object.entries(upperKeys(record)).map(([k, v]) => [k, v.toUpperCase()]));

/** Options with upper-case symbol keys and values. */
export function normaliseOptions(opts: RiskOptions): RiskOptions {
  return {
    ...opts,
    pegs: upperValues(opts.pegs),
    priceAliases: upperValues(opts.priceAliases),
    heartbeatSecondsBySymbol: upperKeys(opts.heartbeatSecondsBySymbol),
    oracleBoundsUsd: upperKeys(opts.oracleBoundsUsd),
    discountAssets: opts.discountAssets.map((s) => s.toUpperCase()),
  };
}

/** Input with upper-case price keys in the snapshot and the history (observations of a symbol merged). */
export function normaliseInput(input: RiskInput): RiskInput {
  return {
    ...input,
    snapshot: { ...input.snapshot, prices: upperKeys(input.snapshot.prices, (a, b) => [...a, ...b]) },
    history: { ...input.history, prices: upperKeys(input.history.prices) },
  };
}
