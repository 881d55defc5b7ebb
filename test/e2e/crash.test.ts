import { existsSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { Contract, id, JsonRpcProvider, Wallet } from "ethers";
import { KeelAllocatorAbi } from "../../src/adapters/ethers/abi/generated.ts";
import { readJournal, startDaemon, tempStateDir } from "../support/daemon.ts";
import { keeperKey, liveConfig, startExternalDevnet } from "../support/externalDevnet.ts";

/** Every mined transaction sent by `from`, oldest first. */
async function keeperTransactions(chain: JsonRpcProvider, from: string, head: number) {
  const out: { nonce: number; data: string; summary: string }[] = [];
  for (let n = 0; n <= head; n++) {
    const block = await chain.getBlock(n, true);
    for (const tx of block?.prefetchedTransactions ?? []) {
      if (tx.from.toLowerCase() !== from.toLowerCase()) continue;
      const receipt = await chain.getTransactionReceipt(tx.hash);
      out.push({ nonce: tx.nonce, data: tx.data, summary: `${tx.nonce}:${tx.data.slice(0, 10)}:${receipt?.status}` });
    }
  }
  return out;
}

describe("crash safety of the real daemon (kill -9 at each execution failpoint)", function () {
  this.timeout(300_000);

  for (const point of ["after-nonce", "after-sign", "after-broadcast", "before-receipt"] as const) {
    it(`${point}: after a restart the intent has exactly one Rebalanced event and no nonce is used twice`, async () => {
      const devnet = await startExternalDevnet();
      const chain = new JsonRpcProvider(devnet.rpcUrl, undefined, { staticNetwork: true, cacheTimeout: -1 });
      try {
        const stateDir = tempStateDir();
        const config = liveConfig(stateDir, devnet);
        const marker = join(stateDir, "failpoint.marker");
        const env = { KEEL_TEST_RPC: devnet.rpcUrl, KEEL_TEST_KEEPER_KEY: keeperKey };
        const keeper = new Wallet(keeperKey).address;
        const nonceBefore = await chain.getTransactionCount(keeper);

        const crashing = await startDaemon({
          stateDir,
          args: ["--config", config],
          env: { ...env, KEEL_FAILPOINT: point, KEEL_FAILPOINT_MARKER: marker },
        });
        await crashing.waitFor(`the ${point} failpoint`, () => existsSync(marker));
        expect(await crashing.stop("SIGKILL")).to.equal("SIGKILL");
        // The decision was journaled (write-ahead) before anything was signed.
        const pending = readJournal(stateDir).find((r) => r.outcome === "pending");
        expect(pending, "a pending decision in the journal").to.not.equal(undefined);
        const intentId = id(pending!.id);

        const restarted = await startDaemon({ stateDir, args: ["--config", config], env });
        try {
          const allocator = new Contract(devnet.deployment.allocator, KeelAllocatorAbi, chain);
          const events = async () => allocator.queryFilter(allocator.filters.Rebalanced!(), 0, "latest");
          await restarted.waitFor("the interrupted intent on chain", async () =>
            (await events()).some((e) => "args" in e && e.args.intentId === intentId),
          );
          // Let the restarted daemon run a few more ticks: nothing may re-send the same intent.
          const ticks = readJournal(stateDir).length;
          await restarted.waitFor("three more ticks", () => readJournal(stateDir).length >= ticks + 3);
          const all = await events();
          const ids = all.map((e) => ("args" in e ? (e.args.intentId as string) : ""));
          expect(ids.filter((x) => x === intentId)).to.have.length(1);
          expect(new Set(ids).size).to.equal(ids.length);
          // No transaction of the keeper ever carried the interrupted intent a second time (not even one that
          // reverted), and every nonce the keeper used is a distinct mined transaction.
          const head = await chain.getBlockNumber();
          const sent = await keeperTransactions(chain, keeper, head);
          const carrying = sent.filter((tx) => tx.data.includes(intentId.slice(2)));
          expect(carrying, JSON.stringify(sent.map((t) => t.summary))).to.have.length(1);
          expect(new Set(sent.map((t) => t.nonce)).size).to.equal(sent.length);
          expect(sent.length).to.equal((await chain.getTransactionCount(keeper, head)) - nonceBefore);
        } finally {
          expect(await restarted.stop("SIGTERM")).to.equal(0);
        }
      } finally {
        chain.destroy();
        await devnet.stop();
      }
    });
  }
});
