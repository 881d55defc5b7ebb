import { expect } from "chai";
import { Contract, JsonRpcProvider, Wallet } from "ethers";
import pino from "pino";
import { IKeelAdapterAbi } from "../../src/adapters/ethers/abi/generated.ts";
import type { App } from "../../src/app.ts";
import { DEVNET_ACCOUNTS, devnetKey } from "../../src/devnet/accounts.ts";
import type { DecisionRecord } from "../../src/domain/decision.ts";
import { type HttpServer, startHttpServer } from "../../src/observability/http.ts";
import type { Shutdown } from "../../src/runtime/shutdown.ts";
import { metricValue } from "./daemon.ts";
import { chainOf, codesOf, movesSince, startApp, stepAndTick, tickUntil } from "./devnetApp.ts";

/** The devnet app with its /metrics served over HTTP on 127.0.0.1, as Prometheus scrapes it. */
export interface World {
  app: App;
  shutdown: Shutdown;
  http: HttpServer;
}

export async function startWorld(monitor: Record<string, unknown>): Promise<World> {
  // Every source capped at 10 % of total assets with 60 % idle: the first allocation funds all four.
  const strategy = { minIdleBps: 6_000, maxWeightPerSourceBps: 1_000 };
  const { app, shutdown } = await startApp({ monitor, strategy }, pino({ level: "silent" }), "keel-monitor-e2e-");
  const http = await startHttpServer(
    { host: "127.0.0.1", port: 0 },
    {
      registry: app.metrics.registry,
      health: async () => ({ live: true, ready: true, detail: {} }),
      routes: [],
      logger: pino({ level: "silent" }),
    },
  );
  shutdown.onClose("http", () => http.close());
  await tickUntil(app, "executed rebalance", (r) => r.outcome === "executed");
  return { app, shutdown, http };
}

/** keel_protocol_change{source,kind} as scraped from /metrics. */
export async function changeGauge(w: World, source: string, kind: string): Promise<number> {
  const text = await (await fetch(`${w.http.url}/metrics`)).text();
  return metricValue(text, `keel_protocol_change{source="${source}",kind="${kind}"}`);
}

/** What the operator of a devnet feed (MockAggregator) calls. */
export const FEED_ABI = [
  "function setAnswer(int256)",
  "function latestRoundData() view returns (uint80,int256,uint256,uint256,uint80)",
];

/** The devnet's market operator: owner of the targets, the feeds, the proxy admin; Aave pool admin. */
export function operator(w: World): Wallet {
  // Its own uncached view of the chain: the simulator sends from the same account between the test's sends.
  const provider = new JsonRpcProvider(w.app.target.rpcUrls[0], undefined, { staticNetwork: true, cacheTimeout: -1 });
  w.shutdown.onClose("operator", async () => provider.destroy());
  return new Wallet(devnetKey(DEVNET_ACCOUNTS.deployer), provider);
}

export const adapterOf = (app: App, target: string): string => {
  const a = app.target.devnet!.deployment.adapters.find((x) => x.target.toLowerCase() === target.toLowerCase());
  if (!a) throw new Error(`no adapter for ${target}`);
  return a.address;
};
export const adapterByKind = (app: App, kind: string): string => {
  const a = app.target.devnet!.deployment.adapters.find((x) => x.kind === kind);
  if (!a) throw new Error(`no ${kind} adapter`);
  return a.address;
};

export const balanceOf = async (app: App, adapter: string, blockTag: number | "latest" = "latest"): Promise<bigint> =>
  (await new Contract(adapter, IKeelAdapterAbi, chainOf(app)).getFunction("totalAssets")({ blockTag })) as bigint;

/**
 * The change is in the first decision after it (its code, frozen, and exited when critical) and in /metrics;
 * over the next ticks nothing is deposited into the source on-chain, and a critical change empties it.
 */
export async function expectHandled(
  w: World,
  o: { source: string; code: string; kind: string; exit: boolean; from: number; first: DecisionRecord },
  next: () => Promise<DecisionRecord> = () => stepAndTick(w.app),
): Promise<void> {
  const { app } = w;
  expect(codesOf(o.first), JSON.stringify(o.first.detail.verdict?.reasons)).to.include(o.code);
  const reason = o.first.detail.verdict?.reasons.find((r) => r.code === o.code);
  expect(reason?.sourceId).to.equal(o.source);
  expect(o.first.detail.verdict?.frozen).to.include(o.source);
  expect(o.first.detail.verdict?.forcedExits.includes(o.source)).to.equal(o.exit);
  const exitReason = o.first.detail.verdict?.reasons.find(
    (r) => r.code === "PROTOCOL_CHANGE_EXIT" && r.sourceId === o.source,
  );
  expect(exitReason !== undefined).to.equal(o.exit);
  const journaled = await app.journal.get(o.first.id);
  expect(journaled?.detail.verdict?.reasons.map((r) => r.code)).to.include(o.code);
  expect(await changeGauge(w, o.source, o.kind)).to.equal(1);

  const held = await balanceOf(app, o.source, o.from - 1);
  const later: DecisionRecord[] = [];
  for (let i = 0; i < 4; i++) later.push(await next());
  for (const r of [o.first, ...later]) {
    expect(r.detail.verdict?.frozen, JSON.stringify(r.haltReasons)).to.include(o.source);
    expect(codesOf(r)).to.include(o.code);
    // No room to grow: the source's cap is at most its current weight (none at all when it must be left).
    const total = Number(r.detail.snapshot?.totalAssets ?? 0);
    const weight = total > 0 ? Number(r.detail.allocation?.[o.source] ?? 0) / total : 0;
    expect(r.detail.verdict?.caps[o.source] ?? 0).to.be.at.most(weight + 1e-9);
  }
  const moves = (await movesSince(app, o.from)).filter((m) => m.adapter.toLowerCase() === o.source.toLowerCase());
  expect(moves.filter((m) => m.deposit)).to.deep.equal([]);
  if (o.exit) {
    expect(moves.some((m) => !m.deposit)).to.equal(true);
    // Emptied, up to the interest a lending position accrues in the blocks after its withdrawal.
    expect(await balanceOf(app, o.source)).to.be.at.most(held / 100_000n);
  }
  expect(await changeGauge(w, o.source, o.kind)).to.equal(1);
}

/** Funds in the source before the change, so that its exit is observable (the first allocation spreads them). */
export async function expectFunded(app: App, source: string): Promise<void> {
  expect(await balanceOf(app, source), `${source} holds funds before the change`).to.be.greaterThan(0n);
}
