import { getAddress, type JsonRpcApiProvider, ZeroAddress } from "ethers";
import type { AaveReservePin, CallPin, CodePin, FeedPin, ProxyPin, SourcePins } from "../../domain/protocolPins.ts";
import { KeelAllocatorAbi, UniswapV2LpAdapterAbi } from "./abi/generated.ts";
import {
  EIP1967_ADMIN_SLOT,
  EIP1967_IMPLEMENTATION_SLOT,
  protocolReads,
  type Queued,
  readPinned,
} from "./protocolReader.ts";
import { read, typedContract } from "./typedContract.ts";

/** No-argument getters of who controls an ERC-4626 target (OpenZeppelin Ownable, MetaMorpho, Yearn v3). */
const ADMIN_GETTERS = ["owner()", "curator()", "guardian()", "role_manager()"];
/** No-argument getters of an ERC-4626 target's caps, fees, timelocks and switches, pinned when the target has them. */
const PARAM_GETTERS = [
  "liquidity()",
  "paused()",
  "isShutdown()",
  "fee()",
  "performanceFee()",
  "managementFee()",
  "depositLimit()",
  "timelock()",
  "profitMaxUnlockTime()",
];

/** What to read for one source, before its values are known. */
interface Spec {
  proxies: ProxyPin[];
  code: CodePin[];
  calls: CallPin[];
  aaveReserve?: AaveReservePin;
  feeds: FeedPin[];
}

/** Options of `capturePins`. */
export interface CaptureOptions {
  /** Block to read at (default: the latest). */
  readonly block?: number;
  /** Constant-answer threshold of the feeds it watches (new rounds with the same answer). */
  readonly maxConstantRounds: number;
}

/**
 * The pins of every adapter of an allocator as the chain holds them now: what an operator approves (`keel pins`)
 * and what the embedded devnet approves at deployment. Per kind: an ERC-4626 target's proxy slots, code hash,
 * and whichever known admin / parameter getters it answers; an Aave pool's proxy, the reserve's configuration and
 * rate strategy, the addresses provider's owner, its price oracle and the oracle's source for the asset; a pool
 * pair's code and the non-base feed the LP adapter prices it with.
 */
export async function capturePins(
  allocatorAddress: string,
  deps: { provider: JsonRpcApiProvider; q?: Queued },
  opts: CaptureOptions,
): Promise<SourcePins[]> {
  const { provider } = deps;
  const q: Queued = deps.q ?? ((fn) => fn());
  const reads = protocolReads({ provider, q });
  const block = opts.block ?? (await provider.getBlockNumber());
  const allocator = typedContract(allocatorAddress, KeelAllocatorAbi, provider);
  const adapters = await read(allocator, "getAdapters", [], { blockTag: block });
  const view = async (address: string, signature: string, args: string[] = []): Promise<string | undefined> => {
    const r = await reads.call(address, signature, args, block);
    return r === "revert" || r === "0x" ? undefined : r;
  };
  const asAddress = (word: string) => getAddress(`0x${word.slice(-40)}`);
  const probe = async (address: string, getters: readonly string[], kind: CallPin["kind"]): Promise<CallPin[]> => {
    const found = await Promise.all(getters.map(async (g) => ({ g, r: await view(address, g) })));
    return found.flatMap(({ g, r }) => (r === undefined ? [] : [{ address, function: g, args: [], result: r, kind }]));
  };

  const out: SourcePins[] = [];
  for (const source of adapters) {
    // Every adapter answers IKeelAdapter's views; an LP one (v2 or v3) also `otherFeed()`.
    const a = typedContract(source, UniswapV2LpAdapterAbi, provider);
    const at = { blockTag: block };
    const [kind, target, asset] = await Promise.all([
      read(a, "kind", [], at),
      read(a, "target", [], at),
      read(a, "asset", [], at),
    ]);
    const implementation = await reads.slot(target, EIP1967_IMPLEMENTATION_SLOT, block);
    const proxies =
      implementation === ZeroAddress
        ? []
        : [{ address: target, implementation, implementationCodeHash: "", admin: ZeroAddress }];
    const spec: Spec = {
      proxies,
      code: [{ address: target, codeHash: "" }],
      calls: [],
      feeds: [],
    };
    if (kind === "vault") {
      spec.calls.push(
        ...(await probe(target, ADMIN_GETTERS, "admin")),
        ...(await probe(target, PARAM_GETTERS, "params")),
      );
      const admin = await reads.slot(target, EIP1967_ADMIN_SLOT, block);
      // A transparent proxy's admin is a ProxyAdmin contract: whoever owns it can upgrade.
      if (admin !== ZeroAddress) spec.calls.push(...(await probe(admin, ["owner()"], "admin")));
    } else if (kind === "lending") {
      const providerWord = await view(target, "ADDRESSES_PROVIDER()");
      if (providerWord) {
        const addresses = asAddress(providerWord);
        spec.calls.push(...(await probe(addresses, ["owner()"], "admin")));
        spec.calls.push(...(await probe(addresses, ["getPriceOracle()"], "oracle_replaced")));
        const oracleWord = await view(addresses, "getPriceOracle()");
        const oracle = oracleWord === undefined ? undefined : asAddress(oracleWord);
        const source = oracle === undefined ? undefined : await view(oracle, "getSourceOfAsset(address)", [asset]);
        if (oracle !== undefined && source !== undefined) {
          const fn = "getSourceOfAsset(address)";
          spec.calls.push({ address: oracle, function: fn, args: [asset], result: source, kind: "oracle_replaced" });
        }
      }
      spec.aaveReserve = { pool: target, asset, configuration: "0", interestRateStrategy: ZeroAddress };
    } else if (kind === "lp") {
      spec.feeds.push({
        address: await read(a, "otherFeed", [], at),
        maxConstantRounds: opts.maxConstantRounds,
      });
    }
    const readings = await readPinned(reads, spec, block);
    out.push({ source, ...readings, feeds: spec.feeds });
  }
  return out;
}
