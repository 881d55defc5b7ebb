import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { JsonRpcProvider } from "ethers";
import { parseSuiteSpec } from "../../src/cli/deploy-suite.ts";
import { type LocalChain, startLocalChain } from "../../src/devnet/chain.ts";
import { deployContract } from "../../src/devnet/deploy/contract.ts";
import { ALLOCATOR_TIMELOCKED, DEFAULT_TIMELOCK_SECONDS, VAULT_TIMELOCKED } from "../../src/devnet/deploy/suite.ts";
import { keel, MINIMAL_SPEC, ROLES } from "../support/keel.ts";

const run = promisify(execFile);
// Hardhat's well-known default account #0 key (public test key, funded on every local chain).
const HARDHAT_KEY_0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

describe("deploy-suite script (any network)", function () {
  this.timeout(120_000);
  let chain: LocalChain;
  let provider: JsonRpcProvider;
  before(async () => {
    chain = await startLocalChain({ httpPort: 0 });
    provider = new JsonRpcProvider(chain.rpcUrl, undefined, { cacheTimeout: -1 });
  });
  after(async () => {
    provider.destroy();
    await chain.close();
  });

  it("deploys vault, allocator and adapters over existing targets and hands the roles over", async () => {
    const deployer = await provider.getSigner(0);
    const [manager, keeper, guardian] = await Promise.all(
      [1, 2, 3].map(async (i) => (await provider.getSigner(i)).address),
    );
    const token = await deployContract(deployer, "TestToken", ["USD", "USD", 6, deployer.address]);
    const target = await deployContract(deployer, "YieldVault", [await token.getAddress(), "T", "T", deployer.address]);
    const dir = mkdtempSync(join(tmpdir(), "keel-deploy-"));
    const spec = {
      asset: await token.getAddress(),
      vaultName: "keel USD",
      vaultSymbol: "kUSD",
      decimalsOffset: 6,
      manager,
      keeper,
      guardian,
      sentinel: guardian,
      bounds: { maxLossBps: "25" },
      sources: [{ kind: "vault", name: "T", target: await target.getAddress() }],
    };
    writeFileSync(join(dir, "spec.json"), JSON.stringify(spec));
    writeFileSync(join(dir, "key"), HARDHAT_KEY_0);
    const { stdout } = await run(process.execPath, [
      "src/cli/deploy-suite.ts",
      "--rpc",
      chain.rpcUrl!,
      "--spec",
      join(dir, "spec.json"),
      "--key-file",
      join(dir, "key"),
    ]);
    expect(stdout).to.not.include(HARDHAT_KEY_0.slice(2));
    const out = JSON.parse(stdout) as {
      chainId: number;
      vault: string;
      allocator: string;
      adapters: { kind: string }[];
    };
    expect(out.chainId).to.equal(31337);
    expect(out.adapters.map((x) => x.kind)).to.deep.equal(["vault"]);
    const allocator = keel("KeelAllocator", out.allocator, provider);
    expect(await allocator.getFunction("maxLossBps")()).to.equal(25n);
    expect(await allocator.getFunction("hasRole")(ROLES.manager, manager)).to.equal(true);
    expect(await allocator.getFunction("hasRole")(ROLES.manager, deployer.address)).to.equal(false);
    expect(await keel("KeelVault", out.vault, provider).getFunction("allocator")()).to.equal(out.allocator);
    expect(await allocator.getFunction("hasRole")(ROLES.sentinel, guardian)).to.equal(true);
    // Production default: every risk-increasing manager function waits 3 days.
    const vault = keel("KeelVault", out.vault, provider);
    for (const [c, names] of [
      [allocator, ALLOCATOR_TIMELOCKED],
      [vault, VAULT_TIMELOCKED],
    ] as const) {
      for (const name of names) {
        expect(await c.getFunction("timelock")(c.interface.getFunction(name)!.selector), name).to.equal(
          DEFAULT_TIMELOCK_SECONDS,
        );
      }
    }
  });

  it("rejects a spec with an unknown key or a bad address, naming the field", () => {
    expect(() => parseSuiteSpec({ asset: "0x1" })).to.throw(/asset/);
    const ok = MINIMAL_SPEC;
    expect(parseSuiteSpec(ok).asset).to.equal(ok.asset);
    expect(() => parseSuiteSpec({ ...ok, surprise: 1 })).to.throw(/surprise|unrecognized/i);
    expect(() => parseSuiteSpec({ ...ok, bounds: { maxLossBps: "10001" } })).to.throw(/bounds\.maxLossBps/);
    expect(() => parseSuiteSpec({ ...ok, bounds: { maxRebalancesPerDay: "33" } })).to.throw(/maxRebalancesPerDay/);
    expect(() => parseSuiteSpec({ ...ok, timelockSeconds: String(31 * 86_400) })).to.throw(/timelockSeconds/);
    expect(parseSuiteSpec({ ...ok, timelockSeconds: "0", budgets: { maxDailyLossBps: "50" } })).to.deep.include({
      timelockSeconds: 0n,
      budgets: { maxDailyLossBps: 50n },
    });
  });

  it("keeps every keel contract within the EIP-170 size limit (24 576 bytes), so it deploys on mainnet", () => {
    for (const path of [
      "KeelVault.sol/KeelVault",
      "KeelAllocator.sol/KeelAllocator",
      "adapters/ERC4626Adapter.sol/ERC4626Adapter",
      "adapters/AaveV3Adapter.sol/AaveV3Adapter",
      "adapters/UniswapV2LpAdapter.sol/UniswapV2LpAdapter",
      "adapters/UniswapV3LpAdapter.sol/UniswapV3LpAdapter",
    ]) {
      const artifact = JSON.parse(readFileSync(`artifacts/contracts/${path}.json`, "utf8")) as {
        deployedBytecode: string;
      };
      expect((artifact.deployedBytecode.length - 2) / 2, path).to.be.within(1_000, 24_576);
    }
  });
});
