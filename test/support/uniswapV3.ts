import type { Contract, JsonRpcSigner } from "ethers";
import { deployContract, send } from "../../src/devnet/deploy/contract.ts";
import {
  type DeployKeelOptions,
  deployKeel,
  ETH_PRICE_USD,
  type KeelDeployment,
  V3_RANGE_BOUNDS,
} from "../../src/devnet/deploy/keel.ts";
import { centredRange, swapExactInput, type UniswapV3Market } from "../../src/devnet/deploy/uniswapV3.ts";
import type { Accounts } from "./chain.ts";
import { caps, keel, USDC } from "./keel.ts";

/** The devnet deployment with the Uniswap v3 position (`deployKeel({ uniswapV3: true })`), alice depositing `units`. */
export async function deployWithV3(
  a: Accounts,
  units: bigint,
  over: Partial<DeployKeelOptions> = {},
): Promise<KeelDeployment> {
  const d = await deployKeel(a.deployer, {
    manager: a.manager.address,
    keeper: a.keeper.address,
    guardian: a.guardian.address,
    uniswapV3: true,
    ...over,
  });
  const token = keel("TestToken", d.asset.address, a.deployer);
  await send(token, "mint", [a.alice.address, units * USDC]);
  await send(token.connect(a.alice), "approve", [d.vault, units * USDC]);
  await send(keel("KeelVault", d.vault, a.alice), "deposit", [units * USDC, a.alice.address]);
  return d;
}

/** Handles on the devnet's Uniswap v3 position adapter, its pool and feeds, for tests. */
export function v3Helpers(d: KeelDeployment, a: Accounts) {
  const entry = d.adapters.find((x) => x.protocol === "uniswap-v3");
  if (!entry) throw new Error("deployment has no Uniswap v3 adapter (deployKeel({ uniswapV3: true }))");
  const adapter = keel("UniswapV3LpAdapter", entry.address, a.deployer);
  const ethFeed = keel("MockAggregator", d.oracles["kWETH/USD"]!, a.deployer);
  const market: Pick<UniswapV3Market, "router" | "fee"> = { router: d.extra.uniswapV3Router!, fee: 3_000 };
  const oracleSqrt = async () => (await adapter.getFunction("oracleSqrtPriceX96")()) as bigint;
  const spacing = 60;
  const self = {
    address: entry.address,
    adapter,
    ethFeed,
    /** Mints `amount` of `tokenIn` to `trader` and sells it into the v3 pool. */
    async swap(trader: JsonRpcSigner, tokenIn: string, amount: bigint, sqrtPriceLimitX96 = 0n): Promise<void> {
      const token = keel("TestToken", tokenIn, a.deployer);
      await send(token, "mint", [trader.address, amount]);
      const tokenOut = tokenIn.toLowerCase() === d.asset.address.toLowerCase() ? d.extra.weth! : d.asset.address;
      await swapExactInput(trader, market, { tokenIn: token, tokenOut, amountIn: amount, sqrtPriceLimitX96 });
    },
    /** Sets the kWETH feed (whole USD). */
    async setEthPrice(usd: bigint): Promise<void> {
      await send(ethFeed, "setAnswer", [usd * 10n ** 8n]);
    },
    /** Moves the feed to `usd` and arbitrages the pool to it (a swap up to the oracle's sqrt price). */
    async movePrice(usd: bigint): Promise<void> {
      await self.setEthPrice(usd);
      // A higher kWETH price: buy kWETH with kUSDC, stopping at the oracle's sqrt price (the router's limit).
      const sellBase = usd > ETH_PRICE_USD;
      const tokenIn = sellBase ? d.asset.address : d.extra.weth!;
      const amount = sellBase ? 50_000_000n * 10n ** 6n : (50_000_000n * 10n ** 18n) / ETH_PRICE_USD;
      await self.swap(a.eve, tokenIn, amount, await oracleSqrt());
    },
    /** A range `width` ticks wide centred on the oracle price. */
    async centred(width: number): Promise<{ lower: number; upper: number }> {
      return centredRange(await oracleSqrt(), width, spacing);
    },
    /** Deploys and allow-lists (as the manager, timelock 0) another v3 adapter on the same pool. */
    async deployAdapter(
      bounds: Partial<typeof V3_RANGE_BOUNDS>,
      range?: { lower: number; upper: number },
    ): Promise<{ address: string; adapter: Contract }> {
      const b = { ...V3_RANGE_BOUNDS, ...bounds };
      const r = range ?? (await self.centred(2_400));
      const c = await deployContract(a.deployer, "UniswapV3LpAdapter", [
        d.allocator,
        d.extra.uniswapV3PositionManager!,
        d.extra.uniswapV3Pool!,
        d.oracles["kUSDC/USD"]!,
        d.oracles["kWETH/USD"]!,
        86_400n,
        100n,
        [b.minWidthTicks, b.maxWidthTicks, b.maxCentreOffsetBps, b.minRerangeInterval, b.maxRerangeLossBps],
        r.lower,
        r.upper,
      ]);
      const address = await c.getAddress();
      await send(keel("KeelAllocator", d.allocator, a.manager), "addAdapter", [address, caps(6_000n)]);
      return { address, adapter: keel("UniswapV3LpAdapter", address, a.deployer) };
    },
  };
  return self;
}
