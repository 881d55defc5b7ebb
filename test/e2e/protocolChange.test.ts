import { expect } from "chai";
import { Contract, JsonRpcProvider, Wallet } from "ethers";
import pino from "pino";
import { ADAPTER_ABI } from "../../src/adapters/ethers/abis.ts";
import { EIP1967_ADMIN_SLOT } from "../../src/adapters/ethers/protocolReader.ts";
import type { App } from "../../src/app.ts";
import { deployContract, send } from "../../src/devnet/deploy/contract.ts";
import { DEVNET_ACCOUNTS, devnetKey } from "../../src/devnet/devnet.ts";
import type { DecisionRecord } from "../../src/domain/decision.ts";
import { type HttpServer, startHttpServer } from "../../src/observability/http.ts";
import type { Shutdown } from "../../src/runtime/shutdown.ts";
import { metricValue } from "../support/daemon.ts";
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

const balanceOf = async (app: App, adapter: string): Promise<bigint> =>
  (await new Contract(adapter, ADAPTER_ABI, chainOf(app)).getFunction("totalAssets")()) as bigint;

/**
 * The change is in the first decision after it (its code, frozen, and exited when critical) and in /metrics;
 * over the next ticks nothing is deposited into the source on-chain, and a critical change empties it.
 */
async function expectHandled(
  w: World,
  o: { source: string; code: string; kind: string; exit: boolean; from: number; first: DecisionRecord },
): Promise<void> {
  const { app } = w;
  expect(codesOf(o.first), JSON.stringify(o.first.detail.verdict?.reasons)).to.include(o.code);
  const reason = o.first.detail.verdict?.reasons.find((r) => r.code === o.code);
  expect(reason?.sourceId).to.equal(o.source);
  expect(o.first.detail.verdict?.frozen).to.include(o.source);
  expect(o.first.detail.verdict?.forcedExits.includes(o.source)).to.equal(o.exit);
  expect(codesOf(o.first).includes("PROTOCOL_CHANGE_EXIT")).to.equal(o.exit);
  const journaled = await app.journal.get(o.first.id);
  expect(journaled?.detail.verdict?.reasons.map((r) => r.code)).to.include(o.code);
  expect(await changeGauge(w, o.source, o.kind)).to.equal(1);

  const later: DecisionRecord[] = [];
  for (let i = 0; i < 4; i++) later.push(await stepAndTick(app));
  for (const r of later) {
    expect(r.detail.verdict?.frozen).to.include(o.source);
    expect(codesOf(r)).to.include(o.code);
  }
  const moves = (await movesSince(app, o.from)).filter((m) => m.adapter.toLowerCase() === o.source.toLowerCase());
  expect(moves.filter((m) => m.deposit)).to.deep.equal([]);
  if (o.exit) {
    expect(moves.some((m) => !m.deposit)).to.equal(true);
    expect(await balanceOf(app, o.source)).to.equal(0n);
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
});
