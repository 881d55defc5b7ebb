import { expect } from "chai";
import { Contract, id, type JsonRpcSigner } from "ethers";
import { loadArtifact } from "../../src/adapters/ethers/artifacts.ts";
import { deployKeel, type KeelDeployment } from "../../src/devnet/deploy/keel.ts";
import { openTestChain, type TestChain } from "../support/chain.ts";
import { NO_COMMITMENT } from "../support/keel.ts";

const at = (name: string, address: string, signer: JsonRpcSigner) =>
  new Contract(address, loadArtifact(name).abi, signer);

describe("deployKeel", function () {
  this.timeout(60_000);
  let t: TestChain;
  let deployer: JsonRpcSigner;
  let manager: JsonRpcSigner;
  let keeper: JsonRpcSigner;
  let guardian: JsonRpcSigner;
  let user: JsonRpcSigner;

  before(async () => {
    t = await openTestChain();
    ({ deployer, manager, keeper, guardian, alice: user } = await t.accounts());
  });
  after(async () => t.close());

  const fixture = async (): Promise<KeelDeployment> =>
    deployKeel(deployer, {
      manager: manager.address,
      keeper: keeper.address,
      guardian: guardian.address,
      depositCapUnits: 10_000_000n * 10n ** 6n,
    });

  it("returns a JSON-serialisable deployment with Aave, two ERC-4626 vaults and the Uniswap pair", async () => {
    const d = await t.fixture(fixture);
    expect(d.adapters.map((a) => `${a.kind}:${a.protocol}`)).to.deep.equal([
      "vault:erc4626",
      "vault:erc4626",
      "lending:aave-v3",
      "lp:uniswap-v2",
    ]);
    expect(d.extra.aavePool).to.equal(d.adapters[2]!.target);
    expect(d.extra.uniswapPair).to.equal(d.adapters[3]!.target);
    expect(Object.keys(d.oracles)).to.have.members(["kUSDC/USD", "kWETH/USD"]);
  });

  it("lets the manager spread deposits over every source and values them within the swap cost", async () => {
    const d = await t.fixture(fixture);
    const token = at("TestToken", d.asset.address, deployer);
    const amount = 1_000_000n * 10n ** 6n;
    await (await token.getFunction("mint")(user.address, amount)).wait();
    await (await token.connect(user).getFunction("approve")(d.vault, amount)).wait();
    const vault = at("KeelVault", d.vault, user);
    await (await vault.getFunction("deposit")(amount, user.address)).wait();
    const allocator = at("KeelAllocator", d.allocator, manager);
    const moves = d.adapters.map((a) => [a.address, true, amount / 5n]); // 200k each; the pool is 30M deep
    await (await allocator.getFunction("rebalance")(id("spread"), moves, NO_COMMITMENT)).wait();
    const total = (await vault.getFunction("totalAssets")()) as bigint;
    expect(total).to.be.lte(amount);
    expect(total).to.be.gte((amount * 9_990n) / 10_000n); // the LP's single-sided swap pays ~0.3 % on ~half
    for (const a of d.adapters) {
      const held = (await at("IKeelAdapter", a.address, user).getFunction("totalAssets")()) as bigint;
      expect(held, a.name).to.be.gte(((amount / 5n) * 9_950n) / 10_000n);
    }
    // Lossless: idle and the three sources that exit at no cost; the LP exits at a cost, so only with a max loss.
    const max = (await vault.getFunction("maxWithdraw")(user.address)) as bigint;
    expect(max).to.equal((amount * 4n) / 5n);
    await (await vault.getFunction("withdraw")(max, user.address, user.address)).wait();
    expect(await token.getFunction("balanceOf")(user.address)).to.equal(max);
    const rest = (await vault.getFunction("maxWithdrawWithLoss")(user.address, 140n)) as bigint;
    expect(rest).to.be.gte((amount * 1_950n) / 10_000n); // withdraw() burns a 1.4 % margin for the swap back
    await (await vault.getFunction("withdrawWithLoss")(rest, user.address, user.address, 140n)).wait();
    expect(await token.getFunction("balanceOf")(user.address)).to.be.gte(max + (rest * 9_860n) / 10_000n);
  });

  it("returns a JSON-serialisable deployment with two ERC-4626 sources", async () => {
    const d = await t.fixture(fixture);
    expect(JSON.parse(JSON.stringify(d))).to.deep.equal(d);
    expect(d.chainId).to.equal(31337);
    expect(d.asset).to.include({ symbol: "kUSDC", decimals: 6 });
    const vaults = d.adapters.filter((a) => a.kind === "vault");
    expect(vaults).to.have.length(2);
    const allocator = at("KeelAllocator", d.allocator, user);
    expect((await allocator.getFunction("getAdapters")()).map(String)).to.include.members(vaults.map((a) => a.address));
    for (const a of d.adapters) {
      const adapter = at("IKeelAdapter", a.address, user);
      expect(await adapter.getFunction("kind")()).to.equal(a.kind);
      expect(await adapter.getFunction("target")()).to.equal(a.target);
    }
  });

  it("hands every role to manager / keeper / guardian and leaves the deployer none", async () => {
    const d = await t.fixture(fixture);
    const vault = at("KeelVault", d.vault, user);
    const allocator = at("KeelAllocator", d.allocator, user);
    const has = (c: Contract, role: string, who: string) => c.getFunction("hasRole")(role, who) as Promise<boolean>;
    const admin = `0x${"0".repeat(64)}`;
    expect(await has(vault, admin, manager.address)).to.equal(true);
    expect(await has(vault, id("MANAGER_ROLE"), manager.address)).to.equal(true);
    expect(await has(vault, id("GUARDIAN_ROLE"), guardian.address)).to.equal(true);
    expect(await has(allocator, admin, manager.address)).to.equal(true);
    expect(await has(allocator, id("KEEPER_ROLE"), keeper.address)).to.equal(true);
    for (const role of [admin, id("MANAGER_ROLE")]) {
      expect(await has(vault, role, deployer.address)).to.equal(false);
      expect(await has(allocator, role, deployer.address)).to.equal(false);
    }
    expect(await vault.getFunction("allocator")()).to.equal(d.allocator);
  });

  it("lets a user deposit, the keeper allocate, and the user withdraw everything back", async () => {
    const d = await t.fixture(fixture);
    const token = at("TestToken", d.asset.address, deployer);
    await (await token.getFunction("mint")(user.address, 1_000_000_000n)).wait();
    await (await token.connect(user).getFunction("approve")(d.vault, 1_000_000_000n)).wait();
    const vault = at("KeelVault", d.vault, user);
    await (await vault.getFunction("deposit")(1_000_000_000n, user.address)).wait();
    const allocator = at("KeelAllocator", d.allocator, keeper);
    const source = d.adapters[0]!.address;
    await (
      await allocator.getFunction("rebalance")(id("intent-1"), [[source, true, 400_000_000n]], NO_COMMITMENT)
    ).wait();
    expect(await vault.getFunction("idle")()).to.equal(600_000_000n);
    expect(await vault.getFunction("totalAssets")()).to.equal(1_000_000_000n);
    expect(await allocator.getFunction("intentUsed")(id("intent-1"))).to.equal(true);
    const shares = (await vault.getFunction("balanceOf")(user.address)) as bigint;
    await (await vault.getFunction("redeem")(shares, user.address, user.address)).wait();
    expect(await token.getFunction("balanceOf")(user.address)).to.equal(1_000_000_000n);
  });
});
