import { formatUnits, type Provider } from "ethers";
import {
  IERC20MetadataAbi,
  IKeelAdapterAbi,
  KeelAllocatorAbi,
  KeelVaultAbi,
} from "../adapters/ethers/abi/generated.ts";
import { read, typedContract } from "../adapters/ethers/typedContract.ts";
import { decodeRebalanceMoves } from "../adapters/execution/allocatorCodec.ts";
import type { Proposal } from "../adapters/safe/proposalStore.ts";

/** One row of an allocation: a source (or the vault's idle balance), before and after the proposal. */
export interface AllocationRow {
  readonly source: string;
  readonly label: string;
  /** Base units, as decimal strings. */
  readonly before: string;
  readonly after: string;
}

/** The allocation a proposal changes, read from the chain now, in base units and in the asset's units. */
export interface AllocationDiff {
  readonly asset: { readonly symbol: string; readonly decimals: number };
  readonly rows: readonly AllocationRow[];
}

const IDLE = "idle";
/** The moves a proposal's calldata carries (`allocator.rebalance`), or undefined for any other call. */
export function decodeMoves(p: Proposal): { adapter: string; deposit: boolean; assets: bigint }[] | undefined {
  return decodeRebalanceMoves(p.tx.data)?.map((m) => ({
    adapter: m.sourceId,
    deposit: m.direction === "deposit",
    assets: m.amount,
  }));
}

/**
 * Reads the allocation now (each of the allocator's adapters, and the vault's idle balance) and
 * applies the proposal's moves to it: what the Safe transaction would change if executed now.
 */
export async function allocationDiff(
  provider: Provider,
  p: Proposal,
  vaultAddress: string,
  labels: Readonly<Record<string, string>>,
): Promise<AllocationDiff | undefined> {
  const moves = decodeMoves(p);
  if (!moves) return undefined;
  const vault = typedContract(vaultAddress, KeelVaultAbi, provider);
  const allocator = typedContract(p.tx.to, KeelAllocatorAbi, provider);
  const token = typedContract(await read(vault, "asset", []), IERC20MetadataAbi, provider);
  const asset = {
    symbol: await read(token, "symbol", []),
    decimals: Number(await read(token, "decimals", [])),
  };
  const before = new Map<string, bigint>([[IDLE, await read(vault, "idle", [])]]);
  for (const a of await read(allocator, "getAdapters", [])) {
    before.set(a, await read(typedContract(a, IKeelAdapterAbi, provider), "totalAssets", []));
  }
  const after = new Map(before);
  for (const m of moves) {
    const delta = m.deposit ? m.assets : -m.assets;
    after.set(m.adapter, (after.get(m.adapter) ?? 0n) + delta);
    after.set(IDLE, (after.get(IDLE) ?? 0n) - delta);
  }
  const label = (a: string) => (a === IDLE ? "idle (in the vault)" : (labels[a] ?? labels[a.toLowerCase()] ?? a));
  const rows = [...after.keys()].map((source) => ({
    source,
    label: label(source),
    before: String(before.get(source) ?? 0n),
    after: String(after.get(source) ?? 0n),
  }));
  return { asset, rows };
}

/** The Safe transaction's fields, one per line, as signers check them against their wallet. */
export function safeTxLines(p: Proposal): string[] {
  const t = p.tx;
  return [
    "Safe transaction",
    `  to         ${t.to}`,
    `  value      ${t.value}`,
    `  data       ${t.data}`,
    `  operation  ${t.operation} (${t.operation === 0 ? "call" : "delegatecall"})`,
    `  nonce      ${t.nonce}`,
    `  safeTxHash ${p.safeTxHash}`,
  ];
}

/** The allocation before and after, in the asset's units, with each source's share of the total. */
export function allocationLines(d: AllocationDiff): string[] {
  const fmt = (v: string) => Number(formatUnits(BigInt(v), d.asset.decimals)).toFixed(2);
  const total = (k: "before" | "after") => d.rows.reduce((s, r) => s + BigInt(r[k]), 0n);
  const pct = (v: string, t: bigint) => (t === 0n ? "–" : `${((Number(BigInt(v)) / Number(t)) * 100).toFixed(1)}%`);
  const [tb, ta] = [total("before"), total("after")];
  const width = Math.max(...d.rows.map((r) => r.label.length), 6);
  return [
    `allocation (${d.asset.symbol}, on chain now → if executed now)`,
    ...d.rows.map(
      (r) =>
        `  ${r.label.padEnd(width)}  ${fmt(r.before).padStart(14)} ${pct(r.before, tb).padStart(6)}  →  ${fmt(r.after).padStart(14)} ${pct(r.after, ta).padStart(6)}`,
    ),
  ];
}
