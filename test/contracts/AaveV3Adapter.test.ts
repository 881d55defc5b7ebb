import { expect } from "chai";
import { Contract } from "ethers";
import { AavePoolAbi } from "../../src/adapters/ethers/abi/generated.ts";
import { send } from "../../src/devnet/deploy/contract.ts";
import { deployKeel, type KeelDeployment } from "../../src/devnet/deploy/keel.ts";
import { type Accounts, type TestChain, useTestChain } from "../support/chain.ts";
import { intent, keel, keelErrors, move, NO_COMMITMENT, USDC } from "../support/keel.ts";
import { expectRevert } from "../support/revert.ts";

const ETH = 10n ** 18n;

describe("AaveV3Adapter (real Aave v3 pool from @aave/core-v3)", function () {
  this.timeout(120_000);
  let t: TestChain, a: Accounts;
  useTestChain((chain, accounts) => ([t, a] = [chain, accounts]));

  const build = async (): Promise<KeelDeployment> => {
    const d = await deployKeel(a.deployer, {
      manager: a.manager.address,
      keeper: a.keeper.address,
      guardian: a.guardian.address,
    });
    const token = keel("TestToken", d.asset.address, a.deployer);
    await send(token, "mint", [a.alice.address, 1_000_000n * USDC]);
    await send(token.connect(a.alice), "approve", [d.vault, 1_000_000n * USDC]);
    await send(keel("KeelVault", d.vault, a.alice), "deposit", [1_000_000n * USDC, a.alice.address]);
    const aave = d.adapters.find((x) => x.kind === "lending")!.address;
    await send(keel("KeelAllocator", d.allocator, a.manager), "rebalance", [
      intent(),
      [move(aave, true, 500_000n * USDC)],
      NO_COMMITMENT,
    ]);
    return d;
  };
  const fixture = () => t.fixture(build);
  const parts = (d: KeelDeployment) => {
    const adapterAddr = d.adapters.find((x) => x.kind === "lending")!.address;
    return {
      adapter: keel("AaveV3Adapter", adapterAddr, a.deployer),
      pool: new Contract(d.extra.aavePool!, AavePoolAbi, a.deployer),
      vault: keel("KeelVault", d.vault, a.alice),
      token: keel("TestToken", d.asset.address, a.deployer),
      weth: keel("TestToken", d.extra.weth!, a.deployer),
    };
  };
  const borrow = async (d: KeelDeployment, amount: bigint) => {
    const { pool, weth } = parts(d);
    await send(weth, "mint", [a.borrower.address, 10_000n * ETH]);
    await send(weth.connect(a.borrower), "approve", [d.extra.aavePool!, 10_000n * ETH]);
    const p = pool.connect(a.borrower) as Contract;
    await send(p, "supply", [d.extra.weth!, 10_000n * ETH, a.borrower.address, 0]);
    await send(p, "borrow", [d.asset.address, amount, 2, 0, a.borrower.address]);
  };
  const liquidityRate = async (d: KeelDeployment): Promise<bigint> =>
    ((await parts(d).pool.getFunction("getReserveData")(d.asset.address)) as { currentLiquidityRate: bigint })
      .currentLiquidityRate;

  it("reports kind lending, the pool as target and the supplied aTokens as assets", async () => {
    const d = await fixture();
    const { adapter } = parts(d);
    expect(await adapter.getFunction("kind")()).to.equal("lending");
    expect(await adapter.getFunction("target")()).to.equal(d.extra.aavePool);
    expect(await adapter.getFunction("totalAssets")()).to.be.closeTo(500_000n * USDC, 1n);
  });

  it("earns interest as the borrowers pay it; a report books it and it unlocks into the share price over a day", async () => {
    const d = await fixture();
    const { adapter, vault } = parts(d);
    const before = (await adapter.getFunction("totalAssets")()) as bigint;
    await t.increaseTime(30 * 86_400);
    const after = (await adapter.getFunction("totalAssets")()) as bigint;
    expect(after).to.be.gt(before);
    expect(await vault.getFunction("totalAssets")()).to.equal(1_000_000n * USDC); // not booked yet
    const allocator = keel("KeelAllocator", d.allocator, a.eve); // anyone may report
    await send(allocator, "report", [await adapter.getAddress()]);
    expect(await vault.getFunction("totalAssets")()).to.be.closeTo(1_000_000n * USDC, 1n); // booked, still locked
    await t.increaseTime(86_400);
    expect(await vault.getFunction("totalAssets")()).to.be.gte(1_000_000n * USDC + (after - before));
  });

  it("sees the supply rate rise when a borrower raises utilisation", async () => {
    const d = await fixture();
    const before = await liquidityRate(d);
    await borrow(d, 600_000n * USDC);
    expect(await liquidityRate(d)).to.be.gt(before);
  });

  it("reports the reserve's cash shortfall in maxWithdraw and lets the vault pay out what is there", async () => {
    const d = await fixture();
    const { adapter, vault, token } = parts(d);
    // Cash = 1 000 000 seed − 400 000 opening borrow + 500 000 ours = 1 100 000; borrow 1 000 000 of it.
    await borrow(d, 1_000_000n * USDC);
    const max = (await adapter.getFunction("maxWithdraw")()) as bigint;
    expect(max).to.equal(100_000n * USDC);
    expect(await adapter.getFunction("totalAssets")()).to.be.gt(max);
    const vaultMax = (await vault.getFunction("maxWithdraw")(a.alice.address)) as bigint;
    expect(vaultMax).to.be.closeTo(600_000n * USDC, 10n * USDC); // idle + Aave cash + other adapters (empty)
    await send(vault, "withdraw", [vaultMax, a.alice.address, a.alice.address]);
    expect(await token.getFunction("balanceOf")(a.alice.address)).to.equal(vaultMax);
  });

  it("exits through the emergency path on shutdown, as far as the reserve's cash allows", async () => {
    const d = await fixture();
    const { adapter, vault } = parts(d);
    await send(keel("KeelVault", d.vault, a.manager), "shutdown");
    expect(await adapter.getFunction("totalAssets")()).to.equal(0n);
    expect(await vault.getFunction("idle")()).to.be.gte(1_000_000n * USDC);
  });

  it("rejects a rebalance withdrawing more than the reserve's cash with InsufficientLiquidity", async () => {
    const d = await fixture();
    await borrow(d, 1_000_000n * USDC);
    const al = keel("KeelAllocator", d.allocator, a.manager);
    const adapter = await parts(d).adapter.getAddress();
    await expectRevert(
      al.getFunction("rebalance")(intent(), [move(adapter, false, 200_000n * USDC)], NO_COMMITMENT),
      keelErrors(),
      "InsufficientLiquidity",
      [200_000n * USDC, 100_000n * USDC],
    );
  });
});
