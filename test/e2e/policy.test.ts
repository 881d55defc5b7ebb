import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { Contract, id } from "ethers";
import { KeelAllocatorAbi } from "../../src/adapters/ethers/abi/generated.ts";
import { type DaemonHandle, startDaemon } from "../support/daemon.ts";
import { tinyPolicy, writePolicy } from "../unit/ml/tinyPolicy.ts";

describe("keel run with the learned policy optimizing (strategy.optimizer: policy)", function () {
  this.timeout(240_000);
  const dir = mkdtempSync(join(tmpdir(), "keel-e2e-policy-"));
  let d: DaemonHandle | undefined;

  after(async () => {
    if (d) expect(await d.stop("SIGTERM")).to.equal(0);
    rmSync(dir, { recursive: true, force: true });
  });

  it("serves the ONNX policy through onnxruntime and its rebalance lands on-chain inside the allocator's bounds", async () => {
    const p = await tinyPolicy(8);
    const path = writePolicy(dir, p.onnx, p.meta);
    // An untrained policy spreads the vault over every source, the LP included; at the default LP and vault
    // costs its plan's P10 gain only now and then passes 3 × gas on a fresh devnet (the rule sizes the LP
    // leg, a random policy does not). Near-zero costs make the first plans pay, so what this test proves
    // is the policy served and its rebalance inside the allocator's bounds, not the market's luck.
    d = await startDaemon({
      env: {
        KEEL__STRATEGY__OPTIMIZER: "policy",
        KEEL__STRATEGY__POLICY_PATH: path,
        KEEL__STRATEGY__SLIPPAGE_BPS__LP: "1",
        KEEL__STRATEGY__SLIPPAGE_BPS__VAULT: "1",
      },
    });
    const executed = await d.waitFor("an executed decision", () =>
      d!.decisions().find((r) => r.outcome === "executed"),
    );
    const optimize = executed.stages.find((s) => s.stage === "optimize");
    expect(optimize?.summary).to.include(`via policy ${p.meta.sha256.slice(0, 12)}`);
    expect((optimize?.reasons ?? []).map((r) => r.code)).to.not.include("POLICY_UNAVAILABLE");
    // The risk gate's caps bound the policy's weights (the allocator would revert a move past its own).
    const caps = executed.detail.verdict?.caps ?? {};
    for (const [source, w] of Object.entries(executed.detail.plan?.targetWeights ?? {})) {
      expect(w, source).to.be.at.most((caps[source] ?? 0) + 1e-6);
    }
    const allocator = new Contract(d.runtime.allocator, KeelAllocatorAbi, d.chain);
    const events = await allocator.queryFilter(allocator.filters.Rebalanced!(), 0, "latest");
    expect(events.filter((e) => "args" in e && e.args.intentId === id(executed.id))).to.have.length(1);
  });
});
