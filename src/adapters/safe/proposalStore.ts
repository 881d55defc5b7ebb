import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../fs/atomicFile.ts";

/** The Safe transaction fields (SafeTx EIP-712 struct), amounts as decimal strings. */
export interface SafeTxFields {
  readonly to: string;
  readonly value: string;
  readonly data: string;
  readonly operation: number;
  readonly safeTxGas: string;
  readonly baseGas: string;
  readonly gasPrice: string;
  readonly gasToken: string;
  readonly refundReceiver: string;
  readonly nonce: number;
}

/** What the daemon proposed, with the human-readable summary signers review. */
export interface Proposal {
  readonly safeTxHash: string;
  readonly safe: string;
  readonly chainId: number;
  readonly intentId: string;
  readonly tx: SafeTxFields;
  readonly summary: {
    readonly lines: readonly string[];
    /** Vault total assets when proposed, and what the proposal expects after (base units). */
    readonly totalAssetsBefore: string;
    readonly expectedTotalAssetsAfter: string;
    readonly reasons: readonly string[];
  };
  readonly proposer: string;
  readonly createdAt: number;
}

/** Where a proposal stands. `stale` may still execute; `executed` and `rejected` are final. */
export interface ProposalStatus {
  readonly status: "pending" | "stale" | "executed" | "rejected" | "failed";
  readonly reason?: string;
  readonly txHash?: string;
  readonly block?: number;
  readonly checkedAtBlock?: number;
}

/**
 * Proposals on disk: one file per proposal, one per signature, one for the status — each written
 * atomically (temp + fsync + rename) by exactly one kind of writer, so the daemon and the
 * `keel proposals` commands never overwrite each other's updates.
 */
export interface ProposalStore {
  readonly dir: string;
  put(p: Proposal): void;
  get(safeTxHash: string): Proposal | undefined;
  list(): Proposal[];
  addSignature(safeTxHash: string, owner: string, signature: string): void;
  /** Signatures by owner (checksummed as given). */
  signatures(safeTxHash: string): Record<string, string>;
  setStatus(safeTxHash: string, status: ProposalStatus): void;
  status(safeTxHash: string): ProposalStatus;
}

const HASH = /^0x[0-9a-fA-F]{64}$/;

function readJson<T>(path: string): T | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, "utf8")) as T;
  } catch {
    return undefined;
  }
}

/** Opens the proposal store in `dir` (created when missing). */
export function openProposalStore(dir: string): ProposalStore {
  mkdirSync(dir, { recursive: true });
  const file = (hash: string, suffix = "") => {
    if (!HASH.test(hash)) throw new Error(`not a safeTxHash: ${hash}`);
    return join(dir, `${hash.toLowerCase()}${suffix}.json`);
  };
  return {
    dir,
    put: (p) => writeFileAtomic(file(p.safeTxHash), JSON.stringify(p, null, 2)),
    get: (hash) => (HASH.test(hash) ? readJson<Proposal>(file(hash)) : undefined),
    list: () =>
      readdirSync(dir)
        .filter((f) => /^0x[0-9a-f]{64}\.json$/.test(f))
        .map((f) => readJson<Proposal>(join(dir, f)))
        .filter((p): p is Proposal => p !== undefined)
        .sort((a, b) => a.tx.nonce - b.tx.nonce || a.createdAt - b.createdAt),
    addSignature: (hash, owner, signature) =>
      writeFileAtomic(file(hash, `.sig-${owner.toLowerCase()}`), JSON.stringify({ owner, signature })),
    signatures(hash) {
      const prefix = `${hash.toLowerCase()}.sig-`;
      const out: Record<string, string> = {};
      for (const f of readdirSync(dir)) {
        if (!f.startsWith(prefix) || !f.endsWith(".json")) continue;
        const s = readJson<{ owner: string; signature: string }>(join(dir, f));
        if (s) out[s.owner] = s.signature;
      }
      return out;
    },
    setStatus: (hash, status) => writeFileAtomic(file(hash, ".status"), JSON.stringify(status)),
    status: (hash) => readJson<ProposalStatus>(file(hash, ".status")) ?? { status: "pending" },
  };
}
