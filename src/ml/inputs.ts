/**
 * What rate series a trained forecaster has seen: (kind, protocol) pairs and how each one's rate is
 * measured. A live source whose rate is measured differently — a Uniswap v2 pair's √k growth where the
 * model learnt Uniswap v3 daily fee APR, an ERC-4626 vault where it learnt none — is not the model's to
 * forecast: it declines the source with the reason, and the predict stage serves that source otherwise.
 */
import { z } from "zod";
import type { PoolInfo } from "../domain/dataset.ts";

/** How the dataset (and the live readers) measure each protocol's rate, by protocol. */
export const RATE_INPUTS: Readonly<Record<string, string>> = {
  "aave-v2": "Aave supply APR (liquidity rate), hourly",
  "aave-v3": "Aave supply APR (liquidity rate), hourly",
  "uniswap-v3": "pool-wide daily fee APR = volume × fee tier / TVL",
  "uniswap-v2": "√k growth per LP token over the rate window, annualised",
  erc4626: "share-price growth over the rate window, annualised",
};

/** One input a forecaster was trained on. */
export const trainedInputSchema = z.object({
  kind: z.string(),
  protocol: z.string(),
  rate: z.string(),
});

/** One input a forecaster was trained on. */
export type TrainedInput = z.infer<typeof trainedInputSchema>;

/** The (kind, protocol) pairs of the pools with samples, with their rate measure; staking reads as vault. */
export function trainedInputs(pools: readonly Pick<PoolInfo, "kind" | "protocol">[]): TrainedInput[] {
  const seen = new Map<string, TrainedInput>();
  for (const p of pools) {
    const kind = p.kind === "staking" ? "vault" : p.kind;
    const key = `${kind}:${p.protocol}`;
    if (!seen.has(key))
      seen.set(key, { kind, protocol: p.protocol, rate: RATE_INPUTS[p.protocol] ?? "as in the dataset" });
  }
  return [...seen.values()].sort((a, b) => `${a.kind}:${a.protocol}`.localeCompare(`${b.kind}:${b.protocol}`));
}

/**
 * Why a forecaster trained on `inputs` must not forecast `src`, or undefined when it may: no input of
 * the source's kind, or none of its protocol (so none measured as its rate is).
 */
export function unseenInput(
  inputs: readonly TrainedInput[],
  src: { readonly kind: string; readonly protocol: string },
): string | undefined {
  const ofKind = inputs.filter((i) => i.kind === src.kind);
  if (ofKind.length === 0) return `trained on no ${src.kind} source`;
  if (ofKind.some((i) => i.protocol === src.protocol)) return undefined;
  const live = RATE_INPUTS[src.protocol];
  return (
    `trained on ${ofKind.map((i) => `${i.protocol} (${i.rate})`).join(", ")}; ` +
    `this source is ${src.protocol}${live ? ` (${live})` : ""}`
  );
}
