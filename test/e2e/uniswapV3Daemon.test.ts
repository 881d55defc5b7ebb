import { expect } from "chai";
import { Contract, Interface, JsonRpcProvider } from "ethers";
import { UniswapV3LpAdapterAbi } from "../../src/adapters/ethers/abi/generated.ts";
import type { App } from "../../src/app.ts";
import { formatDecision } from "../../src/cli/explain.ts";
import { DEVNET_ACCOUNTS } from "../../src/devnet/accounts.ts";
import { V3_RANGE_BOUNDS } from "../../src/devnet/deploy/keel.ts";
import { DEFAULT_BOUNDS } from "../../src/devnet/deploy/suite.ts";
import type { DecisionRecord, RerangeOrder } from "../../src/domain/decision.ts";
import type { Shutdown } from "../../src/runtime/shutdown.ts";
import type { Accounts } from "../support/chain.ts";
import { chainOf, closeApp, codesOf, movesSince, startApp, tick } from "../support/devnetApp.ts";
import { keel, USDC } from "../support/keel.ts";
import { v3Helpers } from "../support/uniswapV3.ts";

const POOL_ABI = [
  "function slot0() view returns (uint160 sqrtPriceX96, int24 tick, uint16, uint16, uint16, uint8, bool)",
];

/** Every reason the optimize stage recorded (halted or not). */
const optimizeReasons = (r: DecisionRecord) => r.stages.find((s) => s.stage === "optimize")?.reasons ?? [];

describe("the daemon manages a Uniswap v3 position on the devnet: re-ranged by its own tick, exited on a risk trigger", function () {
  this.timeout(600_000);
  let app: App, shutdown: Shutdown, rpc: JsonRpcProvider;
  let v3: ReturnType<typeof v3Helpers>;
  let a: Accounts;

  before(async () => {
    // 90 % idle is the floor: the daemon's first allocation puts the other 10 % into the v3 position (its range earns
    // the most), then holds it (positions are held 72 h), so each later tick's action is the position's own: a
    // re-range, or the exit the risk gate orders.
    ({ app, shutdown } = await startApp({
      devnet: { episodes: false, stepIntervalMs: 600_000, uniswapV3: true },
      // A fresh devnet has hours of price history, not the 5 days a volatility forecast needs.
      strategy: { minIdleBps: 9_000, rerange: { enabled: true, volPctWhenUnknown: 60 } },
    }));
    rpc = new JsonRpcProvider(app.target.rpcUrls[0], undefined, { staticNetwork: true, cacheTimeout: -1 });
    const signer = (i: number) => rpc.getSigner(i);
    const [deployer, manager, keeper, guardian, alice, bob, eve, borrower] = await Promise.all(
      [
        DEVNET_ACCOUNTS.deployer,
        DEVNET_ACCOUNTS.manager,
        DEVNET_ACCOUNTS.keeper,
        DEVNET_ACCOUNTS.guardian,
        4,
        5,
        6,
        7,
      ].map(signer),
    );
    a = { deployer, manager, keeper, guardian, alice, bob, eve, borrower } as Accounts;
    v3 = v3Helpers(app.target.devnet!.deployment, a);
  });
  after(async () => {
    rpc?.destroy();
    await closeApp(app, shutdown);
  });

  /** Arbitrages the v3 pool to the kWETH feed (a swap up to the oracle's sqrt price), as the market would. */
  async function alignPool(): Promise<void> {
    const d = app.target.devnet!.deployment;
    const pool = new Contract(d.extra.uniswapV3Pool!, POOL_ABI, rpc);
    const [spot] = (await pool.getFunction("slot0")()) as [bigint];
    const oracle = (await v3.adapter.getFunction("oracleSqrtPriceX96")()) as bigint;
    if (spot === oracle) return;
    // sqrtPrice is token1 per token0: selling token0 lowers it.
    const token0IsBase = d.asset.address.toLowerCase() < d.extra.weth!.toLowerCase();
    const sellToken0 = oracle < spot;
    const tokenIn = sellToken0 === token0IsBase ? d.asset.address : d.extra.weth!;
    const amount = tokenIn === d.asset.address ? 50_000_000n * USDC : 20_000n * 10n ** 18n;
    await v3.swap(a.eve, tokenIn, amount, oracle);
  }

  /** One market step (kWETH walks, the v2 pair is arbitraged, feeds refreshed), the v3 pool arbitraged too. */
  async function step(): Promise<void> {
    await app.target.devnet!.simulator.step();
    await alignPool();
  }

  const onchainRange = async () => ({
    lower: Number(await v3.adapter.getFunction("tickLower")()),
    upper: Number(await v3.adapter.getFunction("tickUpper")()),
  });

  // The steps run in order on one devnet: each starts where the one before left the position.
  let sid: string;
  let opened: { lower: number; upper: number };
  let order: RerangeOrder;

  it("opens the position itself (a keeper rebalance inside the allocator's bounds) and leaves it alone in range", async () => {
    // The pool arbitraged to the feed, as the market would: that trade pays the position's range its first fees.
    await alignPool();
    await step();
    const from = (await app.headBlock()) + 1;
    const first = await tick(app);
    const id = Object.keys(first.detail.allocation ?? {}).find((k) => k.toLowerCase() === v3.address.toLowerCase());
    expect(id, "ingest reads the v3 position").to.be.a("string");
    sid = id!;
    expect(first.outcome, JSON.stringify(first.haltReasons)).to.equal("executed");
    const deposits = (await movesSince(app, from)).filter((m) => m.adapter.toLowerCase() === sid.toLowerCase());
    expect(deposits).to.have.length(1);
    expect(deposits[0]?.deposit).to.equal(true);
    const total = (await keel("KeelVault", app.target.vault, a.alice).getFunction("totalAssets")()) as bigint;
    expect(deposits[0]!.assets).to.be.lte((total * DEFAULT_BOUNDS.maxMoveBps) / 10_000n);
    expect((await v3.adapter.getFunction("totalAssets")()) as bigint).to.be.gte((deposits[0]!.assets * 99n) / 100n);
    opened = await onchainRange();
    await step();
    const inRange = await tick(app);
    expect(inRange.detail.plan?.rerange, "an in-range position is not moved").to.equal(undefined);
    const why = optimizeReasons(inRange).filter((r) => r.sourceId === sid);
    expect(why.map((r) => r.code)).to.deep.equal(["RERANGE_NOT_WORTH"]);
    expect(why[0]?.message).to.match(/range already centred|< 1\.5 × cost \$/);
  });

  it("does not re-range when it does not pay (gas dear), and the decision says why with its figures", async () => {
    // The price leaves the ±12 % range (kWETH +20 %, pool arbitraged: the swaps pay in-range liquidity fees).
    await app.target.devnet!.simulator.depeg("kWETH/USD", 3_600);
    await step();
    await chainOf(app).send("hardhat_setNextBlockBaseFeePerGas", [`0x${(20_000n * 10n ** 9n).toString(16)}`]);
    await chainOf(app).send("evm_mine", []);
    const dear = await tick(app);
    const notWorth = optimizeReasons(dear).find((r) => r.code === "RERANGE_NOT_WORTH" && r.sourceId === sid);
    expect(dear.detail.plan?.rerange).to.equal(undefined);
    expect(notWorth?.message, JSON.stringify(dear.detail.verdict?.reasons.filter((r) => r.sourceId === sid))).to.match(
      /< 1\.5 × cost \$/,
    );
    expect(notWorth?.limit, "cost, USD").to.be.greaterThan(notWorth?.value ?? 0);
    expect(await onchainRange()).to.deep.equal(opened);
  });

  it("re-ranges in its next tick when it pays: an intent through the execution core, inside the on-chain bounds", async () => {
    await step();
    const from = (await app.headBlock()) + 1;
    const reranged = await tick(app);
    expect(reranged.outcome, JSON.stringify(reranged.haltReasons)).to.equal("executed");
    order = reranged.detail.plan!.rerange!;
    expect(order.sourceId).to.equal(sid);
    expect(codesOf(reranged)).to.not.include("STAY");
    expect(optimizeReasons(reranged).map((r) => r.code)).to.include("RERANGE");
    expect(reranged.detail.action?.status).to.equal("included");
    const intentRec = app.execution.store.get(reranged.detail.action!.intentId);
    expect(intentRec?.state).to.be.oneOf(["included", "final"]);
    expect(intentRec?.rerange).to.deep.equal({
      sourceId: sid,
      tickLower: order.tickLower,
      tickUpper: order.tickUpper,
    });
    expect(intentRec?.request?.to).to.equal(sid);
    expect(intentRec?.request?.data.slice(0, 10)).to.equal(
      new Interface(UniswapV3LpAdapterAbi).getFunction("rerange")!.selector,
    );
    const receipt = await chainOf(app).getTransactionReceipt(reranged.detail.action!.txHashes[0]!);
    expect(receipt?.status).to.equal(1);
    const ev = receipt!.logs
      .map((l) => new Interface(UniswapV3LpAdapterAbi).parseLog(l))
      .find((x) => x?.name === "Reranged");
    const [lower, upper, valueBefore, valueAfter] = ev!.args as unknown as [bigint, bigint, bigint, bigint];
    expect([Number(lower), Number(upper)]).to.deep.equal([order.tickLower, order.tickUpper]);
    expect(Number(upper - lower)).to.be.within(V3_RANGE_BOUNDS.minWidthTicks, V3_RANGE_BOUNDS.maxWidthTicks);
    expect(valueBefore - valueAfter).to.be.lte((valueBefore * V3_RANGE_BOUNDS.maxRerangeLossBps) / 10_000n);
    expect(await onchainRange()).to.deep.equal({ lower: order.tickLower, upper: order.tickUpper });
    expect(await movesSince(app, from), "a re-range is no rebalance").to.deep.equal([]);
    const text = formatDecision(reranged);
    expect(text).to.include(`re-range ${sid} to ticks [${order.tickLower}, ${order.tickUpper})`);
    expect(text, text).to.match(/info RERANGE: .* ≥ 1\.5 × cost/);
  });

  it("leaves the re-ranged position in its new range on the next tick", async () => {
    await step();
    const after = await tick(app);
    expect(after.detail.plan?.rerange).to.equal(undefined);
    expect(await onchainRange()).to.deep.equal({ lower: order.tickLower, upper: order.tickUpper });
  });

  it("exits the position on a risk trigger: a change of the pool's code (pinned, critical by default)", async () => {
    // The daemon's next tick orders the exit and withdraws the position inside the keeper bounds.
    const pool = app.target.devnet!.deployment.extra.uniswapV3Pool!;
    const code = Buffer.from((await chainOf(app).getCode(pool)).slice(2), "hex");
    const metadataLength = code.readUInt16BE(code.length - 2);
    const at = code.length - 2 - metadataLength + 1; // inside the trailing CBOR metadata: never executed
    code[at] = code[at]! ^ 0xff;
    await chainOf(app).send("hardhat_setCode", [pool, `0x${code.toString("hex")}`]);
    const held = (await v3.adapter.getFunction("totalAssets")()) as bigint;
    const exitFrom = (await app.headBlock()) + 1;
    const exit = await tick(app);
    expect(exit.detail.verdict?.forcedExits).to.include(sid);
    expect(codesOf(exit)).to.include("PROTOCOL_CHANGE_EXIT");
    expect(exit.outcome, JSON.stringify(exit.haltReasons)).to.equal("executed");
    const out = (await movesSince(app, exitFrom)).filter((m) => m.adapter.toLowerCase() === v3.address.toLowerCase());
    expect(out).to.have.length(1);
    expect(out[0]!.deposit).to.equal(false);
    expect(out[0]!.assets).to.be.gte((held * 95n) / 100n);
    expect((await v3.adapter.getFunction("totalAssets")()) as bigint).to.be.lte(held / 20n);
  });
});
