import { Contract, type Signer } from "ethers";
import type { KeelDeployment } from "./deploy/keel.ts";

const TOKEN = [
  "function mint(address,uint256)",
  "function approve(address,uint256) returns (bool)",
  "function transfer(address,uint256) returns (bool)",
  "function balanceOf(address) view returns (uint256)",
];
const PAIR = [
  "function token0() view returns (address)",
  "function getReserves() view returns (uint112, uint112, uint32)",
  "function swap(uint256 amount0Out, uint256 amount1Out, address to, bytes data)",
];
const POOL = [
  "function supply(address asset, uint256 amount, address onBehalfOf, uint16 referralCode)",
  "function borrow(address asset, uint256 amount, uint256 interestRateMode, uint16 referralCode, address onBehalfOf)",
  "function repay(address asset, uint256 amount, uint256 interestRateMode, address onBehalfOf) returns (uint256)",
];
const ERC20_SUPPLY = ["function totalSupply() view returns (uint256)"];

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

  #token(address: string): Contract {
    return new Contract(address, TOKEN, this.#owner);
  }

  async #mintTo(token: string, to: string, amount: bigint): Promise<void> {
    await (await this.#token(token).getFunction("mint")(to, amount)).wait();
  }

  /** Deposits `units` of others' liquidity into each ERC-4626 target and the Aave market. */
  async seed(units: number): Promise<void> {
    const me = await this.#owner.getAddress();
    const amount = BigInt(Math.round(units)) * this.#unit;
    const asset = this.#d.asset.address;
    for (const target of this.#d.adapters.filter((a) => a.kind === "vault").map((a) => a.target)) {
      await this.#mintTo(asset, me, amount);
      await (await this.#token(asset).getFunction("approve")(target, amount)).wait();
      await (
        await new Contract(target, ["function deposit(uint256,address) returns (uint256)"], this.#owner).getFunction(
          "deposit",
        )(amount, me)
      ).wait();
    }
    const pool = this.#d.extra.aavePool;
    if (pool) {
      await this.#mintTo(asset, me, amount);
      await (await this.#token(asset).getFunction("approve")(pool, amount)).wait();
      await (await new Contract(pool, POOL, this.#owner).getFunction("supply")(asset, amount, me, 0)).wait();
      // Collateral for the simulated borrowers (kWETH at the oracle price, generously over-collateralised).
      const weth = this.#d.extra.weth;
      if (weth) {
        const collateral = (amount * 10n ** 18n * 2n) / (3_000n * this.#unit);
        await this.#mintTo(weth, me, collateral);
        await (await this.#token(weth).getFunction("approve")(pool, collateral)).wait();
        await (await new Contract(pool, POOL, this.#owner).getFunction("supply")(weth, collateral, me, 0)).wait();
      }
    }
  }

  /** Moves Aave's utilisation toward `target` (0..1) by borrowing or repaying the base asset. */
  async steerAaveUtilisation(target: number): Promise<void> {
    const { aavePool: pool, aToken, aaveVariableDebtToken: debt } = this.#d.extra;
    if (!pool || !aToken || !debt) return;
    const asset = this.#d.asset.address;
    const me = await this.#owner.getAddress();
    const supply = (await new Contract(aToken, ERC20_SUPPLY, this.#owner).getFunction("totalSupply")()) as bigint;
    const borrowed = (await new Contract(debt, ERC20_SUPPLY, this.#owner).getFunction("totalSupply")()) as bigint;
    const want = (supply * BigInt(Math.round(Math.min(0.9, Math.max(0.05, target)) * 10_000))) / 10_000n;
    const p = new Contract(pool, POOL, this.#owner);
    if (want > borrowed) {
      await (await p.getFunction("borrow")(asset, want - borrowed, 2, 0, me)).wait();
    } else if (borrowed - want > this.#unit) {
      const repay = borrowed - want;
      await this.#mintTo(asset, me, repay);
      await (await this.#token(asset).getFunction("approve")(pool, repay)).wait();
      await (await p.getFunction("repay")(asset, repay, 2, me)).wait();
    }
  }

  /**
   * Trades on the Uniswap pair: arbitrage to the oracle price of the other token (`otherUsd`), then a
   * round trip of `volumeShare` of the base reserve, whose fees are the LPs' yield.
   */
  async tradeUniswap(otherUsd: number, volumeShare: number): Promise<void> {
    const pairAddr = this.#d.extra.uniswapPair;
    const weth = this.#d.extra.weth;
    if (!pairAddr || !weth) return;
    const pair = new Contract(pairAddr, PAIR, this.#owner);
    const baseIs0 =
      ((await pair.getFunction("token0")()) as string).toLowerCase() === this.#d.asset.address.toLowerCase();
    const reserves = async () => {
      const [r0, r1] = (await pair.getFunction("getReserves")()) as [bigint, bigint];
      return baseIs0 ? { base: r0, other: r1 } : { base: r1, other: r0 };
    };
    const swap = async (baseIn: boolean, amountIn: bigint) => {
      if (amountIn <= 0n) return;
      const r = await reserves();
      const out = baseIn ? amountOut(amountIn, r.base, r.other) : amountOut(amountIn, r.other, r.base);
      if (out <= 0n) return;
      const me = await this.#owner.getAddress();
      await this.#mintTo(baseIn ? this.#d.asset.address : weth, pairAddr, amountIn);
      const otherOut = baseIn ? out : 0n;
      const baseOut = baseIn ? 0n : out;
      const [a0, a1] = baseIs0 ? [baseOut, otherOut] : [otherOut, baseOut];
      await (await pair.getFunction("swap")(a0, a1, me, "0x")).wait();
    };
    // Arbitrage: the pool's base per other token toward the oracle's (constant product, fee ignored).
    const r = await reserves();
    const k = Number(r.base) * Number(r.other);
    const target = (otherUsd * Number(this.#unit)) / 1e18; // base units per wei of the other token
    const baseTarget = BigInt(Math.floor(Math.sqrt(k * target)));
    if (baseTarget > r.base) await swap(true, ((baseTarget - r.base) * 1000n) / 997n);
    else {
      const otherTarget = BigInt(Math.floor(Math.sqrt(k / target)));
      if (otherTarget > r.other) await swap(false, ((otherTarget - r.other) * 1000n) / 997n);
    }
    // Volume: buy then sell back (fees stay in the pool).
    const v = BigInt(Math.floor(Number((await reserves()).base) * volumeShare));
    const before = (await reserves()).other;
    await swap(true, v);
    const got = before - (await reserves()).other;
    await swap(false, got);
  }
}
