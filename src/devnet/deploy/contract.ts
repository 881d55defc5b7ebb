import { type BaseContract, ContractFactory, ethers, type Signer } from "ethers";
import { type ContractArtifact, loadArtifact } from "../../adapters/ethers/artifacts.ts";

/** A deployed contract with its ethers handle (methods resolved through `getFunction`). */
export type Deployed = BaseContract & { getAddress(): Promise<string> };

/** Deploys a keel contract from `artifacts/contracts` and waits for it to be mined. */
export async function deployContract(signer: Signer, name: string, args: readonly unknown[] = []): Promise<Deployed> {
  return deployArtifact(signer, loadArtifact(name), args);
}

/** Deploys any artifact (abi + bytecode), linking libraries by name when `libraries` is given. */
export async function deployArtifact(
  signer: Signer,
  artifact: Pick<ContractArtifact, "abi" | "bytecode" | "linkReferences">,
  args: readonly unknown[] = [],
  libraries: Record<string, string> = {},
): Promise<Deployed> {
  const bytecode = linkBytecode(artifact.bytecode, artifact.linkReferences, libraries);
  const factory = new ContractFactory(artifact.abi, bytecode, signer);
  const contract = await factory.deploy(...args);
  await contract.waitForDeployment();
  return contract as Deployed;
}

/** Replaces library placeholders (hardhat/solc link references) with deployed addresses. */
export function linkBytecode(
  bytecode: string,
  linkReferences: ContractArtifact["linkReferences"],
  libraries: Record<string, string>,
): string {
  let hex = bytecode.startsWith("0x") ? bytecode.slice(2) : bytecode;
  for (const [file, libs] of Object.entries(linkReferences)) {
    for (const [lib, refs] of Object.entries(libs)) {
      const address = libraries[lib] ?? libraries[`${file}:${lib}`];
      if (!address) throw new Error(`library ${file}:${lib} has no address to link`);
      const addr = ethers.getAddress(address).slice(2).toLowerCase();
      for (const { start, length } of refs) {
        hex = hex.slice(0, start * 2) + addr + hex.slice((start + length) * 2);
      }
    }
  }
  return `0x${hex}`;
}

/** Sends a contract call and waits for its receipt; throws on revert. */
export async function send(contract: BaseContract, method: string, args: readonly unknown[] = []): Promise<void> {
  const tx = (await contract.getFunction(method)(...args)) as ethers.ContractTransactionResponse;
  await tx.wait();
}
