/** Money in base units is bigint; these helpers keep the conversions in one place. */

/** 10_000 basis points = 100 %. */
export const BPS = 10_000n;

/** floor(a * b / d) for non-negative bigints. */
export function mulDiv(a: bigint, b: bigint, d: bigint): bigint {
  if (d === 0n) throw new RangeError("mulDiv by zero");
  return (a * b) / d;
}

/** `amount` × `bps` / 10 000, rounded down. */
export function applyBps(amount: bigint, bps: bigint | number): bigint {
  return mulDiv(amount, BigInt(bps), BPS);
}

/** Base units → a float for modelling only (never for amounts that are sent). */
export function toFloat(amount: bigint, decimals: number): number {
  const scale = 10n ** BigInt(decimals);
  const whole = amount / scale;
  const frac = amount % scale;
  return Number(whole) + Number(frac) / Number(scale);
}

/** A float (modelling output) → base units, rounded down; negative or non-finite input is an error. */
export function fromFloat(value: number, decimals: number): bigint {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`not a non-negative amount: ${value}`);
  const [whole, frac = ""] = value.toFixed(Math.min(decimals, 18)).split(".");
  return BigInt((whole ?? "0") + frac.padEnd(decimals, "0").slice(0, decimals));
}

/** Human formatting of base units with a fixed number of fraction digits. */
export function formatUnits(amount: bigint, decimals: number, digits = 2): string {
  const neg = amount < 0n;
  const abs = neg ? -amount : amount;
  const scale = 10n ** BigInt(decimals);
  const whole = abs / scale;
  const frac = (abs % scale).toString().padStart(decimals, "0").slice(0, digits);
  return `${neg ? "-" : ""}${whole}${digits > 0 ? `.${frac}` : ""}`;
}

/** Sum of bigints. */
export function sum(values: Iterable<bigint>): bigint {
  let total = 0n;
  for (const v of values) total += v;
  return total;
}
