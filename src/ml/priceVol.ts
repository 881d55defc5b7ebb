/**
 * Price-volatility figure for a forecast: annualised volatility (%) of daily log returns of an LP's
 * token0/token1 price, or of a non-base asset against the base asset, over a trailing window.
 * Pure; reads only the history window's prices at or before `asOf`.
 */
import { asOf as pointAsOf } from "../domain/dataset.ts";
import { DAY } from "./series.ts";

const aliases: Record<string, string> = { WETH: "ETH", WBTC: "BTC", ETH: "WETH", BTC: "WBTC" };
/** USD stablecoins priced at 1 when the history has no series for them (their own depeg risk is the risk gate's job). */
const usdStable = new Set(["USDC", "USDT", "DAI", "USDE", "USDS", "FRAX", "LUSD", "GUSD", "TUSD", "USD"]);

type Series = readonly { t: number; priceUsd: number }[];

function seriesFor(prices: Readonly<Record<string, Series>>, symbol: string): Series | "one" | undefined {
  const s = symbol.toUpperCase();
  const found = prices[s] ?? (aliases[s] ? prices[aliases[s]] : undefined);
  if (found && found.length > 0) return found;
  return usdStable.has(s) ? "one" : undefined;
}

/**
 * Annualised volatility in % over `days` daily steps back from `asOf`, or undefined when the source
 * has no price exposure (same asset as the base, or two USD stablecoins) or the prices are missing.
 */
export function priceVolPct(
  src: { readonly kind: string; readonly asset: string },
  baseSymbol: string,
  prices: Readonly<Record<string, Series>>,
  asOf: number,
  days = 30,
): number | undefined {
  const tokens = src.asset.toUpperCase().split("/");
  const [a, b] =
    src.kind === "lp" && tokens.length === 2 ? [tokens[0]!, tokens[1]!] : [tokens[0]!, baseSymbol.toUpperCase()];
  if (a === b || (usdStable.has(a) && usdStable.has(b))) return undefined;
  const num = seriesFor(prices, a);
  const den = seriesFor(prices, b);
  if (num === undefined || den === undefined) return undefined;
  const at = (s: Series | "one", t: number) => (s === "one" ? 1 : pointAsOf(s, t, 2 * DAY)?.priceUsd);
  const rets: number[] = [];
  let prev: number | undefined;
  for (let k = days; k >= 0; k--) {
    const t = asOf - k * DAY;
    const x = at(num, t);
    const y = at(den, t);
    const v = x !== undefined && y !== undefined && y > 0 ? x / y : undefined;
    if (v !== undefined && v > 0 && prev !== undefined) rets.push(Math.log(v / prev));
    prev = v !== undefined && v > 0 ? v : undefined;
  }
  if (rets.length < 5) return undefined;
  const m = rets.reduce((s, r) => s + r, 0) / rets.length;
  const variance = rets.reduce((s, r) => s + (r - m) ** 2, 0) / (rets.length - 1);
  return Math.sqrt(variance * 365) * 100;
}
