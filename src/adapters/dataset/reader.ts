import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Dataset, Incident, PoolInfo, PricePoint, RatePoint } from "../../domain/dataset.ts";
import {
  type CleaningOptions,
  cleanRates,
  count,
  defaultCleaning,
  repairIncidentLine,
  sortDedupe,
} from "./cleaning.ts";
import { badRow, parseNumber, parseTime, streamCsv } from "./csv.ts";

/** Options of `readDataset`. */
export interface ReadDatasetOptions {
  /** Called every 50 000 rows and at the end of each file. */
  readonly onProgress?: (file: string, rows: number) => void;
  readonly cleaning?: Partial<CleaningOptions>;
}

const kinds = new Set(["lending", "lp", "staking", "vault"]);
const wrapped: Record<string, string> = { WETH: "ETH", WBTC: "BTC" };

/**
 * Reads a keel dataset folder (pools.csv, rates.csv, prices.csv, optional gas.csv and incidents.csv),
 * streaming the large files. Every series comes back sorted by time; the cleaning rules in
 * `cleaning.ts` are applied and counted. A bad row throws KeelError `DATASET_BAD_ROW` naming file,
 * line and column.
 */
export async function readDataset(dir: string, opts: ReadDatasetOptions = {}): Promise<Dataset> {
  const cleaningOpts = { ...defaultCleaning, ...opts.cleaning };
  const cleaning: Record<string, number> = {};
  const progress = (file: string, rows: number, last: boolean) => {
    if (opts.onProgress && (last || rows % 50_000 === 0)) opts.onProgress(file, rows);
  };

  const pools = await readPools(join(dir, "pools.csv"), cleaning);

  const rates = await readRates(join(dir, "rates.csv"), pools, { cleaning, cleaningOpts, progress });
  const prices = await readPrices(join(dir, "prices.csv"), { cleaning, progress });
  const gas = await readGas(join(dir, "gas.csv"));
  const incidents = await readIncidents(join(dir, "incidents.csv"), cleaning);

  return {
    pools,
    rates,
    prices,
    gas: sortDedupe(gas, cleaning, "gas.duplicate_timestamp"),
    incidents: incidents
      .map((x, i) => ({ x, i }))
      .sort((a, b) => a.x.t - b.x.t || a.i - b.i)
      .map(({ x }) => x),
    cleaning,
  };
}

type Progress = (file: string, rows: number, last: boolean) => void;

/** rates.csv: every pool's rate series (pools must be known), cleaned (`cleanRates`). */
async function readRates(
  ratesFile: string,
  pools: readonly PoolInfo[],
  {
    cleaning,
    cleaningOpts,
    progress,
  }: { cleaning: Record<string, number>; cleaningOpts: CleaningOptions; progress: Progress },
): Promise<Map<string, RatePoint[]>> {
  const rawRates = new Map<string, RatePoint[]>(pools.map((p) => [p.poolId, []]));
  const poolIds = new Set(pools.map((p) => p.poolId));
  let rows = 0;
  for await (const r of streamCsv(ratesFile, ["timestamp", "pool_id", "apr_pct", "tvl_usd", "utilization"])) {
    const poolId = r.get("pool_id");
    if (!poolIds.has(poolId)) throw badRow(ratesFile, r.line, "pool_id", `unknown pool "${poolId.slice(0, 60)}"`);
    const util = r.get("utilization");
    rawRates.get(poolId)!.push({
      t: parseTime(r.get("timestamp"), ratesFile, r.line, "timestamp"),
      aprPct: parseNumber(r.get("apr_pct"), ratesFile, r.line, "apr_pct"),
      tvlUsd: parseNumber(r.get("tvl_usd"), ratesFile, r.line, "tvl_usd", true),
      utilization: util === "" ? null : parseNumber(util, ratesFile, r.line, "utilization", true),
    });
    progress("rates.csv", ++rows, false);
  }
  progress("rates.csv", rows, true);
  const rates = new Map<string, RatePoint[]>();
  for (const [id, points] of rawRates) rates.set(id, cleanRates(points, cleaning, cleaningOpts));
  return rates;
}

/** prices.csv: each symbol's price series, sorted and de-duplicated; wrapped tokens priced as their underlying. */
async function readPrices(
  pricesFile: string,
  { cleaning, progress }: { cleaning: Record<string, number>; progress: Progress },
): Promise<Map<string, PricePoint[]>> {
  const rawPrices = new Map<string, PricePoint[]>();
  let rows = 0;
  for await (const r of streamCsv(pricesFile, ["timestamp", "symbol", "price_usd"])) {
    const symbol = r.get("symbol").toUpperCase();
    if (symbol === "") throw badRow(pricesFile, r.line, "symbol", "empty symbol");
    let series = rawPrices.get(symbol);
    if (!series) {
      series = [];
      rawPrices.set(symbol, series);
    }
    series.push({
      t: parseTime(r.get("timestamp"), pricesFile, r.line, "timestamp"),
      priceUsd: parseNumber(r.get("price_usd"), pricesFile, r.line, "price_usd", true),
    });
    progress("prices.csv", ++rows, false);
  }
  progress("prices.csv", rows, true);
  const prices = new Map<string, PricePoint[]>();
  for (const [symbol, points] of rawPrices)
    prices.set(symbol, sortDedupe(points, cleaning, "prices.duplicate_timestamp"));
  for (const [wrap, under] of Object.entries(wrapped)) {
    const source = prices.get(under);
    if (!prices.has(wrap) && source) {
      prices.set(wrap, source);
      count(cleaning, "prices.wrapped_alias", source.length);
    }
  }
  return prices;
}

/** gas.csv, when present: the gas price over time. */
async function readGas(gasFile: string): Promise<{ t: number; gwei: number }[]> {
  const gas: { t: number; gwei: number }[] = [];
  if (existsSync(gasFile)) {
    for await (const r of streamCsv(gasFile, ["timestamp", "gas_price_gwei"])) {
      gas.push({
        t: parseTime(r.get("timestamp"), gasFile, r.line, "timestamp"),
        gwei: parseNumber(r.get("gas_price_gwei"), gasFile, r.line, "gas_price_gwei", true),
      });
    }
  }
  return gas;
}

/** incidents.csv, when present: protocol incidents (multichain rows repaired, blank losses counted as 0). */
async function readIncidents(incidentsFile: string, cleaning: Record<string, number>): Promise<Incident[]> {
  const incidents: Incident[] = [];
  if (existsSync(incidentsFile)) {
    const repair = (line: string) => {
      const fixed = repairIncidentLine(line);
      if (fixed) count(cleaning, "incidents.multichain_repaired");
      return fixed;
    };
    for await (const r of streamCsv(
      incidentsFile,
      ["timestamp", "protocol", "chain", "loss_usd", "technique"],
      repair,
    )) {
      const loss = r.get("loss_usd");
      if (loss === "") count(cleaning, "incidents.blank_loss");
      incidents.push({
        t: parseTime(r.get("timestamp"), incidentsFile, r.line, "timestamp"),
        protocol: r.get("protocol"),
        chain: r.get("chain"),
        lossUsd: loss === "" ? 0 : parseNumber(loss, incidentsFile, r.line, "loss_usd", true),
        technique: r.get("technique"),
      });
    }
  }
  return incidents;
}

async function readPools(file: string, cleaning: Record<string, number>): Promise<PoolInfo[]> {
  const pools: PoolInfo[] = [];
  const seen = new Set<string>();
  for await (const r of streamCsv(file, ["pool_id", "protocol", "kind", "asset", "chain", "fee_tier_pct"])) {
    const poolId = r.get("pool_id");
    if (poolId === "") throw badRow(file, r.line, "pool_id", "empty pool id");
    if (seen.has(poolId)) throw badRow(file, r.line, "pool_id", `duplicate pool "${poolId.slice(0, 60)}"`);
    seen.add(poolId);
    const kind = r.get("kind");
    if (!kinds.has(kind))
      throw badRow(file, r.line, "kind", `"${kind.slice(0, 20)}" is not lending, lp, staking or vault`);
    const feeRaw = r.get("fee_tier_pct");
    let feeTierPct = feeRaw === "" ? null : parseNumber(feeRaw, file, r.line, "fee_tier_pct", true);
    if (feeTierPct !== null && feeTierPct > 1) {
      feeTierPct /= 100;
      count(cleaning, "pools.fee_tier_bps");
    }
    pools.push({
      poolId,
      protocol: r.get("protocol"),
      kind: kind as PoolInfo["kind"],
      asset: r.get("asset").toUpperCase(),
      chain: r.get("chain"),
      feeTierPct,
    });
  }
  return pools;
}
