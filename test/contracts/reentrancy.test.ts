import { expect } from "chai";
import type { Contract, Log, LogDescription } from "ethers";
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
  NO_COMMITMENT,
  ROLES,
  USDC,
} from "../support/keel.ts";
import { expectRevert } from "../support/revert.ts";

describe("reentrancy", function () {
  this.timeout(60_000);
  let t: TestChain, a: Accounts;
  useTestChain((chain, accounts) => ([t, a] = [chain, accounts]));

  // One fixture: a malicious base token (HookToken) and a malicious target (ReentrantVault).
  const build = async (): Promise<CoreFixture> => {
    const f = await deployCore(a, { adapters: 2, tokenArtifact: "HookToken", targetArtifact: "ReentrantVault" });
    await fundAndDeposit(f, a.deployer, a.alice, 10_000n * USDC);
    await send(f.token, "mint", [a.bob.address, 1_000n * USDC]);
    await send(f.token.connect(a.bob), "approve", [f.addresses.vault, 1_000n * USDC]);
    return f;
  };
  const fixture = () => t.fixture(build);
  const call = (c: Contract, fn: string, args: unknown[]) => c.interface.encodeFunctionData(fn, args);

  describe("through a malicious target", () => {
    it("stops a vault deposit made during a rebalance", async () => {
      const f = await fixture();
      await send(f.targets[0]!, "arm", [f.addresses.vault, call(f.vault, "deposit", [1n, a.bob.address])]);
      await expectRevert(
        f.allocator.connect(a.keeper).getFunction("rebalance")(
          intent(),
          [move(f.addresses.adapters[0]!, true, 1_000n * USDC)],
          NO_COMMITMENT,
        ),
        keelErrors(),
        "ReentrantCall",
      );
    });

    it("stops a nested rebalance, even by a target holding KEEPER_ROLE", async () => {
      const f = await fixture();
      await send(f.allocator.connect(a.manager), "grantRole", [ROLES.keeper, f.addresses.targets[0]!]);
      await send(f.allocator.connect(a.manager), "setBounds", [
        boundsTuple({ ...DEFAULT_BOUNDS, cooldownSeconds: 0n }),
      ]);
      const nested = call(f.allocator, "rebalance", [
        intent(),
        [move(f.addresses.adapters[0]!, true, 1n)],
        NO_COMMITMENT,
      ]);
      await send(f.targets[0]!, "arm", [f.addresses.allocator, nested]);
      await expectRevert(
        f.allocator.connect(a.keeper).getFunction("rebalance")(
          intent(),
          [move(f.addresses.adapters[0]!, true, 1_000n * USDC)],
          NO_COMMITMENT,
        ),
        keelErrors(),
        "ReentrantCall",
      );
    });

    it("stops a vault withdrawal re-entered from a pull, and pays from the next source instead", async () => {
      const f = await fixture();
      const [bad, good] = f.addresses.adapters as [string, string];
      await send(f.allocator.connect(a.manager), "rebalance", [
        intent(),
        [move(bad, true, 4_000n * USDC), move(good, true, 5_000n * USDC)],
        NO_COMMITMENT,
      ]);
      await send(f.targets[0]!, "arm", [
        f.addresses.vault,
        call(f.vault, "withdraw", [1n, a.bob.address, a.alice.address]),
      ]);
      const receipt = await (
        await f.vault.connect(a.alice).getFunction("withdraw")(5_000n * USDC, a.alice.address, a.alice.address)
      ).wait();
      const failed = receipt.logs
        .map((l: Log) => f.allocator.interface.parseLog(l))
        .find((e: LogDescription | null) => e?.name === "PullFailed");
      expect(failed, "PullFailed event").to.not.equal(undefined);
      expect(keelErrors().parseError(failed.args.reason)?.name).to.equal("ReentrantCall");
      expect(await f.adapters[0]!.getFunction("totalAssets")()).to.equal(4_000n * USDC);
      expect(await f.adapters[1]!.getFunction("totalAssets")()).to.equal(1_000n * USDC);
      expect(await f.vault.getFunction("totalAssets")()).to.equal(5_000n * USDC);
    });

    it("reverts the withdrawal with InsufficientLiquidity when no other source can pay", async () => {
      const f = await fixture();
      await send(f.allocator.connect(a.manager), "rebalance", [
        intent(),
        [move(f.addresses.adapters[0]!, true, 9_000n * USDC)],
        NO_COMMITMENT,
      ]);
      await send(f.targets[0]!, "arm", [
        f.addresses.vault,
        call(f.vault, "withdraw", [1n, a.bob.address, a.alice.address]),
      ]);
      await expectRevert(
        f.vault.connect(a.alice).getFunction("withdraw")(5_000n * USDC, a.alice.address, a.alice.address),
        keelErrors(),
        "InsufficientLiquidity",
        [5_000n * USDC, 1_000n * USDC],
      );
      expect(await f.vault.getFunction("totalAssets")()).to.equal(10_000n * USDC);
    });
  });

  describe("through a malicious base token", () => {
    it("stops a deposit re-entering deposit", async () => {
      const f = await fixture();
      await send(f.token, "arm", [f.addresses.vault, call(f.vault, "deposit", [1n, a.bob.address])]);
      await expectRevert(
        f.vault.connect(a.bob).getFunction("deposit")(100n * USDC, a.bob.address),
        keelErrors(),
        "ReentrantCall",
      );
    });

    it("stops a withdrawal re-entering withdraw", async () => {
      const f = await fixture();
      await send(f.token, "arm", [f.addresses.vault, call(f.vault, "withdraw", [1n, a.bob.address, a.alice.address])]);
      await expectRevert(
        f.vault.connect(a.alice).getFunction("withdraw")(100n * USDC, a.alice.address, a.alice.address),
        keelErrors(),
        "ReentrantCall",
      );
    });

    it("stops a rebalance re-entering deposit while assets move to an adapter", async () => {
      const f = await fixture();
      await send(f.token, "arm", [f.addresses.vault, call(f.vault, "deposit", [1n, a.bob.address])]);
      await expectRevert(
        f.allocator.connect(a.keeper).getFunction("rebalance")(
          intent(),
          [move(f.addresses.adapters[0]!, true, 1_000n * USDC)],
          NO_COMMITMENT,
        ),
        keelErrors(),
        "ReentrantCall",
      );
      expect(await f.vault.getFunction("idle")()).to.equal(10_000n * USDC);
    });
  });
});
