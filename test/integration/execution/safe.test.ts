import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { encryptKeystoreJson, id, JsonRpcSigner, Wallet } from "ethers";
import { loadNodeErrors } from "../../../src/adapters/ethers/nodeErrors.ts";
import { createDirectExecutor } from "../../../src/adapters/execution/direct.ts";
import { ethersChainReader } from "../../../src/adapters/execution/ethersPorts.ts";
import { countRebalanced } from "../../../src/adapters/execution/events.ts";
import { loadAllocatorCodec } from "../../../src/adapters/execution/loadCodec.ts";
import { createExecution } from "../../../src/adapters/execution/wiring.ts";
import type { SafeContracts } from "../../../src/adapters/safe/deploy.ts";
import { initSafeKit, type SafeKit } from "../../../src/adapters/safe/kit.ts";
import { openProposalStore, type Proposal, type ProposalStore } from "../../../src/adapters/safe/proposalStore.ts";
import { reviewProposals } from "../../../src/adapters/safe/review.ts";
import { createSafeExecutor, nextSafeNonce } from "../../../src/adapters/safe/safeExecutor.ts";
import { encodeSignatures, execArgs, safeContract, safeTxHash, signSafeTx } from "../../../src/adapters/safe/safeTx.ts";
import { createTxService, type TxService } from "../../../src/adapters/safe/txService.ts";
import { rejectionOf } from "../../../src/cli/proposals.ts";
import { parseConfig } from "../../../src/config/load.ts";
import { type LoopbackKms, startLoopbackKms } from "../../../src/devnet/kms.ts";
import type { KeelError } from "../../../src/domain/errors.ts";
import { openMemoryIntentStore } from "../../../src/execution/memoryIntentStore.ts";
import { createRoutingExecutor } from "../../../src/execution/router.ts";
import { runOnPty } from "../../support/pty.ts";
import { depositIntent, type ExecFixture, execFixtureWithSafe, wiringOptions } from "./fixture.ts";
import { startTxServiceDouble } from "./txServiceDouble.ts";

const run = promisify(execFile);

describe("Safe route: protocol-kit against a Safe from the npm artifacts, signed and executed from the CLI", function () {
  this.timeout(120_000);
  let f: ExecFixture;
  let contracts: SafeContracts;
  let safe = "";
  let kit: SafeKit;
  const owners = [0, 1, 2].map(() => new Wallet(Wallet.createRandom().privateKey));
  const dir = mkdtempSync(join(tmpdir(), "keel-safe-"));
  const stateDir = join(dir, "state");
  const proposals = openProposalStore(join(stateDir, "proposals"));
  const store = openMemoryIntentStore();
  const codec = loadAllocatorCodec();
  const signal = new AbortController().signal;
  const configPath = join(dir, "keel.json");
  const keystores: string[] = [];
  let kms: LoopbackKms | undefined;

  before(async () => {
    const fx = await execFixtureWithSafe(
      owners.map((o) => o.address),
      2,
    );
    f = fx;
    contracts = fx.contracts;
    safe = fx.safe;
    for (const o of owners) await f.provider.send("hardhat_setBalance", [o.address, "0x56BC75E2D63100000"]);
    kit = await initSafeKit({ provider: f.chain.provider, safe, chainId: 31337, contracts });
    writeFileSync(join(dir, "pw"), "owner-pass\n");
    for (const [i, o] of owners.entries()) {
      const path = join(dir, `owner${i}.json`);
      writeFileSync(
        path,
        await encryptKeystoreJson({ address: o.address, privateKey: o.privateKey }, "owner-pass", {
          scrypt: { N: 1024 },
        }),
      );
      keystores.push(path);
    }
    writeFileSync(
      configPath,
      JSON.stringify({
        chain: { rpcUrls: [{ env: "KEEL_TEST_RPC" }] },
        state: { dir: stateDir },
        execution: { safe: { address: safe } },
      }),
    );
  });
  after(async () => {
    await kms?.close();
    await f.close();
  });

  function executor(extra: { proposals?: ProposalStore; service?: TxService } = {}) {
    return createSafeExecutor(
      {
        safe,
        allocator: f.deployment.allocator,
        vault: f.deployment.vault,
        chainId: 31337,
        resimulateEveryBlocks: 1,
        staleDriftBps: 100,
        asset: { symbol: "kUSDC", decimals: 6 },
      },
      {
        provider: f.provider,
        proposer: f.keeper,
        kit,
        proposals: extra.proposals ?? proposals,
        store,
        codec,
        ...(extra.service ? { service: extra.service } : {}),
      },
    );
  }
  const review = () =>
    reviewProposals(
      { safe, vault: f.deployment.vault, resimulateEveryBlocks: 1, staleDriftBps: 100 },
      { provider: f.provider, proposals, store },
    );

  async function cli(...args: string[]): Promise<unknown> {
    const { stdout } = await run(
      process.execPath,
      ["src/main.ts", "proposals", ...args, "--config", configPath, "--json"],
      {
        env: {
          ...process.env,
          KEEL_TEST_RPC: f.chain.rpcUrl ?? "",
          KEEL_SIGNER_PASSWORD_FILE: join(dir, "pw"),
          ...(kms
            ? {
                KEEL_KMS_ENDPOINT: kms.endpoint,
                AWS_ACCESS_KEY_ID: "AKIDLOOPBACK",
                AWS_SECRET_ACCESS_KEY: "loopback-secret",
              }
            : {}),
        },
      },
    );
    return JSON.parse(stdout);
  }

  /** The Safe proposal of a 10 kUSDC deposit under `intentId`, signed by two owners from the CLI: ready to execute. */
  async function signedProposal(intentId: string): Promise<string> {
    const action = await executor().execute(depositIntent(f, intentId, "10"), signal);
    const hash = action.txHashes[0] ?? "";
    await cli("sign", hash, "--signer", `keystore:${keystores[0]}`);
    await cli("sign", hash, "--signer", `keystore:${keystores[1]}`);
    return hash;
  }

  /** Owners execute some other Safe transaction at `nonce` (a rejection of whatever was proposed there). */
  async function rejectAt(nonce: number): Promise<void> {
    // The rejection `keel proposals reject` builds: a call of the Safe to itself at that nonce.
    const p = rejectionOf({
      safeTxHash: "",
      safe,
      chainId: 31337,
      intentId: "reject",
      tx: { nonce } as Proposal["tx"],
      summary: { lines: [], totalAssetsBefore: "0", expectedTotalAssetsAfter: "0", reasons: [] },
      proposer: "",
      createdAt: 0,
    });
    const sigs = await Promise.all(owners.slice(0, 2).map((o) => signSafeTx(o, p)));
    const sorted = sigs
      .map((s) => [s.owner, s.signature] as [string, string])
      .sort(([a], [b]) => (BigInt(a) < BigInt(b) ? -1 : 1));
    const c = safeContract(safe, owners[0]!.connect(f.provider));
    await (await c.getFunction("execTransaction")(...execArgs(p, encodeSignatures(sorted)))).wait();
  }

  it("proposes, two owners sign from the CLI, a third executes, and the allocator emits Rebalanced from the Safe", async () => {
    const intent = depositIntent(f, "safe-1", "100");
    const action = await executor().execute(intent, signal);
    expect(action.route).to.equal("safe");
    expect(action.status).to.equal("proposed");
    const hash = action.txHashes[0] ?? "";
    const p = proposals.get(hash);
    expect(p?.safeTxHash).to.equal(safeTxHash({ chainId: 31337, safe }, p!.tx));
    expect(p?.summary.lines[0]).to.match(/^deposit 100\.00 kUSDC into 0x/);
    expect(store.get("safe-1")?.state).to.equal("sent");

    const listed = (await cli("list")) as { safeTxHash: string; signers: string[] }[];
    expect(listed.map((r) => r.safeTxHash)).to.include(hash);
    await cli("sign", hash, "--signer", `keystore:${keystores[0]}`);
    const second = (await cli("sign", hash, "--signer", `keystore:${keystores[1]}`)) as {
      signatures: number;
      threshold: number;
    };
    expect(second).to.include({ signatures: 2, threshold: 2 });
    const executed = (await cli("execute", hash, "--signer", `keystore:${keystores[2]}`)) as { txHash: string };
    const receipt = await f.provider.getTransactionReceipt(executed.txHash);
    expect(receipt?.status).to.equal(1);
    expect(await countRebalanced(f.provider, codec, f.deployment.allocator, id("safe-1"))).to.equal(1);
    await review();
    expect(store.get("safe-1")?.state).to.equal("final");
  });

  it("a KMS owner signs and executes from the CLI (--signer kms:KEY_ID through @aws-sdk/client-kms)", async () => {
    kms = await startLoopbackKms({ "alias/owner1": owners[1]!.privateKey, "alias/owner2": owners[2]!.privateKey });
    const action = await executor().execute(depositIntent(f, "safe-kms", "20"), signal);
    const hash = action.txHashes[0] ?? "";
    await cli("sign", hash, "--signer", `keystore:${keystores[0]}`);
    const signed = (await cli("sign", hash, "--signer", "kms:alias/owner1")) as { owner: string; signatures: number };
    expect(signed).to.include({ owner: owners[1]!.address, signatures: 2 });
    const executed = (await cli("execute", hash, "--signer", "kms:alias/owner2").catch(async (err: unknown) => {
      // Leave no open proposal behind for the next tests.
      await rejectAt(proposals.get(hash)!.tx.nonce);
      await review();
      throw err;
    })) as { txHash: string };
    const tx = await f.provider.getTransaction(executed.txHash);
    expect(tx?.from).to.equal(owners[2]!.address);
    expect((await f.provider.getTransactionReceipt(executed.txHash))?.status).to.equal(1);
    expect(await countRebalanced(f.provider, codec, f.deployment.allocator, id("safe-kms"))).to.equal(1);
    await review();
    expect(store.get("safe-kms")?.state).to.equal("final");
  });

  it("execute goes through when the next block's base fee jumped above the cap ethers writes: one execTransaction, sent again with a raised cap", async () => {
    const hash = await signedProposal("safe-fee");
    const nonce = await f.provider.getTransactionCount(owners[2]!.address);
    // 3× the cap ethers writes (2 × base + tip): the automining node refuses the first send (what the
    // devnet walkthrough hit when the market simulator raised the base fee between estimate and send).
    const cap = (await f.provider.getFeeData()).maxFeePerGas ?? 0n;
    await f.provider.send("hardhat_setNextBlockBaseFeePerGas", [`0x${(cap * 3n).toString(16)}`]);
    const executed = (await cli("execute", hash, "--signer", `keystore:${keystores[2]}`).catch(async (err: unknown) => {
      await f.provider.send("evm_mine", []);
      await rejectAt(proposals.get(hash)!.tx.nonce);
      await review();
      throw err;
    })) as { txHash: string };
    expect((await f.provider.getTransactionReceipt(executed.txHash))?.status).to.equal(1);
    expect(await f.provider.getTransactionCount(owners[2]!.address)).to.equal(nonce + 1);
    expect(await countRebalanced(f.provider, codec, f.deployment.allocator, id("safe-fee"))).to.equal(1);
    await review();
    expect(store.get("safe-fee")?.state).to.equal("final");
  });

  it("a send the node refuses exits with a coded error naming the node's reason, never the signed transaction", async () => {
    const hash = await signedProposal("safe-fee-cap");
    const nonce = await f.provider.getTransactionCount(owners[2]!.address);
    // 100× the cap: beyond every raised cap (the doubling stops after three), so the node keeps refusing.
    const cap = (await f.provider.getFeeData()).maxFeePerGas ?? 0n;
    await f.provider.send("hardhat_setNextBlockBaseFeePerGas", [`0x${(cap * 100n).toString(16)}`]);
    try {
      const err = (await cli("execute", hash, "--signer", `keystore:${keystores[2]}`).catch((e: unknown) => e)) as {
        code?: number;
        stderr?: string;
      };
      expect(err.code, err.stderr).to.equal(75);
      expect(err.stderr).to.contain("PROPOSAL_EXECUTE_FAILED").and.contain("too low for the next block");
      expect(err.stderr).not.to.match(/0x02f9[0-9a-f]{100}/);
      expect(await f.provider.getTransactionCount(owners[2]!.address)).to.equal(nonce);
    } finally {
      // Back to the base fee before: the 100× fee would outlast this test by dozens of blocks.
      const base = (await f.provider.getBlock("latest"))?.baseFeePerGas ?? 0n;
      await f.provider.send("hardhat_setNextBlockBaseFeePerGas", [`0x${base.toString(16)}`]);
      await f.provider.send("evm_mine", []);
      await rejectAt(proposals.get(hash)!.tx.nonce);
      await review();
    }
  });

  it("execute of a proposal that would revert now exits 1 (PROPOSAL_WOULD_FAIL), sending nothing", async () => {
    const hash = await signedProposal("safe-revert");
    await (await f.vault.connect(f.guardian).getFunction("pause")()).wait();
    const nonce = await f.provider.getTransactionCount(owners[2]!.address);
    try {
      const err = (await cli("execute", hash, "--signer", `keystore:${keystores[2]}`).catch((e: unknown) => e)) as {
        code?: number;
        stderr?: string;
      };
      expect(err.code, err.stderr).to.equal(1);
      expect(err.stderr).to.contain("PROPOSAL_WOULD_FAIL");
      expect(await f.provider.getTransactionCount(owners[2]!.address)).to.equal(nonce);
    } finally {
      await f.provider.send("hardhat_impersonateAccount", [safe]);
      await f.provider.send("hardhat_setBalance", [safe, "0x56BC75E2D63100000"]);
      await (await f.vault.connect(new JsonRpcSigner(f.provider, safe)).getFunction("unpause")()).wait();
      await f.provider.send("hardhat_stopImpersonatingAccount", [safe]);
      await rejectAt(proposals.get(hash)!.tx.nonce);
      await review();
    }
  });

  it("refuses a signature from a key that is not an owner", async () => {
    const intent = depositIntent(f, "safe-stranger", "10");
    const action = await executor().execute(intent, signal);
    const stranger = join(dir, "stranger.json");
    const w = Wallet.createRandom();
    writeFileSync(
      stranger,
      await encryptKeystoreJson({ address: w.address, privateKey: w.privateKey }, "owner-pass", {
        scrypt: { N: 1024 },
      }),
    );
    const err = await cli("sign", action.txHashes[0] ?? "", "--signer", `keystore:${stranger}`).catch(
      (e: { stderr?: string; code?: number }) => e,
    );
    expect((err as { code?: number }).code).to.equal(1);
    expect((err as { stderr?: string }).stderr).to.contain("NOT_A_SAFE_OWNER");
    await rejectAt((await proposals.get(action.txHashes[0] ?? ""))!.tx.nonce);
    await review();
  });

  it("never gives two proposals the same nonce, and makes no second proposal while one is open", async () => {
    const first = await executor().execute(depositIntent(f, "safe-n1", "10"), signal);
    const p1 = proposals.get(first.txHashes[0] ?? "")!;
    expect(await nextSafeNonce(kit, proposals, safe)).to.equal(p1.tx.nonce + 1);
    const err = await executor()
      .execute(depositIntent(f, "safe-n2", "10"), signal)
      .catch((e: unknown) => e);
    expect((err as KeelError).code).to.equal("PROPOSAL_PENDING");
    const nonces = proposals.list().map((p) => p.tx.nonce);
    expect(new Set(nonces).size).to.equal(nonces.length);
    await rejectAt(p1.tx.nonce);
    await review();
  });

  it("marks a pending proposal stale when its re-simulation would revert (vault paused)", async () => {
    const action = await executor().execute(depositIntent(f, "safe-stale", "10"), signal);
    const hash = action.txHashes[0] ?? "";
    await (await f.vault.connect(f.guardian).getFunction("pause")()).wait();
    try {
      await f.provider.send("evm_mine", []);
      await review();
      expect(proposals.status(hash).status).to.equal("stale");
      expect(proposals.status(hash).reason).to.contain("VaultPaused");
    } finally {
      // The Safe is the manager: unpause through it would need a proposal; the deployer kept no role, so impersonate.
      await f.provider.send("hardhat_impersonateAccount", [safe]);
      await f.provider.send("hardhat_setBalance", [safe, "0x56BC75E2D63100000"]);
      const asSafe = new JsonRpcSigner(f.provider, safe);
      await (await f.vault.connect(asSafe).getFunction("unpause")()).wait();
      await f.provider.send("hardhat_stopImpersonatingAccount", [safe]);
    }
    await f.provider.send("evm_mine", []);
    await review();
    expect(proposals.status(hash).status).to.equal("pending");
    await rejectAt(proposals.get(hash)!.tx.nonce);
    await review();
  });

  it("auto-routes: moves inside the keeper bounds go direct, a move beyond them becomes a Safe proposal", async () => {
    const router = createRoutingExecutor(
      { route: "auto", inBoundsRoute: "direct", allocator: f.deployment.allocator },
      {
        chain: ethersChainReader({
          provider: f.provider,
          allocator: f.deployment.allocator,
          codec,
          errors: loadNodeErrors(),
        }),
        encoder: codec,
        keeper: f.keeper.address,
        executors: {
          direct: createDirectExecutor(
            { allocator: f.deployment.allocator },
            { signer: f.keeper, provider: f.provider, codec },
          ),
          safe: executor(),
        },
      },
    );
    const small = await router.execute(depositIntent(f, "auto-small", "10"), signal);
    expect(small.route).to.equal("direct");
    expect(small.status).to.equal("included");
    const big = depositIntent(f, "auto-big", "550000");
    expect(await router.routeFor(big)).to.equal("safe");
    const proposed = await router.execute(big, signal);
    expect(proposed.route).to.equal("safe");
    expect(proposed.status).to.equal("proposed");
    await rejectAt(proposals.get(proposed.txHashes[0] ?? "")!.tx.nonce);
    await review();
  });

  it("ends the intent when another transaction executes at the proposal's nonce (rejection)", async () => {
    const action = await executor().execute(depositIntent(f, "safe-rejected", "10"), signal);
    const hash = action.txHashes[0] ?? "";
    await rejectAt(proposals.get(hash)!.tx.nonce);
    await review();
    expect(proposals.status(hash).status).to.equal("rejected");
    expect(store.get("safe-rejected")?.state).to.equal("replaced");
    expect(await countRebalanced(f.provider, codec, f.deployment.allocator, id("safe-rejected"))).to.equal(0);
  });

  it("proposals reject from the CLI: owners sign the Safe's rejection; at the threshold it spends the nonce and the intent ends", async () => {
    const action = await executor().execute(depositIntent(f, "safe-cli-reject", "10"), signal);
    const hash = action.txHashes[0] ?? "";
    const nonce = proposals.get(hash)!.tx.nonce;
    const first = (await cli("reject", hash, "--signer", `keystore:${keystores[0]}`)) as {
      status: string;
      signatures: number;
    };
    expect(first).to.include({ status: "pending", signatures: 1 });
    expect(Number(await safeContract(safe, f.provider).getFunction("nonce")())).to.equal(nonce);
    const done = (await cli("reject", "latest", "--signer", `keystore:${keystores[2]}`)) as {
      status: string;
      txHash: string;
    };
    expect(done.status).to.equal("rejected");
    expect((await f.provider.getTransactionReceipt(done.txHash))?.status).to.equal(1);
    expect(Number(await safeContract(safe, f.provider).getFunction("nonce")())).to.equal(nonce + 1);
    expect(proposals.status(hash).status).to.equal("rejected");
    await review();
    expect(store.get("safe-cli-reject")?.state).to.equal("replaced");
    expect(await countRebalanced(f.provider, codec, f.deployment.allocator, id("safe-cli-reject"))).to.equal(0);
    const closed = await cli("reject", hash, "--signer", `keystore:${keystores[1]}`).catch(
      (e: { stderr?: string; code?: number }) => e,
    );
    expect((closed as { code?: number }).code).to.equal(1);
    expect((closed as { stderr?: string }).stderr).to.contain("PROPOSAL_CLOSED");
  });

  it("a signer types the keystore's password at a prompt that echoes nothing; a wrong one is refused, unshown", async () => {
    const action = await executor().execute(depositIntent(f, "safe-prompt", "10"), signal);
    const hash = action.txHashes[0] ?? "";
    const sign = async (typed: string) => {
      const run = runOnPty(
        `node src/main.ts proposals sign ${hash} --config ${configPath} --signer keystore:${keystores[0]}`,
        { KEEL_TEST_RPC: f.chain.rpcUrl ?? "" },
      );
      await run.waitFor(/Password for \S+owner0\.json: /);
      run.type(`${typed}\r`);
      return { code: await run.exited, output: run.output() };
    };
    const wrong = await sign("not-the-owner-pass");
    expect(wrong.code).to.equal(1);
    expect(wrong.output).to.contain("cannot decrypt keystore");
    expect(wrong.output).not.to.contain("not-the-owner-pass");
    const right = await sign("owner-pass");
    expect(right.code, right.output).to.equal(0);
    expect(right.output).to.match(/signed by 0x[0-9a-fA-F]{40}: 1\/2/);
    expect(right.output).not.to.contain("owner-pass");
    await rejectAt(proposals.get(hash)!.tx.nonce);
    await review();
  });

  it("is wired by createExecution: auto route, reconcile at start, proposals reviewed", async () => {
    const loaded = parseConfig(
      {
        execution: {
          route: "auto",
          inBoundsRoute: "direct",
          // the keeper already has history on this chain (earlier tests): the operator says so
          adoptChainHistory: true,
          safe: { address: safe, contracts, resimulateEveryBlocks: 1 },
        },
      },
      "wiring",
    );
    const execution = await createExecution(wiringOptions(f, loaded.config.execution, join(dir, "wired")), {
      provider: f.provider,
      keeper: f.keeper,
      codec,
    });
    const summary = await execution.reconcile();
    expect(summary.storeStatus).to.equal("fresh");
    const small = await execution.executor.execute(depositIntent(f, "wired-small", "10"), signal);
    expect(small.route).to.equal("direct");
    expect(execution.store.get("wired-small")?.state).to.equal("final");
    const big = await execution.executor.execute(depositIntent(f, "wired-big", "550000"), signal);
    expect(big.route).to.equal("safe");
    expect(await execution.reviewProposals()).to.equal(1);
    expect((await execution.listPendingProposals())[0]?.decisionId).to.equal("wired-big");
    expect(await execution.listPendingIntents()).to.have.length(1);
    const wiredStore = openProposalStore(join(dir, "wired", "proposals"));
    await rejectAt(wiredStore.get(big.txHashes[0] ?? "")!.tx.nonce);
    expect(await execution.reviewProposals()).to.equal(0);
    expect(execution.store.get("wired-big")?.state).to.equal("replaced");
  });

  describe("with a Safe Transaction Service", () => {
    it("proposes at max(chain, service pending + 1) and pushes the proposal with the proposer's signature", async () => {
      const svc = await startTxServiceDouble();
      try {
        const chainNonce = Number(await safeContract(safe, f.provider).getFunction("nonce")());
        svc.chainNonce = chainNonce;
        svc.pending.push({ nonce: chainNonce + 3, safeTxHash: `0x${"ab".repeat(32)}` });
        const service = createTxService({ chainId: 31337n, url: svc.url, backoffMs: 1 });
        const local = openProposalStore(join(dir, "svc-a"));
        const action = await executor({ proposals: local, service }).execute(
          depositIntent(f, "svc-nonce", "10"),
          signal,
        );
        expect(local.get(action.txHashes[0] ?? "")?.tx.nonce).to.equal(chainNonce + 4);
        expect(svc.proposed.map((p) => p.contractTransactionHash)).to.deep.equal(action.txHashes);
        expect(svc.proposed[0]?.sender).to.equal(f.keeper.address);
      } finally {
        await svc.close();
      }
    });

    it("backs off on 429 and succeeds within the retry budget", async () => {
      const svc = await startTxServiceDouble();
      try {
        svc.chainNonce = Number(await safeContract(safe, f.provider).getFunction("nonce")());
        svc.mode = "429";
        svc.failures = 2;
        const service = createTxService({ chainId: 31337n, url: svc.url, backoffMs: 1, attempts: 4 });
        const local = openProposalStore(join(dir, "svc-b"));
        const action = await executor({ proposals: local, service }).execute(depositIntent(f, "svc-429", "10"), signal);
        expect(action.status).to.equal("proposed");
        expect(svc.proposed).to.have.length(1);
      } finally {
        await svc.close();
      }
    });

    it("makes no proposal while the service cannot tell its nonce (down), with a retryable error", async () => {
      const svc = await startTxServiceDouble();
      try {
        svc.mode = "500";
        const service = createTxService({ chainId: 31337n, url: svc.url, backoffMs: 1, attempts: 3 });
        const local = openProposalStore(join(dir, "svc-c"));
        const err = await executor({ proposals: local, service })
          .execute(depositIntent(f, "svc-down", "10"), signal)
          .catch((e: unknown) => e);
        expect((err as KeelError).code).to.equal("SAFE_SERVICE_UNAVAILABLE");
        expect((err as KeelError).retryable).to.equal(true);
        expect(String((err as Error).message)).not.to.contain(svc.url);
        expect(local.list()).to.have.length(0);
        expect(svc.requests).to.be.at.most(3);
      } finally {
        await svc.close();
      }
    });
  });
});
