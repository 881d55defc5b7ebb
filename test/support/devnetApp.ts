import { Interface, JsonRpcProvider } from "ethers";
import pino from "pino";
import { systemClock } from "../../src/adapters/clock.ts";
import { KeelAllocatorAbi } from "../../src/adapters/ethers/abi/generated.ts";
import { type App, createApp } from "../../src/app.ts";
import { parseConfig } from "../../src/config/load.ts";
import type { DecisionRecord } from "../../src/domain/decision.ts";
import { createMetrics } from "../../src/observability/metrics.ts";
import { createShutdown, type Shutdown } from "../../src/runtime/shutdown.ts";
import { tempStateDir } from "./daemon.ts";

/**
 * The embedded devnet and the daemon's stages in this process, stepped and ticked by hand: no scheduled
 * episodes, most assets idle so the first allocation stays inside the allocator's on-chain move bound.
 * `config` adds sections (e.g. `{ risk: {...} }`, `{ monitor: {...} }`).
 */
export async function startApp(
  config: Record<string, unknown>,
  logger: pino.Logger = pino({ level: "silent" }),
  prefix = "keel-e2e-",
): Promise<{ app: App; shutdown: Shutdown }> {
  const loaded = parseConfig(
    {
      state: { dir: tempStateDir(prefix) },
      devnet: { episodes: false, stepIntervalMs: 600_000 },
      strategy: { minIdleBps: 6_000 },
      ...config,
    },
    "e2e",
  );
  const shutdown = createShutdown({ graceMs: 5_000 }, { logger });
  const app = await createApp(
    loaded,
    { dryRun: false },
    { logger, metrics: createMetrics(), shutdown, clock: systemClock },
  );
  return { app, shutdown };
}

const chains = new Map<App, JsonRpcProvider>();
/** A plain JSON-RPC view of the devnet chain (127.0.0.1), for on-chain assertions. */
export function chainOf(app: App): JsonRpcProvider {
  let p = chains.get(app);
  if (!p) {
    p = new JsonRpcProvider(app.target.rpcUrls[0], undefined, { staticNetwork: true, polling: false });
    chains.set(app, p);
  }
  return p;
}

/** Closes the chain view and the app. */
export async function closeApp(app: App | undefined, shutdown: Shutdown | undefined): Promise<void> {
  if (app) chainOf(app).destroy();
  if (app) chains.delete(app);
  await shutdown?.close("test done");
}

/** One tick, recorded (a crash before recording fails the test). */
export async function tick(app: App): Promise<DecisionRecord> {
  const rec = await app.tick("manual");
  if (!rec) throw new Error("tick crashed before recording");
  return rec;
}

/** One market step, then one tick. */
export async function stepAndTick(app: App): Promise<DecisionRecord> {
  await app.target.devnet!.simulator.step();
  return tick(app);
}

/** Ticks (bounded) until `done` holds for a record. */
export async function tickUntil(
  app: App,
  what: string,
  done: (r: DecisionRecord) => boolean,
  max = 40,
): Promise<DecisionRecord> {
  for (let i = 0; i < max; i++) {
    const rec = await stepAndTick(app);
    if (done(rec)) return rec;
  }
  throw new Error(`no ${what} within ${max} ticks`);
}

/** One move of a Rebalanced event. */
export interface Move {
  adapter: string;
  deposit: boolean;
  assets: bigint;
}

/** Moves of every Rebalanced event from `fromBlock`, read from the chain. */
export async function movesSince(app: App, fromBlock: number): Promise<Move[]> {
  const iface = new Interface(KeelAllocatorAbi);
  const logs = await chainOf(app).getLogs({ address: app.target.allocator, fromBlock, toBlock: "latest" });
  const out: Move[] = [];
  for (const l of logs) {
    const parsed = iface.parseLog(l);
    if (parsed?.name !== "Rebalanced") continue;
    for (const m of parsed.args.moves as { adapter: string; deposit: boolean; assets: bigint }[]) {
      out.push({ adapter: m.adapter, deposit: m.deposit, assets: m.assets });
    }
  }
  return out;
}

/** Every code of a decision: halt reasons and the risk verdict's reasons. */
export const codesOf = (r: DecisionRecord): string[] => [
  ...r.haltReasons.map((h) => h.code),
  ...(r.detail.verdict?.reasons.map((x) => x.code) ?? []),
];
