import { expect } from "chai";
import { KeelError } from "../../../src/domain/errors.ts";
import { createRiskGateStage } from "../../../src/pipeline/riskGate/riskGate.ts";
import type { Clock } from "../../../src/ports/clock.ts";
import type { KillSwitch } from "../../../src/ports/execution.ts";
import { lending, never, obs, riskInput, riskOptions, snap, T0 } from "../../support/riskFixtures.ts";

function recordingKillSwitch(fail = false): KillSwitch & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async pause(code: string) {
      calls.push(code);
      if (fail) throw new KeelError("RPC_TIMEOUT", "timed out", { retryable: true });
      return "0xabc";
    },
  };
}

const codes = (rs: readonly { code: string }[]) => rs.map((r) => r.code);

describe("risk gate (phase 1 rules)", () => {
  it("allows every healthy source up to the per-source maximum weight and keeps the idle buffer", async () => {
    const s = snap([lending("a", 500), lending("b", 300)], 200);
    const res = await createRiskGateStage(riskOptions(), {}).run(riskInput(s), never);
    expect(res.status).to.equal("ok");
    if (res.status !== "ok") return;
    expect(res.value.caps).to.deep.equal({ a: 0.6, b: 0.6 });
    expect(res.value.frozen).to.deep.equal([]);
    expect(res.value.forcedExits).to.deep.equal([]);
    expect(res.value.minIdleWeight).to.equal(0.02);
  });

  describe("stale or missing data", () => {
    it("halts with DATA_MISSING when the snapshot has no price at all", async () => {
      const s = snap([lending("a", 100)], 0, { prices: {} });
      const res = await createRiskGateStage(riskOptions(), {}).run(riskInput(s), never);
      expect(res.status).to.equal("halt");
      expect(codes(res.reasons ?? [])).to.include("DATA_MISSING");
    });

    it("halts with DATA_STALE when the newest price is older than maxDataAgeSeconds at the snapshot's time", async () => {
      const old = T0 - 601;
      const s = snap([lending("a", 100)], 0, { prices: { USDC: [obs("USDC", 1, old)], ETH: [obs("ETH", 2000, old)] } });
      const res = await createRiskGateStage(riskOptions(), {}).run(riskInput(s), never);
      expect(res.status).to.equal("halt");
      const r = (res.reasons ?? []).find((x) => x.code === "DATA_STALE");
      expect(r?.value).to.equal(601);
      expect(r?.limit).to.equal(600);
      expect(r?.severity).to.equal("halt");
    });

    it("halts with SNAPSHOT_STALE when a wall clock shows the snapshot is too old", async () => {
      const clock: Clock = { now: () => (T0 + 3_600) * 1000, sleep: async () => {} };
      const res = await createRiskGateStage(riskOptions(), { clock }).run(riskInput(snap([lending("a", 1)], 0)), never);
      expect(codes(res.reasons ?? [])).to.include("SNAPSHOT_STALE");
    });

    it("halts when the base asset's own oracle is past its heartbeat", async () => {
      const s = snap([lending("a", 100)], 0, {
        prices: { USDC: [obs("USDC", 1, T0 - 4_000)], ETH: [obs("ETH", 2000)] },
      });
      const res = await createRiskGateStage(riskOptions(), {}).run(riskInput(s), never);
      expect(res.status).to.equal("halt");
      expect(codes(res.reasons ?? [])).to.include("ORACLE_STALE");
    });

    it("honours a per-symbol heartbeat override for a daily feed", async () => {
      const s = snap([lending("a", 100)], 0, {
        prices: { USDC: [obs("USDC", 1, T0 - 80_000)], ETH: [obs("ETH", 2000)] },
      });
      const res = await createRiskGateStage(riskOptions({ heartbeatSecondsBySymbol: { USDC: 90_000 } }), {}).run(
        riskInput(s),
        never,
      );
      expect(res.status).to.equal("ok");
    });
  });

  describe("oracle health of a source's token", () => {
    const usdt = (price: number, extra = {}) =>
      snap([lending("usdt", 400, { asset: "USDT" }), lending("usdc", 400)], 200, {
        prices: { USDC: [obs("USDC", 1)], USDT: [obs("USDT", price)], ETH: [obs("ETH", 2000)] },
        ...extra,
      });

    it("freezes a source whose token price is ≤ 0 (ORACLE_INVALID) and leaves the others alone", async () => {
      const res = await createRiskGateStage(riskOptions(), {}).run(riskInput(usdt(0)), never);
      expect(res.status).to.equal("ok");
      if (res.status !== "ok") return;
      expect(res.value.frozen).to.deep.equal(["usdt"]);
      expect(codes(res.value.reasons)).to.include("ORACLE_INVALID");
      expect(res.value.caps.usdc).to.equal(0.6);
      expect(res.value.caps.usdt).to.equal(0.4);
    });

    it("rejects an answer at its configured min/max bound", async () => {
      const res = await createRiskGateStage(riskOptions({ oracleBoundsUsd: { USDT: { min: 0.5, max: 2 } } }), {}).run(
        riskInput(usdt(0.5)),
        never,
      );
      expect(res.status === "ok" && res.value.frozen).to.deep.equal(["usdt"]);
    });

    it("freezes on disagreement between origins without exiting on the unconfirmed price", async () => {
      const s = usdt(1, {
        prices: {
          USDC: [obs("USDC", 1)],
          USDT: [obs("USDT", 0.94), obs("USDT", 1.0, T0, "pool")],
          ETH: [obs("ETH", 2000)],
        },
      });
      const res = await createRiskGateStage(riskOptions(), {}).run(riskInput(s), never);
      expect(res.status).to.equal("ok");
      if (res.status !== "ok") return;
      expect(codes(res.value.reasons)).to.include.members(["ORACLE_DISAGREE", "DEPEG_STOP"]);
      expect(res.value.forcedExits).to.deep.equal([]);
      expect(res.value.triggers).to.deep.equal([]);
    });
  });

  describe("depeg of a source's token (graded)", () => {
    const run = async (price: number, balance = 400, opts = {}, ks?: KillSwitch) => {
      const s = snap([lending("usdt", balance, { asset: "USDT" }), lending("usdc", 400)], 200, {
        prices: {
          USDC: [obs("USDC", 1)],
          USDT: [obs("USDT", price), obs("USDT", price, T0, "pool")],
          ETH: [obs("ETH", 2000)],
        },
      });
      return createRiskGateStage(riskOptions(opts), ks ? { killSwitch: ks } : {}).run(riskInput(s), never);
    };

    it("alerts at 0.5 % without changing the caps", async () => {
      const res = await run(0.994);
      expect(res.status === "ok" && codes(res.value.reasons)).to.include("DEPEG_ALERT");
      expect(res.status === "ok" && res.value.caps.usdt).to.equal(0.6);
    });

    it("stops new allocation at 1 %: frozen, cap held at the current weight", async () => {
      const res = await run(0.985);
      expect(res.status).to.equal("ok");
      if (res.status !== "ok") return;
      expect(res.value.frozen).to.deep.equal(["usdt"]);
      expect(res.value.caps.usdt).to.be.closeTo(0.4, 1e-9);
      const r = res.value.reasons.find((x) => x.code === "DEPEG_STOP");
      expect(r?.value).to.be.closeTo(-1.5, 1e-9);
      expect(r?.limit).to.equal(1);
    });

    it("forces an exit at 3 %", async () => {
      const res = await run(0.96);
      expect(res.status === "ok" && res.value.forcedExits).to.deep.equal(["usdt"]);
      expect(res.status === "ok" && "usdt" in res.value.caps).to.equal(false);
    });

    it("fires DEPEG_PAUSE at 5 % in a source holding funds and halts without pulling the kill-switch by default", async () => {
      const ks = recordingKillSwitch();
      const res = await run(0.94, 400, {}, ks);
      expect(res.status).to.equal("halt");
      const t = (res.reasons ?? []).find((r) => r.code === "DEPEG_PAUSE");
      expect(t?.severity).to.equal("halt");
      expect(t?.sourceId).to.equal("usdt");
      expect(ks.calls).to.deep.equal([]);
    });

    it("pulls the kill-switch when pauseOnTrigger is set", async () => {
      const ks = recordingKillSwitch();
      const res = await run(0.94, 400, { pauseOnTrigger: true }, ks);
      expect(res.status).to.equal("halt");
      expect(ks.calls).to.deep.equal(["DEPEG_PAUSE"]);
      expect(codes(res.reasons ?? [])).to.include("KILL_SWITCH_PULLED");
    });

    it("reports a failed pause as a reason, with the error's code and message, instead of throwing", async () => {
      const res = await run(0.94, 400, { pauseOnTrigger: true }, recordingKillSwitch(true));
      expect(res.status).to.equal("halt");
      const failed = (res.reasons ?? []).find((r) => r.code === "KILL_SWITCH_FAILED");
      expect(failed?.message).to.equal("pausing the vault for DEPEG_PAUSE failed: [RPC_TIMEOUT] timed out (retryable)");
    });

    it("only exits (no trigger) when the source at 5 % holds nothing", async () => {
      const res = await run(0.94, 0);
      expect(res.status).to.equal("ok");
      expect(res.status === "ok" && res.value.forcedExits).to.deep.equal(["usdt"]);
    });

    it("returns forced exits instead of halting when triggerAction is exit", async () => {
      const res = await run(0.94, 400, { triggerAction: "exit" });
      expect(res.status).to.equal("ok");
      if (res.status !== "ok") return;
      expect(res.value.forcedExits).to.deep.equal(["usdt"]);
      expect(codes(res.value.triggers)).to.deep.equal(["DEPEG_PAUSE"]);
      expect(res.value.caps.usdc).to.equal(0.6);
    });
  });

  describe("depeg of the base asset", () => {
    const run = (price: number) =>
      createRiskGateStage(riskOptions(), {}).run(
        riskInput(
          snap([lending("a", 500), lending("b", 300)], 200, {
            prices: { USDC: [obs("USDC", price)], ETH: [obs("ETH", 2000)] },
          }),
        ),
        never,
      );

    it("freezes every source at the stop level", async () => {
      const res = await run(0.985);
      expect(res.status === "ok" && res.value.frozen).to.deep.equal(["a", "b"]);
    });

    it("halts at the exit level (nothing is valued at par)", async () => {
      const res = await run(0.965);
      expect(res.status).to.equal("halt");
      expect(codes(res.reasons ?? [])).to.include("DEPEG_EXIT");
    });

    it("fires DEPEG_PAUSE at the pause level", async () => {
      const res = await run(0.9);
      expect(codes(res.reasons ?? [])).to.include("DEPEG_PAUSE");
    });
  });

  it("compares symbols case-insensitively (the devnet's kUSDC base asset depegs like USDC)", async () => {
    const s = snap([lending("a", 500, { asset: "kUSDC" })], 500, {
      baseAsset: { symbol: "kUSDC", decimals: 6, priceUsd: 0.93 },
      prices: { kUSDC: [obs("kUSDC", 0.93)], kWETH: [obs("kWETH", 2000)] },
    });
    const res = await createRiskGateStage(riskOptions(), {}).run(riskInput(s), never);
    expect(res.status).to.equal("halt");
    expect(codes(res.reasons ?? [])).to.include("DEPEG_PAUSE");
  });

  describe("liquid-staking discount", () => {
    const run = (ratio: number) => {
      const s = snap([lending("steth", 400, { asset: "STETH", kind: "vault", protocol: "lido" })], 600, {
        prices: { USDC: [obs("USDC", 1)], ETH: [obs("ETH", 2000)], STETH: [obs("STETH", 2000 * ratio)] },
      });
      return createRiskGateStage(riskOptions(), {}).run(riskInput(s), never);
    };

    it("treats a 3 % stETH discount as a discount: alert, no exit, no trigger", async () => {
      const res = await run(0.97);
      expect(res.status).to.equal("ok");
      if (res.status !== "ok") return;
      expect(codes(res.value.reasons)).to.include("LST_DISCOUNT");
      expect(res.value.forcedExits).to.deep.equal([]);
      expect(res.value.frozen).to.deep.equal([]);
    });

    it("freezes (never exits or pauses) at a 7 % discount", async () => {
      const res = await run(0.93);
      expect(res.status).to.equal("ok");
      if (res.status !== "ok") return;
      expect(res.value.frozen).to.deep.equal(["steth"]);
      expect(res.value.forcedExits).to.deep.equal([]);
      expect(res.value.triggers).to.deep.equal([]);
    });
  });
});
