import { Contract, type JsonRpcApiProvider } from "ethers";
import { KeelError } from "../../domain/errors.ts";
import type { SourceKind } from "../../domain/snapshot.ts";
import { ADAPTER_ABI, ERC20_ABI, ERC4626_ABI, UNIV2_PAIR_ABI } from "./abis.ts";
import { isUniswapV3Adapter } from "./uniswapV3Source.ts";

/** What keel needs to know about an allocator adapter to read its source. */
export interface AdapterMeta {
  readonly address: string;
  readonly kind: SourceKind;
  readonly protocol: string;
  readonly target: string;
  readonly asset: string;
  readonly targetDecimals: number;
  readonly lp?: { token0: string; token1: string; baseIs0: boolean; otherSymbol: string; otherDecimals: number };
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
  const a = new Contract(address, ADAPTER_ABI, provider);
  const [kindRaw, target] = await Promise.all([
    a.getFunction("kind")() as Promise<string>,
    a.getFunction("target")() as Promise<string>,
  ]);
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
    const t = new Contract(target, ERC4626_ABI, provider);
    return { ...m, targetDecimals: Number(await t.getFunction("decimals")()) };
  }
  if (kind === "lp") {
    const pair = new Contract(target, UNIV2_PAIR_ABI, provider);
    const [t0, t1] = (await Promise.all([pair.getFunction("token0")(), pair.getFunction("token1")()])) as [
      string,
      string,
    ];
    const baseIs0 = t0.toLowerCase() === asset.address.toLowerCase();
    const other = new Contract(baseIs0 ? t1 : t0, ERC20_ABI, provider);
    const [otherSymbol, otherDecimals] = await Promise.all([
      other.getFunction("symbol")() as Promise<string>,
      other.getFunction("decimals")().then(Number),
    ]);
    const s0 = baseIs0 ? asset.symbol : otherSymbol;
    const s1 = baseIs0 ? otherSymbol : asset.symbol;
    const protocol = (await isUniswapV3Adapter(address, provider)) ? "uniswap-v3" : m.protocol;
    return {
      ...m,
      protocol,
      asset: `${s0}/${s1}`,
      lp: { token0: t0, token1: t1, baseIs0, otherSymbol, otherDecimals },
    };
  }
  return m;
}
