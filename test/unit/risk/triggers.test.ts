// The risk gate's trigger policy (createRiskGateStage): what a kill-switch trigger does in `halt` and
// `exit` mode, the on-chain pause and its outcomes, and the stage summary. Driven by the drawdown
// trigger (portfolio-wide, no source), which no rule has already exited. Written from surviving
// mutants of the mutation run (docs/mutation.md).
import { expect } from "chai";
import type { Reason } from "../../../src/domain/reasons.ts";
import { createRiskGateStage } from "../../../src/pipeline/riskGate/riskGate.ts";
import type { KillSwitch } from "../../../src/ports/execution.ts";
import { emptyHistory, lending, never, riskInput, riskOptions, snap, T0 } from "../../support/riskFixtures.ts";

/** Two healthy sources (a: 500, b: 300, idle 200) in a vault whose share price is `sharePrice` after a peak of 1. */
function drawdownInput(sharePrice: number, paused = false) {
  const s = snap([lending("a", 500), lending("b", 300)], 200);
  const vault = { ...s.vault, sharePrice, paused };
  const history = { ...emptyHistory(), sharePrice: [{ t: T0 - 86_400, value: 1 }] };
  return riskInput({ ...s, vault }, { history });
}

/** A kill-switch that records the codes it was pulled for and answers with `tx`. */
function killSwitch(tx: string | undefined): KillSwitch & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async pause(code) {
      calls.push(code);
      return tx;
    },
  };
}

const codes = (rs: readonly Reason[] | undefined) => (rs ?? []).map((r) => r.code);

describe("risk gate triggers (stage policy)", () => {
  it("exit mode: a portfolio-wide trigger exits and freezes every source, caps none, and says so", async () => {
    const res = await createRiskGateStage(riskOptions({ triggerAction: "exit" })).run(drawdownInput(0.85), never);
    if (res.status !== "ok") throw new Error(`expected ok, got ${res.summary}`);
    expect(res.value.forcedExits).to.deep.equal(["a", "b"]);
    expect(res.value.frozen).to.deep.equal(["a", "b"]);
    expect(res.value.caps).to.deep.equal({});
    expect(codes(res.value.triggers)).to.deep.equal(["DRAWDOWN_LIMIT"]);
    expect(res.summary).to.match(/^triggers fired \(DRAWDOWN_LIMIT\): 0 allowed, 2 frozen, 2 forced exits, /);
    expect(res.summary).to.match(/drawdownPct 15\.00$/);
    expect(codes(res.reasons)).to.include("DRAWDOWN_LIMIT");
  });

  it("halt mode (the default): the same trigger halts the tick with the trigger first, nothing pulled", async () => {
    const ks = killSwitch("0xabc");
    const res = await createRiskGateStage(riskOptions(), { killSwitch: ks }).run(drawdownInput(0.85), never);
    expect(res.status).to.equal("halt");
    expect(codes(res.reasons)[0]).to.equal("DRAWDOWN_LIMIT");
    expect(ks.calls).to.deep.equal([]);
  });

  it("a drawdown exactly at the limit fires nothing: the stage passes every source", async () => {
    const res = await createRiskGateStage(riskOptions({ maxDrawdownPct: 25 })).run(drawdownInput(0.75), never);
    if (res.status !== "ok") throw new Error(`expected ok, got ${res.summary}`);
    expect(res.value.triggers).to.deep.equal([]);
    expect(res.value.metrics.drawdownPct).to.equal(25);
    expect(res.summary).to.match(
      /^2 allowed, 0 frozen, 0 forced exits, varPct [\d.-]+, cvarPct [\d.-]+, drawdownPct 25\.00$/,
    );
  });

  it("pauseOnTrigger: pulls the kill-switch for the first trigger and reports the transaction", async () => {
    const ks = killSwitch("0xabc");
    const opts = riskOptions({ pauseOnTrigger: true });
    const res = await createRiskGateStage(opts, { killSwitch: ks }).run(drawdownInput(0.85), never);
    expect(ks.calls).to.deep.equal(["DRAWDOWN_LIMIT"]);
    const pulled = (res.reasons ?? []).find((r) => r.code === "KILL_SWITCH_PULLED");
    expect(pulled).to.deep.equal({
      code: "KILL_SWITCH_PULLED",
      message: "vault paused on-chain for DRAWDOWN_LIMIT (tx 0xabc)",
      severity: "halt",
    });
    const quiet = await createRiskGateStage(opts, { killSwitch: killSwitch(undefined) }).run(
      drawdownInput(0.85),
      never,
    );
    const noTx = (quiet.reasons ?? []).find((r) => r.code === "KILL_SWITCH_PULLED");
    expect(noTx?.message).to.equal("vault paused on-chain for DRAWDOWN_LIMIT");
  });

  it("pauseOnTrigger on a vault already paused: no second pause, a warning says so", async () => {
    const ks = killSwitch("0xabc");
    const opts = riskOptions({ pauseOnTrigger: true });
    const res = await createRiskGateStage(opts, { killSwitch: ks }).run(drawdownInput(0.85, true), never);
    expect(ks.calls).to.deep.equal([]);
    expect(res.status).to.equal("halt");
    expect((res.reasons ?? []).find((r) => r.code === "KILL_SWITCH_ALREADY_PAUSED")).to.deep.equal({
      code: "KILL_SWITCH_ALREADY_PAUSED",
      message: "vault already paused (trigger DRAWDOWN_LIMIT)",
      severity: "warn",
    });
  });

  it("no trigger, no pull: pauseOnTrigger with a kill-switch does nothing on a healthy tick", async () => {
    const ks = killSwitch("0xabc");
    const res = await createRiskGateStage(riskOptions({ pauseOnTrigger: true }), { killSwitch: ks }).run(
      drawdownInput(1),
      never,
    );
    expect([res.status, ks.calls]).to.deep.equal(["ok", []]);
  });
});
