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
    d = await startDaemon({ env: { KEEL__STRATEGY__OPTIMIZER: "policy", KEEL__STRATEGY__POLICY_PATH: path } });
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
