import { expect } from "chai";
import {
  type Provider,
  Transaction,
  type TransactionLike,
  type TransactionRequest,
  type TypedDataDomain,
  type TypedDataField,
  Wallet,
} from "ethers";
import { createAllocatorCodec } from "../../../src/adapters/execution/allocatorCodec.ts";
import type { Proposal } from "../../../src/adapters/safe/proposalStore.ts";
import { SAFE_TX_TYPES } from "../../../src/adapters/safe/safeTx.ts";
import { boundsHolder, keeperPolicy, withPolicy } from "../../../src/adapters/signers/policies.ts";
import { rejectionOf } from "../../../src/cli/proposals.ts";
import { KeelError } from "../../../src/domain/errors.ts";

/** A wallet that counts what it is asked to sign (and can be told to sign something else). */
class CountingWallet extends Wallet {
  calls = 0;
  tamper = false;
  override async signTransaction(tx: TransactionRequest): Promise<string> {
    this.calls++;
    const t = Transaction.from(tx as Transaction);
    if (this.tamper) t.gasLimit = t.gasLimit + 1n;
    return super.signTransaction(t);
  }
  override async signMessage(m: string | Uint8Array): Promise<string> {
    this.calls++;
    return super.signMessage(m);
  }
  override async signTypedData(
    d: TypedDataDomain,
    t: Record<string, TypedDataField[]>,
    v: Record<string, unknown>,
  ): Promise<string> {
    this.calls++;
    return super.signTypedData(d, t, v);
  }
  override connect(_p: Provider | null): CountingWallet {
    return this;
  }
}

const rand = () => Wallet.createRandom().address;
const [ALLOCATOR, VAULT, SAFE, ADAPTER] = [rand(), rand(), rand(), rand()];
const codec = createAllocatorCodec();
const TOTAL = 1_000_000n;

describe("PolicySigner: the signing policy in front of a key", () => {
  const inner = new CountingWallet(Wallet.createRandom().privateKey);
  const bounds = boundsHolder();
  const signer = withPolicy(
    inner,
    keeperPolicy(
      { chainId: 1, allocator: ALLOCATOR, vault: VAULT, safe: SAFE, maxGasLimit: 1_000_000, maxCalldataBytes: 2_048 },
      { maxFeePerGasWei: 100_000_000_000n, proposes: true },
    ),
    { bounds: bounds.current },
  );
  bounds.set({
    block: 1,
    totalAssets: TOTAL,
    keeper: {
      maxMoveBps: 5_000,
      maxLossBps: 50,
      minIdleBps: 500,
      cooldownSeconds: 0,
      maxRebalancesPerDay: 24,
      lastRebalanceAt: 0,
      rebalancesToday: 0,
      adapterCapBps: { [ADAPTER]: 6_000 },
    },
  });
  const rebalance = (amount: bigint) =>
    codec.encodeRebalance("i", [{ sourceId: ADAPTER, direction: "deposit", amount }]);
  const request = (over: Partial<TransactionRequest> = {}): TransactionRequest => ({
    type: 2,
    chainId: 1n,
    nonce: 7,
    to: ALLOCATOR,
    data: rebalance(1_000n),
    gasLimit: 500_000n,
    maxFeePerGas: 30_000_000_000n,
    maxPriorityFeePerGas: 1_000_000_000n,
    ...over,
  });
  const refusal = async (p: Promise<unknown>) => {
    const before = inner.calls;
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(inner.calls, "the key was asked to sign").to.equal(before);
    expect(err).to.be.instanceOf(KeelError);
    expect((err as KeelError).retryable).to.equal(false);
    return (err as KeelError).code;
  };

  it("passes an allowed transaction to the key unchanged: the same bytes the key signs alone", async () => {
    const raw = await signer.signTransaction(request());
    expect(raw).to.equal(await new Wallet(inner.privateKey).signTransaction(request()));
    expect(Transaction.from(raw).from).to.equal(inner.address);
  });

  it("never asks the key to sign a refused transaction (a move beyond the bounds, another target)", async () => {
    expect(await refusal(signer.signTransaction(request({ data: rebalance(TOTAL / 2n + 1n) })))).to.equal(
      "SIGN_DENIED_MOVE_BOUNDS",
    );
    expect(await refusal(signer.signTransaction(request({ to: VAULT })))).to.equal("SIGN_DENIED_TARGET");
    // ethers' own Transaction object (what Contract calls pass) is checked the same way.
    expect(
      await refusal(signer.signTransaction(Transaction.from({ ...(request() as TransactionLike<string>), value: 5n }))),
    ).to.equal("SIGN_DENIED_VALUE");
  });

  it("refuses messages, typed data other than a Safe transaction, and EIP-7702 authorizations", async () => {
    expect(await refusal(signer.signMessage("hello"))).to.equal("SIGN_DENIED_KIND");
    const permit = { Permit: [{ name: "owner", type: "address" }] };
    expect(await refusal(signer.signTypedData({ chainId: 1 }, permit, { owner: ALLOCATOR }))).to.equal(
      "SIGN_DENIED_KIND",
    );
    expect(await refusal(signer.authorize({ address: ALLOCATOR }))).to.equal("SIGN_DENIED_KIND");
  });

  it("signs a Safe transaction inside the policy and refuses a DELEGATECALL one without asking the key", async () => {
    // The fields of a Safe transaction keel builds (the rejection's), calling the allocator instead.
    const plain = rejectionOf({ safe: SAFE, chainId: 1, tx: { nonce: 3 } } as Proposal).tx;
    const value = { ...plain, to: ALLOCATOR, data: rebalance(600_000n) };
    const domain = { chainId: 1, verifyingContract: SAFE };
    expect(await signer.signTypedData(domain, SAFE_TX_TYPES, value)).to.match(/^0x[0-9a-f]{130}$/);
    expect(await refusal(signer.signTypedData(domain, SAFE_TX_TYPES, { ...value, operation: 1 }))).to.equal(
      "SIGN_DENIED_DELEGATECALL",
    );
  });

  it("throws SIGNER_MISMATCH when the key signed another transaction than the one checked", async () => {
    inner.tamper = true;
    try {
      const err = await signer.signTransaction(request()).catch((e: unknown) => e);
      expect((err as KeelError).code).to.equal("SIGNER_MISMATCH");
    } finally {
      inner.tamper = false;
    }
  });
});
