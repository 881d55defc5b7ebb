import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { InterfaceAbi } from "ethers";
import { KeelError } from "../../domain/errors.ts";

/** A compiled contract: what ethers needs to talk to it or deploy it. */
export interface ContractArtifact {
  readonly contractName: string;
  readonly sourceName: string;
  readonly abi: InterfaceAbi;
  /** Creation bytecode (0x…); "0x" for interfaces and abstract contracts. */
  readonly bytecode: string;
  /** Library placeholders to link before deploying, when any (file → library → offsets). */
  readonly linkReferences: Record<string, Record<string, { start: number; length: number }[]>>;
}

const defaultRoot = fileURLToPath(new URL("../../../artifacts/contracts", import.meta.url));
const indexCache = new Map<string, Map<string, string[]>>();

function indexArtifacts(root: string): Map<string, string[]> {
  const cached = indexCache.get(root);
  if (cached) return cached;
  const byName = new Map<string, string[]>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.name.endsWith(".json") && !entry.name.endsWith(".dbg.json")) {
        const name = entry.name.slice(0, -".json".length);
        byName.set(name, [...(byName.get(name) ?? []), p]);
      }
    }
  };
  walk(root);
  indexCache.set(root, byName);
  return byName;
}

/**
 * Reads `artifacts/contracts/**\/<name>.json` (abi + bytecode) produced by `npx hardhat build`.
 * Throws KeelError `ARTIFACT_MISSING` (not retryable) telling the user to build when absent, and
 * `ARTIFACT_AMBIGUOUS` when two sources declare the same contract name.
 */
export function loadArtifact(name: string, opts: { root?: string } = {}): ContractArtifact {
  const root = opts.root ?? defaultRoot;
  const hint = "run `npx hardhat build` in the keel directory to compile the contracts";
  if (!existsSync(root)) {
    throw new KeelError("ARTIFACT_MISSING", `contract artifacts not found at ${root}: ${hint}`, {
      context: { contract: name },
    });
  }
  let paths = indexArtifacts(root).get(name);
  if (!paths) {
    indexCache.delete(root); // built since the last look?
    paths = indexArtifacts(root).get(name);
  }
  if (!paths || paths.length === 0) {
    throw new KeelError("ARTIFACT_MISSING", `no artifact for contract "${name}" under ${root}: ${hint}`, {
      context: { contract: name },
    });
  }
  if (paths.length > 1) {
    throw new KeelError("ARTIFACT_AMBIGUOUS", `contract name "${name}" is declared in several sources`, {
      context: { contract: name, count: paths.length },
    });
  }
  const raw = JSON.parse(readFileSync(paths[0] as string, "utf8")) as Partial<ContractArtifact>;
  if (!Array.isArray(raw.abi) || typeof raw.bytecode !== "string") {
    throw new KeelError("ARTIFACT_INVALID", `artifact for "${name}" has no abi/bytecode: ${hint}`, {
      context: { contract: name },
    });
  }
  return {
    contractName: raw.contractName ?? name,
    sourceName: raw.sourceName ?? "",
    abi: raw.abi,
    bytecode: raw.bytecode,
    linkReferences: raw.linkReferences ?? {},
  };
}

const nodeModules = fileURLToPath(new URL("../../../node_modules", import.meta.url));

/**
 * Reads an artifact an npm package ships (e.g. `@aave/core-v3`, `artifacts/contracts/protocol/pool/Pool.sol/Pool.json`
 * or `@uniswap/v2-core`, `build/UniswapV2Pair.json`). Accepts Hardhat and Waffle layouts.
 */
export function loadPackageArtifact(pkg: string, file: string): ContractArtifact {
  const path = join(nodeModules, pkg, file);
  if (!existsSync(path)) {
    throw new KeelError("ARTIFACT_MISSING", `${pkg} does not ship ${file}: is the package installed (npm install)?`, {
      context: { pkg, file },
    });
  }
  const raw = JSON.parse(readFileSync(path, "utf8")) as {
    contractName?: string;
    sourceName?: string;
    abi?: InterfaceAbi;
    bytecode?: string;
    evm?: { bytecode?: { object?: string } };
    linkReferences?: ContractArtifact["linkReferences"];
  };
  const code = raw.bytecode ?? raw.evm?.bytecode?.object;
  if (!Array.isArray(raw.abi) || typeof code !== "string") {
    throw new KeelError("ARTIFACT_INVALID", `${pkg}/${file} has no abi/bytecode`, { context: { pkg, file } });
  }
  return {
    contractName: raw.contractName ?? file.replace(/^.*\//, "").replace(/\.json$/, ""),
    sourceName: raw.sourceName ?? "",
    abi: raw.abi,
    bytecode: code.startsWith("0x") ? code : `0x${code}`,
    linkReferences: raw.linkReferences ?? {},
  };
}
