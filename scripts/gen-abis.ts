/**
 * Writes src/adapters/ethers/abi/generated.ts: one `export const <Name>Abi = [...] as const` per contract keel calls
 * (an item several of them share written once, as a const each names), read from the compiled artifacts (keel's own under artifacts/contracts, the protocols' from their npm packages).
 * The one ABI source of the chain boundary; `npm run gen:abis` after `npx hardhat build` regenerates it, and
 * test/unit/chain/abis.test.ts fails when the committed file drifts from the artifacts.
 *
 *   node scripts/gen-abis.ts            write the file
 *   node scripts/gen-abis.ts --check    exit 1 when the committed file differs
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
/** Where the generated module lives. */
export const GENERATED_PATH = join(root, "src/adapters/ethers/abi/generated.ts");

/** The contracts keel calls: exported name → artifact path (relative to the checkout). */
export const SOURCES: Readonly<Record<string, string>> = {
  // keel's own contracts (npx hardhat build)
  KeelVault: "artifacts/contracts/KeelVault.sol/KeelVault.json",
  KeelAllocator: "artifacts/contracts/KeelAllocator.sol/KeelAllocator.json",
  KeelTimelock: "artifacts/contracts/KeelTimelock.sol/KeelTimelock.json",
  IKeelAdapter: "artifacts/contracts/interfaces/IKeelAdapter.sol/IKeelAdapter.json",
  UniswapV2LpAdapter: "artifacts/contracts/adapters/UniswapV2LpAdapter.sol/UniswapV2LpAdapter.json",
  UniswapV3LpAdapter: "artifacts/contracts/adapters/UniswapV3LpAdapter.sol/UniswapV3LpAdapter.json",
  AggregatorV3Interface: "artifacts/contracts/interfaces/AggregatorV3Interface.sol/AggregatorV3Interface.json",
  // devnet test contracts keel drives on the local chain
  TestToken: "artifacts/contracts/test/TestToken.sol/TestToken.json",
  YieldVault: "artifacts/contracts/test/YieldVault.sol/YieldVault.json",
  MockAggregator: "artifacts/contracts/test/MockAggregator.sol/MockAggregator.json",
  // protocols (their packages' build artifacts)
  IERC20Metadata: "node_modules/@openzeppelin/contracts/build/contracts/IERC20Metadata.json",
  IERC4626: "node_modules/@openzeppelin/contracts/build/contracts/IERC4626.json",
  UniswapV2Factory: "node_modules/@uniswap/v2-core/build/UniswapV2Factory.json",
  UniswapV2Pair: "node_modules/@uniswap/v2-core/build/UniswapV2Pair.json",
  UniswapV3Factory: "node_modules/@uniswap/v3-core/artifacts/contracts/UniswapV3Factory.sol/UniswapV3Factory.json",
  UniswapV3Pool: "node_modules/@uniswap/v3-core/artifacts/contracts/UniswapV3Pool.sol/UniswapV3Pool.json",
  AavePool: "node_modules/@aave/core-v3/artifacts/contracts/protocol/pool/Pool.sol/Pool.json",
  AavePoolAddressesProvider:
    "node_modules/@aave/core-v3/artifacts/contracts/protocol/configuration/PoolAddressesProvider.sol/PoolAddressesProvider.json",
  Safe: "node_modules/@safe-global/safe-smart-account/build/artifacts/contracts/Safe.sol/Safe.json",
  SafeProxyFactory:
    "node_modules/@safe-global/safe-smart-account/build/artifacts/contracts/proxies/SafeProxyFactory.sol/SafeProxyFactory.json",
};

function readAbi(name: string, path: string): unknown[] {
  const full = join(root, path);
  if (!existsSync(full)) {
    const hint = path.startsWith("artifacts/")
      ? "run `npx hardhat build` first (keel's contracts are not compiled)"
      : "run `npm ci` (the package is not installed)";
    throw new Error(`gen-abis: no artifact for ${name} at ${path}: ${hint}`);
  }
  const abi = (JSON.parse(readFileSync(full, "utf8")) as { abi?: unknown }).abi;
  if (!Array.isArray(abi)) throw new Error(`gen-abis: ${path} has no abi array`);
  return abi;
}

/** Items several contracts share (identical JSON), grouped by the contracts that share them. */
interface SharedGroup {
  /** `sharedByKeelVault_YieldVault`: the contracts, in SOURCES order. */
  readonly id: string;
  readonly users: readonly string[];
  readonly items: string[];
}

function sharedGroups(abis: readonly (readonly [string, readonly string[]])[]): SharedGroup[] {
  const users = new Map<string, string[]>();
  for (const [name, items] of abis)
    for (const item of new Set(items)) users.set(item, [...(users.get(item) ?? []), name]);
  const groups = new Map<string, SharedGroup>();
  for (const [item, names] of users) {
    if (names.length < 2) continue;
    const id = `sharedBy${names.join("_")}`;
    const group = groups.get(id) ?? { id, users: names, items: [] };
    group.items.push(item);
    groups.set(id, group);
  }
  return [...groups.values()];
}

/**
 * The generated module's text, from the artifacts as they are now. The items several contracts share (ERC-20 and
 * ERC-4626 functions, access control, an adapter's interface, custom errors) are written once, in a group for the
 * contracts that share them, and spread into each of their ABIs ahead of the contract's own items.
 */
export function generateAbis(): string {
  const abis = Object.entries(SOURCES).map(
    ([name, path]) => [name, readAbi(name, path).map((item) => JSON.stringify(item))] as const,
  );
  const groups = sharedGroups(abis);
  const shared = new Set(groups.flatMap((g) => g.items));
  const parts = [
    "// Generated by scripts/gen-abis.ts from the compiled artifacts (`npm run gen:abis`). Do not edit.",
    "// Typed calls: src/adapters/ethers/typedContract.ts.",
  ];
  for (const g of groups) parts.push("", `const ${g.id} = [`, ...g.items.map((item) => `  ${item},`), "] as const;");
  for (const [name, items] of abis) {
    const lines = [
      ...groups.filter((g) => g.users.includes(name)).map((g) => `  ...${g.id},`),
      ...items.filter((item) => !shared.has(item)).map((item) => `  ${item},`),
    ];
    parts.push("", `/** ${name}: ${SOURCES[name]} */`, `export const ${name}Abi = [`, ...lines, "] as const;");
  }
  return `${parts.join("\n")}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = generateAbis();
  if (process.argv.includes("--check")) {
    const committed = existsSync(GENERATED_PATH) ? readFileSync(GENERATED_PATH, "utf8") : "";
    if (committed !== text) {
      console.error("src/adapters/ethers/abi/generated.ts is stale: run `npm run gen:abis`");
      process.exit(1);
    }
  } else {
    writeFileSync(GENERATED_PATH, text);
    console.log(`wrote ${GENERATED_PATH} (${Object.keys(SOURCES).length} contracts)`);
  }
}
