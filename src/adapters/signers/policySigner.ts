import {
  AbstractSigner,
  type Authorization,
  type AuthorizationRequest,
  type Provider,
  Transaction,
  type TransactionRequest,
  type TypedDataDomain,
  type TypedDataField,
} from "ethers";
import type { Move } from "../../domain/decision.ts";
import { KeelError } from "../../domain/errors.ts";
import {
  type BoundsView,
  checkSafeTx,
  checkTransaction,
  type PolicyContext,
  type PolicyRefusal,
  policyError,
  type SigningPolicy,
} from "../../execution/signingPolicy.ts";
import { SAFE_TX_TYPES } from "../safe/safeTx.ts";
import { unsignedTransaction } from "./unsignedTx.ts";

/** What the policy reads besides the request: the latest bounds, the calldata decoder, an observer of refusals. */
export interface PolicySignerDeps {
  /** The bounds read with the snapshot of the intent being executed (undefined: none read). */
  readonly bounds: () => BoundsView | undefined;
  /** The moves of rebalance calldata (the allocator codec); undefined when it does not decode. */
  readonly decodeMoves: (data: string) => readonly Move[] | undefined;
  /** Called with each refusal's code before it is thrown (a metric, a log line). */
  readonly onRefused?: (code: string, role: string) => void;
}

const SAFE_TX_FIELDS = JSON.stringify(SAFE_TX_TYPES.SafeTx);

/**
 * A signer that checks every request against a default-deny `SigningPolicy` before the key it wraps (a
 * keystore, a raw key or KMS) signs anything: transactions and Safe transactions (EIP-712 SafeTx) that
 * match the allow-list are passed on, exactly as checked; anything else — a message, other typed data, an
 * EIP-7702 authorization, a transaction or Safe transaction outside the policy — throws a non-retryable
 * KeelError with a SIGN_DENIED_* code, and the key is never asked.
 */
export class PolicySigner extends AbstractSigner {
  readonly #inner: AbstractSigner;
  readonly #policy: SigningPolicy;
  readonly #deps: PolicySignerDeps;

  constructor(inner: AbstractSigner, policy: SigningPolicy, deps: PolicySignerDeps) {
    super(inner.provider);
    this.#inner = inner;
    this.#policy = policy;
    this.#deps = deps;
  }

  /** The policy this signer enforces. */
  get policy(): SigningPolicy {
    return this.#policy;
  }

  override connect(provider: Provider | null): PolicySigner {
    return new PolicySigner(this.#inner.connect(provider), this.#policy, this.#deps);
  }

  override getAddress(): Promise<string> {
    return this.#inner.getAddress();
  }

  async #context(): Promise<PolicyContext> {
    return { self: await this.getAddress(), decodeMoves: this.#deps.decodeMoves, bounds: this.#deps.bounds() };
  }

  #refuse(r: PolicyRefusal): KeelError {
    this.#deps.onRefused?.(r.code, this.#policy.role);
    return policyError(this.#policy, r);
  }

  override async signTransaction(tx: TransactionRequest | Transaction): Promise<string> {
    const ctx = await this.#context();
    const btx = await unsignedTransaction(tx, this, ctx.self);
    const refusal = checkTransaction(
      this.#policy,
      {
        type: btx.type,
        chainId: btx.chainId,
        to: btx.to,
        value: btx.value,
        data: btx.data,
        gasLimit: btx.gasLimit,
        maxFeePerGas: btx.maxFeePerGas,
        gasPrice: btx.gasPrice,
      },
      ctx,
    );
    if (refusal) throw this.#refuse(refusal);
    const raw = await this.#inner.signTransaction(btx);
    // The key signed exactly what was checked, or nothing leaves here.
    if (Transaction.from(raw).unsignedHash !== btx.unsignedHash) {
      throw new KeelError("SIGNER_MISMATCH", "the key signed another transaction than the one checked", {
        retryable: false,
      });
    }
    return raw;
  }

  override async signMessage(_message: string | Uint8Array): Promise<string> {
    throw this.#refuse({ code: "SIGN_DENIED_KIND", message: "keel signs no messages" });
  }

  override async authorize(_auth: AuthorizationRequest): Promise<Authorization> {
    throw this.#refuse({ code: "SIGN_DENIED_KIND", message: "keel signs no EIP-7702 authorization" });
  }

  override async signTypedData(
    domain: TypedDataDomain,
    types: Record<string, TypedDataField[]>,
    value: Record<string, unknown>,
  ): Promise<string> {
    const names = Object.keys(types).filter((k) => k !== "EIP712Domain");
    if (names.length !== 1 || names[0] !== "SafeTx" || JSON.stringify(types.SafeTx) !== SAFE_TX_FIELDS) {
      throw this.#refuse({ code: "SIGN_DENIED_KIND", message: "typed data other than a Safe transaction" });
    }
    // Checked and signed from one frozen copy.
    const checked = Object.freeze({ ...value });
    const ctx = await this.#context();
    const refusal = checkSafeTx(
      this.#policy,
      {
        chainId: BigInt(String(domain.chainId ?? -1)),
        safe: String(domain.verifyingContract ?? ""),
        to: String(checked.to),
        value: BigInt(String(checked.value)),
        data: String(checked.data),
        operation: Number(checked.operation),
        gasPrice: BigInt(String(checked.gasPrice)),
        gasToken: String(checked.gasToken),
        refundReceiver: String(checked.refundReceiver),
      },
      ctx,
    );
    if (refusal) throw this.#refuse(refusal);
    return this.#inner.signTypedData({ ...domain }, types, checked);
  }
}
