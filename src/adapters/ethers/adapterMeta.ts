import type { JsonRpcApiProvider } from "ethers";
import { KeelError } from "../../domain/errors.ts";
import type { SourceKind } from "../../domain/snapshot.ts";
import {
  IERC20MetadataAbi,
  IERC4626Abi,
  IKeelAdapterAbi,
  UniswapV2LpAdapterAbi,
  UniswapV2PairAbi,
} from "./abi/generated.ts";
import { read, typedContract } from "./typedContract.ts";
import { isUniswapV3Adapter } from "./uniswapV3Source.ts";

/** What keel needs to know about an allocator adapter to read its source. */
export interface AdapterMeta {
  readonly address: string;
  readonly kind: SourceKind;
  readonly protocol: string;
  readonly target: string;
  readonly asset: string;
  readonly targetDecimals: number;
  readonly lp?: {
    token0: string;
    token1: string;
    baseIs0: boolean;
    otherSymbol: string;
    otherDecimals: number;
    /** The Uniswap v2 adapter's swap bound (`slippageBps()`); none for a v3 position. */
    slippageBps?: number;
  };
}

const PROTOCOL: Record<SourceKind, string> = { vault: "erc4626", lending: "aave-v3", lp: "uniswap-v2" };

/**
 * Reads an adapter's kind and target (and an LP's tokens; protocol "uniswap-v3" for a v3 position);
 * `UNKNOWN_ADAPTER_KIND` for a kind keel cannot read.
 */
export async function readAdapterMeta(
  address: string,
  ctx: { provider: JsonRpcApiProvider; asset: { address: string; symbol: string; decimals: number } },
): Promise<AdapterMeta> {
  const { provider, asset } = ctx;
  const a = typedContract(address, IKeelAdapterAbi, provider);
  const [kindRaw, target] = await Promise.all([read(a, "kind", []), read(a, "target", [])]);
  if (kindRaw !== "vault" && kindRaw !== "lending" && kindRaw !== "lp") {
    throw new KeelError("UNKNOWN_ADAPTER_KIND", `adapter ${address} reports unknown kind "${kindRaw}"`);
  }
  const kind: SourceKind = kindRaw;
  const m: AdapterMeta = {
    address,
    kind,
    protocol: PROTOCOL[kind],
    target,
    asset: asset.symbol,
    targetDecimals: asset.decimals,
  };
  if (kind === "vault") {
    const t = typedContract(target, IERC4626Abi, provider);
    return { ...m, targetDecimals: Number(await read(t, "decimals", [])) };
  }
  if (kind === "lp") {
    const pair = typedContract(target, UniswapV2PairAbi, provider);
    const [t0, t1] = await Promise.all([read(pair, "token0", []), read(pair, "token1", [])]);
    const baseIs0 = t0.toLowerCase() === asset.address.toLowerCase();
    const other = typedContract(baseIs0 ? t1 : t0, IERC20MetadataAbi, provider);
    const [otherSymbol, otherDecimals] = await Promise.all([
      read(other, "symbol", []),
      read(other, "decimals", []).then(Number),
    ]);
    const s0 = baseIs0 ? asset.symbol : otherSymbol;
    const s1 = baseIs0 ? otherSymbol : asset.symbol;
    const v3 = await isUniswapV3Adapter(address, provider);
    const lp = { token0: t0, token1: t1, baseIs0, otherSymbol, otherDecimals };
    if (v3) return { ...m, protocol: "uniswap-v3", asset: `${s0}/${s1}`, lp };
    const slippageBps = Number(await read(typedContract(address, UniswapV2LpAdapterAbi, provider), "slippageBps", []));
    return { ...m, asset: `${s0}/${s1}`, lp: { ...lp, slippageBps } };
  }
  return m;
}
