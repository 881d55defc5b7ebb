// Issue 13's findings, one describe per finding: each reproduces what an attacker or a depositor could do on the
// contracts as they landed, and pins the fixed behaviour.
import { expect } from "chai";
import type { Contract, Log, LogDescription } from "ethers";
import { parseSuiteSpec } from "../../src/cli/deploy-suite.ts";
import { send } from "../../src/devnet/deploy/contract.ts";
import { deployKeel, type KeelDeployment } from "../../src/devnet/deploy/keel.ts";
import { DEFAULT_TIMELOCK_SECONDS } from "../../src/devnet/deploy/suite.ts";
import { type Accounts, type TestChain, useTestChain } from "../support/chain.ts";
import {
  caps,
  deployCore,
  fundAndDeposit,
  intent,
  keel,
  keelErrors,
  MINIMAL_SPEC,
  move,
  NO_COMMITMENT,
  setTimelocks,
  USDC,
} from "../support/keel.ts";
import { pushSpot } from "../support/pair.ts";
import { expectRevert, revertNameOf } from "../support/revert.ts";

const HOUR = 3_600;

describe("vault safety (issue 13 findings)", function () {
  this.timeout(180_000);
  let t: TestChain, a: Accounts;
  useTestChain((chain, accounts) => ([t, a] = [chain, accounts]));

  /** The devnet (Aave, two ERC-4626 targets, Uniswap v2 LP) with 1 M from alice, 300 k in the LP. */
  const buildDevnet = async (): Promise<KeelDeployment> => {
    const d = await deployKeel(a.deployer, {
      manager: a.manager.address,
      keeper: a.keeper.address,
      guardian: a.guardian.address,
    });
    const token = keel("TestToken", d.asset.address, a.deployer);
    for (const u of [a.alice, a.eve]) {
      await send(token, "mint", [u.address, 10_000_000n * USDC]);
      await send(token.connect(u), "approve", [d.vault, 10_000_000n * USDC]);
    }
    await send(keel("KeelVault", d.vault, a.alice), "deposit", [1_000_000n * USDC, a.alice.address]);
    await send(keel("KeelAllocator", d.allocator, a.manager), "rebalance", [
      intent(),
      [move(lpOf(d), true, 300_000n * USDC)],
      NO_COMMITMENT,
    ]);
    return d;
  };
  const devnet = () => t.fixture(buildDevnet);
  const lpOf = (d: KeelDeployment) => d.adapters.find((x) => x.kind === "lp")!.address;
  const vaultOf = (d: KeelDeployment, who = a.alice): Contract => keel("KeelVault", d.vault, who);
  const feed = (d: KeelDeployment, pair: string) => keel("MockAggregator", d.oracles[pair]!, a.deployer);
  const balance = async (d: KeelDeployment, who: string) =>
    (await keel("TestToken", d.asset.address, a.deployer).getFunction("balanceOf")(who)) as bigint;

  describe("1. a reverting adapter valuation never freezes withdrawals", () => {
    it("an LP whose Chainlink feed reverts: idle withdrawals, redeem, maxWithdraw, forced removal and shutdown all work", async () => {
      const d = await devnet();
      await send(feed(d, "kWETH/USD"), "setReverting", [true]);
      const v = vaultOf(d);
      const max = (await v.getFunction("maxWithdraw")(a.alice.address)) as bigint;
      expect(max).to.be.gte(690_000n * USDC);
      await send(v, "withdraw", [100_000n * USDC, a.alice.address, a.alice.address]);
      expect(await balance(d, a.alice.address)).to.equal(9_100_000n * USDC);
      await send(v, "redeem", [10n ** 17n, a.alice.address, a.alice.address]);
      // A report cannot value it: the books keep its value and say why, instead of reverting or writing it off.
      const allocator = keel("KeelAllocator", d.allocator, a.manager);
      const booked = (await allocator.getFunction("debt")(lpOf(d))) as bigint;
      const r = await (await allocator.getFunction("report")(lpOf(d))).wait();
      expect(r.logs.map((l: Log) => allocator.interface.parseLog(l)?.name)).to.include("ValuationFailed");
      expect(await allocator.getFunction("debt")(lpOf(d))).to.equal(booked);
      // The manager writes the broken adapter off without calling it (Yearn's revoke_strategy(force)).
      const total = (await v.getFunction("totalAssets")()) as bigint;
      await send(allocator, "removeAdapter", [lpOf(d), true]);
      expect(await v.getFunction("totalAssets")()).to.equal(total - booked);
      await send(vaultOf(d, a.manager), "shutdown");
      await send(v, "withdraw", [100_000n * USDC, a.alice.address, a.alice.address]);
    });

    it("an ERC-4626 target that is paused (previewRedeem reverts): idle withdrawals and shutdown work", async () => {
      const f = await deployCore(a, { adapters: 2 });
      await fundAndDeposit(f, a.deployer, a.alice, 10_000n * USDC);
      await send(f.allocator.connect(a.manager), "rebalance", [
        intent(),
        [move(f.addresses.adapters[0]!, true, 4_000n * USDC)],
        NO_COMMITMENT,
      ]);
      await send(f.targets[0]!, "setPaused", [true]);
      const v = f.vault.connect(a.alice) as Contract;
      expect(await v.getFunction("maxWithdraw")(a.alice.address)).to.equal(6_000n * USDC);
      await send(v, "withdraw", [6_000n * USDC, a.alice.address, a.alice.address]);
      await send(f.vault.connect(a.manager), "shutdown");
      expect(await f.token.getFunction("balanceOf")(a.alice.address)).to.equal(6_000n * USDC);
      // Once the target resumes, the manager's emergency exit brings the rest home.
      await send(f.targets[0]!, "setPaused", [false]);
      await send(f.allocator.connect(a.manager), "emergencyExit", [f.addresses.adapters[0]!]);
      const shares = (await v.getFunction("balanceOf")(a.alice.address)) as bigint;
      await send(v, "redeem", [shares, a.alice.address, a.alice.address]);
      expect(await f.token.getFunction("balanceOf")(a.alice.address)).to.equal(10_000n * USDC);
    });
  });

  describe("2. a keeper cannot bleed the vault through many in-bound rebalances", () => {
    it("24 rebalances in a day, each losing just under the per-rebalance max, stop at the rolling 24 h loss budget", async () => {
      const f = await deployCore(a, { adapters: 1, targetArtifact: "LossyVault", bounds: { cooldownSeconds: 0n } });
      await fundAndDeposit(f, a.deployer, a.alice, 1_000_000n * USDC);
      // Each rebalance moves 1 % of the vault into a target that keeps 49 % of it: 49 bps lost, under the 50 bps max.
      await send(f.targets[0]!, "setEntryLossBps", [4_900n]);
      const start = (await t.latestTimestamp()) + 60;
      const total0 = (await f.vault.getFunction("totalAssets")()) as bigint;
      let reverted = 0;
      for (let i = 0; i < 24; i++) {
        await t.setNextTimestamp(start + i * HOUR);
        const total = (await f.vault.getFunction("totalAssets")()) as bigint;
        const err = await revertNameOf(
          f.allocator.connect(a.keeper).getFunction("rebalance")(
            intent(),
            [move(f.addresses.adapters[0]!, true, total / 100n)],
            NO_COMMITMENT,
          ),
          keelErrors(),
        );
        if (err !== undefined) expect(err).to.equal("DailyLossBudgetExceeded");
        if (err !== undefined) reverted++;
      }
      const total1 = (await f.vault.getFunction("totalAssets")()) as bigint;
      // Default budget: 1 % of total assets per trailing 24 h.
      expect((total0 - total1) * 10_000n, "cumulative keeper loss in 24 h").to.be.lte(100n * total0);
      expect(reverted).to.be.gt(0);
    });
  });

  describe("3. a just-in-time deposit captures no gain", () => {
    it("a 4 M deposit before a +3 % oracle update under a 300 k LP position, redeemed right after, takes nothing", async () => {
      const d = await devnet();
      const eve = vaultOf(d, a.eve);
      const before = await balance(d, a.eve.address);
      await send(eve, "deposit", [4_000_000n * USDC, a.eve.address]);
      await send(feed(d, "kWETH/USD"), "setAnswer", [3_090n * 10n ** 8n]);
      const shares = (await eve.getFunction("balanceOf")(a.eve.address)) as bigint;
      await send(eve, "redeem", [shares, a.eve.address, a.eve.address]);
      expect(await balance(d, a.eve.address)).to.be.lte(before);
    });

    it("even reporting the gain herself in the same block: it is locked and reaches the holders over the unlock period", async () => {
      const d = await devnet();
      const eve = vaultOf(d, a.eve);
      const allocator = keel("KeelAllocator", d.allocator, a.eve);
      const before = await balance(d, a.eve.address);
      const total0 = (await eve.getFunction("totalAssets")()) as bigint;
      await send(eve, "deposit", [4_000_000n * USDC, a.eve.address]);
      const entered = await t.latestTimestamp();
      await send(feed(d, "kWETH/USD"), "setAnswer", [3_090n * 10n ** 8n]);
      await send(allocator, "report", [lpOf(d)]);
      const locked = (await allocator.getFunction("lockedProfit")()) as bigint;
      expect(locked).to.be.gt(4_000n * USDC);
      const shares = (await eve.getFunction("balanceOf")(a.eve.address)) as bigint;
      await send(eve, "redeem", [shares, a.eve.address, a.eve.address]);
      // Each transaction here is its own block, one second apart: she may keep what unlocked while she held
      // (≈ locked × seconds / 86 400, a few cents), never the gain itself.
      const held = BigInt((await t.latestTimestamp()) - entered);
      expect((await balance(d, a.eve.address)) - before).to.be.lte((locked * held) / 86_400n + 1n);
      await t.increaseTime(86_400);
      expect(await eve.getFunction("totalAssets")()).to.be.gte(total0 + locked - (locked * held) / 86_400n - 1n);
    });
  });

  describe("4. maxWithdraw promises only what withdraw delivers", () => {
    it("after a front-run swap inside the deviation bound (53 bps), a withdrawal of maxWithdraw succeeds", async () => {
      const d = await devnet();
      await pushSpot(d, a.deployer, a.eve, 0n);
      await pushSpot(d, a.deployer, a.eve, -53n);
      const v = vaultOf(d);
      const max = (await v.getFunction("maxWithdraw")(a.alice.address)) as bigint;
      expect(max).to.be.gte(690_000n * USDC);
      await send(v, "withdraw", [max, a.alice.address, a.alice.address]);
      expect(await balance(d, a.alice.address)).to.equal(9_000_000n * USDC + max);
    });

    it("after a shutdown with a stale feed, maxWithdraw leaves out the token stranded in the LP adapter, and is paid", async () => {
      const d = await devnet();
      const now = await t.latestTimestamp();
      await send(feed(d, "kWETH/USD"), "setAnswerAt", [3_000n * 10n ** 8n, BigInt(now - 100_000)]);
      await send(vaultOf(d, a.manager), "shutdown");
      const v = vaultOf(d);
      const max = (await v.getFunction("maxWithdraw")(a.alice.address)) as bigint;
      const idle = (await v.getFunction("idle")()) as bigint;
      expect(max).to.equal(idle);
      expect(await v.getFunction("maxWithdrawWithLoss")(a.alice.address, 10_000n)).to.equal(idle);
      await send(v, "withdraw", [max, a.alice.address, a.alice.address]);
      expect(await balance(d, a.alice.address)).to.equal(9_000_000n * USDC + max);
    });
  });

  describe("5. withdraw pays exactly assets or reverts", () => {
    it("a withdrawal that must exit the LP at a cost reverts instead of paying less than asked", async () => {
      const d = await devnet();
      await pushSpot(d, a.deployer, a.eve, 0n);
      const v = vaultOf(d);
      const before = await balance(d, a.alice.address);
      const err = await revertNameOf(
        v.getFunction("withdraw")(800_000n * USDC, a.alice.address, a.alice.address),
        keelErrors(),
      );
      if (err === undefined) {
        expect((await balance(d, a.alice.address)) - before, "paid exactly the assets asked").to.equal(800_000n * USDC);
      }
      expect(err).to.equal("ERC4626ExceededMaxWithdraw");
    });

    it("withdrawWithLoss pays assets − exit cost within maxLossBps, and offers no adapter whose exit may cost more", async () => {
      const d = await devnet();
      await pushSpot(d, a.deployer, a.eve, 0n);
      const v = vaultOf(d);
      // 1 bp does not cover the LP's exit cost bound (slippage 100 + fee margin 40): the LP is not offered.
      await expectRevert(
        v.getFunction("withdrawWithLoss")(800_000n * USDC, a.alice.address, a.alice.address, 1n),
        keelErrors(),
        "ERC4626ExceededMaxWithdraw",
      );
      const before = await balance(d, a.alice.address);
      const r = await (
        await v.getFunction("withdrawWithLoss")(800_000n * USDC, a.alice.address, a.alice.address, 140n)
      ).wait();
      const ev = r.logs
        .map((l: Log) => v.interface.parseLog(l))
        .find((e: LogDescription | null) => e?.name === "WithdrawalLoss");
      const paid = (await balance(d, a.alice.address)) - before;
      expect(paid).to.equal(800_000n * USDC - (ev?.args.loss as bigint));
      expect(ev?.args.loss as bigint)
        .to.be.gt(0n)
        .and.lte((800_000n * USDC * 140n) / 10_000n);
    });

    it("a loss the withdrawer's pull uncovers is booked for every holder first: each bears its pro-rata share", async () => {
      const f = await deployCore(a, { adapters: 1 });
      await fundAndDeposit(f, a.deployer, a.alice, 10_000n * USDC);
      await fundAndDeposit(f, a.deployer, a.bob, 10_000n * USDC);
      await send(f.allocator.connect(a.manager), "rebalance", [
        intent(),
        [move(f.addresses.adapters[0]!, true, 16_000n * USDC)],
        NO_COMMITMENT,
      ]);
      await send(f.targets[0]!, "slash", [1_000n, a.deployer.address]); // −1 600, not reported yet
      const v = f.vault.connect(a.alice) as Contract;
      // The lossless path will not dodge the unreported loss: it only offers idle.
      expect(await v.getFunction("maxWithdraw")(a.alice.address)).to.equal(4_000n * USDC);
      await send(v, "withdrawWithLoss", [6_000n * USDC, a.alice.address, a.alice.address, 100n]);
      const aliceLeft = (await v.getFunction("convertToAssets")(
        await v.getFunction("balanceOf")(a.alice.address),
      )) as bigint;
      const bobLeft = (await v.getFunction("convertToAssets")(
        await v.getFunction("balanceOf")(a.bob.address),
      )) as bigint;
      // 20 000 − 1 600 = 18 400: 9 200 each; alice took 6 000 of hers.
      expect(aliceLeft + 6_000n * USDC).to.be.closeTo(9_200n * USDC, 2n);
      expect(bobLeft).to.be.closeTo(9_200n * USDC, 2n);
    });
  });

  describe("6. risk-increasing manager changes are timelocked", () => {
    it("the manager cannot add an adapter and rebalance into it without waiting the timelock", async () => {
      const f = await deployCore(a, { adapters: 1 });
      await fundAndDeposit(f, a.deployer, a.alice, 10_000n * USDC);
      const mgr = f.allocator.connect(a.manager) as Contract;
      const adapter = f.addresses.adapters[0]!;
      await send(mgr, "removeAdapter", [adapter, false]);
      await setTimelocks(f, a.manager, DEFAULT_TIMELOCK_SECONDS);
      const add = mgr.interface.encodeFunctionData("addAdapter", [adapter, caps(10_000n)]);
      await expectRevert(mgr.getFunction("addAdapter")(adapter, caps(10_000n)), keelErrors(), "DataNotPending");
      await send(mgr, "submit", [add]);
      await expectRevert(
        mgr.getFunction("rebalance")(intent(), [move(adapter, true, 1_000n * USDC)], NO_COMMITMENT),
        keelErrors(),
        "UnknownAdapter",
      );
      await t.increaseTime(DEFAULT_TIMELOCK_SECONDS - 60n);
      await expectRevert(mgr.getFunction("addAdapter")(adapter, caps(10_000n)), keelErrors(), "TimelockNotExpired");
      await t.increaseTime(60n);
      await send(mgr, "addAdapter", [adapter, caps(10_000n)]);
      await send(mgr, "rebalance", [intent(), [move(adapter, true, 1_000n * USDC)], NO_COMMITMENT]);
      expect(await f.allocator.getFunction("debt")(adapter)).to.equal(1_000n * USDC);
    });
  });

  describe("7. oracle answers ≤ 0 and unvalidated deployment fields", () => {
    it("a feed answering 0 does not reprice the vault: a new depositor buys at the previous share price", async () => {
      const d = await devnet();
      const v = vaultOf(d, a.eve);
      const price = (await v.getFunction("convertToAssets")(10n ** 12n)) as bigint;
      await send(feed(d, "kWETH/USD"), "setAnswer", [0n]);
      expect(await v.getFunction("convertToAssets")(10n ** 12n)).to.equal(price);
      await send(keel("KeelAllocator", d.allocator, a.eve), "report", [lpOf(d)]);
      expect(await v.getFunction("convertToAssets")(10n ** 12n)).to.equal(price);
      await send(v, "deposit", [1_000_000n * USDC, a.eve.address]);
      const shares = (await v.getFunction("balanceOf")(a.eve.address)) as bigint;
      expect(await v.getFunction("convertToAssets")(shares)).to.be.closeTo(1_000_000n * USDC, 1n);
      // And moves into the LP stop: a non-positive answer is refused.
      await expectRevert(
        keel("KeelAllocator", d.allocator, a.manager).getFunction("rebalance")(
          intent(),
          [move(lpOf(d), true, USDC)],
          NO_COMMITMENT,
        ),
        keelErrors(),
        "InvalidOracleAnswer",
      );
    });

    it("the deploy spec rejects decimalsOffset 0 and out-of-range slippageBps / maxOracleAgeSeconds", () => {
      const ok = MINIMAL_SPEC;
      const lp = {
        kind: "lp",
        name: "lp",
        pair: `0x${"5".repeat(40)}`,
        baseFeed: `0x${"6".repeat(40)}`,
        otherFeed: `0x${"7".repeat(40)}`,
        maxOracleAgeSeconds: "3600",
        slippageBps: "100",
      };
      expect(() => parseSuiteSpec({ ...ok, sources: [lp] })).to.not.throw();
      expect(() => parseSuiteSpec({ ...ok, decimalsOffset: 0 })).to.throw(/decimalsOffset/);
      expect(() => parseSuiteSpec({ ...ok, sources: [{ ...lp, slippageBps: "10001" }] })).to.throw(/slippageBps/);
      expect(() => parseSuiteSpec({ ...ok, sources: [{ ...lp, slippageBps: "0" }] })).to.throw(/slippageBps/);
      expect(() => parseSuiteSpec({ ...ok, sources: [{ ...lp, maxOracleAgeSeconds: "0" }] })).to.throw(
        /maxOracleAgeSeconds/,
      );
    });
  });
});
