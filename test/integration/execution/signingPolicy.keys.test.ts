import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { type AbstractSigner, encryptKeystoreJson, id, type TransactionRequest } from "ethers";
import { countRebalanced } from "../../../src/adapters/execution/events.ts";
import { loadAllocatorCodec } from "../../../src/adapters/execution/loadCodec.ts";
import { createExecution, type Execution } from "../../../src/adapters/execution/wiring.ts";
import { createKmsSigner } from "../../../src/adapters/signers/kms.ts";
import { boundsHolder, keeperPolicy, policyTarget, withPolicy } from "../../../src/adapters/signers/policies.ts";
import { createSigner } from "../../../src/adapters/signers/signer.ts";
import { parseConfig } from "../../../src/config/load.ts";
import { type LoopbackKms, startLoopbackKms } from "../../../src/devnet/kms.ts";
import { KeelError } from "../../../src/domain/errors.ts";
import type { Intent } from "../../../src/ports/execution.ts";
import { depositIntent, type ExecFixture, execFixture, wiringOptions } from "./fixture.ts";

const GWEI = 1_000_000_000n;
const MAX_FEE = 200n * GWEI;

/**
 * The keeper's signing policy on the local chain, for a keystore and for an AWS KMS key (loopback KMS through
 * @aws-sdk/client-kms): every refused shape ends with its code, nothing signed (no transaction stored on the
 * intent, no KMS Sign call) and nothing sent (the keeper's nonce unchanged, no Rebalanced event).
 */
describe("signing policy on the keeper key (keystore and KMS), on the local chain", function () {
  this.timeout(120_000);
  let f: ExecFixture;
  let kms: LoopbackKms;
  const dir = mkdtempSync(join(tmpdir(), "keel-policy-"));
  const codec = loadAllocatorCodec();
  const signal = new AbortController().signal;
  const config = parseConfig({ execution: { route: "direct", adoptChainHistory: true } }, "policy").config;

  before(async () => {
    f = await execFixture();
    kms = await startLoopbackKms({ "alias/keeper": f.keeper.privateKey });
    writeFileSync(
      join(dir, "keeper.json"),
      await encryptKeystoreJson({ address: f.keeper.address, privateKey: f.keeper.privateKey }, "pw", {
        scrypt: { N: 1024 },
      }),
    );
  });
  after(async () => {
    await kms.close();
    await f.close();
  });

  const keys: [string, () => Promise<AbstractSigner>][] = [
    [
      "keystore",
      () =>
        createSigner({ type: "keystore", path: join(dir, "keeper.json"), password: { env: "PW" } }, f.provider, {
          env: { PW: "pw" },
        }),
    ],
    [
      "KMS",
      () =>
        createKmsSigner(
          {
            keyId: "alias/keeper",
            region: "us-east-1",
            endpoint: kms.endpoint,
            credentials: { accessKeyId: "AKIDLOOPBACK", secretAccessKey: "loopback-secret" },
          },
          { provider: f.provider },
        ),
    ],
  ];

  for (const [name, makeKey] of keys) {
    describe(`with a ${name} key`, () => {
      let key: AbstractSigner;
      let execution: Execution;

      before(async () => {
        key = await makeKey();
        execution = await createExecution(wiringOptions(f, config.execution, join(dir, name)), {
          provider: f.provider,
          keeper: key,
          codec,
        });
        await execution.reconcile();
      });

      /** Runs `intent`, expects `code`, and checks that nothing was signed or sent. */
      async function refused(intent: Intent, code: string): Promise<void> {
        const nonce = await f.provider.getTransactionCount(f.keeper.address, "pending");
        const signs = kms.calls.Sign;
        const err = await execution.executor.execute(intent, signal).catch((e: unknown) => e);
        expect(err, `${intent.id}: ${String(err)}`).to.be.instanceOf(KeelError);
        expect((err as KeelError).code).to.equal(code);
        const rec = execution.store.get(intent.id);
        expect(rec?.state).to.equal("failed");
        expect(rec?.error?.code).to.equal(code);
        expect(rec?.txs, "a transaction was signed").to.deep.equal([]);
        expect(kms.calls.Sign, "KMS was asked to sign").to.equal(signs);
        expect(await f.provider.getTransactionCount(f.keeper.address, "pending")).to.equal(nonce);
        expect(await countRebalanced(f.provider, codec, f.deployment.allocator, id(intent.id))).to.equal(0);
      }

      it("signs and includes a rebalance inside the bounds it read (the policy allows what keel does)", async () => {
        const action = await execution.executor.execute(depositIntent(f, `${name}-ok`, "10"), signal);
        expect(action.status).to.equal("included");
      });

      it("refuses moves beyond the maxMoveBps it read, though the chain's bounds would take them (SIGN_DENIED_MOVE_BOUNDS)", async () => {
        const intent = depositIntent(f, `${name}-move`, "1000");
        const tight = { ...f.keeperBounds, maxMoveBps: 5 }; // 0.05 % of 1 000 000 = 500 units
        await refused({ ...intent, snapshot: { ...intent.snapshot, keeperBounds: tight } }, "SIGN_DENIED_MOVE_BOUNDS");
      });

      it("refuses a move into an adapter the allow-list it read does not hold (SIGN_DENIED_ADAPTER)", async () => {
        const intent = depositIntent(f, `${name}-adapter`, "10", 1);
        const onlyFirst = { [f.deployment.adapters[0]!.address]: 6_000 };
        const keeperBounds = { ...f.keeperBounds, adapterCapBps: onlyFirst };
        await refused({ ...intent, snapshot: { ...intent.snapshot, keeperBounds } }, "SIGN_DENIED_ADAPTER");
      });

      it("refuses a rebalance for which no bounds were read (SIGN_DENIED_NO_BOUNDS)", async () => {
        const intent = depositIntent(f, `${name}-nobounds`, "10");
        const { keeperBounds: _, ...snapshot } = intent.snapshot;
        await refused({ ...intent, snapshot }, "SIGN_DENIED_NO_BOUNDS");
      });

      it("refuses a max fee above strategy.maxGasPriceGwei (SIGN_DENIED_FEE_CAP)", async () => {
        const intent = depositIntent(f, `${name}-fee`, "10");
        await refused({ ...intent, gas: { ...intent.gas, maxFeePerGasWei: MAX_FEE + 1n } }, "SIGN_DENIED_FEE_CAP");
      });

      it("refuses a gas limit above execution.signingPolicy.maxGasLimit (SIGN_DENIED_GAS_CAP)", async () => {
        // 7 M units + the 20 % buffer = 8.4 M > 8 M.
        await refused(depositIntent(f, `${name}-gas`, "10", 0, 7_000_000n), "SIGN_DENIED_GAS_CAP");
      });

      it("resumes an intent planned before a crash (nonce reserved, nothing signed) against the bounds read at reconcile", async () => {
        const stateDir = join(dir, `${name}-crash`);
        const crashing = await createExecution(wiringOptions(f, config.execution, stateDir), {
          provider: f.provider,
          keeper: key,
          codec,
          failpoint: async (point) => {
            if (point === "after-nonce") throw new Error("killed after the nonce was reserved");
          },
        });
        await crashing.reconcile();
        const intent = depositIntent(f, `${name}-crash`, "10");
        await crashing.executor.execute(intent, signal).catch(() => undefined);
        expect(crashing.store.get(intent.id)?.txs).to.deep.equal([]);
        const restarted = await createExecution(wiringOptions(f, config.execution, stateDir), {
          provider: f.provider,
          keeper: key,
          codec,
        });
        await restarted.reconcile();
        expect(restarted.store.get(intent.id)?.error).to.equal(undefined);
        expect(await countRebalanced(f.provider, codec, f.deployment.allocator, id(intent.id))).to.equal(1);
      });

      describe("any other transaction asked of the key (as a compromised host would)", () => {
        let guarded: AbstractSigner;
        before(() => {
          const bounds = boundsHolder();
          bounds.set({ block: 0, totalAssets: 10n ** 12n, keeper: f.keeperBounds });
          const target = policyTarget(config.execution, {
            chainId: 31337,
            allocator: f.deployment.allocator,
            vault: f.deployment.vault,
          });
          guarded = withPolicy(key, keeperPolicy(target, { maxFeePerGasWei: MAX_FEE, proposes: false }), {
            bounds: bounds.current,
          });
        });
        const shapes: [string, (f: ExecFixture) => TransactionRequest, string][] = [
          ["a transfer of ether", (f) => ({ to: f.deployer.address, value: 1n }), "SIGN_DENIED_VALUE"],
          ["a call of another account", (f) => ({ to: f.deployer.address, data: "0x" }), "SIGN_DENIED_TARGET"],
          [
            "a call of the vault (pause)",
            (f) => ({ to: f.deployment.vault, data: id("pause()").slice(0, 10) }),
            "SIGN_DENIED_TARGET",
          ],
          [
            "another allocator function",
            (f) => ({ to: f.deployment.allocator, data: id("report(address)").slice(0, 10) }),
            "SIGN_DENIED_SELECTOR",
          ],
          [
            "a rebalance carrying value",
            (f) => ({ to: f.deployment.allocator, value: 1n, data: codec.encodeRebalance("v", []) }),
            "SIGN_DENIED_VALUE",
          ],
          [
            "another chain id",
            (f) => ({ to: f.deployment.allocator, chainId: 1n, data: codec.encodeRebalance("c", []) }),
            "SIGN_DENIED_CHAIN_ID",
          ],
          [
            "calldata above the cap",
            (f) => ({ to: f.deployment.allocator, data: `0x${"ab".repeat(2_049)}` }),
            "SIGN_DENIED_CALLDATA_CAP",
          ],
          ["a contract creation", () => ({ data: "0x6080" }), "SIGN_DENIED_TARGET"],
        ];
        for (const [what, shape, code] of shapes) {
          it(`refuses ${what} with ${code}, sending nothing`, async () => {
            const nonce = await f.provider.getTransactionCount(f.keeper.address, "pending");
            const signs = kms.calls.Sign;
            const request = { gasLimit: 100_000n, ...shape(f) };
            // ethers refuses to populate a request for another chain itself: sign that one populated by hand.
            const attempt =
              request.chainId === undefined
                ? guarded.sendTransaction(request)
                : guarded.signTransaction({
                    ...request,
                    type: 2,
                    nonce,
                    maxFeePerGas: GWEI,
                    maxPriorityFeePerGas: GWEI,
                  });
            const err = await attempt.catch((e: unknown) => e);
            expect((err as KeelError).code, String(err)).to.equal(code);
            expect(kms.calls.Sign).to.equal(signs);
            expect(await f.provider.getTransactionCount(f.keeper.address, "pending")).to.equal(nonce);
          });
        }
      });
    });
  }
});
