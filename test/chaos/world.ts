// The chaos world: one devnet and a fault proxy for the whole run, the daemon in a child process,
// fault injectors, and the invariants checked after every step. Sequences start from a chain snapshot.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BrowserProvider, Contract, id, Wallet } from "ethers";
import pino from "pino";
import { type Devnet, startDevnet } from "../../src/devnet/devnet.ts";
import { type FaultProxy, startFaultProxy } from "../support/fault-proxy.ts";
import { CHAOS_LIMITS, type ChaosStats, daemonConfig } from "./config.ts";
import { DaemonPool, type DaemonProcess } from "./daemonProcess.ts";
import { checkAfterStep, checkTick, type GroundTruth, type Invariants, InvariantViolation } from "./invariants.ts";
import type { TickReport } from "./worker.ts";

const VAULT_ABI = ["function paused() view returns (bool)", "function pause()", "function unpause()"];
const ALLOCATOR_ABI = [
  "function hasRole(bytes32,address) view returns (bool)",
  "function grantRole(bytes32,address)",
  "function revokeRole(bytes32,address)",
  "event Rebalanced(bytes32 indexed intentId, address indexed caller, uint256 totalAssetsBefore, uint256 totalAssetsAfter, uint256 loss, (address adapter, bool deposit, uint256 assets)[] moves, (bytes32 snapshotHash, bytes32 modelHash, bytes32 configHash) commitment)",
];
const FEED_ABI = ["function latestRoundData() view returns (uint80,int256,uint256,uint256,uint80)"];
const KEEPER_ROLE = id("KEEPER_ROLE");

export class ChaosWorld {
  readonly devnet: Devnet;
  readonly proxy: FaultProxy;
  readonly provider: BrowserProvider;
  readonly stats: ChaosStats;
  readonly #pool = new DaemonPool();
  readonly #vault: Contract;
  readonly #allocator: Contract;
  readonly #keeper: string;
  #baseSnapshot = "";
  #localSnapshot: string | undefined;
  #daemon: DaemonProcess | undefined;
  #stateDir = "";
  #startBlock = 0;
  #lastMetrics: Record<string, number> = {};
  #invariants: Invariants = { journalIds: new Set() };

  private constructor(devnet: Devnet, proxy: FaultProxy) {
    this.devnet = devnet;
    this.proxy = proxy;
    this.provider = new BrowserProvider(devnet.chain.provider, devnet.chain.chainId, { cacheTimeout: -1 });
    const d = devnet.deployment;
    this.#vault = new Contract(d.vault, VAULT_ABI, this.provider);
    this.#allocator = new Contract(d.allocator, ALLOCATOR_ABI, this.provider);
    this.#keeper = new Wallet(devnet.keys.keeper).address;
    this.stats = {
      sequences: 0,
      steps: 0,
      stepsByKind: {},
      msByKind: {},
      faultsInjected: {},
      checksPassed: {},
      tickOutcomes: {},
      daemonStarts: 0,
      startsRefused: {},
      startRefusedExamples: {},
      sends: 0,
    };
  }

  /** Starts the devnet (no automatic market steps, no scheduled episodes) and the proxy. */
  static async start(seed = 1): Promise<ChaosWorld> {
    const logger = pino({ level: "silent" });
    const opts = {
      seed,
      stepSeconds: 3_600,
      stepIntervalMs: 1_000,
      initialDepositUnits: 1_000_000,
      httpPort: 0,
      episodes: false,
      autoStep: false,
    };
    let devnet: Devnet | undefined;
    // Setup, not the system under test: the devnet's warm-up has failed now and then with EDR's
    // "timestamp lower than the previous block's"; one more try, said out loud.
    for (let attempt = 1; devnet === undefined; attempt++) {
      try {
        devnet = await startDevnet(opts, { logger });
      } catch (err) {
        if (attempt >= 2) throw err;
        process.stderr.write(`chaos: devnet start failed (${(err as Error).message}); retrying once\n`);
      }
    }
    const proxy = await startFaultProxy(devnet.rpcUrl);
    const world = new ChaosWorld(devnet, proxy);
    world.#baseSnapshot = await world.rpc<string>("evm_snapshot");
    return world;
  }

  rpc<T>(method: string, params: unknown[] = []): Promise<T> {
    return this.devnet.chain.provider.request({ method, params }) as Promise<T>;
  }

  signer(key: string): Wallet {
    return new Wallet(key, this.provider);
  }

  count(bucket: Record<string, number>, key: string, n = 1): void {
    bucket[key] = (bucket[key] ?? 0) + n;
  }

  /** Resets the chain to the base snapshot and starts a daemon on a fresh state directory. */
  async beginSequence(): Promise<void> {
    await this.rpc("evm_revert", [this.#baseSnapshot]);
    this.#baseSnapshot = await this.rpc<string>("evm_snapshot");
    this.#localSnapshot = undefined;
    this.proxy.clear();
    await this.rpc("evm_setAutomine", [true]);
    await this.devnet.simulator.depeg(`${this.devnet.deployment.asset.symbol}/USD`, 1);
    this.#startBlock = await this.provider.getBlockNumber();
    this.#stateDir = mkdtempSync(join(tmpdir(), "keel-chaos-"));
    this.#invariants = { journalIds: new Set() };
    this.stats.sequences += 1;
    await this.#startDaemon();
  }

  async endSequence(): Promise<void> {
    await this.#daemon?.stop();
    this.#daemon = undefined;
    rmSync(this.#stateDir, { recursive: true, force: true });
  }

  async close(): Promise<void> {
    await this.#daemon?.kill();
    await this.#pool.close();
    await this.proxy.close();
    await this.devnet.close();
  }

  #config(): { raw: unknown; env: Record<string, string> } {
    return daemonConfig(this.devnet, this.proxy.url, this.#stateDir);
  }

  /** Starts a daemon on the current state directory; a refused start (e.g. RPC down) leaves it down. */
  async #startDaemon(): Promise<void> {
    const daemon = await this.#pool.take();
    this.stats.daemonStarts += 1;
    try {
      await daemon.request({ cmd: "open", ...this.#config() }, 30_000);
      this.#daemon = daemon;
      this.#lastMetrics = {};
    } catch (err) {
      const code = (err as Error).message.split(":")[0] ?? "ERROR";
      this.count(this.stats.startsRefused, code);
      this.stats.startRefusedExamples[code] ??= (err as Error).message.slice(0, 300);
      await daemon.kill();
      this.#daemon = undefined;
    }
  }

  /** What the chain says right now: the conditions under which nothing may be sent. */
  async groundTruth(): Promise<GroundTruth> {
    const d = this.devnet.deployment;
    const feeds = Object.entries(d.oracles);
    const [latest, rounds, paused, keeperAuthorised, keeperNonce] = await Promise.all([
      this.provider.getBlock("latest"),
      Promise.all(
        feeds.map(
          ([, a]) => new Contract(a, FEED_ABI, this.provider).getFunction("latestRoundData")() as Promise<bigint[]>,
        ),
      ),
      this.#vault.getFunction("paused")() as Promise<boolean>,
      this.#allocator.getFunction("hasRole")(KEEPER_ROLE, this.#keeper) as Promise<boolean>,
      this.provider.getTransactionCount(this.#keeper, "pending"),
    ]);
    const now = latest?.timestamp ?? 0;
    let oldestFeedAge = 0;
    let basePrice = 1;
    feeds.forEach(([pair], i) => {
      const [, answer, , updatedAt] = rounds[i] ?? [];
      oldestFeedAge = Math.max(oldestFeedAge, now - Number(updatedAt ?? 0n));
      if (pair === `${d.asset.symbol}/USD`) basePrice = Number(answer ?? 0n) / 1e8;
    });
    return {
      paused,
      keeperAuthorised,
      oracleStale: oldestFeedAge > CHAOS_LIMITS.oracleHeartbeatSeconds,
      depegPct: Math.abs(1 - basePrice) * 100,
      keeperNonce,
      rpcFault: this.proxy.activeFaults(),
    };
  }

  /** One daemon tick (restarting a daemon that is down first), checked against the ground truth. */
  async tick(opts: { killAfterMs?: number; dropPending?: boolean } = {}): Promise<void> {
    if (!this.#daemon) await this.#startDaemon();
    const before = await this.groundTruth();
    const fromBlock = (await this.provider.getBlockNumber()) + 1;
    const daemon = this.#daemon;
    let report: TickReport | undefined;
    if (daemon) {
      if (opts.dropPending) await this.rpc("evm_setAutomine", [false]);
      const pending = daemon.tick(20_000);
      pending.catch(() => {});
      if (opts.killAfterMs !== undefined) {
        await new Promise((r) => setTimeout(r, opts.killAfterMs));
        await this.killDaemon(false);
      } else if (opts.dropPending) {
        await this.#dropKeeperTxs(pending);
      }
      try {
        report = await pending;
      } catch {
        report = undefined;
      }
      if (opts.dropPending) {
        await this.rpc("evm_setAutomine", [true]);
        await this.rpc("evm_mine");
      }
    }
    const after = await this.groundTruth();
    if (after.keeperNonce > before.keeperNonce) this.stats.sends += after.keeperNonce - before.keeperNonce;
    this.count(this.stats.tickOutcomes, report ? report.outcome : daemon ? "killed" : "daemon-down");
    const passed = await this.#explained(fromBlock, () =>
      checkTick({
        before,
        after,
        report,
        previousMetrics: this.#lastMetrics,
        depegStopPct: CHAOS_LIMITS.depegStopPct,
      }),
    );
    for (const name of passed) this.count(this.stats.checksPassed, name);
    if (report) {
      this.#lastMetrics = report.metrics;
      if (report.decisionId) this.#invariants.journalIds.add(report.decisionId);
    }
    if (report?.stopped && this.#daemon) {
      // The daemon exits for good; the operator restarts it (a start is refused until the role is back).
      await this.#daemon.kill();
      this.#daemon = undefined;
    }
  }

  /** Runs a check; a violation gets the keeper's transactions since `fromBlock` appended as evidence. */
  async #explained<T>(fromBlock: number, check: () => T): Promise<T> {
    try {
      return check();
    } catch (err) {
      if (!(err instanceof InvariantViolation)) throw err;
      const events = await this.#allocator.queryFilter(this.#allocator.filters.Rebalanced!(), fromBlock);
      const moves = events.map((e) => {
        const args = (e as unknown as { args: { moves: { deposit: boolean; assets: bigint }[] } }).args;
        return args.moves.map((m) => `${m.deposit ? "deposit" : "withdraw"} ${m.assets}`).join(", ");
      });
      throw new InvariantViolation(`${err.message}; Rebalanced since block ${fromBlock}: [${moves.join(" | ")}]`);
    }
  }

  /** While a tick runs with automine off, drops the keeper's pending transactions (bounded polling). */
  async #dropKeeperTxs(tick: Promise<unknown>): Promise<void> {
    let done = false;
    tick
      .finally(() => {
        done = true;
      })
      .catch(() => {});
    for (let i = 0; i < 40 && !done; i++) {
      const block = (await this.rpc<{ transactions: { hash: string; from: string }[] } | null>("eth_getBlockByNumber", [
        "pending",
        true,
      ])) ?? { transactions: [] };
      const mine = block.transactions.filter((t) => t.from.toLowerCase() === this.#keeper.toLowerCase());
      for (const t of mine) {
        await this.rpc("hardhat_dropTransaction", [t.hash]);
        this.count(this.stats.faultsInjected, "dropTx");
      }
      if (mine.length > 0) return;
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** SIGKILLs the daemon; `restart` starts the next one on the same state at once. */
  async killDaemon(restart: boolean): Promise<void> {
    if (!this.#daemon) return;
    await this.#daemon.kill();
    this.#daemon = undefined;
    this.count(this.stats.faultsInjected, "kill9");
    if (restart) await this.#startDaemon();
  }

  async snapshotOrRevert(): Promise<void> {
    if (this.#localSnapshot === undefined) {
      this.#localSnapshot = await this.rpc<string>("evm_snapshot");
      return;
    }
    await this.rpc("evm_revert", [this.#localSnapshot]);
    this.#localSnapshot = undefined;
    this.count(this.stats.faultsInjected, "revert");
  }

  async setPaused(paused: boolean): Promise<void> {
    const who = paused ? this.devnet.keys.guardian : this.devnet.keys.manager;
    const vault = this.#vault.connect(this.signer(who)) as Contract;
    if (((await this.#vault.getFunction("paused")()) as boolean) === paused) return;
    await (await vault.getFunction(paused ? "pause" : "unpause")()).wait();
    this.count(this.stats.faultsInjected, paused ? "pause" : "unpause");
  }

  async setKeeperRole(granted: boolean): Promise<void> {
    const allocator = this.#allocator.connect(this.signer(this.devnet.keys.manager)) as Contract;
    await (await allocator.getFunction(granted ? "grantRole" : "revokeRole")(KEEPER_ROLE, this.#keeper)).wait();
    if (!granted) this.count(this.stats.faultsInjected, "keeperRevoked");
  }

  /** Every invariant that holds after any step (events, journal, state files). */
  async checkAfterStep(): Promise<void> {
    const events = await this.#allocator.queryFilter(this.#allocator.filters.Rebalanced!(), this.#startBlock);
    const passed = checkAfterStep({
      keeperNonce: await this.provider.getTransactionCount(this.#keeper, "latest"),
      stateDir: this.#stateDir,
      events: events.map((e) => ({ intentId: e.topics[1] ?? "", block: e.blockNumber })),
      invariants: this.#invariants,
    });
    for (const name of passed) this.count(this.stats.checksPassed, name);
  }
}
