import { expect } from "chai";
import type { Contract, Log, LogDescription } from "ethers";
import { send } from "../../src/devnet/deploy/contract.ts";
import { boundsTuple, DEFAULT_BOUNDS } from "../../src/devnet/deploy/suite.ts";
import { type Accounts, type TestChain, useTestChain } from "../support/chain.ts";
import {
  ALLOCATOR_TEST_BOUNDS as BOUNDS,
  type CoreFixture,
  caps,
  deployAllocatorFixture,
  intent,
  keelErrors,
  move,
  NO_COMMITMENT,
  USDC,
} from "../support/keel.ts";
import { expectRevert } from "../support/revert.ts";

const DAY = 86_400;

describe("KeelAllocator bounds and allow-list", function () {
  this.timeout(60_000);
  let t: TestChain, a: Accounts;
  useTestChain((chain, accounts) => ([t, a] = [chain, accounts]));

  const build = () => deployAllocatorFixture(a);
  const fixture = () => t.fixture(build);
  const asKeeper = (f: CoreFixture): Contract => f.allocator.connect(a.keeper) as Contract;
  const ad = (f: CoreFixture, i: number): string => f.addresses.adapters[i]!;
  const setBounds = (f: CoreFixture, over: Partial<typeof BOUNDS>) =>
    send(f.allocator.connect(a.manager), "setBounds", [boundsTuple({ ...DEFAULT_BOUNDS, ...BOUNDS, ...over })]);

  describe("keeper bounds", () => {
    it("max share moved: 50 % passes, one unit more reverts MoveTooLarge", async () => {
      const f = await fixture();
      const over = [move(ad(f, 0), true, 4_000n * USDC), move(ad(f, 1), true, 1_000n * USDC + 1n)];
      await expectRevert(
        asKeeper(f).getFunction("rebalance")(intent(), over, NO_COMMITMENT),
        keelErrors(),
        "MoveTooLarge",
        [5_000n * USDC + 1n, 5_000n * USDC],
      );
      await send(asKeeper(f), "rebalance", [
        intent(),
        [move(ad(f, 0), true, 4_000n * USDC), move(ad(f, 1), true, 1_000n * USDC)],
        NO_COMMITMENT,
      ]);
    });

    it("per-adapter cap: 40 % passes, one unit more reverts AdapterCapExceeded", async () => {
      const f = await fixture();
      await expectRevert(
        asKeeper(f).getFunction("rebalance")(intent(), [move(ad(f, 0), true, 4_000n * USDC + 1n)], NO_COMMITMENT),
        keelErrors(),
        "AdapterCapExceeded",
        [ad(f, 0), 4_000n * USDC + 1n, 4_000n * USDC],
      );
      await send(asKeeper(f), "rebalance", [intent(), [move(ad(f, 0), true, 4_000n * USDC)], NO_COMMITMENT]);
    });

    it("min idle buffer: leaving exactly 10 % passes, one unit less reverts IdleBelowMinimum", async () => {
      const f = await fixture();
      await setBounds(f, { maxMoveBps: 10_000n });
      const moves = (last: bigint) => [
        move(ad(f, 0), true, 4_000n * USDC),
        move(ad(f, 1), true, 4_000n * USDC),
        move(ad(f, 2), true, last),
      ];
      await expectRevert(
        asKeeper(f).getFunction("rebalance")(intent(), moves(1_000n * USDC + 1n), NO_COMMITMENT),
        keelErrors(),
        "IdleBelowMinimum",
        [1_000n * USDC - 1n, 1_000n * USDC],
      );
      await send(asKeeper(f), "rebalance", [intent(), moves(1_000n * USDC), NO_COMMITMENT]);
    });

    it("max loss: a target losing 10 % on entry passes at the 1 % limit and reverts LossTooHigh one unit beyond", async () => {
      const f = await fixture();
      await send(f.targets[0]!, "setEntryLossBps", [1_000n]);
      // 10 % of 1 000 = 100 = 1 % of 10 000: exactly at the limit.
      await expectRevert(
        asKeeper(f).getFunction("rebalance")(intent(), [move(ad(f, 0), true, 1_000n * USDC + 10n)], NO_COMMITMENT),
        keelErrors(),
        "LossTooHigh",
      );
      await send(asKeeper(f), "rebalance", [intent(), [move(ad(f, 0), true, 1_000n * USDC)], NO_COMMITMENT]);
      expect(await f.vault.getFunction("totalAssets")()).to.equal(9_900n * USDC);
    });

    it("max loss: the default 0.5 % bound stops a keeper move through a target that loses 10 %", async () => {
      const f = await fixture();
      await setBounds(f, { maxLossBps: DEFAULT_BOUNDS.maxLossBps });
      await send(f.targets[1]!, "setEntryLossBps", [1_000n]);
      await expectRevert(
        asKeeper(f).getFunction("rebalance")(intent(), [move(ad(f, 1), true, 1_000n * USDC)], NO_COMMITMENT),
        keelErrors(),
        "LossTooHigh",
        [100n * USDC, 50n * USDC],
      );
    });

    it("cool-down: one second early reverts CooldownActive, on time passes", async () => {
      const f = await fixture();
      await send(asKeeper(f), "rebalance", [intent(), [move(ad(f, 0), true, USDC)], NO_COMMITMENT]);
      const last = BigInt(await f.allocator.getFunction("lastRebalanceAt")());
      await t.setNextTimestamp(last + 599n);
      await expectRevert(
        asKeeper(f).getFunction("rebalance")(intent(), [move(ad(f, 0), true, USDC)], NO_COMMITMENT),
        keelErrors(),
        "CooldownActive",
        [last + 600n],
      );
      await t.setNextTimestamp(last + 600n);
      await send(asKeeper(f), "rebalance", [intent(), [move(ad(f, 0), true, USDC)], NO_COMMITMENT]);
    });

    it("daily cap: the 3rd rebalance of a day passes, the 4th reverts DailyLimitReached, the next day passes", async () => {
      const f = await fixture();
      await setBounds(f, { cooldownSeconds: 0n });
      const start = (Math.floor((await t.latestTimestamp()) / DAY) + 1) * DAY + 60;
      for (let i = 0; i < 3; i++) {
        await t.setNextTimestamp(start + i * 60);
        await send(asKeeper(f), "rebalance", [intent(), [move(ad(f, 0), true, USDC)], NO_COMMITMENT]);
      }
      await t.setNextTimestamp(start + 240);
      await expectRevert(
        asKeeper(f).getFunction("rebalance")(intent(), [move(ad(f, 0), true, USDC)], NO_COMMITMENT),
        keelErrors(),
        "DailyLimitReached",
        [3n],
      );
      await t.setNextTimestamp(start + DAY);
      await send(asKeeper(f), "rebalance", [intent(), [move(ad(f, 0), true, USDC)], NO_COMMITMENT]);
    });

    it("do not bind the manager, whom the adapter caps still bind", async () => {
      const f = await fixture();
      const mgr = f.allocator.connect(a.manager) as Contract;
      await expectRevert(
        mgr.getFunction("rebalance")(intent(), [move(ad(f, 0), true, 4_000n * USDC + 1n)], NO_COMMITMENT),
        keelErrors(),
        "AdapterCapExceeded",
      );
      await send(mgr, "rebalance", [
        intent(),
        [move(ad(f, 0), true, 4_000n * USDC), move(ad(f, 1), true, 4_000n * USDC), move(ad(f, 2), true, 2_000n * USDC)],
        NO_COMMITMENT,
      ]);
      expect(await f.vault.getFunction("idle")()).to.equal(0n);
    });

    it("reject bps above 100 %", async () => {
      const f = await fixture();
      await expectRevert(
        f.allocator.connect(a.manager).getFunction("setBounds")(
          boundsTuple({ ...DEFAULT_BOUNDS, maxLossBps: 10_001n }),
        ),
        keelErrors(),
        "InvalidBps",
        [10_001n],
      );
    });
  });

  describe("allow-list", () => {
    it("refuses to remove a non-empty adapter unless forced; an emergency exit first returns its assets to idle", async () => {
      const f = await fixture();
      await send(asKeeper(f), "rebalance", [intent(), [move(ad(f, 0), true, 2_000n * USDC)], NO_COMMITMENT]);
      const mgr = f.allocator.connect(a.manager) as Contract;
      await expectRevert(mgr.getFunction("removeAdapter")(ad(f, 0), false), keelErrors(), "AdapterNotEmpty", [
        ad(f, 0),
        2_000n * USDC,
      ]);
      await send(mgr, "emergencyExit", [ad(f, 0)]);
      await send(mgr, "removeAdapter", [ad(f, 0), false]);
      expect(await f.vault.getFunction("idle")()).to.equal(10_000n * USDC);
      expect((await f.allocator.getFunction("getAdapters")()).map(String)).to.not.include(ad(f, 0));
    });

    it("force-removes an adapter without calling it, writing its debt off as a loss", async () => {
      const f = await fixture();
      await send(asKeeper(f), "rebalance", [intent(), [move(ad(f, 0), true, 2_000n * USDC)], NO_COMMITMENT]);
      await send(f.targets[0]!, "setPaused", [true]);
      const receipt = await (await f.allocator.connect(a.manager).getFunction("removeAdapter")(ad(f, 0), true)).wait();
      const ev = receipt.logs
        .map((l: Log) => f.allocator.interface.parseLog(l))
        .find((e: LogDescription | null) => e?.name === "AdapterRemoved");
      expect(ev?.args.writtenOff).to.equal(2_000n * USDC);
      expect(await f.vault.getFunction("totalAssets")()).to.equal(8_000n * USDC);
      expect(await f.allocator.getFunction("totalDebt")()).to.equal(0n);
    });

    it("removes an empty adapter and rejects duplicates and foreign assets", async () => {
      const f = await fixture();
      const mgr = f.allocator.connect(a.manager) as Contract;
      await send(mgr, "removeAdapter", [ad(f, 2), false]);
      expect(await f.allocator.getFunction("isAdapter")(ad(f, 2))).to.equal(false);
      await send(mgr, "addAdapter", [ad(f, 2), caps(1_000n)]);
      await expectRevert(mgr.getFunction("addAdapter")(ad(f, 2), caps(1_000n)), keelErrors(), "AdapterAlreadyListed", [
        ad(f, 2),
      ]);
    });
  });
});
