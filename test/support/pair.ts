import { Contract, type JsonRpcSigner } from "ethers";
import { UniswapV2PairAbi } from "../../src/adapters/ethers/abi/generated.ts";
import { send } from "../../src/devnet/deploy/contract.ts";
import type { KeelDeployment } from "../../src/devnet/deploy/keel.ts";
import { keel } from "./keel.ts";

const BPS = 10_000n;

/** Uniswap v2 output for `amountIn` against reserves (0.3 % fee). */
export const amountOut = (amountIn: bigint, reserveIn: bigint, reserveOut: bigint): bigint =>
  (amountIn * 997n * reserveOut) / (reserveIn * 1000n + amountIn * 997n);

/** Sells `amount` of `tokenIn` (minted to `trader` by `minter`) straight into the devnet's kUSDC/kWETH pair. */
export async function swapIntoPair(
  d: KeelDeployment,
  minter: JsonRpcSigner,
  trader: JsonRpcSigner,
  tokenIn: string,
  amount: bigint,
): Promise<void> {
  const pair = new Contract(d.extra.uniswapPair!, UniswapV2PairAbi, trader);
  const token = keel("TestToken", tokenIn, minter);
  await send(token, "mint", [trader.address, amount]);
  const [r0, r1] = (await pair.getFunction("getReserves")()) as [bigint, bigint];
  const zeroIn = ((await pair.getFunction("token0")()) as string).toLowerCase() === tokenIn.toLowerCase();
  const out = amountOut(amount, zeroIn ? r0 : r1, zeroIn ? r1 : r0);
  await send(token.connect(trader), "transfer", [d.extra.uniswapPair!, amount]);
  await send(pair, "swap", [zeroIn ? 0n : out, zeroIn ? out : 0n, trader.address, "0x"]);
}

/** (base reserve, other reserve, oracle value of the other reserve in base units) of the devnet pair. */
async function pairState(d: KeelDeployment, runner: JsonRpcSigner): Promise<[bigint, bigint, bigint]> {
  const pair = new Contract(d.extra.uniswapPair!, UniswapV2PairAbi, runner);
  const [r0, r1] = (await pair.getFunction("getReserves")()) as [bigint, bigint];
  const baseIs0 = ((await pair.getFunction("token0")()) as string).toLowerCase() === d.asset.address.toLowerCase();
  const [rBase, rOther] = baseIs0 ? [r0, r1] : [r1, r0];
  const price = async (feed: string) =>
    ((await keel("MockAggregator", feed, runner).getFunction("latestRoundData")()) as bigint[])[1]!;
  const [pBase, pOther] = [await price(d.oracles["kUSDC/USD"]!), await price(d.oracles["kWETH/USD"]!)];
  // kWETH has 18 decimals, kUSDC 6; both feeds have 8.
  const oracleValue = (rOther * pOther) / (pBase * 10n ** 12n);
  return [rBase, rOther, oracleValue];
}

/**
 * Trades against the pair until spot sits `targetBps` from the oracle (negative: the base side is cheaper, i.e.
 * kWETH sells below its oracle price), within ~1 bp. A front-runner or an arbitrageur.
 */
export async function pushSpot(
  d: KeelDeployment,
  minter: JsonRpcSigner,
  trader: JsonRpcSigner,
  targetBps: bigint,
): Promise<void> {
  const [rBase, rOther, oracleValue] = await pairState(d, trader);
  const now = ((rBase - oracleValue) * BPS) / oracleValue;
  if (now === targetBps) return;
  const sellOther = targetBps < now;
  // Binary search the input so that the post-trade deviation reaches the target.
  let lo = 0n;
  let hi = sellOther ? rOther / 5n : rBase / 5n;
  const deviationAfter = (x: bigint): bigint => {
    if (sellOther) {
      const out = amountOut(x, rOther, rBase);
      const b = rBase - out;
      const ov = (oracleValue * (rOther + x)) / rOther;
      return ((b - ov) * BPS * 100n) / ov;
    }
    const out = amountOut(x, rBase, rOther);
    const ov = (oracleValue * (rOther - out)) / rOther;
    return ((rBase + x - ov) * BPS * 100n) / ov;
  };
  for (let i = 0; i < 128 && hi - lo > 1n; i++) {
    const mid = (lo + hi) / 2n;
    const dev = deviationAfter(mid);
    const passed = sellOther ? dev <= targetBps * 100n : dev >= targetBps * 100n;
    if (passed) hi = mid;
    else lo = mid;
  }
  await swapIntoPair(d, minter, trader, sellOther ? d.extra.weth! : d.asset.address, hi);
}
