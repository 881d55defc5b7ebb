import { getBigInt, type Provider, type Signer, TypedDataEncoder, verifyTypedData } from "ethers";
import { KeelError } from "../../domain/errors.ts";
import { SafeAbi } from "../ethers/abi/generated.ts";
import { type ArgsOf, type TypedContract, typedContract } from "../ethers/typedContract.ts";
import type { Proposal, SafeTxFields } from "./proposalStore.ts";

/** EIP-712 types of a Safe transaction (Safe ≥ 1.3). */
export const SAFE_TX_TYPES = {
  SafeTx: [
    { name: "to", type: "address" },
    { name: "value", type: "uint256" },
    { name: "data", type: "bytes" },
    { name: "operation", type: "uint8" },
    { name: "safeTxGas", type: "uint256" },
    { name: "baseGas", type: "uint256" },
    { name: "gasPrice", type: "uint256" },
    { name: "gasToken", type: "address" },
    { name: "refundReceiver", type: "address" },
    { name: "nonce", type: "uint256" },
  ],
};

function domain(p: Pick<Proposal, "chainId" | "safe">) {
  return { chainId: p.chainId, verifyingContract: p.safe };
}

/** The safeTxHash (EIP-712 digest) of a proposal's transaction. */
export function safeTxHash(p: Pick<Proposal, "chainId" | "safe">, tx: SafeTxFields): string {
  return TypedDataEncoder.hash(domain(p), SAFE_TX_TYPES, tx);
}

/** Signs a proposal's SafeTx as EIP-712 typed data (works for keystore, key and KMS signers). */
export async function signSafeTx(signer: Signer, p: Proposal): Promise<{ owner: string; signature: string }> {
  const signature = await signer.signTypedData(domain(p), SAFE_TX_TYPES, p.tx as unknown as Record<string, unknown>);
  const owner = verifyTypedData(domain(p), SAFE_TX_TYPES, p.tx as unknown as Record<string, unknown>, signature);
  if (owner.toLowerCase() !== (await signer.getAddress()).toLowerCase()) {
    throw new KeelError("SAFE_SIGNATURE_MISMATCH", "signature does not recover the signer", { retryable: false });
  }
  return { owner, signature };
}

/** Only signatures that recover their claimed owner, from current owners, sorted by owner (Safe's order). */
export function validSignatures(
  p: Proposal,
  sigs: Record<string, string>,
  owners: readonly string[],
): [string, string][] {
  const isOwner = new Set(owners.map((o) => o.toLowerCase()));
  const out: [string, string][] = [];
  for (const [owner, sig] of Object.entries(sigs)) {
    try {
      const rec = verifyTypedData(domain(p), SAFE_TX_TYPES, p.tx as unknown as Record<string, unknown>, sig);
      if (rec.toLowerCase() === owner.toLowerCase() && isOwner.has(owner.toLowerCase())) out.push([owner, sig]);
    } catch {
      // a broken signature file counts for nothing
    }
  }
  return out.sort(([a], [b]) => (BigInt(a) < BigInt(b) ? -1 : 1));
}

/** Concatenated signatures for `execTransaction`. */
export function encodeSignatures(sorted: readonly [string, string][]): string {
  return `0x${sorted.map(([, s]) => s.slice(2)).join("")}`;
}

/** A Safe contract handle. */
export function safeContract(address: string, runner: Provider | Signer): TypedContract<typeof SafeAbi> {
  return typedContract(address, SafeAbi, runner);
}

/** execTransaction arguments for a proposal with its signatures (its decimal amounts as integers, parsed as ethers would). */
export function execArgs(p: Proposal, signatures: string): ArgsOf<typeof SafeAbi, "execTransaction"> {
  const t = p.tx;
  return [
    t.to,
    getBigInt(t.value),
    t.data,
    t.operation,
    getBigInt(t.safeTxGas),
    getBigInt(t.baseGas),
    getBigInt(t.gasPrice),
    t.gasToken,
    t.refundReceiver,
    signatures,
  ];
}
