// The chaos world: one devnet mining on an interval (so keeper transactions wait in a mempool), three RPC
// endpoints behind fault proxies, and the real `keel run` process on a fresh state directory per sequence.
// Every keeper send is checked as it passes a proxy; every step ends with the invariants over chain and disk.
import { appendFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserProvider, hexlify, randomBytes, Transaction } from "ethers";
import pino from "pino";
import { type Devnet, startDevnet } from "../../src/devnet/devnet.ts";
import type { DaemonHandle } from "../support/daemon.ts";
import { type FaultProxy, startFaultProxy } from "../support/fault-proxy.ts";
import { DevnetActions } from "./devnetActions.ts";
import {
  type ChaosStats,
  checkConvergence,
  checkDisk,
  checkNoIntentLost,
  checkNoSecret,
  checkSend,
  emptyStats,
  InvariantViolation,
  unfinishedIntents,
} from "./invariants.ts";
import { type ChaosSecrets, type Mutant, startKeel, writeProcessConfig } from "./keel.ts";

/** Block interval of the chain (ms): keeper transactions wait this long in the mempool. */
export const BLOCK_MS = 1_000;
/** RPC endpoints the daemon is given; all reach the same node through their own fault proxy. */
export const ENDPOINTS = 3;
/** Keeper sends every sequence must carry. */
export const MIN_SENDS = 10;
/** The deposit of each extra workload step (whole units). */
export const TOP_UP_FLOW_UNITS = 10_000;
/** Blocks within which every intent open when the faults stop must be final. */
export const CONVERGENCE_BLOCKS = 20;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class ChaosWorld {
  readonly devnet: Devnet;
  readonly proxies: FaultProxy[] = [];
  readonly provider: BrowserProvider;
  readonly stats: ChaosStats = emptyStats();
  readonly secrets: ChaosSecrets;
  readonly keeper: string;
  /** The harness's hand on the chain: control methods, a depositor, the guardian and manager. */
  readonly chain: DevnetActions;
  readonly #mutant: Mutant | undefined;
  #baseSnapshot = "";
  #localSnapshot: string | undefined;
  #daemon: DaemonHandle | undefined;
  /** stdout + stderr of this sequence's finished daemon processes. */
  #outputs: string[] = [];
  #metricsSeen: string[] = [];
  #stateDir = "";
  #scannedTo = 0;
  #killOnNextSend = false;
  #retryStartAtStep = 0;
  /** Keeper transaction hashes sent so far this sequence (a later send of one is a rebroadcast). */
  #sentHashes = new Set<string>();
  /** A violation seen while a send passed a proxy; thrown by the next check. */
  #sendViolation: InvariantViolation | undefined;
  sequenceSends = 0;

  private constructor(devnet: Devnet, mutant: Mutant | undefined) {
    this.devnet = devnet;
    this.#mutant = mutant;
    this.chain = new DevnetActions(devnet, this.stats.faultsInjected);
    this.provider = this.chain.provider;
    this.keeper = this.chain.keeper;
    this.secrets = {
      keeperKey: devnet.keys.keeper,
      guardianKey: devnet.keys.guardian,
      rpcToken: `chaosrpc${hexlify(randomBytes(12)).slice(2)}`,
    };
  }

  /** Starts the devnet (no automatic market steps) and one fault proxy per endpoint. */
  static async start(opts: { mutant?: Mutant | undefined } = {}): Promise<ChaosWorld> {
    const devnet = await startDevnet(
      {
        seed: 1,
        stepSeconds: 3_600,
        stepIntervalMs: 1_000,
        initialDepositUnits: 1_000_000,
        httpPort: 0,
        episodes: false,
        autoStep: false,
      },
      { logger: pino({ level: "silent" }) },
    );
    const world = new ChaosWorld(devnet, opts.mutant);
    for (let i = 0; i < ENDPOINTS; i++) {
      world.proxies.push(
        await startFaultProxy(devnet.rpcUrl ?? "", (method, params) => world.#observe(i, method, params)),
      );
    }
    world.#baseSnapshot = await world.chain.rpc<string>("evm_snapshot");
    return world;
  }

  count(bucket: Record<string, number>, key: string, n = 1): void {
    bucket[key] = (bucket[key] ?? 0) + n;
  }

  /** Resets the chain to the base snapshot, starts interval mining and a daemon on a fresh state directory. */
  async beginSequence(): Promise<void> {
    await this.chain.rpc("evm_setIntervalMining", [0]);
    await this.chain.rpc("evm_setAutomine", [true]);
    await this.chain.rpc("evm_revert", [this.#baseSnapshot]);
    this.#baseSnapshot = await this.chain.rpc<string>("evm_snapshot");
    this.#localSnapshot = undefined;
    for (const p of this.proxies) p.clear();
    await this.devnet.simulator.depeg(`${this.devnet.deployment.asset.symbol}/USD`, 1);
    this.#scannedTo = await this.provider.getBlockNumber();
    await this.chain.rpc("evm_setAutomine", [false]);
    await this.chain.rpc("evm_setIntervalMining", [BLOCK_MS]);
    this.#stateDir = mkdtempSync(join(tmpdir(), "keel-chaos-"));
    this.#outputs = [];
    this.#metricsSeen = [];
    this.#killOnNextSend = false;
    this.#sentHashes = new Set();
    this.#retryStartAtStep = 0;
    this.#sendViolation = undefined;
    this.sequenceSends = 0;
    this.stats.sequences += 1;
    await this.ensureDaemon();
  }

  /** Stops the faults, lets the daemon converge, checks the end-of-sequence invariants, stops the daemon. */
  async endSequence(minSends = MIN_SENDS): Promise<void> {
    try {
      await this.heal();
      this.stats.sendsUnderFaults += this.sequenceSends;
      const open = unfinishedIntents(this.#stateDir).map((r) => r.id);
      const head = await this.provider.getBlockNumber();
      for (let i = 0; i < CONVERGENCE_BLOCKS * 3; i++) {
        const still = unfinishedIntents(this.#stateDir).filter((r) => open.includes(r.id));
        if (still.length === 0 || (await this.provider.getBlockNumber()) > head + CONVERGENCE_BLOCKS) break;
        await sleep(BLOCK_MS / 2);
      }
      this.#pass(checkConvergence(this.#stateDir, open, CONVERGENCE_BLOCKS));
      await this.checkAfterStep();
      // Sends the faults prevented are made up now (bounded), so every sequence carries MIN_SENDS sends.
      for (let i = 0; i < 10 && this.sequenceSends < minSends; i++) {
        await this.work(TOP_UP_FLOW_UNITS, 2);
        await this.checkAfterStep();
      }
      await this.stopDaemon("SIGTERM");
      this.#pass(checkNoSecret(this.#outputs.join("\n"), this.#stateDir, this.#metricsSeen.join("\n"), this.secrets));
    } finally {
      await this.#daemon?.stop("SIGKILL");
      this.#daemon = undefined;
      this.stats.sendsPerSequence.push(this.sequenceSends);
      await this.chain.rpc("evm_setIntervalMining", [0]);
      await this.chain.rpc("evm_setAutomine", [true]);
      // KEEL_CHAOS_KEEP_STATE=1 keeps each sequence's state directory (journal, intents, config) for a post-mortem.
      if (process.env.KEEL_CHAOS_KEEP_STATE === "1") process.stderr.write(`chaos: state kept in ${this.#stateDir}\n`);
      else rmSync(this.#stateDir, { recursive: true, force: true });
    }
  }

  /** Every fault off: proxies pass, price at par, keeper role back, vault unpaused, a daemon running. */
  async heal(): Promise<void> {
    for (const p of this.proxies) p.clear();
    this.#killOnNextSend = false;
    await this.chain.withAutomine(() => this.devnet.simulator.depeg(`${this.devnet.deployment.asset.symbol}/USD`, 1));
    await this.chain.setKeeperRole(true);
    await this.chain.setPaused(false);
    this.#retryStartAtStep = 0;
    await this.ensureDaemon();
  }

  async close(): Promise<void> {
    await this.#daemon?.stop("SIGKILL");
    for (const p of this.proxies) await p.close();
    await this.devnet.close();
  }

  /** Starts a daemon if none runs; a refused start (e.g. keeper revoked, RPC down) is counted and leaves it down. */
  async ensureDaemon(): Promise<void> {
    if (this.#daemon && this.#daemon.child.exitCode === null && this.#daemon.child.signalCode === null) return;
    // After a refused start (keeper revoked, every endpoint down) the operator waits a few steps before retrying.
    if (this.stats.steps < this.#retryStartAtStep) return;
    if (this.#daemon) this.#retire(this.#daemon);
    this.#daemon = undefined;
    const config = writeProcessConfig(
      this.devnet,
      this.proxies.map((p) => p.url),
      this.#stateDir,
      this.secrets,
    );
    this.stats.daemonStarts += 1;
    try {
      this.#daemon = await startKeel({ config, stateDir: this.#stateDir, mutant: this.#mutant });
    } catch (err) {
      const code = /"code":"([A-Z_]+)"/.exec((err as Error).message)?.[1] ?? "EXITED";
      this.count(this.stats.startsRefused, code);
      this.#retryStartAtStep = this.stats.steps + 3;
      this.#outputs.push((err as Error).message);
    }
  }

  #retire(d: DaemonHandle): void {
    this.#outputs.push(d.stdout(), d.stderr());
    if (process.env.KEEL_CHAOS_KEEP_STATE === "1")
      appendFileSync(join(this.#stateDir, `daemon-${d.child.pid}.log`), `${d.stdout()}\n${d.stderr()}`);
  }

  /** SIGKILL (a crash) or SIGTERM (an operator's stop); the next `ensureDaemon` starts another on the same state. */
  async stopDaemon(signal: "SIGKILL" | "SIGTERM"): Promise<void> {
    const d = this.#daemon;
    if (!d) return;
    this.#daemon = undefined;
    const code = await d.stop(signal);
    this.#retire(d);
    if (signal === "SIGTERM" && code !== 0 && code !== "SIGTERM")
      this.count(this.stats.gracefulStopFailures, String(code));
  }

  /** Whether a daemon process is up. */
  async daemonRunning(): Promise<boolean> {
    const d = this.#daemon;
    return d !== undefined && d.child.exitCode === null && d.child.signalCode === null;
  }

  /** Arms a SIGKILL at the daemon's next keeper send, before the proxy forwards it. */
  killOnNextSend(): void {
    this.#killOnNextSend = true;
  }

  /**
   * The workload step: an hour of market (rates, prices and feeds move, the pool is arbitraged to the oracle, the
   * allocator's cool-down passes), a depositor's flow, then the daemon running for `blocks` blocks.
   */
  async work(flow: number, blocks: number): Promise<void> {
    try {
      await this.chain.withAutomine(() => this.devnet.simulator.step());
    } catch {
      // The simulator's own trades can revert on an odd pool state (e.g. a zero-size arbitrage): the hour still passed.
      this.count(this.stats.faultsInjected, "market:stepFailed");
    }
    if (flow !== 0) await this.chain.flow(flow);
    await this.ensureDaemon();
    await this.waitBlocks(blocks);
  }

  /** Waits until `blocks` more blocks are mined (bounded by wall time), the daemon working meanwhile. */
  async waitBlocks(blocks: number): Promise<void> {
    const target = (await this.provider.getBlockNumber()) + blocks;
    for (let i = 0; i < blocks * 8 && (await this.provider.getBlockNumber()) < target; i++) await sleep(BLOCK_MS / 4);
  }

  /** Checks a keeper send as it passes proxy `endpoint`: write-ahead (intent and decision on disk first), pause, role. */
  async #observe(endpoint: number, method: string, params: readonly unknown[]): Promise<void> {
    if (method !== "eth_sendRawTransaction" || typeof params[0] !== "string") return;
    let tx: Transaction;
    try {
      tx = Transaction.from(params[0]);
    } catch {
      return;
    }
    if (tx.from?.toLowerCase() !== this.keeper) return;
    const firstBroadcast = !this.#sentHashes.has(tx.hash ?? "");
    this.#sentHashes.add(tx.hash ?? "");
    this.stats.sends += 1;
    this.sequenceSends += 1;
    this.count(this.stats.sendsByEndpoint, `rpc#${endpoint}`);
    try {
      const head = await this.provider.getBlockNumber();
      const earlier = Math.max(0, head - 3);
      const [then, now] = await Promise.all([this.chain.guards(earlier), this.chain.guards("latest")]);
      const pausedThen = then.paused;
      const pausedNow = now.paused;
      const roleThen = then.keeperRole;
      const roleNow = now.keeperRole;
      if (!firstBroadcast && pausedThen && pausedNow) this.count(this.stats.observations, "rebroadcastIntoPausedVault");
      this.#pass(
        checkSend(this.#stateDir, tx, {
          pausedForBlocks: pausedThen && pausedNow,
          revokedForBlocks: !roleThen && !roleNow,
          allocator: this.devnet.deployment.allocator,
          firstBroadcast,
        }),
      );
    } catch (err) {
      if (err instanceof InvariantViolation) this.#sendViolation ??= err;
      else throw err;
    }
    if (this.#killOnNextSend && this.#daemon) {
      this.#killOnNextSend = false;
      this.count(this.stats.faultsInjected, "kill9AtSend");
      await this.stopDaemon("SIGKILL");
    }
  }

  #pass(names: readonly string[]): void {
    for (const n of names) this.count(this.stats.checksPassed, n);
  }

  /** The invariants after any step: send-time violations, disk, chain vs intent store, metrics free of secrets. */
  async checkAfterStep(): Promise<void> {
    if (this.#sendViolation) throw this.#sendViolation;
    this.#pass(checkDisk(this.#stateDir, await this.provider.getTransactionCount(this.keeper, "latest")));
    const head = await this.provider.getBlockNumber();
    const mined = await this.chain.keeperTxsIn(Math.min(this.#scannedTo, head) + 1, head);
    this.#scannedTo = head;
    this.stats.keeperTxsMined += mined.length;
    this.#pass(checkNoIntentLost(this.#stateDir, mined));
    if (this.#daemon?.runtime.httpUrl) {
      try {
        const text = await (
          await fetch(`${this.#daemon.runtime.httpUrl}/metrics`, { signal: AbortSignal.timeout(2_000) })
        ).text();
        this.#metricsSeen.splice(0, this.#metricsSeen.length, text);
        this.count(this.stats.checksPassed, "metrics-scraped");
      } catch {
        // a daemon killed a moment ago: its metrics are gone with it
      }
    }
  }

  async snapshotOrRevert(): Promise<void> {
    if (this.#localSnapshot === undefined) {
      this.#localSnapshot = await this.chain.rpc<string>("evm_snapshot");
      return;
    }
    await this.chain.rpc("evm_revert", [this.#localSnapshot]);
    this.#localSnapshot = undefined;
    this.#scannedTo = Math.min(this.#scannedTo, await this.provider.getBlockNumber());
    this.count(this.stats.faultsInjected, "reorg");
  }
}
