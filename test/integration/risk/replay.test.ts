import { expect } from "chai";
import { readDataset } from "../../../src/adapters/dataset/reader.ts";
import type { Dataset } from "../../../src/domain/dataset.ts";
import { riskOptions } from "../../support/riskFixtures.ts";
import { at, DATA_DIR, firstTime, haveData, iso, type ReplaySpec, replay } from "./replayHarness.ts";

const HOUR = 3_600;
const DAY = 86_400;
/** Daily feeds become visible one day after their label; allow two days before calling them stale. */
const opts = (base: string) => ({
  ...riskOptions({ oracleHeartbeatSeconds: 2 * DAY + HOUR, maxDataAgeSeconds: 2 * DAY + HOUR }),
  baseAsset: base,
});

describe("risk gate replays on real episodes (keel-train)", function () {
  this.timeout(120_000);
  let ds: Dataset;

  before(async function () {
    if (!haveData()) {
      console.log(`  (skipped: ${DATA_DIR} is absent)`);
      this.skip();
    }
    ds = await readDataset(DATA_DIR);
  });

  it("freezes and exits UST (USTC) before its May 2022 bottom, and pulls the trigger while holding it", () => {
    const spec: ReplaySpec = {
      base: { symbol: "USDC", decimals: 6, priceSymbol: "USDC" },
      sources: [
        { id: "anchor-ust", kind: "lending", protocol: "anchor", asset: "USTC", units: 300_000 },
        {
          id: "aave-v2-usdc",
          kind: "lending",
          protocol: "aave-v2",
          asset: "USDC",
          units: 500_000,
          poolId: "aave-v2-usdc",
        },
      ],
      idleUnits: 200_000,
      symbols: ["USDC", "USTC", "ETH"],
      lookbackDays: 60,
    };
    const steps = replay(ds, spec, opts("USDC"), at("2022-05-01T00:00:00Z"), at("2022-05-31T23:00:00Z"), HOUR);
    const ust = ds.prices
      .get("USTC")!
      .filter((p) => p.t >= at("2022-05-01T00:00:00Z") && p.t < at("2022-06-01T00:00:00Z"));
    const bottom = ust.reduce((a, b) => (b.priceUsd < a.priceUsd ? b : a));
    const bottomKnown = bottom.t + DAY;
    const alert = firstTime(steps, "DEPEG_ALERT", "anchor-ust");
    const stop = firstTime(steps, "DEPEG_STOP", "anchor-ust");
    const exit = firstTime(steps, "DEPEG_EXIT", "anchor-ust");
    const pause = firstTime(steps, "DEPEG_PAUSE", "anchor-ust");
    console.log(
      `    UST: alert ${iso(alert)}, stop ${iso(stop)}, exit ${iso(exit)}, DEPEG_PAUSE ${iso(pause)}; ` +
        `May bottom ${bottom.priceUsd} (close of ${iso(bottom.t).slice(0, 10)}, known ${iso(bottomKnown)})`,
    );
    expect(exit, "forced exit").to.not.equal(undefined);
    expect(exit!).to.be.below(bottomKnown);
    expect(pause!).to.be.below(bottomKnown);
    // The USDC source is not touched by UST's depeg.
    expect(firstTime(steps, "DEPEG_STOP", "aave-v2-usdc")).to.equal(undefined);
  });

  it("flags the USDC depeg of 11 March 2023 in a USDC vault, and not the days before", () => {
    const spec: ReplaySpec = {
      base: { symbol: "USDC", decimals: 6, priceSymbol: "USDC" },
      sources: [
        {
          id: "aave-v3-usdc",
          kind: "lending",
          protocol: "aave-v3",
          asset: "USDC",
          units: 500_000,
          poolId: "aave-v3-usdc",
        },
        {
          id: "aave-v3-usdt",
          kind: "lending",
          protocol: "aave-v3",
          asset: "USDT",
          units: 300_000,
          poolId: "aave-v3-usdt",
        },
      ],
      idleUnits: 200_000,
      symbols: ["USDC", "USDT", "ETH"],
      lookbackDays: 60,
    };
    const steps = replay(ds, spec, opts("USDC"), at("2023-03-05T00:00:00Z"), at("2023-03-16T00:00:00Z"), HOUR);
    const flagged = steps.find((s) =>
      [...s.halts, ...s.reasons, ...s.triggers].some((r) => r.code.startsWith("DEPEG_")),
    );
    const codes = flagged ? [...new Set([...flagged.halts, ...flagged.reasons].map((r) => r.code))] : [];
    console.log(
      `    USDC: first flagged ${iso(flagged?.t)} with ${codes.join(", ")}; frozen ${flagged?.frozen.join(", ")}`,
    );
    expect(flagged).to.not.equal(undefined);
    expect(flagged!.t).to.be.at.least(at("2023-03-11T00:00:00Z"));
    expect(flagged!.t).to.be.at.most(at("2023-03-12T00:00:00Z"));
    expect(codes).to.include("DEPEG_STOP");
    expect(flagged!.frozen).to.include.members(["aave-v3-usdc", "aave-v3-usdt"]);
  });

  it("treats the stETH discount of June 2022 as a discount: alerts and freezes, never exits or pauses", () => {
    const spec: ReplaySpec = {
      base: { symbol: "WETH", decimals: 18, priceSymbol: "ETH" },
      sources: [
        { id: "lido-steth", kind: "vault", protocol: "lido", asset: "STETH", units: 400 },
        { id: "aave-v2-weth", kind: "lending", protocol: "aave-v2", asset: "WETH", units: 400, poolId: "aave-v2-weth" },
      ],
      idleUnits: 200,
      symbols: ["ETH", "STETH"],
      lookbackDays: 60,
    };
    const steps = replay(ds, spec, opts("WETH"), at("2022-06-01T00:00:00Z"), at("2022-07-15T00:00:00Z"), 6 * HOUR);
    const discount = firstTime(steps, "LST_DISCOUNT", "lido-steth");
    const freeze = firstTime(steps, "LST_DISCOUNT_FREEZE", "lido-steth");
    const worst = Math.min(
      ...steps.flatMap((s) =>
        s.reasons.filter((r) => r.sourceId === "lido-steth" && r.code.startsWith("LST")).map((r) => r.value ?? 0),
      ),
    );
    console.log(
      `    stETH: discount alert ${iso(discount)}, freeze ${iso(freeze)}, deepest ${worst.toFixed(2)} % vs ETH`,
    );
    expect(discount ?? freeze).to.not.equal(undefined);
    for (const s of steps) {
      expect(s.forcedExits).to.not.include("lido-steth");
      expect(s.triggers.filter((r) => r.sourceId === "lido-steth")).to.deep.equal([]);
      expect(
        [...s.halts, ...s.reasons].filter((r) => r.sourceId === "lido-steth" && r.code.startsWith("DEPEG_")),
      ).to.deep.equal([]);
    }
  });

  it("stays quiet on ordinary days: a USDC vault over 2023-2024, daily", () => {
    const spec: ReplaySpec = {
      base: { symbol: "USDC", decimals: 6, priceSymbol: "USDC" },
      sources: [
        {
          id: "aave-v3-usdc",
          kind: "lending",
          protocol: "aave-v3",
          asset: "USDC",
          units: 400_000,
          poolId: "aave-v3-usdc",
        },
        {
          id: "aave-v3-usdt",
          kind: "lending",
          protocol: "aave-v3",
          asset: "USDT",
          units: 200_000,
          poolId: "aave-v3-usdt",
        },
        {
          id: "aave-v2-usdc",
          kind: "lending",
          protocol: "aave-v2",
          asset: "USDC",
          units: 200_000,
          poolId: "aave-v2-usdc",
        },
      ],
      idleUnits: 200_000,
      symbols: ["USDC", "USDT", "ETH"],
      lookbackDays: 90,
    };
    const steps = replay(ds, spec, opts("USDC"), at("2023-02-15T12:00:00Z"), at("2024-12-30T12:00:00Z"), DAY);
    const noisy = steps.filter((s) => s.halts.length + s.triggers.length + s.forcedExits.length > 0);
    const codes = new Map<string, number>();
    for (const s of noisy)
      for (const r of [...s.halts, ...s.triggers, ...s.reasons.filter((x) => x.severity === "warn")])
        codes.set(r.code, (codes.get(r.code) ?? 0) + 1);
    console.log(
      `    2023-2024: ${noisy.length} of ${steps.length} days with a halt, trigger or exit: ${[...codes].map(([c, n]) => `${c}×${n}`).join(", ")}`,
    );
    console.log(`    days: ${noisy.map((s) => iso(s.t).slice(0, 10)).join(" ")}`);
    expect(noisy.length).to.be.below(steps.length * 0.05);
  });
});
