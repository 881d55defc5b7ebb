import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { id } from "ethers";
import { countRebalanced } from "../../../src/adapters/execution/events.ts";
import { loadAllocatorCodec } from "../../../src/adapters/execution/loadCodec.ts";
import { killHard, spawnWithFailpoint, waitForMarker } from "../../support/failpoints.ts";
import { type ExecFixture, execFixture } from "./fixture.ts";

describe("crash tests: child process, failpoint marker, SIGKILL, restart", function () {
  this.timeout(120_000);
  let f: ExecFixture;
  const codec = loadAllocatorCodec();
  const dir = mkdtempSync(join(tmpdir(), "keel-crash-"));

  before(async () => {
    f = await execFixture({ httpPort: 0 });
  });
  after(async () => {
    await f.close();
  });

  const args = (mode: string, store: string, intentId: string) => [
    "test/support/failpoints-executor.ts",
    mode,
    f.chain.rpcUrl ?? "",
    store,
    f.deployment.allocator,
    f.deployment.adapters[0]?.address ?? "",
    intentId,
  ];

  for (const point of ["after-nonce", "after-sign", "after-broadcast", "before-receipt"]) {
    it(`killed ${point}: exactly one Rebalanced(intentId) after restart, no nonce used twice, store parses`, async () => {
      const store = join(dir, `${point}.json`);
      const marker = join(dir, `${point}.marker`);
      const intentId = `proc-${point}`;
      const env = { KEEL_TEST_KEEPER_KEY: f.keeper.privateKey };
      const nonceBefore = await f.provider.getTransactionCount(f.keeper.address);
      const child = spawnWithFailpoint(args("send", store, intentId), { failpoint: point, marker, env });
      await waitForMarker(marker, child);
      await killHard(child);
      JSON.parse(readFileSync(store, "utf8"));

      const restart = spawnWithFailpoint(args("reconcile", store, intentId), { marker: join(dir, "unused"), env });
      const code = await restart.exited;
      expect(code, restart.output()).to.equal(0);
      const summary = JSON.parse(restart.output().trim().split("\n").at(-1) ?? "{}") as { pending: number };
      expect(summary.pending).to.equal(0);
      expect(await countRebalanced(f.provider, codec, f.deployment.allocator, id(intentId))).to.equal(1);
      // one transaction for one intent: the keeper's nonce moved by exactly one
      expect(await f.provider.getTransactionCount(f.keeper.address)).to.equal(nonceBefore + 1);
      const stored = JSON.parse(readFileSync(store, "utf8")) as { intents: { id: string; state: string }[] };
      expect(stored.intents.find((i) => i.id === intentId)?.state).to.be.oneOf(["included", "final"]);
    });
  }
});
