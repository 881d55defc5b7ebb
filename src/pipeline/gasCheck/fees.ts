/** EIP-1559 fee arithmetic over the snapshot's base-fee history. Pure; wei as bigint. */

/** 1 gwei in wei. */
export const GWEI = 1_000_000_000n;

/** Fees for the next block: the expected price paid and the cap written into the transaction. */
export interface FeeEstimate {
  /** Expected base fee of the next block (the latest observed, or 0 when there is no history). */
  readonly baseFeeWei: bigint;
  readonly maxPriorityFeePerGasWei: bigint;
  /** base + priority: what one gas is expected to cost. */
  readonly effectiveFeePerGasWei: bigint;
  /** 2 × max(latest, median of history) + priority, clamped to the cap when a cap is given. */
  readonly maxFeePerGasWei: bigint;
}

/** Median of bigints (lower middle for even counts); 0 for an empty list. */
export function medianWei(values: readonly bigint[]): bigint {
  if (values.length === 0) return 0n;
  const sorted = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? 0n;
}

/**
 * Estimates EIP-1559 fees from base-fee history (oldest first) and a suggested priority fee. The max
 * fee leaves room for two full blocks of base-fee growth (+12.5 % each) above the higher of the latest
 * and the median base fee, the usual wallet rule, and never exceeds `capWei` when given.
 */
export function estimateFees(baseFeesWei: readonly bigint[], priorityFeeWei: bigint, capWei?: bigint): FeeEstimate {
  const latest = baseFeesWei.length > 0 ? (baseFeesWei[baseFeesWei.length - 1] ?? 0n) : 0n;
  const median = medianWei(baseFeesWei);
  const anchor = latest > median ? latest : median;
  const priority = priorityFeeWei < 0n ? 0n : priorityFeeWei;
  let maxFee = 2n * anchor + priority;
  if (capWei !== undefined && maxFee > capWei) maxFee = capWei;
  return {
    baseFeeWei: latest,
    maxPriorityFeePerGasWei: priority,
    effectiveFeePerGasWei: latest + priority,
    maxFeePerGasWei: maxFee,
  };
}

/** Gwei (float config value) → wei. */
export function gweiToWei(gwei: number): bigint {
  return BigInt(Math.round(gwei * 1e9));
}

/** Wei → USD at a native price (float, modelling only). */
export function weiToUsd(wei: bigint, nativeUsd: number): number {
  return (Number(wei / GWEI) + Number(wei % GWEI) / 1e9) * 1e-9 * nativeUsd;
}
