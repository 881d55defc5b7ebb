import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { encryptKeystoreJson, id, Wallet } from "ethers";
import { loadAllocatorCodec } from "../../../src/adapters/execution/loadCodec.ts";
import { createExecution, type Execution } from "../../../src/adapters/execution/wiring.ts";
import { openProposalStore, type Proposal, type SafeTxFields } from "../../../src/adapters/safe/proposalStore.ts";
import { safeContract, safeTxHash, signSafeTx } from "../../../src/adapters/safe/safeTx.ts";
import { proposerPolicy, withPolicy } from "../../../src/adapters/signers/policies.ts";
import { proposalsCommand } from "../../../src/cli/proposals.ts";
import { parseConfig } from "../../../src/config/load.ts";
import { KeelError } from "../../../src/domain/errors.ts";
import type { Intent } from "../../../src/ports/execution.ts";
import { captureStdout } from "../../support/stdout.ts";
import { depositIntent, execFixtureWithSafe, type SafeFixture, wiringOptions } from "./fixture.ts";

/**
 * The signing policy on the Safe route, on the local chain with a 2-of-3 Safe from the npm artifacts: a Safe
 * transaction outside the policy is refused with its code before it is signed, so nothing is proposed (no
 * proposal stored, no intent recorded, the Safe's nonce unchanged); and an owner at `keel proposals sign`
 * signs nothing but a plain rebalance or a rejection, whatever the proposal store holds.
 */
describe("signing policy on Safe proposals and owner signatures, on the local chain", function () {
  this.timeout(120_000);
  const owners = [0, 1, 2].map(() => new Wallet(Wallet.createRandom().privateKey));
  let f: SafeFixture;
  let safe = "";
  let execution: Execution;
  const dir = mkdtempSync(join(tmpdir(), "keel-policy-safe-"));
  const stateDir = join(dir, "state");
  const codec = loadAllocatorCodec();
  const signal = new AbortController().signal;
  const proposals = () => openProposalStore(join(stateDir, "proposals"));

  before(async () => {
    f = await execFixtureWithSafe(
      owners.map((o) => o.address),
      2,
    );
    safe = f.safe;
    const loaded = parseConfig(
      { execution: { route: "safe", safe: { address: safe, contracts: f.contracts } } },
      "policy-safe",
    );
    execution = await createExecution(wiringOptions(f, loaded.config.execution, stateDir), {
      provider: f.provider,
      keeper: f.keeper,
      codec,
    });
    await execution.reconcile();
  });
  after(async () => {
    await f.close();
  });

  const safeNonce = async () => Number(await safeContract(safe, f.provider).getFunction("nonce")());

  /** Proposes `intent`, expects `code`, and checks that nothing was proposed. */
  async function refused(intent: Intent, code: string): Promise<void> {
    const nonce = await safeNonce();
    const stored = proposals().list().length;
    const err = await execution.executor.execute(intent, signal).catch((e: unknown) => e);
    expect(err, String(err)).to.be.instanceOf(KeelError);
    expect((err as KeelError).code).to.equal(code);
    expect(proposals().list(), "a proposal was stored").to.have.length(stored);
    expect(execution.store.get(intent.id), "an intent was recorded").to.equal(undefined);
    expect(await safeNonce()).to.equal(nonce);
  }

  it("refuses a proposal depositing above the adapter cap it read (SIGN_DENIED_MOVE_BOUNDS)", async () => {
    const intent = depositIntent(f, "safe-cap", "550000");
    const adapter = f.deployment.adapters[0]!.address;
    const keeperBounds = { ...f.keeperBounds, adapterCapBps: { ...f.keeperBounds.adapterCapBps, [adapter]: 1_000 } };
    await refused({ ...intent, snapshot: { ...intent.snapshot, keeperBounds } }, "SIGN_DENIED_MOVE_BOUNDS");
  });

  it("refuses a proposal moving into an adapter the allow-list it read does not hold (SIGN_DENIED_ADAPTER)", async () => {
    const intent = depositIntent(f, "safe-adapter", "10");
    const keeperBounds = { ...f.keeperBounds, adapterCapBps: {} };
    await refused({ ...intent, snapshot: { ...intent.snapshot, keeperBounds } }, "SIGN_DENIED_ADAPTER");
  });

  it("refuses a proposal for which no bounds were read (SIGN_DENIED_NO_BOUNDS)", async () => {
    const intent = depositIntent(f, "safe-nobounds", "10");
    const { keeperBounds: _, ...snapshot } = intent.snapshot;
    await refused({ ...intent, snapshot }, "SIGN_DENIED_NO_BOUNDS");
  });

  it("proposes a rebalance beyond the keeper's own share but inside the caps (what the Safe route is for)", async () => {
    const action = await execution.executor.execute(depositIntent(f, "safe-ok", "550000"), signal);
    expect(action.status).to.equal("proposed");
    expect(proposals().get(action.txHashes[0] ?? "")?.tx.operation).to.equal(0);
  });

  /** A Safe transaction as a compromised host could write it, the rebalance of `safe-ok` by default. */
  function tampered(over: Partial<SafeTxFields>): Proposal {
    const base = proposals()
      .list()
      .find((p) => p.intentId === "safe-ok")!;
    const tx = { ...base.tx, nonce: base.tx.nonce + 1, ...over };
    return { ...base, intentId: "tampered", tx, safeTxHash: safeTxHash(base, tx) };
  }
  const shapes: [string, Partial<SafeTxFields>, string][] = [
    ["a DELEGATECALL", { operation: 1 }, "SIGN_DENIED_DELEGATECALL"],
    [
      "a gas refund to the host",
      { gasPrice: "1000000000", refundReceiver: Wallet.createRandom().address },
      "SIGN_DENIED_REFUND",
    ],
    ["a call of the vault", { to: "", data: id("unpause()").slice(0, 10) }, "SIGN_DENIED_TARGET"],
    ["another allocator function", { data: id("removeAdapter(address,bool)").slice(0, 10) }, "SIGN_DENIED_SELECTOR"],
    ["value out of the Safe", { value: "1" }, "SIGN_DENIED_VALUE"],
  ];
  const withVault = (over: Partial<SafeTxFields>) => (over.to === "" ? { ...over, to: f.deployment.vault } : over);

  for (const [what, over, code] of shapes) {
    it(`the proposer key refuses ${what} (${code})`, async () => {
      const proposer = withPolicy(
        f.keeper,
        proposerPolicy({
          chainId: 31337,
          allocator: f.deployment.allocator,
          vault: f.deployment.vault,
          safe,
          maxGasLimit: 8_000_000,
          maxCalldataBytes: 2_048,
        }),
        { bounds: () => ({ block: 0, totalAssets: 10n ** 12n, keeper: f.keeperBounds }) },
      );
      const err = await signSafeTx(proposer, tampered(withVault(over))).catch((e: unknown) => e);
      expect((err as KeelError).code, String(err)).to.equal(code);
    });
  }

  describe("owners at keel proposals sign", () => {
    const configPath = join(dir, "keel.json");
    const keystore = join(dir, "owner0.json");
    const env = () => ({
      ...process.env,
      KEEL_TEST_RPC: f.chain.rpcUrl ?? "",
      KEEL_SIGNER_PASSWORD_FILE: join(dir, "pw"),
    });
    before(async () => {
      writeFileSync(join(dir, "pw"), "owner-pass\n");
      const o = owners[0]!;
      writeFileSync(
        keystore,
        await encryptKeystoreJson({ address: o.address, privateKey: o.privateKey }, "owner-pass", {
          scrypt: { N: 1024 },
        }),
      );
      writeFileSync(
        configPath,
        JSON.stringify({
          chain: { rpcUrls: [{ env: "KEEL_TEST_RPC" }] },
          contracts: { allocator: f.deployment.allocator, vault: f.deployment.vault },
          state: { dir: stateDir },
          execution: { safe: { address: safe } },
        }),
      );
    });
    const sign = (hash: string) =>
      proposalsCommand("sign", [hash, { config: configPath, json: true, signer: `keystore:${keystore}` }], env());

    for (const [what, over, code] of shapes) {
      it(`refuses to sign ${what} written into the proposal store (${code}), storing no signature`, async () => {
        const p = tampered(withVault(over));
        proposals().put(p);
        const err = await sign(p.safeTxHash).catch((e: unknown) => e);
        expect((err as KeelError).code, String(err)).to.equal(code);
        expect(proposals().signatures(p.safeTxHash)).to.deep.equal({});
      });
    }

    it("signs the proposal keel made (a plain rebalance on the allocator)", async () => {
      const hash = proposals()
        .list()
        .find((p) => p.intentId === "safe-ok")!.safeTxHash;
      const out = await captureStdout(() => sign(hash));
      expect(JSON.parse(out).owner).to.equal(owners[0]!.address);
      expect(Object.keys(proposals().signatures(hash))).to.deep.equal([owners[0]!.address]);
    });
  });
});
