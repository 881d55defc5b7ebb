import { expect } from "chai";
import type { Plan } from "../../../src/domain/decision.ts";
import { reason } from "../../../src/domain/reasons.ts";
import type { LpRange, SourceState } from "../../../src/domain/snapshot.ts";
import { type RerangeOptions, withRerange } from "../../../src/pipeline/optimize/rerangeStep.ts";
import { halt, ok, type Stage } from "../../../src/pipeline/stage.ts";
import type { OptimizeInput } from "../../../src/pipeline/types.ts";
import {
  forecast,
  optimizeInput,
  planWithGain,
  snapshot,
  source,
  V3_LIMITS,
  verdict,
} from "../../support/optimizeFixtures.ts";

// USDC (6) = token0, WETH (18) = token1: the range's price (token1 per token0, whole tokens) is 1 / ETH price.
const SCALE = 10 ** (6 - 18);
const tickOf = (ethUsd: number) => Math.round(Math.log(1 / ethUsd / SCALE) / Math.log(1.0001) / 60) * 60;
const priceOf = (tick: number) => SCALE * 1.0001 ** tick;
const NOW = 1_700_000_000;
const never = new AbortController().signal;

/** A ±12 % range opened at ETH $3 000, the oracle now at `ethUsd`. */
function position(ethUsd: number, over: Partial<LpRange> = {}, balanceUnits = 200_000): SourceState {
  const centre = tickOf(3_000);
  const range: LpRange = {
    tickLower: centre - 1_200,
    tickUpper: centre + 1_200,
    tick: tickOf(ethUsd),
    inRange: Math.abs(tickOf(ethUsd) - centre) < 1_200,
    priceLower: priceOf(centre - 1_200),
    priceUpper: priceOf(centre + 1_200),
    inRangeAprPct: 150, // a busy pool: the re-range pays its extra impermanent loss
    limits: V3_LIMITS,
    ...over,
  };
  return source("v3", 0, balanceUnits, { kind: "lp", protocol: "uniswap-v3", asset: "USDC/WETH", range });
}

function inputAt(ethUsd: number, over: { src?: SourceState; frozen?: string[]; vol?: number; fee?: bigint } = {}) {
  const src = over.src ?? position(ethUsd);
  const snap = snapshot([src], 800_000, {
    timestamp: NOW,
    prices: { WETH: [{ symbol: "WETH", priceUsd: ethUsd, updatedAt: NOW, origin: "oracle" }] },
    nativeUsd: ethUsd,
    ...(over.fee === undefined ? {} : { baseFeesWei: [over.fee], priorityFeeWei: 0n }),
  });
  const f = forecast({ v3: 20 });
  const fc = { ...f, sources: { v3: { ...f.sources.v3!, ...(over.vol ? { priceVolPct: over.vol } : {}) } } };
  return optimizeInput(snap, fc, verdict(["v3"], 1, { frozen: over.frozen ?? [] }));
}

const OPTS: RerangeOptions = { enabled: true, horizonDays: 7, hysteresis: 1.5, gasUnits: 750_000, swapCostBps: 40 };
const stays: Stage<OptimizeInput, Plan> = {
  run: async () => halt([reason("STAY", "no switch pays", { severity: "halt" })]),
};
const rebalances: Stage<OptimizeInput, Plan> = { run: async () => ok(planWithGain(100), "1 move") };

describe("the re-range step of the optimize stage", () => {
  it("turns a stay into a re-range when the price left the range and the new range pays its costs", async () => {
    const out = await withRerange(stays, OPTS).run(inputAt(3_600, { vol: 60 }), never);
    expect(out.status, JSON.stringify(out.reasons)).to.equal("ok");
    if (out.status !== "ok") return;
    const r = out.value.rerange!;
    expect(out.value.moves).to.deep.equal([]);
    expect(r.sourceId).to.equal("v3");
    // Centred on the oracle price, the current width kept, aligned to the tick spacing.
    expect((r.tickLower + r.tickUpper) / 2).to.be.closeTo(tickOf(3_600), 60);
    expect(r.tickUpper - r.tickLower).to.equal(2_400);
    expect(r.tickLower % 60).to.equal(0);
    expect(r.gainUsd).to.be.greaterThan(1.5 * r.costUsd);
    expect(out.value.gainP10Usd).to.equal(r.gainUsd);
    const codes = out.reasons?.map((x) => x.code);
    expect(codes).to.deep.equal(["RERANGE"]);
    expect(out.reasons?.[0]?.message).to.include("allocation: no switch pays");
  });

  it("says why it does not re-range when gas costs more than the new range earns (RERANGE_NOT_WORTH, with figures)", async () => {
    const dear = await withRerange(stays, OPTS).run(inputAt(3_600, { vol: 60, fee: 50_000n * 10n ** 9n }), never);
    expect(dear.status).to.equal("halt");
    const why = dear.reasons?.find((x) => x.code === "RERANGE_NOT_WORTH");
    expect(dear.reasons?.map((x) => x.code)).to.deep.equal(["STAY", "RERANGE_NOT_WORTH"]);
    expect(why?.message).to.match(/< 1\.5 × cost \$/);
    expect(why?.limit).to.be.greaterThan(why?.value ?? Number.POSITIVE_INFINITY);
  });

  it("leaves a centred position alone", async () => {
    const out = await withRerange(stays, OPTS).run(inputAt(3_000, { vol: 60 }), never);
    expect(out.status).to.equal("halt");
    expect(out.reasons?.find((x) => x.code === "RERANGE_NOT_WORTH")?.message).to.include("range already centred");
  });

  it("does not re-range a position the risk gate froze, nor one without a volatility (unless one is assumed)", async () => {
    const frozen = await withRerange(stays, OPTS).run(inputAt(3_600, { vol: 60, frozen: ["v3"] }), never);
    expect(frozen.status).to.equal("halt");
    expect(frozen.reasons?.at(-1)?.message).to.include("frozen or exiting");
    const noVol = await withRerange(stays, OPTS).run(inputAt(3_600), never);
    expect(noVol.reasons?.at(-1)?.message).to.include("no price volatility forecast");
    const assumed = await withRerange(stays, { ...OPTS, volPctWhenUnknown: 60 }).run(inputAt(3_600), never);
    expect(assumed.status).to.equal("ok");
    expect(assumed.reasons?.[0]?.message).to.include("price vol 60.0 %, assumed");
  });

  it("lets a rebalance go first (RERANGE_DEFERRED) and leaves positions without on-chain limits alone", async () => {
    const out = await withRerange(rebalances, OPTS).run(inputAt(3_600, { vol: 60 }), never);
    expect(out.status).to.equal("ok");
    if (out.status !== "ok") return;
    expect(out.value.rerange).to.equal(undefined);
    expect(out.value.moves).to.have.length(1);
    expect(out.reasons?.map((x) => x.code)).to.deep.equal(["RERANGE_DEFERRED"]);
    const held = position(3_600);
    const { limits: _, ...noLimits } = held.range!;
    const unlimited = await withRerange(stays, OPTS).run(
      inputAt(3_600, { vol: 60, src: { ...held, range: noLimits } }),
      never,
    );
    expect(unlimited.reasons?.map((x) => x.code)).to.deep.equal(["STAY"]);
  });

  it("is the inner stage itself when disabled", () => {
    expect(withRerange(stays, { ...OPTS, enabled: false })).to.equal(stays);
  });
});
