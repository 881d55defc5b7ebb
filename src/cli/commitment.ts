import { JsonRpcProvider } from "ethers";
import { commitmentWord } from "../adapters/execution/allocatorCodec.ts";
import { findRebalanced } from "../adapters/execution/events.ts";
import { loadAllocatorCodec } from "../adapters/execution/loadCodec.ts";
import { runningChain } from "../composition/target.ts";
import type { LoadedConfig } from "../config/load.ts";
import type { DecisionRecord } from "../domain/decision.ts";

/** What a decision's rebalance carried on-chain: the `Rebalanced` event's commitment words. */
export interface OnchainCommitment {
  readonly txHash: string;
  readonly block: number;
  readonly words: { readonly snapshotHash: string; readonly modelHash: string; readonly configHash: string };
}

/**
 * Finds the decision's `Rebalanced` event (its intent id is keccak256 of the decision id) on the chain a CLI command
 * acts on (`runningChain`: the configured chain and allocator, or the running devnet's); a string says why it could not.
 */
export async function readOnchainCommitment(
  loaded: LoadedConfig,
  decisionId: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<OnchainCommitment | string> {
  let url: string;
  let allocator: string | undefined;
  try {
    ({ rpcUrl: url, allocator } = runningChain(loaded, {}, env));
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  if (!allocator) return "no allocator address (contracts.allocator)";
  const provider = new JsonRpcProvider(url, undefined, { staticNetwork: true, cacheTimeout: -1 });
  try {
    const codec = loadAllocatorCodec();
    const event = await findRebalanced(provider, codec, allocator, codec.intentIdOf(decisionId));
    if (!event) return "no Rebalanced event for this decision's intent id";
    if (!event.commitment) return "the Rebalanced event carries no commitment";
    return { txHash: event.txHash, block: event.block, words: event.commitment };
  } catch (err) {
    return `chain not readable: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`;
  } finally {
    provider.destroy();
  }
}

/** The journal's hashes, the words a rebalance carries for them, and the event's words beside them. */
export function formatCommitment(r: DecisionRecord, onchain: OnchainCommitment | string | undefined): string[] {
  const rows: [string, string][] = [
    ["snapshot", r.snapshotHash ?? ""],
    ["model", r.modelHash],
    ["config", r.configHash],
  ];
  const out = [
    typeof onchain === "object"
      ? `commitment (journal → bytes32 | on-chain Rebalanced, tx ${onchain.txHash}, block ${onchain.block})`
      : `commitment (journal → bytes32)${onchain ? `  on-chain: ${onchain}` : ""}`,
  ];
  for (const [name, hash] of rows) {
    const word = commitmentWord(hash);
    let line = `  ${name.padEnd(8)} ${hash || "–"}\n           → ${word}`;
    if (typeof onchain === "object") {
      const got = onchain.words[`${name}Hash` as keyof OnchainCommitment["words"]];
      line += `\n           ${got.toLowerCase() === word ? "= on-chain (match)" : `≠ on-chain ${got} (MISMATCH)`}`;
    }
    out.push(line);
  }
  return out;
}
