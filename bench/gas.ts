import type { ContractTransactionResponse } from "ethers";

/** Prints one contracts figure as a JSON line (`contracts.<name>`). */
export const emit = (name: string, value: number, unit: string, extra: Record<string, unknown> = {}): void => {
  process.stdout.write(`${JSON.stringify({ bench: `contracts.${name}`, value, unit, ...extra })}\n`);
};

/** Gas used by a sent transaction, once mined. */
export async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<number> {
  const receipt = await (await tx).wait();
  if (!receipt) throw new Error("no receipt");
  return Number(receipt.gasUsed);
}
