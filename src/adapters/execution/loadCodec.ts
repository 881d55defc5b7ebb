import type { InterfaceAbi } from "ethers";
import { loadArtifact } from "../ethers/artifacts.ts";
import { REVERT_SOURCES } from "../ethers/nodeErrors.ts";
import { type AllocatorCodec, createAllocatorCodec } from "./allocatorCodec.ts";

/**
 * The allocator codec with every custom error of the allocator, the vault and the adapters merged
 * in from `artifacts/contracts` (ARTIFACT_MISSING when the contracts were not built).
 */
export function loadAllocatorCodec(names: readonly string[] = REVERT_SOURCES): AllocatorCodec {
  const abis: InterfaceAbi[] = [];
  for (const name of names) abis.push(loadArtifact(name).abi);
  return createAllocatorCodec(abis);
}
