import { expect } from "chai";
import { Contract, JsonRpcProvider, Wallet } from "ethers";
import pino from "pino";
import { ADAPTER_ABI } from "../../src/adapters/ethers/abis.ts";
import { EIP1967_ADMIN_SLOT, EIP1967_IMPLEMENTATION_SLOT } from "../../src/adapters/ethers/protocolReader.ts";
import type { App } from "../../src/app.ts";
import { parseConfig } from "../../src/config/load.ts";
import { deployContract, send } from "../../src/devnet/deploy/contract.ts";
import { DEVNET_ACCOUNTS, devnetKey } from "../../src/devnet/devnet.ts";
import type { DecisionRecord } from "../../src/domain/decision.ts";
import type { SourcePins } from "../../src/domain/protocolPins.ts";
import { type HttpServer, startHttpServer } from "../../src/observability/http.ts";
import type { Shutdown } from "../../src/runtime/shutdown.ts";
import { metricValue, runKeel, tempStateDir } from "../support/daemon.ts";
import {
  chainOf,
  closeApp,
  codesOf,
  movesSince,
  startApp,
  stepAndTick,
  tick,
  tickUntil,
} from "../support/devnetApp.ts";
import { type ExternalDevnet, liveConfig, startExternalDevnet } from "../support/externalDevnet.ts";

/** The devnet app with its /metrics served over HTTP on 127.0.0.1, as Prometheus scrapes it. */
interface World {
  app: App;
  shutdown: Shutdown;
  http: HttpServer;
}

async function startWorld(monitor: Record<string, unknown>): Promise<World> {
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
async function changeGauge(w: World, source: string, kind: string): Promise<number> {
  const text = await (await fetch(`${w.http.url}/metrics`)).text();
  return metricValue(text, `keel_protocol_change{source="${source}",kind="${kind}"}`);
}

/** What the operator of a devnet feed (MockAggregator) calls. */
const FEED_ABI = [
  "function setAnswer(int256)",
  "function latestRoundData() view returns (uint80,int256,uint256,uint256,uint80)",
];

/** The devnet's market operator: owner of the targets, the feeds, the proxy admin; Aave pool admin. */
function operator(w: World): Wallet {
  // Its own uncached view of the chain: the simulator sends from the same account between the test's sends.
  const provider = new JsonRpcProvider(w.app.target.rpcUrls[0], undefined, { staticNetwork: true, cacheTimeout: -1 });
  w.shutdown.onClose("operator", async () => provider.destroy());
  return new Wallet(devnetKey(DEVNET_ACCOUNTS.deployer), provider);
}

const adapterOf = (app: App, target: string): string => {
  const a = app.target.devnet!.deployment.adapters.find((x) => x.target.toLowerCase() === target.toLowerCase());
  if (!a) throw new Error(`no adapter for ${target}`);
  return a.address;
};
const adapterByKind = (app: App, kind: string): string => {
  const a = app.target.devnet!.deployment.adapters.find((x) => x.kind === kind);
  if (!a) throw new Error(`no ${kind} adapter`);
  return a.address;
};

const balanceOf = async (app: App, adapter: string, blockTag: number | "latest" = "latest"): Promise<bigint> =>
  (await new Contract(adapter, ADAPTER_ABI, chainOf(app)).getFunction("totalAssets")({ blockTag })) as bigint;

/**
 * The change is in the first decision after it (its code, frozen, and exited when critical) and in /metrics;
 * over the next ticks nothing is deposited into the source on-chain, and a critical change empties it.
 */
async function expectHandled(
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
async function expectFunded(app: App, source: string): Promise<void> {
  expect(await balanceOf(app, source), `${source} holds funds before the change`).to.be.greaterThan(0n);
}

describe("protocol-change monitoring on the embedded devnet", function () {
  this.timeout(300_000);

  describe("an upgradeable ERC-4626 target (OpenZeppelin TransparentUpgradeableProxy) and a plain one", () => {
    let w: World;
    before(async () => {
      w = await startWorld({});
    });
    after(async () => closeApp(w?.app, w?.shutdown));

    it("pins the fresh deployment: every pinned kind is exported at 0 before any change", async () => {
      const vaultB = adapterOf(w.app, w.app.target.devnet!.deployment.extra.yieldVault1!);
      for (const kind of ["implementation", "admin", "code", "params"]) {
        expect(await changeGauge(w, vaultB, kind), kind).to.equal(0);
      }
      expect(await changeGauge(w, adapterByKind(w.app, "lending"), "reserve_frozen")).to.equal(0);
      expect(await changeGauge(w, adapterByKind(w.app, "lp"), "oracle_constant")).to.equal(0);
    });

    it("an implementation upgrade freezes and exits the source (critical by default); then an admin change shows", async () => {
      const { app } = w;
      const proxy = app.target.devnet!.deployment.extra.yieldVault1!;
      const source = adapterOf(app, proxy);
      await expectFunded(app, source);
      const op = operator(w);
      const admin = `0x${(await chainOf(app).getStorage(proxy, EIP1967_ADMIN_SLOT)).slice(-40)}`;
      const proxyAdmin = new Contract(
        admin,
        ["function upgradeAndCall(address,address,bytes) payable", "function transferOwnership(address)"],
        op,
      );
      const asset = app.target.devnet!.deployment.asset.address;
      const next = await deployContract(op, "YieldVault", [asset, "Yield Vault B v2", "yvB2", op.address]);
      const from = (await app.headBlock()) + 1;
      await send(proxyAdmin, "upgradeAndCall", [proxy, await next.getAddress(), "0x"]);
      const first = await tick(app);
      await expectHandled(w, {
        source,
        code: "PROTOCOL_IMPLEMENTATION_CHANGED",
        kind: "implementation",
        exit: true,
        from,
        first,
      });

      await send(proxyAdmin, "transferOwnership", [Wallet.createRandom().address]);
      const afterAdmin = await tick(app);
      expect(codesOf(afterAdmin)).to.include("PROTOCOL_ADMIN_CHANGED");
      expect(await changeGauge(w, source, "admin")).to.equal(1);
    });

    it("new code at a pinned address (same storage, different code hash) freezes and exits the source", async () => {
      const { app } = w;
      const target = app.target.devnet!.deployment.extra.yieldVault0!;
      const source = adapterOf(app, target);
      await expectFunded(app, source);
      const code = await chainOf(app).getCode(target);
      // Flip one byte of the trailing compiler metadata: the code runs the same, its hash differs (as a
      // metamorphic redeploy or an EIP-7702 delegation would change it).
      const bytes = Buffer.from(code.slice(2), "hex");
      const metadataLength = bytes.readUInt16BE(bytes.length - 2);
      const at = bytes.length - 2 - metadataLength + 10;
      bytes[at] = bytes[at]! ^ 0xff;
      const from = (await app.headBlock()) + 1;
      await chainOf(app).send("hardhat_setCode", [target, `0x${bytes.toString("hex")}`]);
      const first = await tick(app);
      await expectHandled(w, { source, code: "PROTOCOL_CODE_CHANGED", kind: "code", exit: true, from, first });
    });
  });

  describe("an ERC-4626 parameter and an Aave v3 reserve (params and reserve_frozen critical)", () => {
    let w: World;
    before(async () => {
      w = await startWorld({ critical: ["params", "reserve_frozen"] });
    });
    after(async () => closeApp(w?.app, w?.shutdown));

    it("a changed ERC-4626 withdrawal cap (liquidity()) freezes the source and, configured critical, exits it", async () => {
      const { app } = w;
      const target = app.target.devnet!.deployment.extra.yieldVault0!;
      const source = adapterOf(app, target);
      await expectFunded(app, source);
      const vault = new Contract(target, ["function setLiquidity(uint256)"], operator(w));
      const from = (await app.headBlock()) + 1;
      // Far above what the vault holds: only the parameter moved, withdrawals are not limited by it.
      await send(vault, "setLiquidity", [10n ** 30n]);
      const first = await tick(app);
      await expectHandled(w, { source, code: "PROTOCOL_PARAMS_CHANGED", kind: "params", exit: true, from, first });
    });

    it("a reserve-factor change through Aave's PoolConfigurator freezes the Aave source without exiting it", async () => {
      const { app } = w;
      const source = adapterByKind(app, "lending");
      await expectFunded(app, source);
      const d = app.target.devnet!.deployment;
      const configurator = new Contract(
        d.extra.aaveConfigurator!,
        ["function setReserveFactor(address,uint256)"],
        operator(w),
      );
      const from = (await app.headBlock()) + 1;
      await send(configurator, "setReserveFactor", [d.asset.address, 2_000]);
      const first = await tick(app);
      const reason = first.detail.verdict?.reasons.find((r) => r.code === "RESERVE_PARAMS_CHANGED");
      expect(reason?.message).to.include("reserveFactor 1000 → 2000");
      await expectHandled(w, {
        source,
        code: "RESERVE_PARAMS_CHANGED",
        kind: "reserve_params",
        exit: false,
        from,
        first,
      });
      expect(await balanceOf(app, source)).to.be.greaterThan(0n);
    });

    it("freezing the reserve through Aave's PoolConfigurator freezes the source and, configured critical, exits it", async () => {
      const { app } = w;
      const source = adapterByKind(app, "lending");
      const d = app.target.devnet!.deployment;
      const configurator = new Contract(
        d.extra.aaveConfigurator!,
        ["function setReserveFreeze(address,bool)"],
        operator(w),
      );
      const from = (await app.headBlock()) + 1;
      await send(configurator, "setReserveFreeze", [d.asset.address, true]);
      const first = await tick(app);
      // The market simulator borrows from the reserve each step, which a frozen reserve refuses: only time passes
      // (past the allocator's 300 s cool-down, well within the feeds' heartbeat).
      const op = operator(w);
      const cooldownThenTick = async () => {
        await chainOf(app).send("evm_increaseTime", [301]);
        await chainOf(app).send("evm_mine", []);
        // The feeds publish their (unchanged) prices at the new time, as the simulator's step would.
        for (const address of Object.values(d.oracles)) {
          const feed = new Contract(address, FEED_ABI, op);
          const answer = ((await feed.getFunction("latestRoundData")()) as bigint[])[1]!;
          await send(feed, "setAnswer", [answer]);
        }
        return tick(app);
      };
      await expectHandled(
        w,
        { source, code: "RESERVE_FROZEN", kind: "reserve_frozen", exit: true, from, first },
        cooldownThenTick,
      );
    });
  });

  describe("oracles (oracle_replaced critical, a constant answer over 3 rounds)", () => {
    let w: World;
    before(async () => {
      w = await startWorld({ critical: ["oracle_replaced"], feedMaxConstantRounds: 3 });
    });
    after(async () => closeApp(w?.app, w?.shutdown));

    it("replacing the Aave oracle's source for the asset (AaveOracle.setAssetSources) freezes and exits the source", async () => {
      const { app } = w;
      const source = adapterByKind(app, "lending");
      await expectFunded(app, source);
      const d = app.target.devnet!.deployment;
      const op = operator(w);
      const feed = await deployContract(op, "MockAggregator", [
        8,
        "kUSDC / USD (replacement)",
        100_000_000n,
        op.address,
      ]);
      const oracle = new Contract(d.extra.aaveOracle!, ["function setAssetSources(address[],address[])"], op);
      const from = (await app.headBlock()) + 1;
      await send(oracle, "setAssetSources", [[d.asset.address], [await feed.getAddress()]]);
      const first = await tick(app);
      await expectHandled(w, { source, code: "ORACLE_REPLACED", kind: "oracle_replaced", exit: true, from, first });
    });

    it("a feed that repeats its answer over 3 new rounds freezes the source that prices with it (not critical)", async () => {
      const { app } = w;
      const source = adapterByKind(app, "lp");
      const feedAddress = app.target.devnet!.deployment.oracles["kWETH/USD"]!;
      const feed = new Contract(
        feedAddress,
        [
          "function setAnswer(int256)",
          "function latestRoundData() view returns (uint80,int256,uint256,uint256,uint80)",
        ],
        operator(w),
      );
      const answer = ((await feed.getFunction("latestRoundData")()) as bigint[])[1]!;
      // The feed's operator keeps publishing new rounds, always with the same answer.
      const constantRound = async () => {
        await send(feed, "setAnswer", [answer]);
        return tick(app);
      };
      const from = (await app.headBlock()) + 1;
      const before = [await constantRound(), await constantRound()];
      for (const r of before) expect(codesOf(r)).not.to.include("ORACLE_CONSTANT");
      expect(await changeGauge(w, source, "oracle_constant")).to.equal(0);
      const first = await constantRound();
      await expectHandled(
        w,
        { source, code: "ORACLE_CONSTANT", kind: "oracle_constant", exit: false, from, first },
        constantRound,
      );
      // The feed moves again: the answer is no longer constant and the freeze lifts.
      const moved = await stepAndTick(app);
      expect(codesOf(moved)).not.to.include("ORACLE_CONSTANT");
      expect(await changeGauge(w, source, "oracle_constant")).to.equal(0);
    });
  });

  describe("keel pins", () => {
    let devnet: ExternalDevnet | undefined;
    after(async () => devnet?.stop());

    it("prints the monitor section of the running deployment, which the config accepts as it is", async () => {
      devnet = await startExternalDevnet();
      const config = liveConfig(tempStateDir("keel-pins-"), devnet);
      const out = await runKeel(["pins", "--config", config, "--json"], { KEEL_TEST_RPC: devnet.rpcUrl });
      expect(out.code, out.stderr).to.equal(0);
      const { monitor } = JSON.parse(out.stdout) as { monitor: { sources: SourcePins[] } };
      expect(monitor.sources).to.have.length(4);
      const chain = new JsonRpcProvider(devnet.rpcUrl, undefined, { staticNetwork: true });
      try {
        const proxied = monitor.sources.filter((p) => p.proxies.length > 0);
        // Yield Vault B (OpenZeppelin transparent proxy) and the Aave pool (Aave's own EIP-1967 proxy).
        expect(proxied).to.have.length(2);
        for (const p of proxied) {
          const slot = await chain.getStorage(p.proxies[0]!.address, EIP1967_IMPLEMENTATION_SLOT);
          expect(p.proxies[0]!.implementation.toLowerCase()).to.equal(`0x${slot.slice(-40)}`);
        }
        const lending = monitor.sources.find((p) => p.aaveReserve);
        expect(lending?.calls.map((c) => `${c.kind}:${c.function}`)).to.include.members([
          "admin:owner()",
          "oracle_replaced:getPriceOracle()",
          "oracle_replaced:getSourceOfAsset(address)",
        ]);
        const lp = monitor.sources.find((p) => p.feeds.length > 0);
        expect(lp?.feeds.map((f) => f.address)).to.deep.equal([devnet.deployment.oracles["kWETH/USD"]]);
      } finally {
        chain.destroy();
      }
      const parsed = parseConfig({ monitor }, "pins").config.monitor;
      expect(parsed.sources.map((p) => p.source)).to.deep.equal(monitor.sources.map((p) => p.source));
    });
  });
});
