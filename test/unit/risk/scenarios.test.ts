import { expect } from "chai";
import type { HistoryWindow, SourcePoint } from "../../../src/domain/snapshot.ts";
import { ilV2 } from "../../../src/pipeline/riskGate/il.ts";
import { buildScenarios, realisedVolPct } from "../../../src/pipeline/riskGate/scenarios.ts";
import { lending, T0 } from "../../support/riskFixtures.ts";

const DAY = 86_400;

/** Daily points over `days` days ending at T0. */
function daily<T>(days: number, f: (i: number, t: number) => T): T[] {
  return Array.from({ length: days }, (_, i) => f(i, T0 - (days - 1 - i) * DAY));
}

describe("joint historical scenarios", () => {
  const days = 30;
  // ETH grows 1 % a day; the USDC source earns a flat 3.65 %.
  const eth = daily(days, (i, t) => ({ t, priceUsd: 1_000 * 1.01 ** i }));
  const rates: SourcePoint[] = daily(days, (_i, t) => ({ t, aprPct: 3.65, tvlUsd: 1e9, utilization: 0.5 }));
  const history: HistoryWindow = {
    asOf: T0,
    sources: { usdc: rates, weth: rates },
    prices: { ETH: eth },
    sharePrice: [],
    incidents: [],
  };
  const sources = [
    lending("usdc", 1),
    lending("weth", 1, { asset: "WETH" }),
    lending("lp", 1, { kind: "lp", asset: "WETH/USDC", utilization: null }),
  ];
  const scen = buildScenarios({
    sources,
    history,
    baseSymbol: "USDC",
    horizonDays: 7,
    stepSeconds: DAY,
    priceAliases: { WETH: "ETH" },
    fallbackAprPct: { lp: 0 },
    lpRanges: {},
  });

  it("steps back from asOf by the step while a full horizon of data exists", () => {
    expect(scen.times[0]).to.equal(T0);
    expect(scen.times).to.have.length(days - 7);
    expect(scen.returns.every((r) => r.length === 3)).to.equal(true);
  });

  it("turns the mean APR over the horizon into a return", () => {
    expect(scen.returns[0]![0]).to.be.closeTo(0.0365 * (7 / 365), 1e-12);
  });

  it("adds the move of a non-base asset's price against the base", () => {
    expect(scen.returns[0]![1]).to.be.closeTo(1.01 ** 7 * (1 + 0.0365 * (7 / 365)) - 1, 1e-9);
  });

  it("values an LP as the hold portfolio net of impermanent loss", () => {
    const r = 1.01 ** 7;
    expect(scen.returns[0]![2]).to.be.closeTo(((r + 1) / 2) * (1 + ilV2(r)) - 1, 1e-9);
  });

  it("measures realised volatility of a price ratio (annualised)", () => {
    const wiggle = daily(200, (i, t) => ({ t, priceUsd: 100 * Math.exp(0.01 * (i % 2 === 0 ? 1 : -1)) }));
    const vol = realisedVolPct(wiggle, undefined, T0, DAY);
    // Log returns alternate ±0.02: sample sd ≈ 0.02, annualised ×√365.
    expect(vol).to.be.closeTo(0.02 * Math.sqrt(365) * 100, 0.5);
    expect(realisedVolPct([], undefined, T0, DAY)).to.equal(undefined);
  });
});
