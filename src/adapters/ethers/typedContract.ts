import type {
  Abi,
  AbiParametersToPrimitiveTypes,
  AbiStateMutability,
  ExtractAbiFunction,
  ExtractAbiFunctionNames,
} from "abitype";
import {
  Contract,
  type ContractRunner,
  type ContractTransactionResponse,
  type InterfaceAbi,
  type Overrides,
} from "ethers";

/**
 * Typed calls on an ethers v6 `Contract`, inferred from a const ABI (src/adapters/ethers/abi/generated.ts) with
 * abitype: the function name, its arguments and its result are checked at compile time, so call sites need no
 * untyped method lookup and no cast. At run time it is plain ethers: the contract's method by name, as a `staticCall`
 * (read) or sent (write).
 *
 *   const vault = typedContract(vaultAddress, KeelVaultAbi, provider);
 *   const assets = await read(vault, "totalAssets", [], { blockTag }); // bigint
 *   const tx = await write(vault, "pause", [], overrides); // ContractTransactionResponse
 */

declare const abiBrand: unique symbol;

/** An ethers Contract that remembers its ABI's type (a phantom brand: nothing extra at run time). */
export type TypedContract<A extends Abi> = Contract & { readonly [abiBrand]?: A };

/** What ethers decodes a value to: every integer a bigint, addresses and bytes as hex strings. */
type Decoded<T> = T extends `0x${string}`
  ? string
  : T extends number | bigint
    ? bigint
    : T extends readonly unknown[]
      ? { readonly [K in keyof T]: Decoded<T[K]> }
      : T extends object
        ? { readonly [K in keyof T]: Decoded<T[K]> }
        : T;

/** What ethers accepts for a value: integers as bigint or number, addresses and bytes as hex strings. */
type Encodable<T> = T extends `0x${string}` | Uint8Array
  ? string
  : T extends number | bigint
    ? bigint | number
    : T extends readonly unknown[]
      ? { readonly [K in keyof T]: Encodable<T[K]> }
      : T extends object
        ? { readonly [K in keyof T]: Encodable<T[K]> }
        : T;

type Fn<A extends Abi, N extends string> = ExtractAbiFunction<A, N>;
/** The argument tuple of function `N`. */
export type ArgsOf<A extends Abi, N extends string> = Encodable<
  AbiParametersToPrimitiveTypes<Fn<A, N>["inputs"], "inputs">
>;
/** The decoded result of view `N`: its single output, or the tuple of several (ethers' Result indexes both). */
export type ResultOf<A extends Abi, N extends string> =
  Decoded<AbiParametersToPrimitiveTypes<Fn<A, N>["outputs"], "outputs">> extends infer R extends readonly unknown[]
    ? R extends readonly [infer Only]
      ? Only
      : R
    : never;

type Named<A extends Abi, M extends AbiStateMutability> = ExtractAbiFunctionNames<A, M>;

/** `new Contract(address, abi, runner)`, typed by `abi`. */
export function typedContract<const A extends Abi>(
  address: string,
  abi: A,
  runner?: ContractRunner | null,
): TypedContract<A> {
  return new Contract(address, abi as unknown as InterfaceAbi, runner) as TypedContract<A>;
}

/**
 * Calls function `name` as an `eth_call` from the contract's runner (optionally at `overrides.blockTag`) and returns
 * its decoded result: a view's value, or what a state-changing function would return if sent now (a simulation).
 */
export async function read<A extends Abi, N extends Named<A, AbiStateMutability>>(
  contract: TypedContract<A>,
  name: N,
  args: ArgsOf<A, N>,
  overrides?: Overrides,
): Promise<ResultOf<A, N>> {
  const values = args as unknown as readonly unknown[];
  const call = contract.getFunction(name).staticCall;
  return (await (overrides ? call(...values, overrides) : call(...values))) as ResultOf<A, N>;
}

/** Sends state-changing function `name` from the contract's signer; resolves once the node accepted it. */
export async function write<A extends Abi, N extends Named<A, "nonpayable" | "payable">>(
  contract: TypedContract<A>,
  name: N,
  args: ArgsOf<A, N>,
  overrides?: Overrides,
): Promise<ContractTransactionResponse> {
  const values = args as unknown as readonly unknown[];
  const send = contract.getFunction(name);
  return (await (overrides ? send(...values, overrides) : send(...values))) as ContractTransactionResponse;
}
