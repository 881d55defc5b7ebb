import { Interface, type Signer, type TransactionRequest } from "ethers";
import type { EthereumProvider } from "hardhat/types/providers";
import { MockAggregatorAbi, TestTokenAbi, YieldVaultAbi } from "../adapters/ethers/abi/generated.ts";
import { read, typedContract, write } from "../adapters/ethers/typedContract.ts";
import { seededRandom } from "../domain/random.ts";
import type { Logger } from "../observability/logger.ts";
import type { KeelDeployment } from "./deploy/keel.ts";
import { DevnetMarkets } from "./markets.ts";
import type { MarketScript } from "./replay.ts";

const FEED = new Interface(MockAggregatorAbi);

/** Standard normal from a uniform source (Box-Muller). */
function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

export interface SimulatorOptions {
  readonly seed: number;
  /** Chain seconds per step. */
  readonly stepSeconds: number;
  /** Scheduled depeg / drain / gas-spike episodes (off for tests that drive them by hand). */
  readonly episodes: boolean;
  /** Replay history instead of the synthetic processes (see `datasetScript`). */
  readonly script?: MarketScript;
}

/** Per-source yield process: mean-reverting APR whose long-run mean switches regime now and then. */
interface RateProcess {
  aprPct: number;
  meanPct: number;
}

/**
 * The devnet market: every step advances chain time, accrues yield into the ERC-4626 targets at a
 * seeded, regime-switching APR, refreshes the oracles, moves the base fee, and mines one block.
 * Controls (`depeg`, `drain`, `spikeBaseFee`) let tests and demos inject the catalogue's faults.
 */
export class MarketSimulator {
  readonly #opts: SimulatorOptions;
  readonly #deployment: KeelDeployment;
  readonly #provider: EthereumProvider;
  readonly #owner: Signer;
  readonly #log: Logger;
  readonly #rand: () => number;
  readonly #rates = new Map<string, RateProcess>();
  readonly #prices = new Map<string, number>();
  readonly #markets: DevnetMarkets;
  /** Aave utilisation the simulated borrowers steer toward (mean-reverting). */
  #aaveUtil = 0.5;
  #baseFeeGwei = 8;
  #spikeSteps = 0;
  #step = 0;
  /** Chain time of the last mined step (unix seconds). */
  #time = 0;
  #timer: NodeJS.Timeout | undefined;
  #busy: Promise<void> | undefined;

  constructor(
    opts: SimulatorOptions,
    deps: { deployment: KeelDeployment; provider: EthereumProvider; owner: Signer; logger: Logger },
  ) {
    this.#opts = opts;
    this.#deployment = deps.deployment;
    this.#provider = deps.provider;
    this.#owner = deps.owner;
    this.#log = deps.logger.child({ module: "simulator" });
    this.#rand = seededRandom(opts.seed);
    this.#markets = new DevnetMarkets(deps.deployment, deps.owner);
    for (const [i, target] of this.#targets().entries()) {
      const mean = 3 + 2.5 * i + this.#rand();
      this.#rates.set(target, { aprPct: mean, meanPct: mean });
    }
  }

  #targets(): string[] {
    return this.#deployment.adapters.filter((a) => a.kind === "vault").map((a) => a.target);
  }

  /** Steps done so far. */
  get steps(): number {
    return this.#step;
  }

  /** Current simulated APR of each ERC-4626 target, in %. */
  rates(): Record<string, number> {
    return Object.fromEntries([...this.#rates].map(([k, v]) => [k, v.aprPct]));
  }

  /** Advances the market by one step and mines a block. Steps never overlap. */
  async step(): Promise<void> {
    while (this.#busy) await this.#busy;
    this.#busy = this.#doStep().finally(() => {
      this.#busy = undefined;
    });
    return this.#busy;
  }

  async #doStep(): Promise<void> {
    this.#step++;
    const { stepSeconds, script } = this.#opts;
    const latest = (await this.#owner.provider?.getBlock("latest"))?.timestamp ?? 0;
    // Other transactions (the keeper's) mine blocks too; the step's block must come after them.
    if (this.#time === 0) this.#time = latest;
    let t = Math.max(this.#time + stepSeconds, latest + 1);
    if (this.#opts.episodes && !script) this.#scheduledEpisodes();
    const token = typedContract(this.#deployment.asset.address, TestTokenAbi, this.#owner);
    for (const [i, [target, proc]] of [...this.#rates].entries()) {
      const replayed = script?.aprPct(i, t);
      if (replayed !== undefined) {
        proc.aprPct = Math.max(0, replayed);
      } else {
        // Ornstein-Uhlenbeck step around the regime mean; regimes switch rarely so the best source changes.
        if (this.#rand() < 0.02) proc.meanPct = 1 + 8 * this.#rand();
        proc.aprPct = Math.max(0, proc.aprPct + 0.1 * (proc.meanPct - proc.aprPct) + 0.15 * gaussian(this.#rand));
      }
      const tvl = await read(typedContract(target, YieldVaultAbi, this.#owner), "totalAssets", []);
      const basis = tvl > 0n ? tvl : 0n;
      const accrued =
        (basis * BigInt(Math.round(proc.aprPct * 1e6)) * BigInt(stepSeconds)) / (100n * 1_000_000n * 31_536_000n);
      if (accrued > 0n) await (await write(token, "mint", [target, accrued])).wait();
    }
    // The volatile asset walks (hourly vol ~0.8 %); the Uniswap pair is arbitraged to it and traded,
    // and Aave's borrowers move utilisation (and so its rates).
    const volScale = Math.sqrt(stepSeconds / 3_600);
    for (const [pair, price] of this.#prices) {
      if (pair.includes("ETH")) this.#prices.set(pair, price * Math.exp(0.008 * volScale * gaussian(this.#rand)));
    }
    const eth = [...this.#prices].find(([pair]) => pair.includes("ETH"))?.[1];
    const volumeShare = 0.002 * volScale * (0.5 + this.#rand());
    const trades = () => (eth === undefined ? Promise.resolve([]) : this.#markets.uniswapTrades(eth, volumeShare));
    this.#aaveUtil = Math.min(
      0.9,
      Math.max(0.1, this.#aaveUtil + 0.1 * (0.55 - this.#aaveUtil) + 0.05 * gaussian(this.#rand)),
    );
    await this.#markets.steerAaveUtilisation(this.#aaveUtil);
    // Base fee: a mean-reverting walk with occasional spikes.
    if (this.#spikeSteps > 0) this.#spikeSteps--;
    this.#baseFeeGwei = Math.min(
      500,
      Math.max(1, this.#baseFeeGwei * Math.exp(0.1 * gaussian(this.#rand)) * 0.98 + 0.16),
    );
    const replayedFee = script?.baseFeeGwei(t);
    if (replayedFee !== undefined) this.#baseFeeGwei = replayedFee;
    const basePrice = script?.basePriceUsd(t);
    if (basePrice !== undefined) this.#prices.set(`${this.#deployment.asset.symbol}/USD`, basePrice);
    const fee = this.#spikeSteps > 0 ? this.#baseFeeGwei * 50 : this.#baseFeeGwei;
    t = Math.max(t, ((await this.#owner.provider?.getBlock("latest"))?.timestamp ?? 0) + 1);
    await this.#mineWithOracles(t, BigInt(Math.round(fee * 1e9)), trades);
    this.#time = t;
  }

  /**
   * Mines the step's block at time `t` and base fee `baseFeeWei` with the step's trades and every
   * oracle's answer in it, so no block shows the new time with the previous answers (a tick reading in
   * between saw stale feeds), nor the pair moved with the feed not (a rebalance estimated in between
   * reverted SlippageTooHigh). Automine is off while they wait in the mempool, and restored after.
   */
  async #mineWithOracles(t: number, baseFeeWei: bigint, trades: () => Promise<TransactionRequest[]>): Promise<void> {
    const rpc = (method: string, params: unknown[] = []) => this.#provider.request({ method, params });
    const automine = (await rpc("hardhat_getAutomine")) as boolean;
    await rpc("evm_setAutomine", [false]);
    try {
      // They pay the step's base fee, set first: priced below the pending block's fee (a spike set by
      // hand), they would wait unmined. Nonces are counted here: with automine off the node's pending
      // count may not see a transaction just sent.
      await rpc("hardhat_setNextBlockBaseFeePerGas", [`0x${baseFeeWei.toString(16)}`]);
      const tip = 1_000_000_000n;
      let nonce = await this.#owner.getNonce("pending");
      // The trades are sized on the pending state, after automine is off: a keeper's transaction waiting
      // in the mempool (interval mining) lands first in this block, and a swap sized without it reverts.
      const txs = [...(await trades()), ...(await this.#oracleAnswers())];
      const sent: string[] = [];
      for (const tx of txs) {
        const fees = { maxFeePerGas: 2n * baseFeeWei + tip, maxPriorityFeePerGas: tip };
        sent.push((await this.#owner.sendTransaction({ ...tx, ...fees, nonce: nonce++ })).hash);
      }
      await rpc("evm_setNextBlockTimestamp", [t]);
      await rpc("evm_mine");
      for (const [i, hash] of sent.entries()) {
        const receipt = await this.#owner.provider?.getTransactionReceipt(hash);
        if (receipt?.status !== 1) {
          const what = `${txs[i]?.to} ${String(txs[i]?.data).slice(0, 10)}`;
          throw new Error(
            `step transaction ${i} (${what}) ${receipt ? "reverted" : "was not mined"} in the step's block`,
          );
        }
      }
    } finally {
      await rpc("evm_setAutomine", [automine]);
    }
  }

  /** The transactions that write every oracle's current price. */
  async #oracleAnswers(): Promise<TransactionRequest[]> {
    const txs: TransactionRequest[] = [];
    for (const [pair, address] of Object.entries(this.#deployment.oracles)) {
      let price = this.#prices.get(pair);
      if (price === undefined) {
        const round = await read(typedContract(address, MockAggregatorAbi, this.#owner), "latestRoundData", []);
        price = Number(round[1]) / 1e8;
        this.#prices.set(pair, price);
      }
      const data = FEED.encodeFunctionData("setAnswer", [BigInt(Math.round(price * 1e8))]);
      txs.push({ to: address, data, gasLimit: 100_000n });
    }
    return txs;
  }

  /** Writes every oracle's current price with the latest block's timestamp (a feed's first price is its deployed answer). */
  async #refreshOracles(): Promise<void> {
    for (const tx of await this.#oracleAnswers()) await (await this.#owner.sendTransaction(tx)).wait();
  }

  #scheduledEpisodes(): void {
    const s = this.#step;
    if (s % 240 === 120) this.#spikeSteps = 6;
    if (s % 240 === 200) this.#log.info({ step: s }, "episode: depeg of the base asset");
    const base = `${this.#deployment.asset.symbol}/USD`;
    if (this.#prices.has(base)) this.#prices.set(base, s % 240 >= 200 && s % 240 < 212 ? 0.985 : 1);
  }

  /** Sets a feed's price (e.g. `depeg("kUSDC/USD", 0.95)`); applied from the next oracle refresh, and now. */
  async depeg(pair: string, priceUsd: number): Promise<void> {
    this.#prices.set(pair, priceUsd);
    await this.#refreshOracles();
  }

  /** Makes an ERC-4626 target lose `bps` of its assets (an exploit / drain). */
  async drain(target: string, bps: number): Promise<void> {
    const sink = await this.#owner.getAddress();
    await (await write(typedContract(target, YieldVaultAbi, this.#owner), "slash", [BigInt(bps), sink])).wait();
  }

  /** Multiplies the base fee by 50 for `steps` steps. */
  spikeBaseFee(steps: number): void {
    this.#spikeSteps = steps;
  }

  /** Steps on a wall-clock interval until `stop()`. */
  start(intervalMs: number): void {
    const loop = () => {
      this.step()
        .catch((err: Error) => this.#log.warn({ err: err.message }, "simulator step failed"))
        .finally(() => {
          if (this.#timer !== undefined) this.#timer = setTimeout(loop, intervalMs);
        });
    };
    this.#timer = setTimeout(loop, intervalMs);
  }

  async stop(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#busy;
  }
}
