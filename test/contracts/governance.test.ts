import { expect } from "chai";
import type { Contract } from "ethers";
import { send } from "../../src/devnet/deploy/contract.ts";
import { boundsTuple, DEFAULT_BOUNDS, DEFAULT_TIMELOCK_SECONDS as LOCK } from "../../src/devnet/deploy/suite.ts";
import { type Accounts, type TestChain, useTestChain } from "../support/chain.ts";
import {
  type CoreFixture,
  caps,
  deployCore,
  fundAndDeposit,
  intent,
  keelErrors,
  move,
  NO_COMMITMENT,
  ROLES,
  setTimelocks,
  USDC,
} from "../support/keel.ts";
import { expectRevert } from "../support/revert.ts";

describe("governance: timelocks, abdication and the sentinel", function () {
  this.timeout(60_000);
  let t: TestChain, a: Accounts;
  useTestChain((chain, accounts) => ([t, a] = [chain, accounts]));

  /** Two ERC-4626 sources, 3-day timelocks as a production deployment sets them, the guardian as sentinel. */
  const build = async (): Promise<CoreFixture> => {
    const f = await deployCore(a, { adapters: 2, capBps: 5_000n });
    await fundAndDeposit(f, a.deployer, a.alice, 10_000n * USDC);
    await send(f.allocator.connect(a.manager), "grantRole", [ROLES.sentinel, a.guardian.address]);
    await setTimelocks(f, a.manager, LOCK);
    return f;
  };
  const fixture = () => t.fixture(build);
  const mgr = (f: CoreFixture) => f.allocator.connect(a.manager) as Contract;
  const sentinel = (f: CoreFixture) => f.allocator.connect(a.guardian) as Contract;
  const ad = (f: CoreFixture, i: number) => f.addresses.adapters[i]!;
  /** Submits `fn(args)` on `c`: refused before, not a minute early, runs after `wait` (the 3-day timelock). */
  const afterTimelock = async (c: Contract, fn: string, args: unknown[], wait = LOCK) => {
    await expectRevert(c.getFunction(fn)(...args), keelErrors(), "DataNotPending");
    await send(c, "submit", [c.interface.encodeFunctionData(fn, args)]);
    await t.increaseTime(wait - 60n);
    await expectRevert(c.getFunction(fn)(...args), keelErrors(), "TimelockNotExpired");
    await t.increaseTime(60n);
    await send(c, fn, args);
  };

  it("lets risk decrease at once and makes every increase wait its timelock", async () => {
    const f = await fixture();
    const m = mgr(f);
    const v = f.vault.connect(a.manager) as Contract;
    // Instant: tighter bounds and budgets, lower caps, a longer unlock, a lower deposit cap, revocations.
    await send(m, "setBounds", [boundsTuple({ ...DEFAULT_BOUNDS, maxMoveBps: 4_000n })]);
    await send(m, "setBudgets", [[50n, 10_000n]]);
    await send(m, "setAdapterCaps", [ad(f, 0), caps(4_000n)]);
    await send(m, "setProfitUnlockTime", [86_400n]);
    await send(v, "setDepositCap", [1_000_000n * USDC]);
    await send(m, "revokeRole", [ROLES.keeper, a.keeper.address]);
    await send(m, "grantRole", [ROLES.sentinel, a.bob.address]); // the sentinel can only reduce risk
    await send(v, "grantRole", [ROLES.guardian, a.bob.address]); // the guardian can only pause
    // Timelocked: the reverse of each.
    await afterTimelock(m, "setBounds", [boundsTuple({ ...DEFAULT_BOUNDS, maxMoveBps: 6_000n })]);
    await afterTimelock(m, "setBudgets", [[100n, 20_000n]]);
    await afterTimelock(m, "setAdapterCaps", [ad(f, 0), caps(6_000n)]);
    await afterTimelock(m, "setProfitUnlockTime", [3_600n]);
    await afterTimelock(v, "setDepositCap", [2_000_000n * USDC]);
    await afterTimelock(m, "grantRole", [ROLES.keeper, a.keeper.address]);
    await afterTimelock(v, "grantRole", [ROLES.manager, a.bob.address]);
    expect(await f.allocator.getFunction("hasRole")(ROLES.keeper, a.keeper.address)).to.equal(true);
    expect(await f.allocator.getFunction("maxMoveBps")()).to.equal(6_000n);
  });

  it("delays what is pending when a timelock is raised; lowering one waits the current timelock", async () => {
    const f = await fixture();
    const m = mgr(f);
    const sel = m.interface.getFunction("setBudgets")!.selector;
    await send(m, "submit", [m.interface.encodeFunctionData("setBudgets", [[200n, 20_000n]])]);
    await t.increaseTime(LOCK / 2n);
    await send(m, "increaseTimelock", [sel, LOCK * 2n]);
    await t.increaseTime(LOCK);
    await expectRevert(m.getFunction("setBudgets")([200n, 20_000n]), keelErrors(), "TimelockNotExpired");
    await expectRevert(m.getFunction("increaseTimelock")(sel, 31n * 86_400n), keelErrors(), "TimelockTooLong");
    await afterTimelock(m, "decreaseTimelock", [sel, 0n], LOCK * 2n);
    await send(m, "setBudgets", [[300n, 20_000n]]); // timelock 0: direct
  });

  it("abdicates a function for good: nothing can submit or run it again", async () => {
    const f = await fixture();
    const m = mgr(f);
    const sel = m.interface.getFunction("addAdapter")!.selector;
    await afterTimelock(m, "abdicate", [sel]);
    expect(await f.allocator.getFunction("timelock")(sel)).to.equal((1n << 256n) - 1n);
    const add = m.interface.encodeFunctionData("addAdapter", [f.addresses.targets[0]!, caps(1_000n)]);
    await expectRevert(m.getFunction("submit")(add), keelErrors(), "Abdicated", [sel]);
    await expectRevert(m.getFunction("addAdapter")(f.addresses.targets[0]!, caps(1_000n)), keelErrors(), "Abdicated");
    await expectRevert(m.getFunction("increaseTimelock")(sel, 0n), keelErrors(), "Abdicated");
    await expectRevert(
      m.getFunction("submit")(m.interface.encodeFunctionData("decreaseTimelock", [sel, 0n])),
      keelErrors(),
      "Abdicated",
    );
  });

  describe("the sentinel", () => {
    it("revokes a pending change, lowers caps, moves funds to idle, runs emergency exits and pauses", async () => {
      const f = await fixture();
      await send(mgr(f), "rebalance", [intent(), [move(ad(f, 0), true, 4_000n * USDC)], NO_COMMITMENT]);
      const raise = [ad(f, 0), caps(9_000n)] as const;
      await send(mgr(f), "submit", [mgr(f).interface.encodeFunctionData("setAdapterCaps", raise)]);
      await send(sentinel(f), "revoke", [mgr(f).interface.encodeFunctionData("setAdapterCaps", raise)]);
      await t.increaseTime(LOCK);
      await expectRevert(mgr(f).getFunction("setAdapterCaps")(...raise), keelErrors(), "DataNotPending");
      await send(sentinel(f), "setAdapterCaps", [ad(f, 1), caps(1_000n)]);
      await send(sentinel(f), "rebalance", [intent(), [move(ad(f, 0), false, 1_000n * USDC)], NO_COMMITMENT]);
      await send(sentinel(f), "emergencyExit", [ad(f, 0)]);
      expect(await f.vault.getFunction("idle")()).to.equal(10_000n * USDC);
      await send(f.vault.connect(a.guardian), "pause");
      expect(await f.vault.getFunction("paused")()).to.equal(true);
    });

    it("cannot raise risk: no deposit move, no cap raise, no settings, no unpause, no submission", async () => {
      const f = await fixture();
      const s = sentinel(f);
      await expectRevert(
        s.getFunction("rebalance")(intent(), [move(ad(f, 0), true, USDC)], NO_COMMITMENT),
        keelErrors(),
        "SentinelMayOnlyWithdraw",
      );
      const denied: [Contract, string, unknown[]][] = [
        [s, "setAdapterCaps", [ad(f, 0), caps(6_000n)]],
        [s, "setBounds", [boundsTuple(DEFAULT_BOUNDS)]],
        [s, "removeAdapter", [ad(f, 0), true]],
        [s, "submit", ["0x12345678"]],
        [s, "increaseTimelock", ["0x12345678", 1n]],
        [f.vault.connect(a.guardian) as Contract, "unpause", []],
        [f.vault.connect(a.guardian) as Contract, "submit", ["0x12345678"]],
      ];
      for (const [c, fn, args] of denied) {
        await expectRevert(c.getFunction(fn)(...args), keelErrors(), "AccessControlUnauthorizedAccount", [
          a.guardian.address,
          ROLES.manager,
        ]);
      }
    });

    it("pauses the vault and revokes its pending changes through the allocator's role (no guardian role needed)", async () => {
      const f = await fixture();
      await send(mgr(f), "grantRole", [ROLES.sentinel, a.bob.address]);
      const v = f.vault.connect(a.manager) as Contract;
      const raise = v.interface.encodeFunctionData("setDepositCap", [1n]);
      await send(v, "setDepositCap", [0n]);
      await send(v, "submit", [v.interface.encodeFunctionData("setDepositCap", [10n])]);
      await send(f.vault.connect(a.bob), "revoke", [v.interface.encodeFunctionData("setDepositCap", [10n])]);
      await expectRevert(
        f.vault.connect(a.eve).getFunction("revoke")(raise),
        keelErrors(),
        "AccessControlUnauthorizedAccount",
      );
      await send(f.vault.connect(a.bob), "pause");
      expect(await f.vault.getFunction("paused")()).to.equal(true);
    });
  });
});
