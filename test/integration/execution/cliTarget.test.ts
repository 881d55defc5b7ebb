import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { id, Wallet } from "ethers";
import { commitmentWord } from "../../../src/adapters/execution/allocatorCodec.ts";
import { createDirectExecutor } from "../../../src/adapters/execution/direct.ts";
import { loadAllocatorCodec } from "../../../src/adapters/execution/loadCodec.ts";
import { createExecution } from "../../../src/adapters/execution/wiring.ts";
import { openProposalStore } from "../../../src/adapters/safe/proposalStore.ts";
import { readOnchainCommitment } from "../../../src/cli/commitment.ts";
import { proposalsCommand } from "../../../src/cli/proposals.ts";
import { loadConfig, parseConfig } from "../../../src/config/load.ts";
import { type LocalChain, startLocalChain } from "../../../src/devnet/chain.ts";
import { exitCodeFor, KeelError } from "../../../src/domain/errors.ts";
import { publishRuntime } from "../../../src/runtime/runtimeFile.ts";
import { captureStdout } from "../../support/stdout.ts";
import { depositIntent, execFixtureWithSafe, type SafeFixture, wiringOptions } from "./fixture.ts";

/**
 * Where `keel explain` and `keel proposals` act (src/composition/target.ts): a config naming an RPC URL uses that
 * chain and the configured contracts only, even with a devnet daemon's `runtime.json` left in the state directory;
 * a config naming none uses the running devnet daemon's, or says NO_DEVNET (exit 75) until one runs.
 * The live chain is a local chain on 127.0.0.1 with keel and a 2-of-3 Safe deployed; a devnet daemon's runtime file
 * left in a live state directory points at a second, empty local chain (and, for the devnet config, at the first).
 */
describe("CLI commands on a running keel resolve one chain: the configured one, or the running devnet's", function () {
  this.timeout(120_000);
  const owner = new Wallet(Wallet.createRandom().privateKey);
  const others = [0, 1].map(() => Wallet.createRandom().address);
  const devnetAllocator = Wallet.createRandom().address;
  const devnetVault = Wallet.createRandom().address;
  const codec = loadAllocatorCodec();
  const signal = new AbortController().signal;
  const commitment = { snapshotHash: id("snapshot"), modelHash: id("model"), configHash: id("config") };
  let f: SafeFixture;
  let other: LocalChain;
  let liveTx = "";
  let proposal = "";
  const dir = mkdtempSync(join(tmpdir(), "keel-cli-target-"));
  const env = () => ({ ...process.env, KEEL_TEST_RPC: f.chain.rpcUrl ?? "", KEEL_TEST_OWNER: owner.privateKey });

  /** A state directory holding the runtime file of a devnet daemon, by default on the other chain. */
  function stateWithDevnetRuntime(
    name: string,
    devnet = { rpcUrl: other.rpcUrl ?? "", vault: devnetVault, allocator: devnetAllocator },
  ): string {
    const stateDir = join(dir, name);
    mkdirSync(stateDir, { recursive: true });
    publishRuntime(stateDir, {
      pid: process.pid,
      startedAt: new Date().toISOString(),
      chainId: 31337,
      httpUrl: "http://127.0.0.1:9",
      devnetRpcUrl: devnet.rpcUrl,
      vault: devnet.vault,
      allocator: devnet.allocator,
      configHash: "devnet",
    });
    return stateDir;
  }
  /** Writes a config file; `live` names the chain (its URL from KEEL_TEST_RPC). */
  function configFile(name: string, raw: Record<string, unknown>): string {
    const path = join(dir, `${name}.json`);
    writeFileSync(path, JSON.stringify(raw));
    return path;
  }
  const liveChain = { chain: { rpcUrls: [{ env: "KEEL_TEST_RPC" }] } };

  before(async () => {
    f = await execFixtureWithSafe([owner.address, ...others], 2);
    other = await startLocalChain({ httpPort: 0 });
    // keel's own proposal on the live chain (before the keeper's first send, which a fresh intent store refuses
    // to follow): a plain rebalance on the live allocator, in the live state directory.
    const loaded = parseConfig(
      { execution: { route: "safe", safe: { address: f.safe, contracts: f.contracts } } },
      "cli-target",
    );
    const execution = await createExecution(wiringOptions(f, loaded.config.execution, stateWithDevnetRuntime("live")), {
      provider: f.provider,
      keeper: f.keeper,
      codec,
    });
    await execution.reconcile();
    const action = await execution.executor.execute(depositIntent(f, "d-proposed", "10"), signal);
    proposal = action.txHashes[0] ?? "";
    // A decision the keeper sent on the live chain, with its commitment.
    const direct = createDirectExecutor(
      { allocator: f.deployment.allocator },
      { signer: f.keeper, provider: f.provider, codec },
    );
    const sent = await direct.execute({ ...depositIntent(f, "d-live", "10"), commitment }, signal);
    liveTx = sent.txHashes[0] ?? "";
  });
  after(async () => {
    await other?.close();
    await f?.close();
  });

  it("keel explain on a live config reads the Rebalanced event on chain.rpcUrls at contracts.allocator, not the devnet's in runtime.json", async () => {
    const path = configFile("explain-live", {
      ...liveChain,
      contracts: { vault: f.deployment.vault, allocator: f.deployment.allocator },
      state: { dir: stateWithDevnetRuntime("explain-live") },
    });
    const onchain = await readOnchainCommitment(loadConfig(path, env()), "d-live", env());
    expect(onchain, String(onchain)).to.be.an("object");
    if (typeof onchain === "string") return;
    expect(onchain.txHash).to.equal(liveTx);
    expect(onchain.words.snapshotHash.toLowerCase()).to.equal(commitmentWord(commitment.snapshotHash));
    expect(onchain.words.configHash.toLowerCase()).to.equal(commitmentWord(commitment.configHash));
  });

  it("keel proposals sign on a live config binds the owner's policy to the configured contracts, never the devnet runtime file's allocator", async () => {
    const path = configFile("proposals-live", {
      ...liveChain,
      contracts: { vault: f.deployment.vault },
      state: { dir: join(dir, "live") },
      execution: { safe: { address: f.safe } },
    });
    const out = await captureStdout(() =>
      proposalsCommand("sign", [proposal, { config: path, json: true, signer: "env:KEEL_TEST_OWNER" }], env()),
    );
    expect(JSON.parse(out).owner).to.equal(owner.address);
    expect(Object.keys(openProposalStore(join(dir, "live", "proposals")).signatures(proposal))).to.deep.equal([
      owner.address,
    ]);
  });

  it("keel proposals show on a live config naming no vault shows the allocation as unknown, never reading the devnet's vault", async () => {
    const path = configFile("proposals-novault", {
      ...liveChain,
      state: { dir: join(dir, "live") },
      execution: { safe: { address: f.safe } },
    });
    const out = await captureStdout(() => proposalsCommand("show", [proposal, { config: path, json: true }], env()));
    const shown = JSON.parse(out);
    expect(shown.safeTxHash).to.equal(proposal);
    expect(shown.allocation).to.equal(undefined);
  });

  it("keel proposals show on a devnet config reads the running devnet daemon's chain and vault from its runtime file", async () => {
    const stateDir = stateWithDevnetRuntime("devnet", {
      rpcUrl: f.chain.rpcUrl ?? "",
      vault: f.deployment.vault,
      allocator: f.deployment.allocator,
    });
    const p = openProposalStore(join(dir, "live", "proposals")).get(proposal);
    if (!p) throw new Error("no proposal in the live state directory");
    openProposalStore(join(stateDir, "proposals")).put(p);
    const path = configFile("proposals-devnet-running", {
      state: { dir: stateDir },
      execution: { safe: { address: f.safe } },
    });
    const out = await captureStdout(() => proposalsCommand("show", [proposal, { config: path, json: true }], env()));
    const shown = JSON.parse(out);
    expect(shown.safeTxHash).to.equal(proposal);
    expect(shown.allocation, "the allocation read from the devnet's vault").to.be.an("object");
  });

  it("keel proposals on a devnet config with no devnet daemon running says NO_DEVNET (retryable, exit 75)", async () => {
    const stateDir = join(dir, "no-devnet");
    mkdirSync(stateDir);
    const path = configFile("proposals-devnet", { state: { dir: stateDir } });
    const err = await proposalsCommand("list", [{ config: path, json: true }], env()).catch((e: unknown) => e);
    expect((err as KeelError).code, String(err)).to.equal("NO_DEVNET");
    expect(err).to.be.instanceOf(KeelError);
    expect(exitCodeFor(err)).to.equal(75);
  });
});
