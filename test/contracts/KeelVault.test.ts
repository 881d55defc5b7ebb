import { expect } from "chai";
import type { Contract } from "ethers";
import fc from "fast-check";
import { send } from "../../src/devnet/deploy/contract.ts";
import { type Accounts, type TestChain, useTestChain } from "../support/chain.ts";
import {
  type CoreFixture,
  deployCore,
  fundAndDeposit,
  intent,
  keelErrors,
  move,
  NO_COMMITMENT,
  ROLES,
  USDC,
} from "../support/keel.ts";
import { expectRevert } from "../support/revert.ts";

describe("KeelVault", function () {
  this.timeout(60_000);
  let t: TestChain, a: Accounts;
  useTestChain((chain, accounts) => ([t, a] = [chain, accounts]));

  const build = async (): Promise<CoreFixture> => {
    const f = await deployCore(a, { depositCap: 1_000_000n * USDC });
    await fundAndDeposit(f, a.deployer, a.alice, 10_000n * USDC);
    return f;
  };
  const fixture = () => t.fixture(build);
  const readonlyVault = (f: CoreFixture): Contract => f.vault.connect(t.provider) as Contract;

  describe("roles", () => {
    const managerOnly: [string, (f: CoreFixture) => unknown[]][] = [
      ["unpause", () => []],
      ["shutdown", () => []],
      ["setDepositCap", () => [1n]],
      ["setAllocator", (f) => [f.addresses.allocator]],
      ["grantRole", () => [ROLES.guardian, a.eve.address]],
    ];

    for (const [fn, args] of managerOnly) {
      it(`${fn} reverts for random callers and for keeper and guardian`, async () => {
        const f = await fixture();
        const v = readonlyVault(f);
        const role = fn === "grantRole" ? ROLES.admin : ROLES.manager;
        await fc.assert(
          fc.asyncProperty(fc.uint8Array({ minLength: 20, maxLength: 20 }), async (bytes) => {
            const from = `0x${Buffer.from(bytes).toString("hex")}`;
            await expectRevert(
              v.getFunction(fn).staticCall(...args(f), { from }),
              keelErrors(),
              "AccessControlUnauthorizedAccount",
              [from, role],
            );
          }),
          { numRuns: 25 },
        );
        for (const who of [a.keeper, a.guardian, a.alice]) {
          await expectRevert(
            v.getFunction(fn).staticCall(...args(f), { from: who.address }),
            keelErrors(),
            "AccessControlUnauthorizedAccount",
          );
        }
      });
    }

    it("pause reverts for random callers and the keeper, and works for guardian and manager", async () => {
      const f = await fixture();
      const v = readonlyVault(f);
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ minLength: 20, maxLength: 20 }), async (bytes) => {
          const from = `0x${Buffer.from(bytes).toString("hex")}`;
          await expectRevert(
            v.getFunction("pause").staticCall({ from }),
            keelErrors(),
            "AccessControlUnauthorizedAccount",
            [from, ROLES.guardian],
          );
        }),
        { numRuns: 25 },
      );
      await expectRevert(
        v.getFunction("pause").staticCall({ from: a.keeper.address }),
        keelErrors(),
        "AccessControlUnauthorizedAccount",
      );
      await v.getFunction("pause").staticCall({ from: a.guardian.address });
      await v.getFunction("pause").staticCall({ from: a.manager.address });
    });

    it("allocator hooks revert for anyone but the allocator", async () => {
      const f = await fixture();
      const v = readonlyVault(f);
      for (const who of [a.manager, a.keeper, a.eve]) {
        const from = who.address;
        await expectRevert(
          v.getFunction("transferToAdapter").staticCall(who.address, 1n, { from }),
          keelErrors(),
          "NotAllocator",
          [from],
        );
        await expectRevert(v.getFunction("beginAllocation").staticCall({ from }), keelErrors(), "NotAllocator", [from]);
        await expectRevert(v.getFunction("endAllocation").staticCall({ from }), keelErrors(), "NotAllocator", [from]);
      }
    });
  });

  describe("kill-switch", () => {
    describe("when paused by the guardian", () => {
      it("stops deposits and mints but keeps withdrawals working", async () => {
        const f = await fixture();
        await send(f.vault.connect(a.guardian), "pause");
        expect(await f.vault.getFunction("paused")()).to.equal(true);
        expect(await f.vault.getFunction("maxDeposit")(a.alice.address)).to.equal(0n);
        await send(f.token, "mint", [a.bob.address, USDC]);
        await send(f.token.connect(a.bob), "approve", [f.addresses.vault, USDC]);
        await expectRevert(
          f.vault.connect(a.bob).getFunction("deposit")(USDC, a.bob.address),
          keelErrors(),
          "VaultPaused",
        );
        await expectRevert(
          f.vault.connect(a.bob).getFunction("mint")(USDC, a.bob.address),
          keelErrors(),
          "VaultPaused",
        );
        await send(f.vault.connect(a.alice), "withdraw", [1_000n * USDC, a.alice.address, a.alice.address]);
        expect(await f.token.getFunction("balanceOf")(a.alice.address)).to.equal(1_000n * USDC);
      });

      it("cannot be unpaused by the guardian, only by the manager", async () => {
        const f = await fixture();
        await send(f.vault.connect(a.guardian), "pause");
        await expectRevert(
          f.vault.connect(a.guardian).getFunction("unpause")(),
          keelErrors(),
          "AccessControlUnauthorizedAccount",
          [a.guardian.address, ROLES.manager],
        );
        await send(f.vault.connect(a.manager), "unpause");
        expect(await f.vault.getFunction("paused")()).to.equal(false);
      });

      it("stops keeper and manager rebalances", async () => {
        const f = await fixture();
        await send(f.vault.connect(a.guardian), "pause");
        for (const who of [a.keeper, a.manager]) {
          await expectRevert(
            f.allocator.connect(who).getFunction("rebalance")(
              intent(),
              [move(f.addresses.adapters[0]!, true, USDC)],
              NO_COMMITMENT,
            ),
            keelErrors(),
            "VaultPaused",
          );
        }
      });
    });

    describe("when shut down", () => {
      it("unwinds every adapter to idle and cannot be undone", async () => {
        const f = await fixture();
        await send(f.allocator.connect(a.manager), "rebalance", [
          intent(),
          [move(f.addresses.adapters[0]!, true, 3_000n * USDC), move(f.addresses.adapters[1]!, true, 2_000n * USDC)],
          NO_COMMITMENT,
        ]);
        expect(await f.vault.getFunction("idle")()).to.equal(5_000n * USDC);
        await send(f.vault.connect(a.manager), "shutdown");
        expect(await f.vault.getFunction("isShutdown")()).to.equal(true);
        expect(await f.vault.getFunction("idle")()).to.equal(10_000n * USDC);
        expect(await f.vault.getFunction("totalAssets")()).to.equal(10_000n * USDC);
        await expectRevert(f.vault.connect(a.manager).getFunction("shutdown")(), keelErrors(), "VaultShutdown");
        await send(f.vault.connect(a.manager), "unpause");
        await send(f.token, "mint", [a.bob.address, USDC]);
        await send(f.token.connect(a.bob), "approve", [f.addresses.vault, USDC]);
        await expectRevert(
          f.vault.connect(a.bob).getFunction("deposit")(USDC, a.bob.address),
          keelErrors(),
          "VaultShutdown",
        );
        await expectRevert(
          f.allocator.connect(a.manager).getFunction("rebalance")(
            intent(),
            [move(f.addresses.adapters[0]!, true, USDC)],
            NO_COMMITMENT,
          ),
          keelErrors(),
          "VaultShutdown",
        );
        const shares = (await f.vault.getFunction("balanceOf")(a.alice.address)) as bigint;
        await send(f.vault.connect(a.alice), "redeem", [shares, a.alice.address, a.alice.address]);
        expect(await f.token.getFunction("balanceOf")(a.alice.address)).to.equal(10_000n * USDC);
      });

      it("still completes when an adapter's emergency exit fails, reporting it", async () => {
        const f = await fixture();
        await send(f.allocator.connect(a.manager), "rebalance", [
          intent(),
          [move(f.addresses.adapters[0]!, true, 3_000n * USDC)],
          NO_COMMITMENT,
        ]);
        await send(f.targets[0]!, "setLiquidity", [0n]);
        await send(f.vault.connect(a.manager), "shutdown");
        expect(await f.vault.getFunction("isShutdown")()).to.equal(true);
        expect(await f.vault.getFunction("idle")()).to.equal(7_000n * USDC);
        await send(f.targets[0]!, "setLiquidity", [(1n << 256n) - 1n]);
        await send(f.allocator.connect(a.manager), "emergencyExit", [f.addresses.adapters[0]!]);
        expect(await f.vault.getFunction("idle")()).to.equal(10_000n * USDC);
      });
    });
  });

  describe("deposits", () => {
    it("accepts up to the deposit cap and rejects one unit more", async () => {
      const f = await fixture();
      const room = (await f.vault.getFunction("maxDeposit")(a.bob.address)) as bigint;
      expect(room).to.equal(990_000n * USDC);
      await send(f.token, "mint", [a.bob.address, room + 1n]);
      await send(f.token.connect(a.bob), "approve", [f.addresses.vault, room + 1n]);
      await expectRevert(
        f.vault.connect(a.bob).getFunction("deposit")(room + 1n, a.bob.address),
        keelErrors(),
        "ERC4626ExceededMaxDeposit",
      );
      await send(f.vault.connect(a.bob), "deposit", [room, a.bob.address]);
      expect(await f.vault.getFunction("maxDeposit")(a.bob.address)).to.equal(0n);
    });

    it("mints shares with the decimals offset (6 + 6 decimals)", async () => {
      const f = await fixture();
      expect(await f.vault.getFunction("decimals")()).to.equal(12n);
      expect(await f.vault.getFunction("balanceOf")(a.alice.address)).to.equal(10_000n * USDC * 10n ** 6n);
    });
  });

  describe("withdrawals", () => {
    it("pull from idle first, then from adapters in order", async () => {
      const f = await fixture();
      await send(f.allocator.connect(a.manager), "rebalance", [
        intent(),
        [move(f.addresses.adapters[0]!, true, 4_000n * USDC), move(f.addresses.adapters[1]!, true, 4_000n * USDC)],
        NO_COMMITMENT,
      ]);
      await send(f.vault.connect(a.alice), "withdraw", [5_000n * USDC, a.alice.address, a.alice.address]);
      expect(await f.vault.getFunction("idle")()).to.equal(0n);
      expect(await f.adapters[0]!.getFunction("totalAssets")()).to.equal(1_000n * USDC);
      expect(await f.adapters[1]!.getFunction("totalAssets")()).to.equal(4_000n * USDC);
    });

    it("report an illiquid adapter's shortfall in maxWithdraw and pay what is available", async () => {
      const f = await fixture();
      await send(f.allocator.connect(a.manager), "rebalance", [
        intent(),
        [move(f.addresses.adapters[0]!, true, 4_000n * USDC), move(f.addresses.adapters[1]!, true, 4_000n * USDC)],
        NO_COMMITMENT,
      ]);
      await send(f.targets[0]!, "setLiquidity", [1_000n * USDC]);
      expect(await f.adapters[0]!.getFunction("maxWithdraw")()).to.equal(1_000n * USDC);
      const max = (await f.vault.getFunction("maxWithdraw")(a.alice.address)) as bigint;
      expect(max).to.equal(7_000n * USDC);
      await expectRevert(
        f.vault.connect(a.alice).getFunction("withdraw")(max + 1n, a.alice.address, a.alice.address),
        keelErrors(),
        "ERC4626ExceededMaxWithdraw",
      );
      await send(f.vault.connect(a.alice), "withdraw", [max, a.alice.address, a.alice.address]);
      expect(await f.token.getFunction("balanceOf")(a.alice.address)).to.equal(7_000n * USDC);
      expect(await f.vault.getFunction("totalAssets")()).to.equal(3_000n * USDC);
    });
  });
});
