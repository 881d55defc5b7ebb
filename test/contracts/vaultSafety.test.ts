// Issue 13's findings, one describe per finding: each reproduces what an attacker or a depositor could do on the
// contracts as they landed, and pins the fixed behaviour.
import { expect } from "chai";
import type { Contract } from "ethers";
import { send } from "../../src/devnet/deploy/contract.ts";
import { parseSuiteSpec } from "../../src/devnet/deploy/deploy-suite.ts";
import { deployKeel, type KeelDeployment } from "../../src/devnet/deploy/keel.ts";
import { type Accounts, type TestChain, useTestChain } from "../support/chain.ts";
import { deployCore, fundAndDeposit, intent, keel, keelErrors, move, USDC } from "../support/keel.ts";
import { pushSpot } from "../support/pair.ts";
import { expectRevert } from "../support/revert.ts";

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
      await send(keel("KeelAllocator", d.allocator, a.manager), "removeAdapter", [lpOf(d), true]);
      await send(vaultOf(d, a.manager), "shutdown");
      await send(v, "withdraw", [100_000n * USDC, a.alice.address, a.alice.address]);
    });

    it("an ERC-4626 target that is paused (previewRedeem reverts): idle withdrawals and shutdown work", async () => {
      const f = await deployCore(a, { adapters: 2 });
      await fundAndDeposit(f, a.deployer, a.alice, 10_000n * USDC);
      await send(f.allocator.connect(a.manager), "rebalance", [
        intent(),
        [move(f.addresses.adapters[0]!, true, 4_000n * USDC)],
      ]);
      await send(f.targets[0]!, "setPaused", [true]);
      const v = f.vault.connect(a.alice) as Contract;
      expect(await v.getFunction("maxWithdraw")(a.alice.address)).to.equal(6_000n * USDC);
      await send(v, "withdraw", [6_000n * USDC, a.alice.address, a.alice.address]);
      await send(f.vault.connect(a.manager), "shutdown");
      expect(await f.token.getFunction("balanceOf")(a.alice.address)).to.equal(6_000n * USDC);
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
        try {
          await send(f.allocator.connect(a.keeper), "rebalance", [
            intent(),
            [move(f.addresses.adapters[0]!, true, total / 100n)],
          ]);
        } catch {
          reverted++;
        }
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
  });

  describe("5. withdraw pays exactly assets or reverts", () => {
    it("a withdrawal that must exit the LP at a cost reverts instead of paying less than asked", async () => {
      const d = await devnet();
      await pushSpot(d, a.deployer, a.eve, 0n);
      const v = vaultOf(d);
      const before = await balance(d, a.alice.address);
      try {
        await send(v, "withdraw", [800_000n * USDC, a.alice.address, a.alice.address]);
      } catch {
        return; // reverting is the other acceptable outcome
      }
      expect((await balance(d, a.alice.address)) - before, "paid exactly the assets asked").to.equal(800_000n * USDC);
    });
  });

  describe("6. risk-increasing manager changes are timelocked", () => {
    it("the manager cannot add an adapter and rebalance into it without waiting the timelock", async () => {
      const f = await deployCore(a, { adapters: 1 });
      await fundAndDeposit(f, a.deployer, a.alice, 10_000n * USDC);
      await send(f.allocator.connect(a.manager), "removeAdapter", [f.addresses.adapters[0]!, false]);
      await send(f.allocator.connect(a.manager), "addAdapter", [f.addresses.adapters[0]!, 10_000n]);
      await expectRevert(
        f.allocator.connect(a.manager).getFunction("rebalance")(intent(), [
          move(f.addresses.adapters[0]!, true, 1_000n * USDC),
        ]),
        keelErrors(),
        "UnknownAdapter",
      );
    });
  });

  describe("7. oracle answers ≤ 0 and unvalidated deployment fields", () => {
    it("a feed answering 0 does not reprice the vault: a new depositor buys at the previous share price", async () => {
      const d = await devnet();
      const v = vaultOf(d, a.eve);
      const price = (await v.getFunction("convertToAssets")(10n ** 12n)) as bigint;
      await send(feed(d, "kWETH/USD"), "setAnswer", [0n]);
      expect(await v.getFunction("convertToAssets")(10n ** 12n)).to.equal(price);
    });

    it("the deploy spec rejects decimalsOffset 0 and out-of-range slippageBps / maxOracleAgeSeconds", () => {
      const ok = {
        asset: `0x${"1".repeat(40)}`,
        vaultName: "v",
        vaultSymbol: "v",
        decimalsOffset: 6,
        manager: `0x${"2".repeat(40)}`,
        keeper: `0x${"3".repeat(40)}`,
        guardian: `0x${"4".repeat(40)}`,
        sources: [],
      };
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
