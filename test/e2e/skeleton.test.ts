import { expect } from "chai";
import { Contract, id, Wallet } from "ethers";
import { KeelAllocatorAbi } from "../../src/adapters/ethers/abi/generated.ts";
import { DEVNET_ACCOUNTS, devnetKey } from "../../src/devnet/accounts.ts";
import type { DecisionRecord } from "../../src/domain/decision.ts";
import { type DaemonHandle, metricValue, runKeel, startDaemon } from "../support/daemon.ts";

/** Rebalanced events on the devnet's allocator, optionally for one decision id. */
async function rebalancedEvents(d: DaemonHandle, fromBlock = 0) {
  const allocator = new Contract(d.runtime.allocator, KeelAllocatorAbi, d.chain);
  return allocator.queryFilter(allocator.filters.Rebalanced!(), fromBlock, "latest");
}

const keeper = new Wallet(devnetKey(DEVNET_ACCOUNTS.keeper)).address;
const since = (records: DecisionRecord[], startedAt: number) => records.filter((r) => r.startedAt > startedAt);

describe("keel run on the embedded devnet", function () {
  this.timeout(240_000);
  let d: DaemonHandle;

  before(async () => {
    // A two-day keeper cool-down (48 simulator steps): after the first rebalance, which can move only half
    // of the vault (the allocator's per-rebalance limit), the rest waits — across the pause below.
    d = await startDaemon({ env: { KEEL__STRATEGY__COOLDOWN_SECONDS: String(2 * 86_400) } });
  });

  after(async () => {
    if (d) expect(await d.stop("SIGTERM")).to.equal(0);
  });

  it("executes a rebalance that lands on-chain as one Rebalanced event carrying the decision's intent id", async () => {
    const executed = await d.waitFor("an executed decision", () => d.decisions().find((r) => r.outcome === "executed"));
    expect(executed.detail.action?.txHashes).to.have.length.greaterThan(0);
    const events = await rebalancedEvents(d);
    const mine = events.filter((e) => "args" in e && e.args.intentId === id(executed.id));
    expect(mine).to.have.length(1);
    // Written before execute (write-ahead), completed after: every stage is on the record.
    expect(executed.stages.map((s) => s.stage)).to.deep.equal([
      "ingest",
      "predict",
      "riskGate",
      "optimize",
      "gasCheck",
      "execute",
    ]);
  });

  it("commits each rebalance to its decision: keel explain shows the event's hashes matching the journal's", async () => {
    const executed = await d.waitFor("an executed decision", () => d.decisions().find((r) => r.outcome === "executed"));
    expect(executed.snapshotHash).to.match(/^[0-9a-f]{64}$/);
    const [event] = (await rebalancedEvents(d)).filter((e) => "args" in e && e.args.intentId === id(executed.id));
    const onchain = (event as unknown as { args: { commitment: { snapshotHash: string; configHash: string } } }).args
      .commitment;
    expect(onchain.snapshotHash).to.equal(`0x${executed.snapshotHash}`);
    expect(onchain.configHash).to.equal(`0x${executed.configHash}${"0".repeat(64 - executed.configHash.length)}`);
    const explained = await runKeel(["explain", executed.id], { KEEL__STATE__DIR: d.stateDir });
    expect(explained.code, explained.stderr).to.equal(0);
    expect(explained.stdout).to.contain("on-chain Rebalanced, tx");
    expect(explained.stdout.match(/= on-chain \(match\)/g), explained.stdout).to.have.length(3);
  });

  it("records halted decisions with a reason code and message, and counts ticks in /metrics", async () => {
    const halted = await d.waitFor("a halted decision", () => d.decisions().find((r) => r.outcome === "halted"));
    expect(halted.haltReasons.length).to.be.greaterThan(0);
    for (const r of halted.haltReasons) {
      expect(r.code).to.match(/^[A-Z_]+$/);
      expect(r.message).to.be.a("string").and.not.equal("");
    }
    const before = metricValue(await d.metrics(), "keel_ticks_total");
    await d.waitFor("more ticks", async () => metricValue(await d.metrics(), "keel_ticks_total") >= before + 2);
  });

  it("sends nothing while paused but keeps ticking, and resumes executing after unpause", async () => {
    const pause = await runKeel(["pause"], { KEEL__STATE__DIR: d.stateDir });
    expect(pause.code, pause.stderr).to.equal(0);
    const pausedAt = Date.now();
    const firstPaused = await d.waitFor("a PAUSED decision", () =>
      since(d.decisions(), pausedAt).find((r) => r.haltReasons.some((h) => h.code === "PAUSED")),
    );
    const nonce = await d.chain.getTransactionCount(keeper);
    const eventsAtPause = (await rebalancedEvents(d)).length;
    await d.waitFor("three more ticks while paused", () => since(d.decisions(), firstPaused.startedAt).length >= 3);
    const whilePaused = since(d.decisions(), firstPaused.startedAt);
    expect(whilePaused.every((r) => r.outcome === "halted" && r.haltReasons.some((h) => h.code === "PAUSED"))).to.equal(
      true,
    );
    expect(await d.chain.getTransactionCount(keeper)).to.equal(nonce);
    expect((await rebalancedEvents(d)).length).to.equal(eventsAtPause);
    expect(metricValue(await d.metrics(), "keel_halted")).to.equal(1);

    const unpause = await runKeel(["unpause"], { KEEL__STATE__DIR: d.stateDir });
    expect(unpause.code, unpause.stderr).to.equal(0);
    const unpausedAt = Date.now();
    // Half the vault is still idle: once the cool-down is over, execution resumes.
    await d.waitFor(
      "an executed decision after unpause",
      () => since(d.decisions(), unpausedAt).find((r) => r.outcome === "executed"),
      120_000,
    );
    expect((await rebalancedEvents(d)).length).to.be.greaterThan(eventsAtPause);
  });
});
