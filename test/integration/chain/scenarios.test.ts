// RELIABILITY.md scenarios 1-3 through the fault proxy: garbage answers, hangs, stale or lagging heads.
import { expect } from "chai";
import { ethers } from "ethers";
import { chainExecutionGate } from "../../../src/adapters/chain/gate.ts";
import type { ChainProvider } from "../../../src/adapters/chain/provider.ts";
import { type LocalChain, startLocalChain } from "../../../src/devnet/chain.ts";
import type { KeelError } from "../../../src/domain/errors.ts";
import type { Clock } from "../../../src/ports/clock.ts";
import { type FaultMode, type FaultProxy, startFaultProxy } from "../../support/fault-proxy.ts";
import { fastProvider, recordingMetrics } from "./fixtures.ts";

const ALICE = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const BOB_KEY = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a";

async function rejection(p: Promise<unknown>): Promise<KeelError> {
  try {
    await p;
  } catch (err) {
    return err as KeelError;
  }
  throw new Error("expected a rejection");
}

/** Wall time plus an offset the test moves; sleeps return at once and are recorded. */
function skewClock(): Clock & { offsetMs: number; sleeps: number[] } {
  const c = {
    offsetMs: 0,
    sleeps: [] as number[],
    now: () => Date.now() + c.offsetMs,
    sleep: async (ms: number) => {
      c.sleeps.push(ms);
    },
  };
  return c;
}

describe("RPC fault scenarios (RELIABILITY.md 1-3) through the fault proxy", function () {
  this.timeout(60_000);
  let chain: LocalChain;
  let proxy: FaultProxy;
  let proxy2: FaultProxy;
  const open: ChainProvider[] = [];
  const make = (...args: Parameters<typeof fastProvider>) => {
    const p = fastProvider(...args);
    open.push(p);
    return p;
  };
  const mine = (n: number) => chain.provider.request({ method: "hardhat_mine", params: [`0x${n.toString(16)}`] });
  const trueHead = async () => Number(BigInt((await chain.provider.request({ method: "eth_blockNumber" })) as string));

  before(async () => {
    chain = await startLocalChain({ httpPort: 0 });
    proxy = await startFaultProxy(chain.rpcUrl!);
    proxy2 = await startFaultProxy(chain.rpcUrl!);
    await mine(40);
  });
  afterEach(async () => {
    proxy.clear();
    proxy2.clear();
    await Promise.all(open.splice(0).map((p) => p.close()));
  });
  after(async () => {
    await proxy.close();
    await proxy2.close();
    await chain.close();
  });

  describe("1. the RPC returns garbage", () => {
    const garbage: [FaultMode, string][] = [
      ["garbage", "bad_response"],
      ["truncated", "network"],
      ["wrongId", "bad_response"],
      ["wrongTypes", "bad_response"],
      ["http500", "http_error"],
    ];
    for (const [mode, label] of garbage) {
      it(`rejects ${mode} answers (no value ever reaches the caller) and counts them as ${label}`, async () => {
        const metrics = recordingMetrics();
        const p = make([proxy.url], {}, { metrics });
        await p.verifyChain();
        proxy.set("eth_getBlockByNumber", mode);
        const err = await rejection(p.getBlock("latest"));
        expect(err.code).to.equal("RPC_UNAVAILABLE");
        expect(metrics.count("eth_getBlockByNumber", label as never)).to.equal(3);
        expect(metrics.count("eth_getBlockByNumber", "ok")).to.equal(0);
      });

      it(`fails over past ${mode} answers to an endpoint that answers validly`, async () => {
        const p = make([proxy.url, chain.rpcUrl!]);
        proxy.set("*", mode);
        const block = await p.getBlock("latest");
        expect(block?.number).to.equal(await trueHead());
      });
    }

    it("refuses to start on an RPC that reports another chain id", async () => {
      proxy.set("eth_chainId", "wrongChainId");
      const err = await rejection(make([proxy.url]).verifyChain());
      expect(err.code).to.equal("CHAIN_ID_MISMATCH");
      expect(err.retryable).to.equal(false);
    });

    it("rejects a head that goes backwards beyond the reorg allowance, and accepts a shallow reorg", async () => {
      const metrics = recordingMetrics();
      const p = make([proxy.url], { maxHeadRegressionBlocks: 5 }, { metrics });
      const head = await p.getBlockNumber();
      proxy.set("eth_blockNumber", { mode: "headBackwards", blocksBack: 3 });
      expect(await p.getBlockNumber()).to.equal(head - 3);
      proxy.set("eth_blockNumber", { mode: "headBackwards", blocksBack: 30 });
      const err = await rejection(p.getBlockNumber());
      expect(err.code).to.equal("RPC_UNAVAILABLE");
      expect(err.message).to.include("went backwards");
      expect(metrics.count("eth_blockNumber", "bad_response")).to.equal(3);
    });

    it("goes degraded after N consecutive bad answers and reports it in health()", async () => {
      const metrics = recordingMetrics();
      const p = make([proxy.url], { degradedAfterFailures: 4, maxRetries: 1 }, { metrics });
      await p.verifyChain();
      proxy.set("*", "garbage");
      await rejection(p.getBlockNumber());
      await rejection(p.getBlockNumber());
      expect(p.health()).to.include({ degraded: true });
      expect(p.health().lastError).to.be.a("string");
      expect(metrics.degraded).to.equal(1);
    });
  });

  describe("2. the RPC hangs or times out", () => {
    it("bounds a black-holed read by the per-call timeout and the retry budget, with jittered backoff", async () => {
      const clock = skewClock();
      const metrics = recordingMetrics();
      const p = make(
        [proxy.url],
        {
          requestTimeoutMs: 100,
          maxRetries: 3,
          retryBaseDelayMs: 200,
          retryMaxDelayMs: 500,
          breakerFailureThreshold: 10,
        },
        { clock, metrics, random: () => 0.5 },
      );
      await p.verifyChain();
      proxy.set("eth_getBalance", "blackhole");
      const err = await rejection(p.getBalance(ALICE));
      expect(err.code).to.equal("RPC_UNAVAILABLE");
      expect(metrics.count("eth_getBalance", "timeout")).to.equal(4);
      // full jitter: half of min(cap, base * 2^n)
      expect(clock.sleeps).to.deep.equal([100, 200, 250]);
    });

    it("lets a slow answer within the timeout through", async () => {
      const p = make([proxy.url], { requestTimeoutMs: 2_000 });
      proxy.set("eth_blockNumber", { mode: "delay", delayMs: 50 });
      expect(await p.getBlockNumber()).to.equal(await trueHead());
    });

    it("treats a send that timed out as unknown, never resends it, and the one transaction lands", async () => {
      const p = make([proxy.url], { requestTimeoutMs: 150 });
      const wallet = new ethers.Wallet(BOB_KEY, p);
      const nonce = await p.getTransactionCount(wallet.address, "latest");
      proxy.set("eth_sendRawTransaction", { mode: "delay", delayMs: 400 });
      const sent = proxy.received.eth_sendRawTransaction ?? 0;
      const err = await rejection(wallet.sendTransaction({ to: ALICE, value: 1n, nonce }));
      expect(err.code).to.equal("RPC_SEND_STATUS_UNKNOWN");
      await proxy.settled();
      expect((proxy.received.eth_sendRawTransaction ?? 0) - sent).to.equal(1);
      expect(await p.getTransactionCount(wallet.address, "latest")).to.equal(nonce + 1);
    });

    it("sends a transaction to the next endpoint only when the first provably never got it", async () => {
      const p = make(["http://127.0.0.1:9/refused", proxy.url]);
      const wallet = new ethers.Wallet(BOB_KEY, p);
      const tx = await wallet.sendTransaction({ to: ALICE, value: 1n });
      expect((await tx.wait())?.status).to.equal(1);
    });
  });

  describe("3. a stale head or a lagging node", () => {
    it("passes the head check when every endpoint agrees and the head is fresh", async () => {
      const p = make([proxy.url, proxy2.url]);
      await mine(1);
      const check = await p.checkHead();
      expect(check.reasons).to.deep.equal([]);
      expect(check.ok).to.equal(true);
      expect(check.block).to.equal(await trueHead());
    });

    it("freezes decisions when two endpoints disagree on the head (one is frozen)", async () => {
      const p = make([proxy.url, proxy2.url], { maxHeadSpreadBlocks: 2 });
      proxy2.set("*", "frozenHead");
      await p.checkHead();
      await mine(5);
      const check = await p.checkHead();
      expect(check.ok).to.equal(false);
      expect(check.reasons.map((r) => r.code)).to.include("RPC_HEAD_DISAGREE");
    });

    it("freezes decisions when the head stops moving for longer than maxHeadStallSeconds", async () => {
      const clock = skewClock();
      const p = make([proxy.url], { maxHeadStallSeconds: 60, maxHeadAgeSeconds: 10_000 }, { clock });
      proxy.set("*", "frozenHead");
      expect((await p.checkHead()).ok).to.equal(true);
      await mine(3);
      clock.offsetMs = 61_000;
      const check = await p.checkHead();
      expect(check.reasons.map((r) => r.code)).to.deep.equal(["HEAD_STALLED"]);
    });

    it("judges freshness by block time: an old latest block is stale", async () => {
      const clock = skewClock();
      clock.offsetMs = 3_600_000;
      const p = make([proxy.url], { maxHeadAgeSeconds: 180 }, { clock });
      const check = await p.checkHead();
      expect(check.ok).to.equal(false);
      expect(check.reasons.map((r) => r.code)).to.include("HEAD_STALE");
      expect(check.ageSeconds).to.be.greaterThan(3_000);
    });

    it("freezes decisions when too few endpoints answer for a quorum", async () => {
      const p = make([proxy.url, proxy2.url, chain.rpcUrl!], { requestTimeoutMs: 100, headQuorum: 2 });
      await p.verifyChain();
      proxy.set("*", "blackhole");
      proxy2.set("*", "http500");
      const check = await p.checkHead();
      expect(check.reasons.map((r) => r.code)).to.deep.equal(["RPC_NO_QUORUM"]);
      expect(check.endpoints.filter((e) => e.error !== undefined)).to.have.length(2);
    });
  });

  describe("the execute gate", () => {
    it("says go when chain access is healthy and the head is fresh and agreed", async () => {
      const p = make([proxy.url, proxy2.url]);
      await mine(1);
      expect(await chainExecutionGate(p)).to.deep.equal([]);
    });

    it("refuses new intents while degraded or while the head is frozen on one endpoint", async () => {
      const p = make([proxy.url, proxy2.url], { degradedAfterFailures: 2, maxRetries: 0 });
      await p.verifyChain();
      proxy2.set("*", "frozenHead");
      await p.checkHead();
      await mine(5);
      proxy.set("eth_getBalance", "garbage");
      proxy2.set("eth_getBalance", "garbage");
      await rejection(p.getBalance(ALICE));
      await rejection(p.getBalance(ALICE));
      const codes = (await chainExecutionGate(p)).map((r) => r.code);
      expect(codes).to.include("RPC_DEGRADED");
      expect(codes).to.include("RPC_HEAD_DISAGREE");
    });
  });
});
