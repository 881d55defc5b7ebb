import { Contract, getAddress, type JsonRpcApiProvider, ZeroAddress } from "ethers";
import type { AaveReservePin, CallPin, CodePin, FeedPin, ProxyPin, SourcePins } from "../../domain/protocolPins.ts";
import { ADAPTER_ABI, ALLOCATOR_ABI } from "./abis.ts";
import {
  EIP1967_ADMIN_SLOT,
  EIP1967_IMPLEMENTATION_SLOT,
  protocolReads,
  type Queued,
  readPinned,
} from "./protocolReader.ts";

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
  const allocator = new Contract(allocatorAddress, ALLOCATOR_ABI, provider);
  const adapters = (await allocator.getFunction("getAdapters")({ blockTag: block })) as string[];
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
    const a = new Contract(source, [...ADAPTER_ABI, "function otherFeed() view returns (address)"], provider);
    const at = { blockTag: block };
    const [kind, target, asset] = (await Promise.all([
      a.getFunction("kind")(at),
      a.getFunction("target")(at),
      a.getFunction("asset")(at),
    ])) as [string, string, string];
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
        address: (await a.getFunction("otherFeed")(at)) as string,
        maxConstantRounds: opts.maxConstantRounds,
      });
    }
    const read = await readPinned(reads, spec, block);
    out.push({ source, ...read, feeds: spec.feeds });
  }
  return out;
}
