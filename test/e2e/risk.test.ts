import { expect } from "chai";
import { Contract } from "ethers";
import pino from "pino";
import { IKeelAdapterAbi, KeelVaultAbi } from "../../src/adapters/ethers/abi/generated.ts";
import type { App } from "../../src/app.ts";
import type { DecisionRecord } from "../../src/domain/decision.ts";
import type { Shutdown } from "../../src/runtime/shutdown.ts";
import { chainOf, closeApp, codesOf, movesSince, startApp, stepAndTick, tickUntil } from "../support/devnetApp.ts";

describe("risk gate on the embedded devnet", function () {
  this.timeout(300_000);

  describe("a depeg of the vault's stablecoin (pauseOnTrigger)", () => {
    let app: App;
    let shutdown: Shutdown;
    // The daemon's decision log lines (info and up).
    const logLines: Record<string, unknown>[] = [];

    before(async () => {
      const logger = pino({ level: "info" }, { write: (s: string) => void logLines.push(JSON.parse(s)) });
      ({ app, shutdown } = await startApp({ risk: { pauseOnTrigger: true } }, logger, "keel-risk-e2e-"));
      await tickUntil(app, "executed rebalance", (r) => r.outcome === "executed");
    });

    after(async () => {
      await closeApp(app, shutdown);
    });

    it("stops allocating at a 1.5 % depeg: every source frozen (DEPEG_STOP), no deposit lands on-chain", async () => {
      const sim = app.target.devnet!.simulator;
      await sim.depeg("kUSDC/USD", 0.985);
      const from = (await app.headBlock()) + 1;
      const records: DecisionRecord[] = [];
      for (let i = 0; i < 4; i++) records.push(await stepAndTick(app));
      for (const r of records) {
        expect(codesOf(r)).to.include("DEPEG_STOP");
        const adapters = Object.keys(r.detail.allocation ?? {});
        expect(r.detail.verdict?.frozen).to.include.members(adapters);
      }
      const deposits = (await movesSince(app, from)).filter((m) => m.deposit);
      expect(deposits).to.deep.equal([]);
      // The freeze is the headline, not the optimizer's STAY: in the log line, keel_halted and the halt counter.
      for (const r of records) {
        const line = logLines.find((l) => l.msg === "decision" && l.decision === r.id);
        expect(line?.reason, JSON.stringify(line)).to.equal("DEPEG_STOP");
      }
      expect((await app.metrics.halted.get()).values[0]?.value).to.equal(1);
      const byCode = Object.fromEntries(
        (await app.metrics.haltReasons.get()).values.map((v) => [v.labels.code, v.value]),
      );
      expect(byCode.DEPEG_STOP).to.be.at.least(records.length);
      const vault = new Contract(app.target.vault, KeelVaultAbi, chainOf(app));
      expect(await vault.getFunction("paused")()).to.equal(false);
    });

    it("pauses the vault on-chain at a 7 % depeg (DEPEG_PAUSE, KILL_SWITCH_PULLED) and records the halt", async () => {
      await app.target.devnet!.simulator.depeg("kUSDC/USD", 0.93);
      const rec = await stepAndTick(app);
      expect(rec.outcome).to.equal("halted");
      const codes = rec.haltReasons.map((h) => h.code);
      expect(codes).to.include.members(["DEPEG_PAUSE", "KILL_SWITCH_PULLED"]);
      const vault = new Contract(app.target.vault, KeelVaultAbi, chainOf(app));
      expect(await vault.getFunction("paused")()).to.equal(true);
      const journaled = await app.journal.get(rec.id);
      expect(journaled?.haltReasons.map((h) => h.code)).to.include("DEPEG_PAUSE");
    });
  });

  describe("a drain of an adapter's target (triggerAction exit)", () => {
    let app: App;
    let shutdown: Shutdown;

    before(async () => {
      ({ app, shutdown } = await startApp({ risk: { triggerAction: "exit" } }, undefined, "keel-risk-e2e-"));
      await tickUntil(app, "executed rebalance", (r) => r.outcome === "executed");
    });

    after(async () => {
      await closeApp(app, shutdown);
    });

    it("freezes the drained source and proposes its exit: reason codes in the journal, no deposit into it on-chain", async () => {
      const devnet = app.target.devnet!;
      const provider = chainOf(app);
      const vaults = devnet.deployment.adapters.filter((a) => a.kind === "vault");
      const held = await Promise.all(
        vaults.map(async (a) => ({
          a,
          assets: (await new Contract(a.address, IKeelAdapterAbi, provider).getFunction("totalAssets")()) as bigint,
        })),
      );
      held.sort((x, y) => (y.assets > x.assets ? 1 : y.assets < x.assets ? -1 : 0));
      const victim = held[0]!;
      expect(victim.assets > 0n, "a vault source holds funds").to.equal(true);

      await devnet.simulator.drain(victim.a.target, 1_000); // the target loses 10 % of its assets
      const from = (await app.headBlock()) + 1;
      const first = await stepAndTick(app);
      const codes = codesOf(first);
      expect(codes).to.include.members(["SHARE_PRICE_DROP", "EXPLOIT_DETECTED"]);
      expect(first.detail.verdict?.forcedExits).to.include(victim.a.address);
      const later: DecisionRecord[] = [];
      for (let i = 0; i < 6; i++) later.push(await stepAndTick(app));
      for (const r of later) expect(r.detail.verdict?.frozen).to.include(victim.a.address);
      // On-chain: nothing was deposited into the drained source, and its balance never grew.
      const moves = (await movesSince(app, from)).filter(
        (m) => m.adapter.toLowerCase() === victim.a.address.toLowerCase(),
      );
      expect(moves.filter((m) => m.deposit)).to.deep.equal([]);
      const left = (await new Contract(victim.a.address, IKeelAdapterAbi, chainOf(app)).getFunction(
        "totalAssets",
      )()) as bigint;
      expect(left <= victim.assets).to.equal(true);
      const journaled = await app.journal.get(first.id);
      expect(journaled?.detail.verdict?.triggers.map((t) => t.code)).to.deep.equal(["EXPLOIT_DETECTED"]);
    });
  });
});
