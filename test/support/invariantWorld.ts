// The invariant run's world: the devnet deployment (two ERC-4626 targets, a real Aave v3 market and a real
// Uniswap v2 LP source behind keel's adapters), its actors, and what the checks read from the chain.
import { Contract, id, type JsonRpcSigner, type TransactionReceipt } from "ethers";
import { AavePoolAbi } from "../../src/adapters/ethers/abi/generated.ts";
import { deployContract, send } from "../../src/devnet/deploy/contract.ts";
import { deployKeel, type KeelDeployment } from "../../src/devnet/deploy/keel.ts";
import type { Accounts } from "./chain.ts";
import { keel, keelErrors, NO_COMMITMENT, USDC } from "./keel.ts";
import { pushSpot } from "./pair.ts";
import { revertData } from "./revert.ts";

/** Keeper bounds of the invariant fixture (loose enough that random keeper moves often pass). */
export const INVARIANT_BOUNDS = {
  maxMoveBps: 5_000n,
  maxLossBps: 50n,
  cooldownSeconds: 60n,
  maxRebalancesPerDay: 32n,
  minIdleBps: 1_000n,
  maxDeviationBps: 200n,
};
/** Tight enough that LP entry costs reach it within a sequence. */
export const INVARIANT_BUDGETS = { maxDailyLossBps: 10n, maxDailyFlowBps: 30_000n };
export const INVARIANT_CAP_BPS = 5_000n;
/** Profit unlocks over an hour, so sequences see it unlock. */
export const INVARIANT_UNLOCK_SECONDS = 3_600n;
export const BPS = 10_000n;
export const VIRTUAL = 10n ** 6n; // 10^decimalsOffset
const ETH = 10n ** 18n;

/** Everything a sequence acts on. */
export interface World {
  d: KeelDeployment;
  token: Contract;
  weth: Contract;
  vault: Contract;
  allocator: Contract;
  probe: Contract;
  /** Adapters in deployment order: ERC-4626 A, ERC-4626 B, Aave, Uniswap v2 LP. */
  adapters: string[];
  targets: Contract[];
  feeds: { base: Contract; other: Contract };
  aavePool: Contract;
  users: JsonRpcSigner[];
}

/** Builds the fixture: the devnet with a sentinel (the guardian), funded users and an Aave borrower's collateral. */
export async function buildWorld(a: Accounts): Promise<World> {
  const d = await deployKeel(a.deployer, {
    manager: a.manager.address,
    keeper: a.keeper.address,
    guardian: a.guardian.address,
    sentinel: a.guardian.address,
    bounds: INVARIANT_BOUNDS,
    budgets: INVARIANT_BUDGETS,
    adapterCapBps: INVARIANT_CAP_BPS,
    profitUnlockSeconds: INVARIANT_UNLOCK_SECONDS,
  });
  const token = keel("TestToken", d.asset.address, a.deployer);
  const weth = keel("TestToken", d.extra.weth!, a.deployer);
  const probe = await deployContract(a.deployer, "PreviewProbe");
  const probeAddr = await probe.getAddress();
  const vault = keel("KeelVault", d.vault, a.deployer);
  const users = [a.alice, a.bob, a.eve];
  for (const u of users) {
    await send(token, "mint", [u.address, 10n ** 9n * USDC]);
    await send(token.connect(u), "approve", [probeAddr, 1n << 255n]);
    await send(token.connect(u), "approve", [d.vault, 1n << 255n]);
    await send(vault.connect(u), "approve", [probeAddr, 1n << 255n]);
  }
  await send(vault.connect(a.alice), "deposit", [1_000_000n * USDC, a.alice.address]);
  // Every source starts with a position, so withdrawals beyond idle reach them from the first step.
  await send(keel("KeelAllocator", d.allocator, a.manager), "rebalance", [
    id("invariant-fixture"),
    d.adapters.map((x, i) => [x.address, true, [200_000n, 150_000n, 200_000n, 200_000n][i]! * USDC]),
    NO_COMMITMENT,
  ]);
  await pushSpot(d, a.deployer, a.deployer, 0n); // an arbitrageur re-centres the pool after our add
  const aavePool = new Contract(d.extra.aavePool!, AavePoolAbi, a.borrower);
  await send(weth, "mint", [a.borrower.address, 10_000n * ETH]);
  await send(weth.connect(a.borrower), "approve", [d.extra.aavePool!, 10_000n * ETH]);
  await send(aavePool, "supply", [d.extra.weth!, 10_000n * ETH, a.borrower.address, 0]);
  return {
    d,
    token,
    weth,
    vault,
    allocator: keel("KeelAllocator", d.allocator, a.deployer),
    probe: keel("PreviewProbe", probeAddr, a.deployer),
    adapters: d.adapters.map((x) => x.address),
    targets: [d.extra.yieldVault0!, d.extra.yieldVault1!].map((x) => keel("YieldVault", x, a.deployer)),
    feeds: {
      base: keel("MockAggregator", d.oracles["kUSDC/USD"]!, a.deployer),
      other: keel("MockAggregator", d.oracles["kWETH/USD"]!, a.deployer),
    },
    aavePool,
    users,
  };
}

/** The vault's books and share count at one block. */
export interface Books {
  idle: bigint;
  total: bigint;
  supply: bigint;
  totalDebt: bigint;
  locked: bigint;
  debts: bigint[];
  listed: boolean[];
}

export async function readBooks(w: World): Promise<Books> {
  const f = (c: Contract, name: string, ...args: unknown[]) => c.getFunction(name)(...args) as Promise<bigint>;
  const [idle, total, supply, totalDebt, locked, ...rest] = await Promise.all([
    f(w.vault, "idle"),
    f(w.vault, "totalAssets"),
    f(w.vault, "totalSupply"),
    f(w.allocator, "totalDebt"),
    f(w.allocator, "lockedProfit"),
    ...w.adapters.map((x) => f(w.allocator, "debt", x)),
    ...w.adapters.map((x) => w.allocator.getFunction("isAdapter")(x) as Promise<bigint>),
  ]);
  const n = w.adapters.length;
  return {
    idle: idle!,
    total: total!,
    supply: supply!,
    totalDebt: totalDebt!,
    locked: locked!,
    debts: rest.slice(0, n) as bigint[],
    listed: rest.slice(n) as unknown as boolean[],
  };
}

/** (assets + 1) / (supply + virtual) as a fraction, for comparisons without rounding. */
export const price = (b: Books): [bigint, bigint] => [b.total + 1n, b.supply + VIRTUAL];

/** Sends and waits; returns the decoded custom-error name on revert (undefined on success). */
export async function tryTx(
  p: Promise<{ wait(): Promise<unknown> }>,
  onReceipt?: (r: TransactionReceipt) => void,
): Promise<string | undefined> {
  try {
    const r = (await (await p).wait()) as TransactionReceipt;
    onReceipt?.(r);
    return undefined;
  } catch (e) {
    const data = revertData(e);
    if (!data || data.length < 10) return `unknown: ${data ?? String(e).slice(0, 160)}`;
    const parsed = keelErrors().parseError(data);
    if (parsed?.name === "Error") return `Error(${String(parsed.args[0])})`;
    return parsed?.name ?? `unknown: ${data.slice(0, 10)}`;
  }
}
