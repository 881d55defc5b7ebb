import { Interface, type Signer, type TransactionRequest } from "ethers";
import {
  AavePoolAbi,
  IERC20MetadataAbi,
  IERC4626Abi,
  TestTokenAbi,
  UniswapV2PairAbi,
} from "../adapters/ethers/abi/generated.ts";
import { read, type TypedContract, typedContract, write } from "../adapters/ethers/typedContract.ts";
import type { KeelDeployment } from "./deploy/keel.ts";

const TOKEN = new Interface(TestTokenAbi);
const PAIR = new Interface(UniswapV2PairAbi);

/** Uniswap v2's constant-product output for an input, after its 0.3 % fee. */
export function amountOut(amountIn: bigint, reserveIn: bigint, reserveOut: bigint): bigint {
  const inWithFee = amountIn * 997n;
  return (inWithFee * reserveOut) / (reserveIn * 1000n + inWithFee);
}

/** The other depositors and borrowers of the devnet's protocols, driven by the market simulator. */
export class DevnetMarkets {
  readonly #d: KeelDeployment;
  readonly #owner: Signer;
  readonly #unit: bigint;

  constructor(deployment: KeelDeployment, owner: Signer) {
    this.#d = deployment;
    this.#owner = owner;
    this.#unit = 10n ** BigInt(deployment.asset.decimals);
  }

  #token(address: string): TypedContract<typeof TestTokenAbi> {
    return typedContract(address, TestTokenAbi, this.#owner);
  }

  #pool(address: string): TypedContract<typeof AavePoolAbi> {
    return typedContract(address, AavePoolAbi, this.#owner);
  }

  async #mintTo(token: string, to: string, amount: bigint): Promise<void> {
    await (await write(this.#token(token), "mint", [to, amount])).wait();
  }

  async #approve(token: string, spender: string, amount: bigint): Promise<void> {
    await (await write(this.#token(token), "approve", [spender, amount])).wait();
  }

  /** Deposits `units` of others' liquidity into each ERC-4626 target and the Aave market. */
  async seed(units: number): Promise<void> {
    const me = await this.#owner.getAddress();
    const amount = BigInt(Math.round(units)) * this.#unit;
    const asset = this.#d.asset.address;
    for (const target of this.#d.adapters.filter((a) => a.kind === "vault").map((a) => a.target)) {
      await this.#mintTo(asset, me, amount);
      await this.#approve(asset, target, amount);
      await (await write(typedContract(target, IERC4626Abi, this.#owner), "deposit", [amount, me])).wait();
    }
    const pool = this.#d.extra.aavePool;
    if (pool) {
      await this.#mintTo(asset, me, amount);
      await this.#approve(asset, pool, amount);
      await (await write(this.#pool(pool), "supply", [asset, amount, me, 0])).wait();
      // Collateral for the simulated borrowers (kWETH at the oracle price, generously over-collateralised).
      const weth = this.#d.extra.weth;
      if (weth) {
        const collateral = (amount * 10n ** 18n * 2n) / (3_000n * this.#unit);
        await this.#mintTo(weth, me, collateral);
        await this.#approve(weth, pool, collateral);
        await (await write(this.#pool(pool), "supply", [weth, collateral, me, 0])).wait();
      }
    }
  }

  /** Moves Aave's utilisation toward `target` (0..1) by borrowing or repaying the base asset. */
  async steerAaveUtilisation(target: number): Promise<void> {
    const { aavePool: pool, aToken, aaveVariableDebtToken: debt } = this.#d.extra;
    if (!pool || !aToken || !debt) return;
    const asset = this.#d.asset.address;
    const me = await this.#owner.getAddress();
    const supply = await read(typedContract(aToken, IERC20MetadataAbi, this.#owner), "totalSupply", []);
    const borrowed = await read(typedContract(debt, IERC20MetadataAbi, this.#owner), "totalSupply", []);
    const want = (supply * BigInt(Math.round(Math.min(0.9, Math.max(0.05, target)) * 10_000))) / 10_000n;
    const p = this.#pool(pool);
    if (want > borrowed) {
      await (await write(p, "borrow", [asset, want - borrowed, 2, 0, me])).wait();
    } else if (borrowed - want > this.#unit) {
      const repay = borrowed - want;
      await this.#mintTo(asset, me, repay);
      await this.#approve(asset, pool, repay);
      await (await write(p, "repay", [asset, repay, 2, me])).wait();
    }
  }

  /**
   * The trades on the Uniswap pair for one step, computed from its reserves as they will be with the transactions
   * waiting in the mempool (constant product, 0.3 % fee): arbitrage to the oracle price of the other token (`otherUsd`), then a round trip of
   * `volumeShare` of the base reserve, whose fees are the LPs' yield. Each swap is two transactions (the
   * input minted to the pair, then `swap`); the simulator mines them in its step's block with the oracle
   * answers, so no block shows the pair moved and the feed not (a rebalance in between reverted
   * SlippageTooHigh).
   */
  async uniswapTrades(otherUsd: number, volumeShare: number): Promise<TransactionRequest[]> {
    const pairAddr = this.#d.extra.uniswapPair;
    const weth = this.#d.extra.weth;
    if (!pairAddr || !weth) return [];
    const pair = typedContract(pairAddr, UniswapV2PairAbi, this.#owner);
    const baseIs0 = (await read(pair, "token0", [])).toLowerCase() === this.#d.asset.address.toLowerCase();
    const [r0, r1] = await read(pair, "getReserves", [], { blockTag: "pending" });
    const r = baseIs0 ? { base: r0, other: r1 } : { base: r1, other: r0 };
    const me = await this.#owner.getAddress();
    const txs: TransactionRequest[] = [];
    /** Swaps `amountIn` in and moves the reserves as the pair will; returns what comes out. */
    const swap = (baseIn: boolean, amountIn: bigint): bigint => {
      if (amountIn <= 0n) return 0n;
      const out = baseIn ? amountOut(amountIn, r.base, r.other) : amountOut(amountIn, r.other, r.base);
      if (out <= 0n) return 0n;
      const token = baseIn ? this.#d.asset.address : weth;
      txs.push({ to: token, data: TOKEN.encodeFunctionData("mint", [pairAddr, amountIn]), gasLimit: 150_000n });
      const [a0, a1] = baseIs0 === baseIn ? [0n, out] : [out, 0n];
      txs.push({ to: pairAddr, data: PAIR.encodeFunctionData("swap", [a0, a1, me, "0x"]), gasLimit: 250_000n });
      if (baseIn) [r.base, r.other] = [r.base + amountIn, r.other - out];
      else [r.base, r.other] = [r.base - out, r.other + amountIn];
      return out;
    };
    // Arbitrage: the pool's base per other token toward the oracle's (constant product, fee ignored).
    const k = Number(r.base) * Number(r.other);
    const target = (otherUsd * Number(this.#unit)) / 1e18; // base units per wei of the other token
    const baseTarget = BigInt(Math.floor(Math.sqrt(k * target)));
    if (baseTarget > r.base) swap(true, ((baseTarget - r.base) * 1000n) / 997n);
    else {
      const otherTarget = BigInt(Math.floor(Math.sqrt(k / target)));
      if (otherTarget > r.other) swap(false, ((otherTarget - r.other) * 1000n) / 997n);
    }
    // Volume: buy then sell back (fees stay in the pool).
    swap(false, swap(true, BigInt(Math.floor(Number(r.base) * volumeShare))));
    return txs;
  }
}
