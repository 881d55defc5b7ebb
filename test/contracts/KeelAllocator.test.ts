import { expect } from "chai";
import { type Contract, id as keccakText, type Log } from "ethers";
import fc from "fast-check";
import { send } from "../../src/devnet/deploy/contract.ts";
import { boundsTuple, DEFAULT_BOUNDS } from "../../src/devnet/deploy/suite.ts";
import { type Accounts, type TestChain, useTestChain } from "../support/chain.ts";
import {
  type CoreFixture,
  caps,
  deployAllocatorFixture,
  intent,
  keelErrors,
  move,
  NO_COMMITMENT,
  ROLES,
  USDC,
} from "../support/keel.ts";
import { expectRevert } from "../support/revert.ts";

const DAY = 86_400;

describe("KeelAllocator roles and intents", function () {
  this.timeout(60_000);
  let t: TestChain, a: Accounts;
  useTestChain((chain, accounts) => ([t, a] = [chain, accounts]));

  const build = () => deployAllocatorFixture(a);
  const fixture = () => t.fixture(build);
  const asKeeper = (f: CoreFixture): Contract => f.allocator.connect(a.keeper) as Contract;
  const ad = (f: CoreFixture, i: number): string => f.addresses.adapters[i]!;

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
            al.getFunction("rebalance").staticCall(intent(), [move(ad(f, 0), true, USDC)], NO_COMMITMENT, { from }),
            keelErrors(),
            "AccessControlUnauthorizedAccount",
            [from, ROLES.keeper],
          );
        }),
        { numRuns: 30 },
      );
      await expectRevert(
        al
          .getFunction("rebalance")
          .staticCall(intent(), [move(ad(f, 0), true, USDC)], NO_COMMITMENT, { from: a.guardian.address }),
        keelErrors(),
        "AccessControlUnauthorizedAccount",
      );
    });

    const managerOnly: [string, (f: CoreFixture) => unknown[]][] = [
      ["setBounds", () => [boundsTuple(DEFAULT_BOUNDS)]],
      ["addAdapter", (f) => [f.addresses.targets[0], caps(1n)]],
      ["setAdapterCaps", (f) => [ad(f, 0), caps(1n)]],
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
          al.getFunction("pullForWithdraw").staticCall(1n, 0n, { from: who.address }),
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
        asKeeper(f).getFunction("rebalance")(intent(), [move(ad(f, 0), true, USDC)], NO_COMMITMENT),
        keelErrors(),
        "AccessControlUnauthorizedAccount",
      );
    });
  });

  describe("intents", () => {
    it("emits one Rebalanced event with the intent id, totals, realised loss, moves and the decision commitment", async () => {
      const f = await fixture();
      const id = intent();
      const commitment = [keccakText("snapshot"), keccakText("model"), keccakText("config")];
      const tx = await asKeeper(f).getFunction("rebalance")(id, [move(ad(f, 0), true, 1_000n * USDC)], commitment);
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
      expect(e.args.loss).to.equal(0n);
      expect(e.args.moves.map((m: unknown[]) => [...m])).to.deep.equal([[ad(f, 0), true, 1_000n * USDC]]);
      expect([...e.args.commitment]).to.deep.equal(commitment);
    });

    it("rejects a second rebalance with the same intent id, even from the manager", async () => {
      const f = await fixture();
      const id = intent();
      await send(asKeeper(f), "rebalance", [id, [move(ad(f, 0), true, USDC)], NO_COMMITMENT]);
      expect(await f.allocator.getFunction("intentUsed")(id)).to.equal(true);
      await t.increaseTime(DAY);
      await expectRevert(
        asKeeper(f).getFunction("rebalance")(id, [move(ad(f, 0), true, USDC)], NO_COMMITMENT),
        keelErrors(),
        "IntentAlreadyUsed",
        [id],
      );
      await expectRevert(
        f.allocator.connect(a.manager).getFunction("rebalance")(id, [move(ad(f, 0), true, USDC)], NO_COMMITMENT),
        keelErrors(),
        "IntentAlreadyUsed",
        [id],
      );
    });

    it("leaves the intent unused when the rebalance reverts", async () => {
      const f = await fixture();
      const id = intent();
      await expectRevert(
        asKeeper(f).getFunction("rebalance")(id, [move(ad(f, 0), true, 9_000n * USDC)], NO_COMMITMENT),
        keelErrors(),
        "MoveTooLarge",
      );
      expect(await f.allocator.getFunction("intentUsed")(id)).to.equal(false);
      await send(asKeeper(f), "rebalance", [id, [move(ad(f, 0), true, USDC)], NO_COMMITMENT]);
    });

    it("rejects unknown adapters and zero amounts", async () => {
      const f = await fixture();
      await expectRevert(
        asKeeper(f).getFunction("rebalance")(intent(), [move(a.eve.address, true, USDC)], NO_COMMITMENT),
        keelErrors(),
        "UnknownAdapter",
        [a.eve.address],
      );
      await expectRevert(
        asKeeper(f).getFunction("rebalance")(intent(), [move(ad(f, 0), true, 0n)], NO_COMMITMENT),
        keelErrors(),
        "ZeroAmount",
      );
      await expectRevert(asKeeper(f).getFunction("rebalance")(intent(), [], NO_COMMITMENT), keelErrors(), "NoMoves");
    });
  });
});
