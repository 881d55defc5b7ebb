import { Contract, type ContractRunner, Interface, id, type JsonRpcSigner, ZeroHash } from "ethers";
import { loadArtifact } from "../../src/adapters/ethers/artifacts.ts";
import { deployContract, send } from "../../src/devnet/deploy/contract.ts";
import {
  ALLOCATOR_TIMELOCKED,
  boundsTuple,
  budgetsTuple,
  capsTuple,
  DEFAULT_ADAPTER_CAPS,
  DEFAULT_BOUNDS,
  DEFAULT_BUDGETS,
  type KeelBounds,
  type KeelBudgets,
  VAULT_TIMELOCKED,
} from "../../src/devnet/deploy/suite.ts";
import type { Accounts } from "./chain.ts";

/** Role ids as the contracts define them. */
export const ROLES = {
  admin: `0x${"0".repeat(64)}`,
  manager: id("MANAGER_ROLE"),
  keeper: id("KEEPER_ROLE"),
  guardian: id("GUARDIAN_ROLE"),
  sentinel: id("SENTINEL_ROLE"),
} as const;

/** A rebalance's decision commitment when there is none to make (manager and test moves). */
export const NO_COMMITMENT: [string, string, string] = [ZeroHash, ZeroHash, ZeroHash];

/** 1 unit of the 6-decimals base asset. */
export const USDC = 10n ** 6n;

/** An ethers handle on a keel contract by artifact name. */
export function keel(name: string, address: string, runner: ContractRunner): Contract {
  return new Contract(address, loadArtifact(name).abi, runner);
}

let allErrors: Interface | undefined;
/** Every custom error of keel's contracts (and the OZ ones they use), for decoding reverts. */
export function keelErrors(): Interface {
  if (allErrors) return allErrors;
  const names = [
    "KeelVault",
    "KeelAllocator",
    "MockAggregator",
    "ERC4626Adapter",
    "AaveV3Adapter",
    "UniswapV2LpAdapter",
    "UniswapV3LpAdapter",
    "YieldVault",
    "TestToken",
  ];
  const seen = new Set<string>();
  const fragments: string[] = [];
  for (const n of names) {
    for (const f of new Interface(loadArtifact(n).abi).fragments) {
      if (f.type !== "error") continue;
      const sig = f.format("full");
      if (!seen.has(sig)) {
        seen.add(sig);
        fragments.push(sig);
      }
    }
  }
  allErrors = new Interface(fragments);
  return allErrors;
}

/** A small keel deployment (no Aave / Uniswap) for fast contract tests. */
export interface CoreFixture {
  token: Contract;
  vault: Contract;
  allocator: Contract;
  /** ERC-4626 targets (YieldVault), owned by the deployer. */
  targets: Contract[];
  adapters: Contract[];
  addresses: { token: string; vault: string; allocator: string; targets: string[]; adapters: string[] };
}

/** Options for `deployCore`. */
export interface CoreOptions {
  adapters?: number;
  bounds?: Partial<KeelBounds>;
  budgets?: Partial<KeelBudgets>;
  capBps?: bigint;
  /** Profit unlocking period (default 0: gains reach the share price at once, as before issue 13). */
  profitUnlockSeconds?: bigint;
  depositCap?: bigint;
  decimalsOffset?: number;
  /** Deploy this artifact as the base token instead of TestToken (same constructor). */
  tokenArtifact?: string;
  /** Deploy this artifact as the ERC-4626 target instead of YieldVault (same constructor). */
  targetArtifact?: string;
}

/** Deploys token, vault, allocator and N ERC-4626 sources; roles go to the named test accounts. */
export async function deployCore(a: Accounts, opts: CoreOptions = {}): Promise<CoreFixture> {
  const d = a.deployer;
  const me = d.address;
  const token = await deployContract(d, opts.tokenArtifact ?? "TestToken", ["Test USD", "tUSD", 6, me]);
  const tokenAddr = await token.getAddress();
  const vault = await deployContract(d, "KeelVault", [
    tokenAddr,
    "keel tUSD",
    "ktUSD",
    opts.decimalsOffset ?? 6,
    opts.depositCap ?? (1n << 256n) - 1n,
    a.manager.address,
  ]);
  const vaultAddr = await vault.getAddress();
  const allocator = await deployContract(d, "KeelAllocator", [
    vaultAddr,
    a.manager.address,
    boundsTuple({ ...DEFAULT_BOUNDS, ...opts.bounds }),
    budgetsTuple({ ...DEFAULT_BUDGETS, ...opts.budgets }),
    opts.profitUnlockSeconds ?? 0n,
  ]);
  const allocatorAddr = await allocator.getAddress();
  const v = keel("KeelVault", vaultAddr, a.manager);
  const al = keel("KeelAllocator", allocatorAddr, a.manager);
  await send(v, "setAllocator", [allocatorAddr]);
  await send(v, "grantRole", [ROLES.guardian, a.guardian.address]);
  await send(al, "grantRole", [ROLES.keeper, a.keeper.address]);
  const targets: Contract[] = [];
  const adapters: Contract[] = [];
  for (let i = 0; i < (opts.adapters ?? 2); i++) {
    const target = await deployContract(d, opts.targetArtifact ?? "YieldVault", [
      tokenAddr,
      `Target ${i}`,
      `t${i}`,
      me,
    ]);
    const targetAddr = await target.getAddress();
    const adapter = await deployContract(d, "ERC4626Adapter", [allocatorAddr, targetAddr]);
    await send(al, "addAdapter", [await adapter.getAddress(), caps(opts.capBps ?? 10_000n)]);
    targets.push(keel(opts.targetArtifact ?? "YieldVault", targetAddr, d));
    adapters.push(keel("ERC4626Adapter", await adapter.getAddress(), d));
  }
  return {
    token: keel(opts.tokenArtifact ?? "TestToken", tokenAddr, d),
    vault: keel("KeelVault", vaultAddr, d),
    allocator: keel("KeelAllocator", allocatorAddr, d),
    targets,
    adapters,
    addresses: {
      token: tokenAddr,
      vault: vaultAddr,
      allocator: allocatorAddr,
      targets: await Promise.all(targets.map((c) => c.getAddress())),
      adapters: await Promise.all(adapters.map((c) => c.getAddress())),
    },
  };
}

/** An AdapterCaps tuple: `relativeCapBps`, and no absolute cap or flow limit unless given. */
export const caps = (relativeCapBps: bigint, over: Partial<typeof DEFAULT_ADAPTER_CAPS> = {}): bigint[] =>
  capsTuple({ ...DEFAULT_ADAPTER_CAPS, relativeCapBps, ...over });

/** Sets `seconds` as the timelock of every risk-increasing manager function of the fixture (as a deployment does). */
export async function setTimelocks(f: CoreFixture, manager: JsonRpcSigner, seconds: bigint): Promise<void> {
  for (const [c, names] of [
    [f.allocator, ALLOCATOR_TIMELOCKED],
    [f.vault, VAULT_TIMELOCKED],
  ] as const) {
    for (const name of names) {
      await send(c.connect(manager) as Contract, "increaseTimelock", [
        c.interface.getFunction(name)!.selector,
        seconds,
      ]);
    }
  }
}

/** Mints `amount` to `user`, approves the vault and deposits it. */
export async function fundAndDeposit(f: CoreFixture, deployer: JsonRpcSigner, user: JsonRpcSigner, amount: bigint) {
  await send(f.token.connect(deployer), "mint", [user.address, amount]);
  await send(f.token.connect(user), "approve", [f.addresses.vault, amount]);
  await send(f.vault.connect(user), "deposit", [amount, user.address]);
}

/** A Move tuple for `rebalance`. */
export const move = (adapter: string, deposit: boolean, assets: bigint): [string, boolean, bigint] => [
  adapter,
  deposit,
  assets,
];

/** A fresh intent id per call. */
let intentCounter = 0;
export const intent = (): string => id(`intent-${++intentCounter}`);

/** Bounds of the allocator test fixture: 50 % move, 1 % loss, 10 min cool-down, 3 a day, 10 % idle. */
export const ALLOCATOR_TEST_BOUNDS = {
  maxMoveBps: 5_000n,
  maxLossBps: 100n,
  cooldownSeconds: 600n,
  maxRebalancesPerDay: 3n,
  minIdleBps: 1_000n,
  maxDeviationBps: 200n,
};

/** The allocator tests' fixture: 3 LossyVault sources capped at 40 %, and 10 000 deposited by alice. */
export async function deployAllocatorFixture(a: Accounts): Promise<CoreFixture> {
  const f = await deployCore(a, {
    adapters: 3,
    bounds: ALLOCATOR_TEST_BOUNDS,
    capBps: 4_000n,
    targetArtifact: "LossyVault",
  });
  await fundAndDeposit(f, a.deployer, a.alice, 10_000n * USDC);
  return f;
}

/** The smallest valid deployment spec (deploy-suite.ts), for validation tests. */
export const MINIMAL_SPEC = {
  asset: `0x${"1".repeat(40)}`,
  vaultName: "v",
  vaultSymbol: "v",
  decimalsOffset: 6,
  manager: `0x${"2".repeat(40)}`,
  keeper: `0x${"3".repeat(40)}`,
  guardian: `0x${"4".repeat(40)}`,
  sources: [],
};
