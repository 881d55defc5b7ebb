import { createRequire } from "node:module";
import { ContractFactory, type Signer, ZeroAddress } from "ethers";
import { SafeAbi, SafeProxyFactoryAbi } from "../ethers/abi/generated.ts";
import { typedContract, write } from "../ethers/typedContract.ts";

const require = createRequire(import.meta.url);
const ARTIFACTS = "@safe-global/safe-smart-account/build/artifacts/contracts";

/** The Safe contracts keel needs on a chain without the canonical deployments (devnet, tests). */
export interface SafeContracts {
  readonly safeSingleton: string;
  readonly safeProxyFactory: string;
  readonly multiSend: string;
  readonly multiSendCallOnly: string;
  readonly fallbackHandler: string;
  readonly signMessageLib: string;
  readonly createCall: string;
  readonly simulateTxAccessor: string;
}

function artifact(path: string): { abi: never; bytecode: string } {
  return require(`${ARTIFACTS}/${path}`) as { abi: never; bytecode: string };
}

async function deploy(signer: Signer, path: string): Promise<string> {
  const a = artifact(path);
  const c = await new ContractFactory(a.abi, a.bytecode, signer).deploy();
  await c.waitForDeployment();
  return c.getAddress();
}

/** Deploys singleton, proxy factory, handler and libraries from `@safe-global/safe-smart-account` 1.5 artifacts. */
export async function deploySafeContracts(signer: Signer): Promise<SafeContracts> {
  return {
    safeSingleton: await deploy(signer, "Safe.sol/Safe.json"),
    safeProxyFactory: await deploy(signer, "proxies/SafeProxyFactory.sol/SafeProxyFactory.json"),
    multiSend: await deploy(signer, "libraries/MultiSend.sol/MultiSend.json"),
    multiSendCallOnly: await deploy(signer, "libraries/MultiSendCallOnly.sol/MultiSendCallOnly.json"),
    fallbackHandler: await deploy(signer, "handler/CompatibilityFallbackHandler.sol/CompatibilityFallbackHandler.json"),
    signMessageLib: await deploy(signer, "libraries/SignMessageLib.sol/SignMessageLib.json"),
    createCall: await deploy(signer, "libraries/CreateCall.sol/CreateCall.json"),
    simulateTxAccessor: await deploy(signer, "accessors/SimulateTxAccessor.sol/SimulateTxAccessor.json"),
  };
}

/** Creates a Safe proxy with these owners and threshold; returns its address. */
export async function deploySafe(
  signer: Signer,
  contracts: SafeContracts,
  owners: readonly string[],
  threshold: number,
  saltNonce = BigInt(Date.now()),
): Promise<string> {
  const singleton = typedContract(contracts.safeSingleton, SafeAbi, signer);
  const initializer = singleton.interface.encodeFunctionData("setup", [
    owners,
    threshold,
    ZeroAddress,
    "0x",
    contracts.fallbackHandler,
    ZeroAddress,
    0,
    ZeroAddress,
  ]);
  const factory = typedContract(contracts.safeProxyFactory, SafeProxyFactoryAbi, signer);
  const tx = await write(factory, "createProxyWithNonce", [contracts.safeSingleton, initializer, saltNonce]);
  const receipt = await tx.wait();
  for (const log of receipt?.logs ?? []) {
    try {
      const parsed = factory.interface.parseLog(log);
      if (parsed?.name === "ProxyCreation") return parsed.args[0] as string;
    } catch {
      // another contract's log
    }
  }
  throw new Error("Safe proxy creation emitted no ProxyCreation event");
}

/** The `contractNetworks` entry protocol-kit takes for custom deployments. */
export function contractNetworks(chainId: bigint | number, c: SafeContracts): Record<string, Record<string, string>> {
  return {
    [chainId.toString()]: {
      safeSingletonAddress: c.safeSingleton,
      safeProxyFactoryAddress: c.safeProxyFactory,
      multiSendAddress: c.multiSend,
      multiSendCallOnlyAddress: c.multiSendCallOnly,
      fallbackHandlerAddress: c.fallbackHandler,
      signMessageLibAddress: c.signMessageLib,
      createCallAddress: c.createCall,
      simulateTxAccessorAddress: c.simulateTxAccessor,
    },
  };
}
