import type { Contract, Signer } from "ethers";
import { KeelError } from "../../domain/errors.ts";
import type { KillSwitch } from "../../ports/execution.ts";
import { KeelVaultAbi } from "./abi/generated.ts";
import { sendRaisingFeeCap } from "./feeCap.ts";
import { errorReason, isRevert } from "./nodeErrors.ts";
import { read, typedContract, write } from "./typedContract.ts";

/**
 * Calls `pause()` / `unpause()` on the vault; a no-op when the vault is already in that state. The
 * pause is the emergency path, so a send the node refused for its fee cap goes again with a raised
 * cap (sendRaisingFeeCap). A revert says which role the key needs; a coded failure (a signing-policy
 * refusal, a KMS error) keeps its code and retryable flag; any other failure (transport) is temporary.
 */
export function createVaultKillSwitch(
  opts: { vault: string },
  deps: { signer: Signer },
): KillSwitch & {
  unpause(signal: AbortSignal): Promise<string | undefined>;
} {
  const vault = typedContract(opts.vault, KeelVaultAbi, deps.signer);
  async function call(method: "pause" | "unpause", want: boolean, signal: AbortSignal): Promise<string | undefined> {
    try {
      return await sendRaisingFeeCap(deps.signer.provider, async (overrides) => {
        signal.throwIfAborted();
        if ((await read(vault, "paused", [])) === want) return undefined;
        const tx = await write(vault, method, [], overrides);
        const receipt = await tx.wait();
        return receipt?.hash ?? tx.hash;
      });
    } catch (err) {
      if (signal.aborted) throw err;
      const who = await deps.signer.getAddress();
      const reverted = isRevert(err);
      // A coded failure (a signing-policy refusal, a KMS error) keeps its code and says itself whether it may heal.
      const coded = err instanceof KeelError ? err : undefined;
      const reason = coded ? `[${coded.code}] ${coded.message}` : errorReason(err);
      const role = method === "pause" ? "guardian or manager" : "manager";
      throw new KeelError(
        "KILL_SWITCH_FAILED",
        `${method}() failed from ${who}: ${reason}${reverted ? ` (is this key the vault's ${role}?)` : ""}`,
        { retryable: coded ? coded.retryable : !reverted, cause: new Error(reason) },
      );
    }
  }
  return {
    pause: (_reasonCode, signal) => call("pause", true, signal),
    unpause: (signal) => call("unpause", false, signal),
  };
}

/** Unix times of the allocator's `Rebalanced` events within the last `lookbackBlocks` (cool-down and daily cap). */
export async function rebalanceTimes(allocator: Contract, lookbackBlocks: number): Promise<number[]> {
  const provider = allocator.runner?.provider;
  if (!provider) throw new Error("allocator contract needs a provider");
  const head = await provider.getBlockNumber();
  const events = await allocator.queryFilter(allocator.filters.Rebalanced!(), Math.max(0, head - lookbackBlocks), head);
  const times = await Promise.all(events.map(async (e) => (await provider.getBlock(e.blockNumber))?.timestamp ?? 0));
  return times.filter((t) => t > 0);
}
