import { expect } from "chai";
import { Interface } from "ethers";
import PQueue from "p-queue";
import { UniswapV3LpAdapterAbi } from "../../src/adapters/ethers/abi/generated.ts";
import { createChainMarketReader } from "../../src/adapters/ethers/marketReader.ts";
import { readRangeLimits, sendRerange } from "../../src/adapters/ethers/uniswapV3Range.ts";
import { feedsBySymbol } from "../../src/devnet/accounts.ts";
import { send } from "../../src/devnet/deploy/contract.ts";
import { type KeelDeployment, V3_RANGE_BOUNDS } from "../../src/devnet/deploy/keel.ts";
import { DEFAULT_BOUNDS } from "../../src/devnet/deploy/suite.ts";
import type { Snapshot, SourceState } from "../../src/domain/snapshot.ts";
import { decideRerange } from "../../src/pipeline/optimize/rerange.ts";
import { assessRisk } from "../../src/pipeline/riskGate/riskGate.ts";
import { type Accounts, type TestChain, useTestChain } from "../support/chain.ts";
import { intent, keel, move, NO_COMMITMENT, USDC } from "../support/keel.ts";
import { emptyHistory, riskInput, riskOptions } from "../support/riskFixtures.ts";
import { deployWithV3, v3Helpers } from "../support/uniswapV3.ts";

const never = new AbortController().signal;

describe("Uniswap v3 position on the devnet: opened, re-ranged on a price move, exited on a risk trigger", function () {
  this.timeout(300_000);
  let t: TestChain, a: Accounts;
  useTestChain((chain, accounts) => ([t, a] = [chain, accounts]));

  it("keeps every move inside its on-chain bounds", async () => {
    const d: KeelDeployment = await deployWithV3(a, 1_000_000n);
    const v3 = v3Helpers(d, a);
    const reader = await createChainMarketReader(
      {
        chainId: 31337,
        vault: d.vault,
        keeper: a.keeper.address,
        oracles: feedsBySymbol(d.oracles),
        nativeSymbol: "kWETH",
        rateWindowSeconds: 86_400,
        rateLookbackBlocks: 24,
        feeHistoryBlocks: 5,
      },
      { provider: t.provider, queue: new PQueue({ concurrency: 4 }) },
    );
    const observe = async (): Promise<{ snap: Snapshot; src: SourceState }> => {
      const snap = await reader.observe(never);
      const src = snap.sources.find((s) => s.id.toLowerCase() === v3.address.toLowerCase());
      if (!src) throw new Error("ingest did not read the v3 adapter");
      return { snap, src };
    };
    const allocator = keel("KeelAllocator", d.allocator, a.keeper);
    const rebalanced = async (fromBlock: number) => {
      const iface = new Interface(allocator.interface.fragments);
      const logs = await t.provider.getLogs({ address: d.allocator, fromBlock, toBlock: "latest" });
      return logs.flatMap((l) => {
        const ev = iface.parseLog(l);
        return ev?.name === "Rebalanced" ? [ev] : [];
      });
    };

    // Ingest: an LP source with its range, the price inside it.
    const first = await observe();
    expect(first.src.kind).to.equal("lp");
    expect(first.src.protocol).to.equal("uniswap-v3");
    expect(first.src.asset).to.match(/kUSDC|kWETH/);
    expect(first.src.range?.inRange).to.equal(true);
    expect(first.src.reserves?.spotPrice).to.be.gt(0);
    // Its on-chain range limits, read by ingest with the range (what the daemon's re-range decision keeps).
    expect(first.src.range?.limits).to.deep.equal(await readRangeLimits(v3.address, t.provider));
    expect(first.src.range?.limits?.lastRerangeAt).to.equal(0);

    // 1. Opened by a keeper rebalance, inside the keeper bounds.
    const block0 = await t.provider.getBlockNumber();
    await allocator.getFunction("rebalance")(intent(), [move(v3.address, true, 200_000n * USDC)], NO_COMMITMENT);
    const opened = await observe();
    expect(opened.src.balance).to.be.gte(199_400n * USDC);

    // 2. The price moves +20 % (feed and pool): the position leaves its ±12 % range and stops earning.
    await t.increaseTime(3_600);
    await v3.movePrice(3_600n);
    const moved = await observe();
    const range = moved.src.range!;
    expect(range.inRange).to.equal(false);
    expect(moved.src.aprPct).to.equal(0);
    expect(range.inRangeAprPct).to.be.gt(0); // the arbitrage paid fees to in-range liquidity
    const weth = moved.snap.prices.kWETH![0]!.priceUsd;
    const usdc = moved.snap.prices.kUSDC![0]!.priceUsd;
    const baseIs0 = d.asset.address.toLowerCase() < d.extra.weth!.toLowerCase();
    const limits = await readRangeLimits(v3.address, t.provider);
    const positionUsd = Number(moved.src.balance) / 1e6;
    const decision = decideRerange({
      range,
      oraclePrice: baseIs0 ? usdc / weth : weth / usdc,
      positionUsd,
      inRangeAprPct: range.inRangeAprPct,
      priceVolPct: 60,
      horizonDays: 7,
      gasUsd: 20,
      swapCostBps: 40,
      hysteresis: 1.5,
      limits,
      now: moved.snap.timestamp,
    });
    expect(decision.act, decision.reason).to.equal(true);

    // 3. Re-ranged by the keeper: the adapter's width, centre and cost bounds hold.
    const before = (await v3.adapter.getFunction("totalAssets")()) as bigint;
    const { hash } = await sendRerange(a.keeper, v3.address, decision);
    const receipt = await t.provider.getTransactionReceipt(hash);
    const rangeIface = new Interface(UniswapV3LpAdapterAbi);
    const ev = receipt!.logs.map((l) => rangeIface.parseLog(l)).find((x) => x?.name === "Reranged")!;
    const [lower, upper, valueBefore, valueAfter] = ev.args as unknown as [bigint, bigint, bigint, bigint];
    expect(Number(upper - lower)).to.be.within(V3_RANGE_BOUNDS.minWidthTicks, V3_RANGE_BOUNDS.maxWidthTicks);
    expect(valueBefore).to.be.gte(before);
    expect(valueBefore - valueAfter).to.be.lte((valueBefore * V3_RANGE_BOUNDS.maxRerangeLossBps) / 10_000n);
    const reranged = await observe();
    expect(reranged.src.range?.inRange).to.equal(true);
    expect(reranged.src.range?.tickLower).to.equal(decision.tickLower);
    expect(reranged.src.range?.limits?.lastRerangeAt).to.equal(reranged.snap.timestamp);

    // 4. A risk trigger (an exploit reported on Uniswap v3): the gate orders the exit, the keeper withdraws
    //    what the adapter can deliver inside its bounds, and the price-free emergency path takes the rest.
    const now = reranged.snap.timestamp;
    const history = { ...emptyHistory(now), incidents: [{ t: now - 600, protocol: "uniswap-v3", lossUsd: 5e6 }] };
    const { verdict } = assessRisk(
      { ...riskOptions(), baseAsset: "kUSDC" },
      riskInput(reranged.snap, { history }),
      now,
    );
    expect(verdict.forcedExits).to.include(reranged.src.id);
    expect(verdict.reasons.map((r) => r.code)).to.include("PROTOCOL_COMPROMISED");
    await t.increaseTime(600);
    const out = (await v3.adapter.getFunction("maxWithdraw")()) as bigint;
    await allocator.getFunction("rebalance")(intent(), [move(v3.address, false, out)], NO_COMMITMENT);
    await send(keel("KeelAllocator", d.allocator, a.manager), "emergencyExit", [v3.address]);
    expect((await v3.adapter.getFunction("liquidity")()) as bigint).to.equal(0n);
    expect((await v3.adapter.getFunction("totalAssets")()) as bigint).to.be.lt(USDC);

    // Every keeper rebalance stayed within the loss and move bounds.
    const events = await rebalanced(block0);
    expect(events).to.have.length(2);
    for (const e of events) {
      const [, , totalBefore, , loss, moves] = e.args as unknown as [string, string, bigint, bigint, bigint, unknown[]];
      expect(loss).to.be.lte((totalBefore * DEFAULT_BOUNDS.maxLossBps) / 10_000n);
      const moved = (moves as [string, boolean, bigint][]).reduce((s, m) => s + m[2], 0n);
      expect(moved).to.be.lte((totalBefore * DEFAULT_BOUNDS.maxMoveBps) / 10_000n);
    }
    const vaultTotal = (await keel("KeelVault", d.vault, a.alice).getFunction("totalAssets")()) as bigint;
    expect(vaultTotal).to.be.gte(995_000n * USDC);
  });
});
