import Safe from "@safe-global/protocol-kit";
import { contractNetworks, type SafeContracts } from "./deploy.ts";

/** What keel uses from protocol-kit: build a Safe transaction, hash it, read the nonce. */
export interface SafeKit {
  getNonce(): Promise<number>;
  getOwners(): Promise<string[]>;
  getThreshold(): Promise<number>;
  createTransaction(props: {
    transactions: { to: string; value: string; data: string }[];
    options?: { nonce?: number };
  }): Promise<{ data: Record<string, unknown> & { nonce: number | string } }>;
  getTransactionHash(tx: unknown): Promise<string>;
}

/** Options for protocol-kit against one Safe. */
export interface SafeKitOptions {
  /** An EIP-1193 provider (devnet, tests) or an RPC URL. */
  readonly provider: unknown;
  readonly safe: string;
  readonly chainId: bigint | number;
  /** Custom contract addresses (devnet); canonical deployments otherwise. */
  readonly contracts?: SafeContracts;
}

/** Initialises protocol-kit read-only (signatures are made by keel's own signers, KMS included). */
export async function initSafeKit(opts: SafeKitOptions): Promise<SafeKit> {
  // The package's ESM default export is the Safe class; its typings describe the namespace.
  const SafeClass = ((Safe as unknown as { default?: unknown }).default ?? Safe) as {
    init(cfg: unknown): Promise<unknown>;
  };
  const kit = await SafeClass.init({
    provider: opts.provider as never,
    safeAddress: opts.safe,
    isL1SafeSingleton: true,
    ...(opts.contracts ? { contractNetworks: contractNetworks(opts.chainId, opts.contracts) as never } : {}),
  });
  return kit as unknown as SafeKit;
}
