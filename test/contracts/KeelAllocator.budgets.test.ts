import { expect } from "chai";
import type { Contract } from "ethers";
import { send } from "../../src/devnet/deploy/contract.ts";
import { boundsTuple, DEFAULT_BOUNDS } from "../../src/devnet/deploy/suite.ts";
import { type Accounts, type TestChain, useTestChain } from "../support/chain.ts";
import {
  ALLOCATOR_TEST_BOUNDS as BOUNDS,
  type CoreFixture,
  caps,
  deployCore,
  fundAndDeposit,
  intent,
  keelErrors,
  move,
  NO_COMMITMENT,
  USDC,
} from "../support/keel.ts";
import { expectRevert } from "../support/revert.ts";

const DAY = 86_400;

describe("KeelAllocator rolling budgets, per-adapter flows and caps", function () {
  this.timeout(60_000);
  let t: TestChain, a: Accounts;
  useTestChain((chain, accounts) => ([t, a] = [chain, accounts]));

  /** 3 LossyVault sources, no cool-down, 10 000 from alice; loss budget 1 %, flow budget 30 % a day. */
  const build = async (): Promise<CoreFixture> => {
    const f = await deployCore(a, {
      adapters: 3,
      bounds: { ...BOUNDS, cooldownSeconds: 0n, maxRebalancesPerDay: 32n },
      budgets: { maxDailyLossBps: 100n, maxDailyFlowBps: 3_000n },
      capBps: 4_000n,
      targetArtifact: "LossyVault",
    });
    await fundAndDeposit(f, a.deployer, a.alice, 10_000n * USDC);
    return f;
  };
  const fixture = () => t.fixture(build);
  const asKeeper = (f: CoreFixture): Contract => f.allocator.connect(a.keeper) as Contract;
  const ad = (f: CoreFixture, i: number): string => f.addresses.adapters[i]!;
  const keeperMove = (f: CoreFixture, moves: ReturnType<typeof move>[]) =>
    asKeeper(f).getFunction("rebalance")(intent(), moves, NO_COMMITMENT);

  it("loss: the trailing 24 h sum of realised keeper losses stops at the budget and frees up exactly 24 h later", async () => {
    const f = await fixture();
    await send(f.targets[0]!, "setEntryLossBps", [1_000n]); // 10 % of each move
    const start = (Math.floor((await t.latestTimestamp()) / DAY) + 1) * DAY + 60;
    await t.setNextTimestamp(start);
    await send(asKeeper(f), "rebalance", [intent(), [move(ad(f, 0), true, 600n * USDC)], NO_COMMITMENT]); // −60
    const [loss, flow] = (await f.allocator.getFunction("windowTotals")()) as bigint[];
    expect(loss).to.be.closeTo(60n * USDC, 2n);
    expect(flow).to.equal(600n * USDC);
    await t.setNextTimestamp(start + 3_600);
    // 60 + 40 = 100 = 1 % of 9 940: over by the rounding of the budget; 39 passes.
    await expectRevert(keeperMove(f, [move(ad(f, 0), true, 400n * USDC)]), keelErrors(), "DailyLossBudgetExceeded");
    await send(asKeeper(f), "rebalance", [intent(), [move(ad(f, 0), true, 390n * USDC)], NO_COMMITMENT]); // −39
    await t.setNextTimestamp(start + DAY - 1);
    await expectRevert(keeperMove(f, [move(ad(f, 0), true, 10n * USDC)]), keelErrors(), "DailyLossBudgetExceeded");
    await t.setNextTimestamp(start + DAY); // the first entry leaves the window
    await send(asKeeper(f), "rebalance", [intent(), [move(ad(f, 0), true, 100n * USDC)], NO_COMMITMENT]);
    const [loss2, flow2] = (await f.allocator.getFunction("windowTotals")()) as bigint[];
    expect(loss2).to.be.closeTo(49n * USDC, 4n);
    expect(flow2).to.equal(490n * USDC);
  });

  it("flow: the trailing 24 h sum of assets the keeper moved stops at the budget", async () => {
    const f = await fixture();
    await send(asKeeper(f), "rebalance", [intent(), [move(ad(f, 0), true, 2_000n * USDC)], NO_COMMITMENT]);
    await send(asKeeper(f), "rebalance", [intent(), [move(ad(f, 0), false, 1_000n * USDC)], NO_COMMITMENT]);
    await expectRevert(keeperMove(f, [move(ad(f, 1), true, 1n)]), keelErrors(), "DailyFlowBudgetExceeded", [
      3_000n * USDC + 1n,
      3_000n * USDC,
    ]);
    // The manager is not bound by it, and its moves do not count.
    await send(f.allocator.connect(a.manager), "rebalance", [
      intent(),
      [move(ad(f, 1), true, 1_000n * USDC)],
      NO_COMMITMENT,
    ]);
    await t.increaseTime(DAY);
    await send(asKeeper(f), "rebalance", [intent(), [move(ad(f, 1), true, 1_000n * USDC)], NO_COMMITMENT]);
  });

  it("per adapter: the keeper's inflow and outflow per rebalance are capped, summed over its moves", async () => {
    const f = await fixture();
    const mgr = f.allocator.connect(a.manager) as Contract;
    await send(mgr, "setAdapterCaps", [ad(f, 0), caps(4_000n, { maxInflow: 500n * USDC, maxOutflow: 200n * USDC })]);
    await expectRevert(
      keeperMove(f, [move(ad(f, 0), true, 300n * USDC), move(ad(f, 0), true, 201n * USDC)]),
      keelErrors(),
      "InflowTooLarge",
      [ad(f, 0), 501n * USDC, 500n * USDC],
    );
    await send(asKeeper(f), "rebalance", [intent(), [move(ad(f, 0), true, 500n * USDC)], NO_COMMITMENT]);
    await expectRevert(keeperMove(f, [move(ad(f, 0), false, 201n * USDC)]), keelErrors(), "OutflowTooLarge", [
      ad(f, 0),
      201n * USDC,
      200n * USDC,
    ]);
    await send(asKeeper(f), "rebalance", [intent(), [move(ad(f, 0), false, 200n * USDC)], NO_COMMITMENT]);
    // Flow limits are the keeper's; the manager moves past them.
    await send(mgr, "rebalance", [intent(), [move(ad(f, 0), true, 1_000n * USDC)], NO_COMMITMENT]);
  });

  it("caps: an absolute cap binds keeper and manager alike, next to the relative one", async () => {
    const f = await fixture();
    const mgr = f.allocator.connect(a.manager) as Contract;
    await send(mgr, "setAdapterCaps", [ad(f, 1), caps(4_000n, { absoluteCap: 1_500n * USDC })]);
    for (const who of [a.keeper, a.manager]) {
      await expectRevert(
        f.allocator.connect(who).getFunction("rebalance")(
          intent(),
          [move(ad(f, 1), true, 1_500n * USDC + 1n)],
          NO_COMMITMENT,
        ),
        keelErrors(),
        "AdapterCapExceeded",
        [ad(f, 1), 1_500n * USDC + 1n, 1_500n * USDC],
      );
    }
    await send(mgr, "rebalance", [intent(), [move(ad(f, 1), true, 1_500n * USDC)], NO_COMMITMENT]);
  });

  it("bounds: maxRebalancesPerDay above 32 (what the 64-slot window holds) is refused", async () => {
    const f = await fixture();
    await expectRevert(
      f.allocator.connect(a.manager).getFunction("setBounds")(
        boundsTuple({ ...DEFAULT_BOUNDS, maxRebalancesPerDay: 33n }),
      ),
      keelErrors(),
      "InvalidBound",
      [33n],
    );
  });

  it("a lossless withdrawal from a target whose shares a donation made coarse still pays exactly", async () => {
    const f = await deployCore(a, { adapters: 1 });
    await send(f.token, "mint", [f.addresses.targets[0]!, 5_000n * USDC]); // donated before anyone deposited
    await fundAndDeposit(f, a.deployer, a.alice, 100_000n * USDC);
    await send(f.allocator.connect(a.manager), "rebalance", [
      intent(),
      [move(ad(f, 0), true, 90_000n * USDC)],
      NO_COMMITMENT,
    ]);
    const v = f.vault.connect(a.alice) as Contract;
    // Part of the position: the target's own withdraw would burn a whole ~5 000 USDC share for part of its value.
    const amount = (((await v.getFunction("maxWithdraw")(a.alice.address)) as bigint) * 6n) / 10n;
    await send(v, "withdraw", [amount, a.alice.address, a.alice.address]);
    expect(await f.token.getFunction("balanceOf")(a.alice.address)).to.equal(amount);
  });
});
