import { expect } from "chai";
import type { Contract } from "ethers";
import { send } from "../../src/devnet/deploy/contract.ts";
import { type KeelDeployment, V3_RANGE_BOUNDS } from "../../src/devnet/deploy/keel.ts";
import { type Accounts, type TestChain, useTestChain } from "../support/chain.ts";
import { intent, keel, keelErrors, move, NO_COMMITMENT, USDC } from "../support/keel.ts";
import { expectRevert } from "../support/revert.ts";
import { deployWithV3, v3Helpers } from "../support/uniswapV3.ts";

const ETH = 10n ** 18n;

describe("UniswapV3LpAdapter (real pool and position manager from @uniswap/v3-core and v3-periphery)", function () {
  this.timeout(180_000);
  let t: TestChain, a: Accounts;
  useTestChain((chain, accounts) => ([t, a] = [chain, accounts]));

  const build = async (): Promise<KeelDeployment> => {
    const d = await deployWithV3(a, 1_000_000n);
    return d;
  };
  const fixture = async () => {
    const d = await t.fixture(build);
    return { d, v3: v3Helpers(d, a) };
  };
  const keeperMove = (d: KeelDeployment, adapter: string, deposit: boolean, assets: bigint) =>
    keel("KeelAllocator", d.allocator, a.keeper).getFunction("rebalance")(
      intent(),
      [move(adapter, deposit, assets)],
      NO_COMMITMENT,
    );
  const rerange = (adapter: Contract, lower: number, upper: number) =>
    adapter.connect(a.keeper).getFunction("rerange")(lower, upper);
  const value = async (adapter: Contract) => (await adapter.getFunction("totalAssets")()) as bigint;

  it("opens a position from the base asset alone and values it at about what went in", async () => {
    const { d, v3 } = await fixture();
    await keeperMove(d, v3.address, true, 100_000n * USDC);
    expect(await v3.adapter.getFunction("kind")()).to.equal("lp");
    expect((await v3.adapter.getFunction("liquidity")()) as bigint).to.be.gt(0n);
    const v = await value(v3.adapter);
    expect(v).to.be.lte(100_000n * USDC);
    expect(v).to.be.gte(99_700n * USDC); // the pool fee on the swapped share and rounding
  });

  it("values the position at the oracle price: a swap moving spot by > 5 % leaves the value unchanged", async () => {
    const { d, v3 } = await fixture();
    await keeperMove(d, v3.address, true, 100_000n * USDC);
    const before = await value(v3.adapter);
    await v3.swap(a.eve, d.asset.address, 5_000_000n * USDC);
    expect((await v3.adapter.getFunction("spotDeviationBps")()) as bigint).to.be.gt(500n);
    const after = await value(v3.adapter);
    // At spot the position would have swung by about half the move; at the oracle nothing moved.
    expect(after).to.equal(before);
    expect(await v3.adapter.getFunction("checkedAssets")()).to.equal(before);
  });

  describe("oracle-vs-pool deviation bound (the allocator's maxDeviationBps)", () => {
    it("refuses a deposit, a withdrawal and a re-range when spot is beyond the bound", async () => {
      const { d, v3 } = await fixture();
      await keeperMove(d, v3.address, true, 100_000n * USDC);
      await v3.swap(a.eve, d.extra.weth!, 800n * ETH);
      const dev = (await v3.adapter.getFunction("spotDeviationBps")()) as bigint;
      expect(dev).to.be.gt(200n);
      await t.increaseTime(3_600);
      await expectRevert(keeperMove(d, v3.address, true, 10_000n * USDC), keelErrors(), "SpotDeviationTooHigh", [
        dev,
        200n,
      ]);
      await expectRevert(keeperMove(d, v3.address, false, 10_000n * USDC), keelErrors(), "SpotDeviationTooHigh");
      const r = await v3.centred(2_400);
      await expectRevert(rerange(v3.adapter, r.lower, r.upper), keelErrors(), "SpotDeviationTooHigh");
    });

    it("accepts a deposit just inside the bound", async () => {
      const { d, v3 } = await fixture();
      await v3.swap(a.eve, d.extra.weth!, 300n * ETH);
      const dev = (await v3.adapter.getFunction("spotDeviationBps")()) as bigint;
      expect(dev).to.be.lte(200n).and.gt(50n);
      await keeperMove(d, v3.address, true, 10_000n * USDC);
    });
  });

  describe("slippage bound (slippageBps against the oracle)", () => {
    it("reverts SlippageTooHigh when the deposit's swap would fill 1.5 % under the oracle, inside the deviation bound", async () => {
      const { d, v3 } = await fixture();
      // The oracle says kWETH is 1.5 % cheaper than the pool does: buying it at spot costs 1.5 % + the fee.
      await v3.setEthPrice(2_955n);
      expect((await v3.adapter.getFunction("spotDeviationBps")()) as bigint).to.be.lt(200n);
      await expectRevert(keeperMove(d, v3.address, true, 10_000n * USDC), keelErrors(), "SlippageTooHigh");
    });

    it("refuses a withdrawal on a stale feed and a deposit on a non-positive answer", async () => {
      const { d, v3 } = await fixture();
      await keeperMove(d, v3.address, true, 100_000n * USDC);
      const now = await t.latestTimestamp();
      await send(v3.ethFeed, "setAnswerAt", [3_000n * 10n ** 8n, BigInt(now - 86_401)]);
      expect((await v3.adapter.getFunction("maxWithdraw")()) as bigint).to.be.lt(USDC);
      await t.increaseTime(600);
      await expectRevert(keeperMove(d, v3.address, false, 10_000n * USDC), keelErrors(), "StaleOracle");
      await send(v3.ethFeed, "setAnswer", [0n]);
      await expectRevert(keeperMove(d, v3.address, true, 10_000n * USDC), keelErrors(), "InvalidOracleAnswer");
    });

    it("withdraws at least the request, and the allocator books the exit cost under its loss bound", async () => {
      const { d, v3 } = await fixture();
      await keeperMove(d, v3.address, true, 100_000n * USDC);
      await t.increaseTime(600);
      const vault = keel("KeelVault", d.vault, a.alice);
      const idleBefore = (await vault.getFunction("idle")()) as bigint;
      await keeperMove(d, v3.address, false, 50_000n * USDC);
      expect((await vault.getFunction("idle")()) as bigint).to.be.gte(idleBefore + 50_000n * USDC);
      expect((await vault.getFunction("totalAssets")()) as bigint).to.be.gte(999_000n * USDC);
    });
  });

  describe("range bounds", () => {
    it("re-ranges onto a range centred on the moved price, within its cost bound, and books the result", async () => {
      const { d, v3 } = await fixture();
      await keeperMove(d, v3.address, true, 100_000n * USDC);
      await v3.movePrice(3_150n); // +5 %: feed and pool together
      const [lower0] = [(await v3.adapter.getFunction("tickLower")()) as bigint];
      const before = await value(v3.adapter);
      const r = await v3.centred(2_400);
      await rerange(v3.adapter, r.lower, r.upper);
      expect((await v3.adapter.getFunction("tickLower")()) as bigint).to.equal(BigInt(r.lower));
      expect(BigInt(r.lower)).to.not.equal(lower0);
      const after = await value(v3.adapter);
      // The value before leaves out fees not yet collected; the re-range collects them, so `after` may exceed it.
      expect(after).to.be.gte(before - (before * V3_RANGE_BOUNDS.maxRerangeLossBps) / 10_000n);
      expect(await keel("KeelAllocator", d.allocator, a.alice).getFunction("debt")(v3.address)).to.equal(after);
    });

    it("refuses a range narrower than minWidthTicks or wider than maxWidthTicks", async () => {
      const { v3 } = await fixture();
      const narrow = await v3.centred(V3_RANGE_BOUNDS.minWidthTicks - 120);
      await expectRevert(rerange(v3.adapter, narrow.lower, narrow.upper), keelErrors(), "RangeWidthOutOfBounds", [
        BigInt(V3_RANGE_BOUNDS.minWidthTicks - 120),
        BigInt(V3_RANGE_BOUNDS.minWidthTicks),
        BigInt(V3_RANGE_BOUNDS.maxWidthTicks),
      ]);
      const wide = await v3.centred(V3_RANGE_BOUNDS.maxWidthTicks + 120);
      await expectRevert(rerange(v3.adapter, wide.lower, wide.upper), keelErrors(), "RangeWidthOutOfBounds");
      const ok = await v3.centred(V3_RANGE_BOUNDS.maxWidthTicks);
      await rerange(v3.adapter, ok.lower, ok.upper);
    });

    it("refuses ticks off the pool's tick spacing", async () => {
      const { v3 } = await fixture();
      const r = await v3.centred(2_400);
      await expectRevert(rerange(v3.adapter, r.lower + 1, r.upper + 1), keelErrors(), "RangeNotAligned");
    });

    it("refuses a range whose centre is more than maxCentreOffsetBps from the oracle price (recentring limit)", async () => {
      const { v3 } = await fixture();
      const r = await v3.centred(2_400);
      // 180 ticks ≈ 1.8 % off the oracle price; 60 ticks ≈ 0.6 % is inside the 1 % bound.
      await expectRevert(rerange(v3.adapter, r.lower + 180, r.upper + 180), keelErrors(), "RangeOffCentre");
      await rerange(v3.adapter, r.lower + 60, r.upper + 60);
    });

    it("allows one re-range per minRerangeInterval", async () => {
      const { v3 } = await fixture();
      const r = await v3.centred(2_400);
      await rerange(v3.adapter, r.lower, r.upper);
      const at = BigInt(await t.latestTimestamp());
      await expectRevert(rerange(v3.adapter, r.lower, r.upper), keelErrors(), "RerangeTooSoon", [
        at + V3_RANGE_BOUNDS.minRerangeInterval,
      ]);
      await t.increaseTime(V3_RANGE_BOUNDS.minRerangeInterval);
      await rerange(v3.adapter, r.lower, r.upper);
    });

    it("reverts RerangeLossTooHigh when the re-range costs more than maxRerangeLossBps", async () => {
      const { d, v3 } = await fixture();
      const tight = await v3.deployAdapter({ maxRerangeLossBps: 1n });
      await keeperMove(d, tight.address, true, 100_000n * USDC);
      await v3.movePrice(3_150n);
      const r = await v3.centred(2_400);
      // Recentring swaps a share of the position through the 0.3 % pool: more than 1 bps of its value.
      await expectRevert(rerange(tight.adapter, r.lower, r.upper), keelErrors(), "RerangeLossTooHigh");
    });

    it("lets only the keeper or the manager re-range, and not while the vault is paused", async () => {
      const { d, v3 } = await fixture();
      const r = await v3.centred(2_400);
      await expectRevert(
        v3.adapter.connect(a.eve).getFunction("rerange")(r.lower, r.upper),
        keelErrors(),
        "NotKeeper",
        [a.eve.address],
      );
      await v3.adapter.connect(a.manager).getFunction("rerange")(r.lower, r.upper);
      await send(keel("KeelVault", d.vault, a.guardian), "pause");
      await t.increaseTime(3_600);
      await expectRevert(rerange(v3.adapter, r.lower, r.upper), keelErrors(), "VaultPaused");
    });

    it("refuses a deposit when the oracle price is outside the position's range", async () => {
      const { d, v3 } = await fixture();
      const above = await v3.centred(2_400);
      const off = await v3.deployAdapter({}, { lower: above.upper, upper: above.upper + 2_400 });
      await expectRevert(keeperMove(d, off.address, true, 10_000n * USDC), keelErrors(), "OracleOutOfRange");
    });

    it("refuses bounds that cannot hold at deployment", async () => {
      const { v3 } = await fixture();
      await expectRevert(v3.deployAdapter({ minWidthTicks: 0 }), keelErrors(), "InvalidRangeBounds");
      await expectRevert(v3.deployAdapter({ maxWidthTicks: 300 }), keelErrors(), "InvalidRangeBounds");
      await expectRevert(v3.deployAdapter({}, { lower: -60, upper: 60 }), keelErrors(), "RangeWidthOutOfBounds");
    });
  });

  describe("emergency exit (no prices)", () => {
    it("removes all liquidity with a reverting feed and keeps the other token, valued once the feed is back", async () => {
      const { d, v3 } = await fixture();
      await keeperMove(d, v3.address, true, 100_000n * USDC);
      const vault = keel("KeelVault", d.vault, a.alice);
      const idleBefore = (await vault.getFunction("idle")()) as bigint;
      await send(v3.ethFeed, "setReverting", [true]);
      await send(keel("KeelAllocator", d.allocator, a.manager), "emergencyExit", [v3.address]);
      expect((await v3.adapter.getFunction("liquidity")()) as bigint).to.equal(0n);
      const weth = keel("TestToken", d.extra.weth!, a.alice);
      expect((await weth.getFunction("balanceOf")(v3.address)) as bigint).to.be.gt(0n);
      expect((await vault.getFunction("idle")()) as bigint).to.be.gt(idleBefore + 40_000n * USDC);
      await send(v3.ethFeed, "setReverting", [false]);
      const total = ((await vault.getFunction("idle")()) as bigint) - idleBefore + (await value(v3.adapter));
      expect(total).to.be.gte(99_600n * USDC);
    });

    it("swaps the other token back under fresh feeds, never past the oracle price less slippageBps", async () => {
      const { d, v3 } = await fixture();
      await keeperMove(d, v3.address, true, 100_000n * USDC);
      await send(keel("KeelAllocator", d.allocator, a.manager), "emergencyExit", [v3.address]);
      const weth = keel("TestToken", d.extra.weth!, a.alice);
      expect((await weth.getFunction("balanceOf")(v3.address)) as bigint).to.equal(0n);
      expect(await value(v3.adapter)).to.equal(0n);
    });
  });
});
