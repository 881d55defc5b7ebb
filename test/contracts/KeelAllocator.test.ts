import { expect } from "chai";
import type { Contract, Log } from "ethers";
import fc from "fast-check";
import { send } from "../../src/devnet/deploy/contract.ts";
import { boundsTuple, DEFAULT_BOUNDS } from "../../src/devnet/deploy/suite.ts";
import { type Accounts, type TestChain, useTestChain } from "../support/chain.ts";
import {
  type CoreFixture,
  deployCore,
  fundAndDeposit,
  intent,
  keelErrors,
  move,
  ROLES,
  USDC,
} from "../support/keel.ts";
import { expectRevert } from "../support/revert.ts";

const DAY = 86_400;
const BOUNDS = {
  maxMoveBps: 5_000n,
  maxLossBps: 100n,
  cooldownSeconds: 600n,
  maxRebalancesPerDay: 3n,
  minIdleBps: 1_000n,
  maxDeviationBps: 200n,
};

describe("KeelAllocator", function () {
  this.timeout(60_000);
  let t: TestChain, a: Accounts;
  useTestChain((chain, accounts) => ([t, a] = [chain, accounts]));

  const build = async (): Promise<CoreFixture> => {
    const f = await deployCore(a, { adapters: 3, bounds: BOUNDS, capBps: 4_000n, targetArtifact: "LossyVault" });
    await fundAndDeposit(f, a.deployer, a.alice, 10_000n * USDC);
    return f;
  };
  const fixture = () => t.fixture(build);
  const asKeeper = (f: CoreFixture): Contract => f.allocator.connect(a.keeper) as Contract;
  const ad = (f: CoreFixture, i: number): string => f.addresses.adapters[i]!;
  const setBounds = (f: CoreFixture, over: Partial<typeof BOUNDS>) =>
    send(f.allocator.connect(a.manager), "setBounds", [boundsTuple({ ...DEFAULT_BOUNDS, ...BOUNDS, ...over })]);

  describe("roles", () => {
    const randomAddress = fc
      .uint8Array({ minLength: 20, maxLength: 20 })
      .map((b) => `0x${Buffer.from(b).toString("hex")}`);

    it("rebalance reverts for random callers and the guardian with KEEPER_ROLE missing", async () => {
      const f = await fixture();
      const al = f.allocator.connect(t.provider) as Contract;
      await fc.assert(
        fc.asyncProperty(randomAddress, async (from) => {
          await expectRevert(
            al.getFunction("rebalance").staticCall(intent(), [move(ad(f, 0), true, USDC)], { from }),
            keelErrors(),
            "AccessControlUnauthorizedAccount",
            [from, ROLES.keeper],
          );
        }),
        { numRuns: 30 },
      );
      await expectRevert(
        al.getFunction("rebalance").staticCall(intent(), [move(ad(f, 0), true, USDC)], { from: a.guardian.address }),
        keelErrors(),
        "AccessControlUnauthorizedAccount",
      );
    });

    const managerOnly: [string, (f: CoreFixture) => unknown[]][] = [
      ["setBounds", () => [boundsTuple(DEFAULT_BOUNDS)]],
      ["addAdapter", (f) => [f.addresses.targets[0], 1n]],
      ["setAdapterCap", (f) => [ad(f, 0), 1n]],
      ["removeAdapter", (f) => [ad(f, 0), true]],
      ["emergencyExit", (f) => [ad(f, 0)]],
    ];
    for (const [fn, args] of managerOnly) {
      it(`${fn} reverts for random callers, keeper and guardian`, async () => {
        const f = await fixture();
        const al = f.allocator.connect(t.provider) as Contract;
        await fc.assert(
          fc.asyncProperty(randomAddress, async (from) => {
            await expectRevert(
              al.getFunction(fn).staticCall(...args(f), { from }),
              keelErrors(),
              "AccessControlUnauthorizedAccount",
              [from, ROLES.manager],
            );
          }),
          { numRuns: 20 },
        );
        for (const who of [a.keeper, a.guardian]) {
          await expectRevert(
            al.getFunction(fn).staticCall(...args(f), { from: who.address }),
            keelErrors(),
            "AccessControlUnauthorizedAccount",
            [who.address, ROLES.manager],
          );
        }
      });
    }

    it("vault hooks revert for anyone but the vault", async () => {
      const f = await fixture();
      const al = f.allocator.connect(t.provider) as Contract;
      for (const who of [a.manager, a.keeper, a.eve]) {
        await expectRevert(
          al.getFunction("pullForWithdraw").staticCall(1n, { from: who.address }),
          keelErrors(),
          "NotVault",
          [who.address],
        );
        await expectRevert(al.getFunction("unwindAll").staticCall({ from: who.address }), keelErrors(), "NotVault", [
          who.address,
        ]);
      }
    });

    it("adapters accept deposits and withdrawals from the allocator only", async () => {
      const f = await fixture();
      const adapter = f.adapters[0]!.connect(t.provider) as Contract;
      for (const who of [a.manager, a.keeper, a.eve]) {
        for (const [fn, args] of [
          ["deposit", [1n]],
          ["withdraw", [1n]],
          ["emergencyWithdraw", []],
        ] as const) {
          await expectRevert(
            adapter.getFunction(fn).staticCall(...args, { from: who.address }),
            keelErrors(),
            "NotAllocator",
            [who.address],
          );
        }
      }
    });

    it("stops the keeper as soon as its role is revoked", async () => {
      const f = await fixture();
      await send(f.allocator.connect(a.manager), "revokeRole", [ROLES.keeper, a.keeper.address]);
      await expectRevert(
        asKeeper(f).getFunction("rebalance")(intent(), [move(ad(f, 0), true, USDC)]),
        keelErrors(),
        "AccessControlUnauthorizedAccount",
      );
    });
  });

  describe("intents", () => {
    it("emits one Rebalanced event with the intent id, totals and moves", async () => {
      const f = await fixture();
      const id = intent();
      const tx = await asKeeper(f).getFunction("rebalance")(id, [move(ad(f, 0), true, 1_000n * USDC)]);
      const receipt = await tx.wait();
      const events = (receipt.logs as Log[])
        .map((l) => f.allocator.interface.parseLog(l))
        .filter((e) => e?.name === "Rebalanced");
      expect(events).to.have.length(1);
      const e = events[0]!;
      expect(e.args.intentId).to.equal(id);
      expect(e.args.caller).to.equal(a.keeper.address);
      expect(e.args.totalAssetsBefore).to.equal(10_000n * USDC);
      expect(e.args.totalAssetsAfter).to.equal(10_000n * USDC);
      expect(e.args.moves.map((m: unknown[]) => [...m])).to.deep.equal([[ad(f, 0), true, 1_000n * USDC]]);
    });

    it("rejects a second rebalance with the same intent id, even from the manager", async () => {
      const f = await fixture();
      const id = intent();
      await send(asKeeper(f), "rebalance", [id, [move(ad(f, 0), true, USDC)]]);
      expect(await f.allocator.getFunction("intentUsed")(id)).to.equal(true);
      await t.increaseTime(DAY);
      await expectRevert(
        asKeeper(f).getFunction("rebalance")(id, [move(ad(f, 0), true, USDC)]),
        keelErrors(),
        "IntentAlreadyUsed",
        [id],
      );
      await expectRevert(
        f.allocator.connect(a.manager).getFunction("rebalance")(id, [move(ad(f, 0), true, USDC)]),
        keelErrors(),
        "IntentAlreadyUsed",
        [id],
      );
    });

    it("leaves the intent unused when the rebalance reverts", async () => {
      const f = await fixture();
      const id = intent();
      await expectRevert(
        asKeeper(f).getFunction("rebalance")(id, [move(ad(f, 0), true, 9_000n * USDC)]),
        keelErrors(),
        "MoveTooLarge",
      );
      expect(await f.allocator.getFunction("intentUsed")(id)).to.equal(false);
      await send(asKeeper(f), "rebalance", [id, [move(ad(f, 0), true, USDC)]]);
    });

    it("rejects unknown adapters and zero amounts", async () => {
      const f = await fixture();
      await expectRevert(
        asKeeper(f).getFunction("rebalance")(intent(), [move(a.eve.address, true, USDC)]),
        keelErrors(),
        "UnknownAdapter",
        [a.eve.address],
      );
      await expectRevert(
        asKeeper(f).getFunction("rebalance")(intent(), [move(ad(f, 0), true, 0n)]),
        keelErrors(),
        "ZeroAmount",
      );
      await expectRevert(asKeeper(f).getFunction("rebalance")(intent(), []), keelErrors(), "NoMoves");
    });
  });

  describe("keeper bounds", () => {
    it("max share moved: 50 % passes, one unit more reverts MoveTooLarge", async () => {
      const f = await fixture();
      const over = [move(ad(f, 0), true, 4_000n * USDC), move(ad(f, 1), true, 1_000n * USDC + 1n)];
      await expectRevert(asKeeper(f).getFunction("rebalance")(intent(), over), keelErrors(), "MoveTooLarge", [
        5_000n * USDC + 1n,
        5_000n * USDC,
      ]);
      await send(asKeeper(f), "rebalance", [
        intent(),
        [move(ad(f, 0), true, 4_000n * USDC), move(ad(f, 1), true, 1_000n * USDC)],
      ]);
    });

    it("per-adapter cap: 40 % passes, one unit more reverts AdapterCapExceeded", async () => {
      const f = await fixture();
      await expectRevert(
        asKeeper(f).getFunction("rebalance")(intent(), [move(ad(f, 0), true, 4_000n * USDC + 1n)]),
        keelErrors(),
        "AdapterCapExceeded",
        [ad(f, 0), 4_000n * USDC + 1n, 4_000n * USDC],
      );
      await send(asKeeper(f), "rebalance", [intent(), [move(ad(f, 0), true, 4_000n * USDC)]]);
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
        asKeeper(f).getFunction("rebalance")(intent(), moves(1_000n * USDC + 1n)),
        keelErrors(),
        "IdleBelowMinimum",
        [1_000n * USDC - 1n, 1_000n * USDC],
      );
      await send(asKeeper(f), "rebalance", [intent(), moves(1_000n * USDC)]);
    });

    it("max loss: a target losing 10 % on entry passes at the 1 % limit and reverts LossTooHigh one unit beyond", async () => {
      const f = await fixture();
      await send(f.targets[0]!, "setEntryLossBps", [1_000n]);
      // 10 % of 1 000 = 100 = 1 % of 10 000: exactly at the limit.
      await expectRevert(
        asKeeper(f).getFunction("rebalance")(intent(), [move(ad(f, 0), true, 1_000n * USDC + 10n)]),
        keelErrors(),
        "LossTooHigh",
      );
      await send(asKeeper(f), "rebalance", [intent(), [move(ad(f, 0), true, 1_000n * USDC)]]);
      expect(await f.vault.getFunction("totalAssets")()).to.equal(9_900n * USDC);
    });

    it("max loss: the default 0.5 % bound stops a keeper move through a target that loses 10 %", async () => {
      const f = await fixture();
      await setBounds(f, { maxLossBps: DEFAULT_BOUNDS.maxLossBps });
      await send(f.targets[1]!, "setEntryLossBps", [1_000n]);
      await expectRevert(
        asKeeper(f).getFunction("rebalance")(intent(), [move(ad(f, 1), true, 1_000n * USDC)]),
        keelErrors(),
        "LossTooHigh",
        [10_000n * USDC, 9_900n * USDC, 50n],
      );
    });

    it("cool-down: one second early reverts CooldownActive, on time passes", async () => {
      const f = await fixture();
      await send(asKeeper(f), "rebalance", [intent(), [move(ad(f, 0), true, USDC)]]);
      const last = BigInt(await f.allocator.getFunction("lastRebalanceAt")());
      await t.setNextTimestamp(last + 599n);
      await expectRevert(
        asKeeper(f).getFunction("rebalance")(intent(), [move(ad(f, 0), true, USDC)]),
        keelErrors(),
        "CooldownActive",
        [last + 600n],
      );
      await t.setNextTimestamp(last + 600n);
      await send(asKeeper(f), "rebalance", [intent(), [move(ad(f, 0), true, USDC)]]);
    });

    it("daily cap: the 3rd rebalance of a day passes, the 4th reverts DailyLimitReached, the next day passes", async () => {
      const f = await fixture();
      await setBounds(f, { cooldownSeconds: 0n });
      const start = (Math.floor((await t.latestTimestamp()) / DAY) + 1) * DAY + 60;
      for (let i = 0; i < 3; i++) {
        await t.setNextTimestamp(start + i * 60);
        await send(asKeeper(f), "rebalance", [intent(), [move(ad(f, 0), true, USDC)]]);
      }
      await t.setNextTimestamp(start + 240);
      await expectRevert(
        asKeeper(f).getFunction("rebalance")(intent(), [move(ad(f, 0), true, USDC)]),
        keelErrors(),
        "DailyLimitReached",
        [3n],
      );
      await t.setNextTimestamp(start + DAY);
      await send(asKeeper(f), "rebalance", [intent(), [move(ad(f, 0), true, USDC)]]);
    });

    it("do not bind the manager", async () => {
      const f = await fixture();
      await send(f.allocator.connect(a.manager), "rebalance", [
        intent(),
        [move(ad(f, 0), true, 5_000n * USDC), move(ad(f, 1), true, 5_000n * USDC)],
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
    it("refuses to remove a non-empty adapter unless forced, and a forced exit returns its assets to idle", async () => {
      const f = await fixture();
      await send(asKeeper(f), "rebalance", [intent(), [move(ad(f, 0), true, 2_000n * USDC)]]);
      const mgr = f.allocator.connect(a.manager) as Contract;
      await expectRevert(mgr.getFunction("removeAdapter")(ad(f, 0), false), keelErrors(), "AdapterNotEmpty", [
        ad(f, 0),
        2_000n * USDC,
      ]);
      await send(mgr, "removeAdapter", [ad(f, 0), true]);
      expect(await f.vault.getFunction("idle")()).to.equal(10_000n * USDC);
      expect((await f.allocator.getFunction("getAdapters")()).map(String)).to.not.include(ad(f, 0));
    });

    it("removes an empty adapter and rejects duplicates and foreign assets", async () => {
      const f = await fixture();
      const mgr = f.allocator.connect(a.manager) as Contract;
      await send(mgr, "removeAdapter", [ad(f, 2), false]);
      expect(await f.allocator.getFunction("isAdapter")(ad(f, 2))).to.equal(false);
      await send(mgr, "addAdapter", [ad(f, 2), 1_000n]);
      await expectRevert(mgr.getFunction("addAdapter")(ad(f, 2), 1_000n), keelErrors(), "AdapterAlreadyListed", [
        ad(f, 2),
      ]);
    });
  });
});
