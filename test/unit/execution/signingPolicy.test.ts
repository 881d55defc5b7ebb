import { expect } from "chai";
import { id, Wallet, ZeroAddress } from "ethers";
import { createAllocatorCodec, decodeRebalanceMoves } from "../../../src/adapters/execution/allocatorCodec.ts";
import {
  keeperPolicy,
  ownerPolicy,
  type PolicyTarget,
  proposerPolicy,
  vaultKeyPolicy,
} from "../../../src/adapters/signers/policies.ts";
import { lookupCode } from "../../../src/domain/codes.ts";
import type { Move } from "../../../src/domain/decision.ts";
import {
  type BoundsView,
  checkSafeTx,
  checkTransaction,
  type PolicyContext,
  type SafeTxShape,
  SIGN_DENIED_CODES,
  type TxShape,
} from "../../../src/execution/signingPolicy.ts";

const addr = () => Wallet.createRandom().address;
const [ALLOCATOR, VAULT, SAFE, ADAPTER_A, ADAPTER_B, SELF] = [addr(), addr(), addr(), addr(), addr(), addr()];
const GWEI = 1_000_000_000n;
const target: PolicyTarget & { safe: string } = {
  chainId: 1,
  allocator: ALLOCATOR,
  vault: VAULT,
  safe: SAFE,
  maxGasLimit: 8_000_000,
  maxCalldataBytes: 2_048,
};
const TOTAL = 1_000_000_000_000n; // 1 000 000 units of a 6-decimal asset
const bounds: BoundsView = {
  block: 100,
  totalAssets: TOTAL,
  keeper: {
    maxMoveBps: 5_000,
    maxLossBps: 50,
    minIdleBps: 500,
    cooldownSeconds: 300,
    maxRebalancesPerDay: 24,
    lastRebalanceAt: 0,
    rebalancesToday: 0,
    adapterCapBps: { [ADAPTER_A]: 6_000, [ADAPTER_B]: 2_000 },
  },
};
/** The context with the bounds read (none: `null`). */
const ctx = (b: BoundsView | null = bounds): PolicyContext => ({
  self: SELF,
  decodeMoves: decodeRebalanceMoves,
  bounds: b ?? undefined,
});
const codec = createAllocatorCodec();
const deposit = (sourceId: string, amount: bigint): Move => ({ sourceId, direction: "deposit", amount });
const rebalance = (...moves: Move[]) => codec.encodeRebalance("intent-1", moves);
const keeper = keeperPolicy(target, { maxFeePerGasWei: 200n * GWEI, proposes: true });

/** A rebalance the keeper may sign: 100 000 units into adapter A. */
function tx(over: Partial<TxShape> = {}): TxShape {
  return {
    type: 2,
    chainId: 1n,
    to: ALLOCATOR,
    value: 0n,
    data: rebalance(deposit(ADAPTER_A, 100_000_000_000n)),
    gasLimit: 600_000n,
    maxFeePerGas: 50n * GWEI,
    gasPrice: null,
    ...over,
  };
}

/** A Safe transaction the keeper may propose: 550 000 units into adapter A (beyond its own 50 %, inside the cap). */
function safeTx(over: Partial<SafeTxShape> = {}): SafeTxShape {
  return {
    chainId: 1n,
    safe: SAFE,
    to: ALLOCATOR,
    value: 0n,
    data: rebalance(deposit(ADAPTER_A, 550_000_000_000n)),
    operation: 0,
    gasPrice: 0n,
    gasToken: ZeroAddress,
    refundReceiver: ZeroAddress,
    ...over,
  };
}

const codeOf = (r: { code: string } | undefined) => r?.code;

describe("signing policy (default deny, src/execution/signingPolicy.ts)", () => {
  it("catalogues every refusal code as an error in src/domain/codes.ts", () => {
    for (const code of SIGN_DENIED_CODES) expect(lookupCode(code)?.class, code).to.equal("error");
  });

  describe("keeper transactions", () => {
    it("allows a rebalance inside the bounds it read, and the no-op self-transfer that cancels a stuck nonce", () => {
      expect(checkTransaction(keeper, tx(), ctx())).to.equal(undefined);
      const cancel = tx({ to: SELF, data: "0x", gasLimit: 21_000n });
      expect(checkTransaction(keeper, cancel, ctx())).to.equal(undefined);
    });

    const refused: [string, Partial<TxShape>, string][] = [
      ["another chain id", { chainId: 5n }, "SIGN_DENIED_CHAIN_ID"],
      ["a target other than the allocator", { to: VAULT }, "SIGN_DENIED_TARGET"],
      ["a contract creation", { to: null }, "SIGN_DENIED_TARGET"],
      [
        "another function on the allocator",
        { data: `${id("removeAdapter(address,bool)").slice(0, 10)}` },
        "SIGN_DENIED_SELECTOR",
      ],
      ["no function at all (a plain transfer to the allocator)", { data: "0x" }, "SIGN_DENIED_SELECTOR"],
      ["a non-zero value", { value: 1n }, "SIGN_DENIED_VALUE"],
      [
        "a self-transfer carrying value (not a cancel)",
        { to: SELF, data: "0x", value: 10n ** 18n },
        "SIGN_DENIED_VALUE",
      ],
      ["a self-call with data (not a cancel)", { to: SELF, data: "0xdeadbeef" }, "SIGN_DENIED_TARGET"],
      ["a max fee above the cap", { maxFeePerGas: 200n * GWEI + 1n }, "SIGN_DENIED_FEE_CAP"],
      [
        "a legacy gas price above the cap",
        { type: 2, maxFeePerGas: null, gasPrice: 201n * GWEI },
        "SIGN_DENIED_FEE_CAP",
      ],
      ["no fee cap at all", { maxFeePerGas: null, gasPrice: null }, "SIGN_DENIED_FEE_CAP"],
      ["a gas limit above the cap", { gasLimit: 8_000_001n }, "SIGN_DENIED_GAS_CAP"],
      ["no gas limit", { gasLimit: null }, "SIGN_DENIED_GAS_CAP"],
      [
        "calldata above the cap",
        { data: `${rebalance(deposit(ADAPTER_A, 1n))}${"00".repeat(2_048)}` },
        "SIGN_DENIED_CALLDATA_CAP",
      ],
      [
        "rebalance calldata that does not decode",
        { data: `${rebalance(deposit(ADAPTER_A, 1n)).slice(0, 74)}` },
        "SIGN_DENIED_CALLDATA",
      ],
      ["a legacy (type 0) transaction", { type: 0 }, "SIGN_DENIED_KIND"],
      ["a blob (type 3) transaction", { type: 3 }, "SIGN_DENIED_KIND"],
    ];
    for (const [what, over, code] of refused) {
      it(`refuses ${what} with ${code}`, () => {
        expect(codeOf(checkTransaction(keeper, tx(over), ctx()))).to.equal(code);
      });
    }

    it("refuses moves totalling more than maxMoveBps of the total assets it read (SIGN_DENIED_MOVE_BOUNDS)", () => {
      const half = TOTAL / 2n;
      expect(checkTransaction(keeper, tx({ data: rebalance(deposit(ADAPTER_A, half)) }), ctx())).to.equal(undefined);
      const over = tx({ data: rebalance(deposit(ADAPTER_A, half - 10n), deposit(ADAPTER_B, 11n)) });
      expect(codeOf(checkTransaction(keeper, over, ctx()))).to.equal("SIGN_DENIED_MOVE_BOUNDS");
    });

    it("refuses a deposit above the adapter's cap, and a zero move (SIGN_DENIED_MOVE_BOUNDS)", () => {
      const capB = (TOTAL * 2_000n) / 10_000n;
      expect(checkTransaction(keeper, tx({ data: rebalance(deposit(ADAPTER_B, capB)) }), ctx())).to.equal(undefined);
      expect(codeOf(checkTransaction(keeper, tx({ data: rebalance(deposit(ADAPTER_B, capB + 1n)) }), ctx()))).to.equal(
        "SIGN_DENIED_MOVE_BOUNDS",
      );
      expect(codeOf(checkTransaction(keeper, tx({ data: rebalance(deposit(ADAPTER_A, 0n)) }), ctx()))).to.equal(
        "SIGN_DENIED_MOVE_BOUNDS",
      );
    });

    it("refuses a move into an adapter that is not on the allow-list it read (SIGN_DENIED_ADAPTER)", () => {
      const data = rebalance(deposit(ADAPTER_A, 10n), { sourceId: addr(), direction: "withdraw", amount: 10n });
      expect(codeOf(checkTransaction(keeper, tx({ data }), ctx()))).to.equal("SIGN_DENIED_ADAPTER");
    });

    it("allows a Uniswap v3 re-range on an allow-listed adapter only, with the bounds read", () => {
      const rerange = codec.encodeRerange(-60, 60);
      expect(checkTransaction(keeper, tx({ to: ADAPTER_A, data: rerange }), ctx())).to.equal(undefined);
      const stranger = addr();
      expect(codeOf(checkTransaction(keeper, tx({ to: stranger, data: rerange }), ctx()))).to.equal(
        "SIGN_DENIED_TARGET",
      );
      // Without the bounds keel cannot tell an allow-listed adapter.
      expect(codeOf(checkTransaction(keeper, tx({ to: ADAPTER_A, data: rerange }), ctx(null)))).to.equal(
        "SIGN_DENIED_NO_BOUNDS",
      );
      // Only the re-range: any other function on an adapter is refused.
      const other = `${id("emergencyExit()").slice(0, 10)}`;
      expect(codeOf(checkTransaction(keeper, tx({ to: ADAPTER_A, data: other }), ctx()))).to.equal(
        "SIGN_DENIED_SELECTOR",
      );
    });

    it("refuses a rebalance when no bounds were read for it (SIGN_DENIED_NO_BOUNDS)", () => {
      expect(codeOf(checkTransaction(keeper, tx(), ctx(null)))).to.equal("SIGN_DENIED_NO_BOUNDS");
    });
  });

  describe("Safe transactions", () => {
    it("allows the keeper to propose a rebalance beyond its own share but inside the caps (the manager's bounds)", () => {
      expect(checkSafeTx(keeper, safeTx(), ctx())).to.equal(undefined);
    });

    const refused: [string, Partial<SafeTxShape>, string][] = [
      ["a DELEGATECALL", { operation: 1 }, "SIGN_DENIED_DELEGATECALL"],
      ["a gas refund (gasPrice)", { gasPrice: 1n }, "SIGN_DENIED_REFUND"],
      ["a refund receiver", { refundReceiver: SELF }, "SIGN_DENIED_REFUND"],
      ["a refund in a token", { gasToken: ADAPTER_A }, "SIGN_DENIED_REFUND"],
      ["another Safe (EIP-712 domain)", { safe: VAULT }, "SIGN_DENIED_TARGET"],
      ["another chain (EIP-712 domain)", { chainId: 10n }, "SIGN_DENIED_CHAIN_ID"],
      ["a call of another contract", { to: VAULT }, "SIGN_DENIED_TARGET"],
      ["another allocator function", { data: id("setBounds()").slice(0, 10) }, "SIGN_DENIED_SELECTOR"],
      ["value", { value: 1n }, "SIGN_DENIED_VALUE"],
      ["calldata above the cap", { data: `0x${"00".repeat(2_049)}` }, "SIGN_DENIED_CALLDATA_CAP"],
      [
        "a deposit above the adapter's cap",
        { data: rebalance(deposit(ADAPTER_B, TOTAL / 4n)) },
        "SIGN_DENIED_MOVE_BOUNDS",
      ],
      ["a move into an unknown adapter", { data: rebalance(deposit(addr(), 1n)) }, "SIGN_DENIED_ADAPTER"],
      ["the Safe's rejection (the keeper never rejects)", { to: SAFE, data: "0x" }, "SIGN_DENIED_TARGET"],
    ];
    for (const [what, over, code] of refused) {
      it(`refuses ${what} with ${code}`, () => {
        expect(codeOf(checkSafeTx(keeper, safeTx(over), ctx()))).to.equal(code);
      });
    }

    it("a separate proposer signs Safe transactions only; a keeper without the Safe route signs none", () => {
      const proposer = proposerPolicy(target);
      expect(checkSafeTx(proposer, safeTx(), ctx())).to.equal(undefined);
      expect(codeOf(checkTransaction(proposer, tx(), ctx()))).to.equal("SIGN_DENIED_TARGET");
      const direct = keeperPolicy(target, { maxFeePerGasWei: 200n * GWEI, proposes: false });
      expect(codeOf(checkSafeTx(direct, safeTx(), ctx()))).to.equal("SIGN_DENIED_KIND");
    });

    it("an owner signs a rebalance or the Safe's rejection, never a delegatecall or another target", () => {
      const owner = ownerPolicy(target);
      expect(checkSafeTx(owner, safeTx(), ctx(null))).to.equal(undefined);
      expect(checkSafeTx(owner, safeTx({ to: SAFE, data: "0x" }), ctx(null))).to.equal(undefined);
      expect(codeOf(checkSafeTx(owner, safeTx({ operation: 1 }), ctx(null)))).to.equal("SIGN_DENIED_DELEGATECALL");
      expect(codeOf(checkSafeTx(owner, safeTx({ to: VAULT }), ctx(null)))).to.equal("SIGN_DENIED_TARGET");
      // The Safe calling itself with data (a module or owner change) is not a rejection.
      expect(codeOf(checkSafeTx(owner, safeTx({ to: SAFE, data: "0x12345678" }), ctx(null)))).to.equal(
        "SIGN_DENIED_TARGET",
      );
      const exec = tx({
        to: SAFE,
        data: id("execTransaction(address,uint256,bytes,uint8,uint256,uint256,uint256,address,address,bytes)").slice(
          0,
          10,
        ),
        maxFeePerGas: 10_000n * GWEI,
        gasLimit: 20_000_000n,
      });
      expect(checkTransaction(owner, exec, ctx(null))).to.equal(undefined);
      expect(codeOf(checkTransaction(owner, tx(), ctx(null)))).to.equal("SIGN_DENIED_TARGET");
    });
  });

  describe("vault keys", () => {
    const pause = id("pause()").slice(0, 10);
    const unpause = id("unpause()").slice(0, 10);
    const guardian = vaultKeyPolicy("guardian", target, { maxFeePerGasWei: 2_000n * GWEI });
    const manager = vaultKeyPolicy("manager", target, { maxFeePerGasWei: 2_000n * GWEI });

    it("the guardian signs pause() only; the manager pause() and unpause()", () => {
      expect(checkTransaction(guardian, tx({ to: VAULT, data: pause }), ctx(null))).to.equal(undefined);
      expect(codeOf(checkTransaction(guardian, tx({ to: VAULT, data: unpause }), ctx(null)))).to.equal(
        "SIGN_DENIED_SELECTOR",
      );
      expect(codeOf(checkTransaction(guardian, tx(), ctx()))).to.equal("SIGN_DENIED_TARGET");
      expect(checkTransaction(manager, tx({ to: VAULT, data: unpause }), ctx(null))).to.equal(undefined);
      expect(codeOf(checkTransaction(guardian, tx({ to: SELF, data: "0x" }), ctx()))).to.equal("SIGN_DENIED_TARGET");
    });

    it("the guardian's pause may outbid the strategy's fee cap up to its own ceiling", () => {
      const at = (gwei: bigint) => tx({ to: VAULT, data: pause, maxFeePerGas: gwei * GWEI });
      expect(checkTransaction(guardian, at(1_500n), ctx(null))).to.equal(undefined);
      expect(codeOf(checkTransaction(guardian, at(2_001n), ctx(null)))).to.equal("SIGN_DENIED_FEE_CAP");
    });
  });
});
