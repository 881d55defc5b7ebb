// Risk-gate time per tick for 10 and 100 sources with one year of hourly history (generated data).
// Prints one JSON line per figure: {"bench":"risk.gate_ms_<n>_sources", ...}.
import { riskSection } from "../src/config/sections/risk.ts";
import { seededRandom } from "../src/domain/random.ts";
import type { HistoryWindow, PriceObservation, SourcePoint, SourceState } from "../src/domain/snapshot.ts";
import type { RiskOptions } from "../src/pipeline/riskGate/options.ts";
import { assessRisk } from "../src/pipeline/riskGate/riskGate.ts";
import type { RiskInput } from "../src/pipeline/types.ts";

const HOURS = 365 * 24;
const T0 = 1_700_000_000;
const UNIT = 1_000_000n;

function walk(rand: () => number, start: number, volHourly: number): { t: number; priceUsd: number }[] {
  let p = start;
  return Array.from({ length: HOURS }, (_, i) => {
    p *= Math.exp(volHourly * (rand() - 0.5) * 3.46);
    return { t: T0 - (HOURS - i) * 3_600, priceUsd: p };
  });
}

function makeInput(n: number): RiskInput {
  const rand = seededRandom(n);
  const assets = ["USDC", "USDT", "WETH", "WETH/USDC", "WBTC/WETH"];
  const sources: SourceState[] = [];
  const histSources: Record<string, SourcePoint[]> = {};
  for (let i = 0; i < n; i++) {
    const asset = assets[i % assets.length]!;
    const kind = asset.includes("/") ? "lp" : "lending";
    const id = `src-${i}`;
    const balance = BigInt(Math.floor(rand() * 100_000)) * UNIT;
    sources.push({
      id,
      kind,
      protocol: `proto-${i % 7}`,
      asset,
      aprPct: 3 + rand() * 5,
      tvlUsd: 5e8,
      utilization: kind === "lp" ? null : 0.8,
      balance,
      maxWithdraw: balance,
    });
    let apr = 4;
    histSources[id] = Array.from({ length: HOURS }, (_, h) => {
      apr = Math.max(0, apr + (rand() - 0.5) * 0.2);
      return {
        t: T0 - (HOURS - h) * 3_600,
        aprPct: apr,
        tvlUsd: 5e8 * (1 + (rand() - 0.5) * 0.01),
        utilization: kind === "lp" ? null : 0.8,
      };
    });
  }
  const prices: Record<string, { t: number; priceUsd: number }[]> = {
    ETH: walk(rand, 2_000, 0.008),
    BTC: walk(rand, 40_000, 0.006),
    USDC: walk(rand, 1, 0.0002),
    USDT: walk(rand, 1, 0.0002),
  };
  const obs: Record<string, PriceObservation[]> = Object.fromEntries(
    Object.entries(prices).map(([sym, s]) => [
      sym,
      [
        {
          symbol: sym,
          priceUsd: s.at(-1)!.priceUsd > 0.99 && sym.startsWith("USD") ? 1 : s.at(-1)!.priceUsd,
          updatedAt: T0,
          origin: "oracle" as const,
        },
      ],
    ]),
  );
  const idle = 100_000n * UNIT;
  const total = sources.reduce((a, s) => a + s.balance, idle);
  const history: HistoryWindow = {
    asOf: T0,
    sources: histSources,
    prices,
    sharePrice: Array.from({ length: HOURS }, (_, h) => ({ t: T0 - (HOURS - h) * 3_600, value: 1 + h * 1e-6 })),
    incidents: [{ t: T0 - 200 * 86_400, protocol: "proto-3", lossUsd: 1e6 }],
  };
  return {
    snapshot: {
      chainId: 1,
      block: 1,
      timestamp: T0,
      baseAsset: { symbol: "USDC", decimals: 6, priceUsd: 1 },
      vault: { totalAssets: total, idle, totalSupply: total, sharePrice: 1.01, paused: false, shutdown: false },
      sources,
      prices: obs,
      baseFeesWei: [1n],
      priorityFeeWei: 1n,
      nativeUsd: 2_000,
      keeperBalanceWei: 10n ** 18n,
    },
    history,
    forecast: {
      horizonDays: 7,
      forecaster: "persistence",
      modelHash: "persistence",
      sources: Object.fromEntries(
        sources.map((s) => [
          s.id,
          { sourceId: s.id, p10: s.aprPct - 1, p50: s.aprPct, p90: s.aprPct + 1, priceVolPct: 50 },
        ]),
      ),
    },
  };
}

const opts: RiskOptions = {
  ...riskSection.parse({}),
  maxWeightPerSourceBps: 6_000,
  minIdleBps: 200,
  baseAsset: "USDC",
};

for (const n of [10, 100]) {
  const input = makeInput(n);
  const runs = n <= 10 ? 200 : 40;
  for (let i = 0; i < 5; i++) assessRisk(opts, input); // warm-up
  const times: number[] = [];
  let verdict = assessRisk(opts, input).verdict;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    verdict = assessRisk(opts, input).verdict;
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const p50 = times[times.length >> 1]!;
  const p99 = times[Math.min(times.length - 1, Math.floor(times.length * 0.99))]!;
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  process.stdout.write(
    `${JSON.stringify({ bench: `risk.gate_ms_${n}_sources`, value: Number(p50.toFixed(3)), unit: "ms", stat: "p50", p99: Number(p99.toFixed(3)), mean: Number(mean.toFixed(3)), runs, historyHours: HOURS, scenarios: verdict.reasons.find((r) => r.code === "PORTFOLIO_RISK")?.value })}\n`,
  );
}
