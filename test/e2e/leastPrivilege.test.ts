// RELIABILITY row 27 and least privilege: the daemon refuses to start with a keeper key that holds more than
// KEEPER_ROLE (or not even that), and stops with a coded reason — not a failing tick — once the role is revoked.
import { expect } from "chai";
import { Contract, id, JsonRpcProvider, Wallet, ZeroHash } from "ethers";
import { KeelAllocatorAbi, KeelVaultAbi } from "../../src/adapters/ethers/abi/generated.ts";
import { DEVNET_ACCOUNTS, devnetKey } from "../../src/devnet/accounts.ts";
import { readJournal, runKeel, startDaemon, tempStateDir } from "../support/daemon.ts";
import { type ExternalDevnet, keeperKey, liveConfig, startExternalDevnet } from "../support/externalDevnet.ts";

const keeper = new Wallet(keeperKey).address;
const ROLE_ABI = ["function grantRole(bytes32,address)", "function revokeRole(bytes32,address)"];

describe("least privilege of the keeper key", function () {
  this.timeout(240_000);
  let devnet: ExternalDevnet;
  let chain: JsonRpcProvider;
  let manager: Wallet;
  // One state directory for every run, as one operator's restarts would use: the refused starts must leave its
  // journal empty, and the later runs find the intents the earlier ones sent.
  let stateDir: string;
  let config: string;
  const env = () => ({ KEEL_TEST_RPC: devnet.rpcUrl, KEEL_TEST_KEEPER_KEY: keeperKey, KEEL__STATE__DIR: stateDir });
  const as = (address: string) => new Contract(address, [...ROLE_ABI, ...KeelAllocatorAbi, ...KeelVaultAbi], manager);
  const role = async (address: string, grant: boolean, r: string) =>
    (await as(address).getFunction(grant ? "grantRole" : "revokeRole")(r, keeper)).wait();

  before(async () => {
    devnet = await startExternalDevnet();
    chain = new JsonRpcProvider(devnet.rpcUrl, undefined, { staticNetwork: true, cacheTimeout: -1 });
    manager = new Wallet(devnetKey(DEVNET_ACCOUNTS.manager), chain);
    stateDir = tempStateDir();
    config = liveConfig(stateDir, devnet);
  });
  after(async () => {
    chain?.destroy();
    await devnet?.stop();
  });

  it("refuses to start (exit 1, KEEPER_OVERPRIVILEGED) while the keeper key also holds a manager, admin or guardian role", async () => {
    const { allocator, vault } = devnet.deployment;
    for (const [where, r, name] of [
      [allocator, id("MANAGER_ROLE"), "MANAGER_ROLE on the allocator"],
      [allocator, ZeroHash, "DEFAULT_ADMIN_ROLE on the allocator"],
      [vault, id("GUARDIAN_ROLE"), "GUARDIAN_ROLE on the vault"],
    ] as const) {
      await role(where, true, r); // the devnet's timelocks are 0: grants run at once
      const run = await runKeel(["run", "--once", "--config", config], env());
      expect(run.code, run.stderr).to.equal(1);
      expect(run.stderr).to.contain("KEEPER_OVERPRIVILEGED").and.contain(name);
      expect(readJournal(stateDir), "no tick ran").to.deep.equal([]);
      await role(where, false, r);
    }
    const ok = await runKeel(["run", "--once", "--config", config], env());
    expect(ok.code, ok.stderr).to.equal(0);
    expect(readJournal(stateDir)).to.have.length(1);
  });

  it("stops with KEEPER_ROLE_REVOKED (exit 1, no failed tick) when the keeper role is revoked mid-run, and refuses to restart without it", async () => {
    const d = await startDaemon({ stateDir, args: ["--config", config], env: env() });
    await d.waitFor("a first decision", () => d.decisions().length > 0);
    const nonce = await chain.getTransactionCount(keeper);
    await role(devnet.deployment.allocator, false, id("KEEPER_ROLE"));
    const revokedAt = Date.now();
    const code = await Promise.race([d.exited, new Promise((r) => setTimeout(() => r("still running"), 60_000))]);
    if (code === "still running") await d.stop("SIGKILL");
    expect(code, d.stderr().slice(-2_000)).to.equal(1);
    expect(d.stderr()).to.contain("KEEPER_ROLE_REVOKED");
    expect(d.stderr()).to.not.contain("tick failed");
    expect(readJournal(stateDir).filter((r) => r.startedAt > revokedAt && r.outcome === "failed")).to.deep.equal([]);
    expect(await chain.getTransactionCount(keeper)).to.equal(nonce);
    const again = await runKeel(["run", "--once", "--config", config], env());
    expect(again.code, again.stderr).to.equal(1);
    expect(again.stderr).to.contain("KEEPER_ROLE_MISSING");
    await role(devnet.deployment.allocator, true, id("KEEPER_ROLE"));
  });
});
