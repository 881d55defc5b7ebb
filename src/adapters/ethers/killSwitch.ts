import { Contract, type ContractTransactionResponse, type Overrides, type Signer } from "ethers";
import { KeelError } from "../../domain/errors.ts";
import type { KillSwitch } from "../../ports/execution.ts";
import { VAULT_ABI } from "./abis.ts";
import { errorReason, isFeeCapTooLow, isRevert } from "./nodeErrors.ts";

/** Sends after a fee-cap refusal, each with twice the previous cap (the cap bounds, it is not the price paid). */
const FEE_CAP_RETRIES = 3;

/**
 * Calls `pause()` / `unpause()` on the vault; a no-op when the vault is already in that state. The
 * pause is the emergency path, so a send the node refused for its fee cap (the next block's base fee
 * jumped above it; automining nodes refuse where a mempool would wait) is sent again with fresh fee
 * data and a doubled cap, up to FEE_CAP_RETRIES times. A revert says which role the key needs; a
 * transport failure is temporary (retryable).
 */
export function createVaultKillSwitch(
  opts: { vault: string },
  deps: { signer: Signer },
): KillSwitch & {
  unpause(signal: AbortSignal): Promise<string | undefined>;
} {
  const vault = new Contract(opts.vault, VAULT_ABI, deps.signer);
  async function raisedCap(attempt: number): Promise<Overrides> {
    const fee = await deps.signer.provider?.getFeeData();
    if (!fee?.maxFeePerGas || fee.maxPriorityFeePerGas === null) return {};
    return { maxFeePerGas: fee.maxFeePerGas << BigInt(attempt), maxPriorityFeePerGas: fee.maxPriorityFeePerGas };
  }
  async function call(method: "pause" | "unpause", want: boolean, signal: AbortSignal): Promise<string | undefined> {
    for (let attempt = 0; ; attempt++) {
      signal.throwIfAborted();
      if ((await vault.getFunction("paused")()) === want) return undefined;
      try {
        const overrides = attempt === 0 ? {} : await raisedCap(attempt);
        const tx = (await vault.getFunction(method)(overrides)) as ContractTransactionResponse;
        const receipt = await tx.wait();
        return receipt?.hash ?? tx.hash;
      } catch (err) {
        const reason = errorReason(err);
        if (attempt < FEE_CAP_RETRIES && isFeeCapTooLow(err)) continue;
        const who = await deps.signer.getAddress();
        const reverted = isRevert(err);
        const role = method === "pause" ? "guardian or manager" : "manager";
        throw new KeelError(
          "KILL_SWITCH_FAILED",
          `${method}() failed from ${who}: ${reason}${reverted ? ` (is this key the vault's ${role}?)` : ""}`,
          { retryable: !reverted, cause: new Error(reason) },
        );
      }
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
