import { FunctionFragment, getAddress, Interface, isError, type JsonRpcApiProvider, keccak256 } from "ethers";
import type { FeedReading, SourcePins, SourceReadings } from "../../domain/protocolPins.ts";
import { AavePoolAbi, AggregatorV3InterfaceAbi } from "./abi/generated.ts";
import { read, typedContract } from "./typedContract.ts";

/** EIP-1967 storage slots: bytes32(uint256(keccak256('eip1967.proxy.implementation')) - 1) and the admin's. */
export const EIP1967_IMPLEMENTATION_SLOT = "0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc";
export const EIP1967_ADMIN_SLOT = "0xb53127684a568b3173ae13b9f8a6016e243e63b6e8ee1178d6a717850b5d6103";

/** Runs one read through the daemon's read queue. */
export type Queued = <T>(fn: () => Promise<T>) => Promise<T>;

/** Reads what the pins name, at one block; remembers each watched feed's last answer to count constant rounds. */
export interface ProtocolReader {
  /** Readings of every pinned source at `block` (feed round counting advances only here). */
  read(block: number): Promise<Record<string, SourceReadings>>;
}

/** The address held in a 32-byte storage word. */
const slotAddress = (word: string): string => getAddress(`0x${word.slice(-40)}`);

/** Helpers shared by the tick reader and `keel pins`: every read is pinned to `block` and queued. */
export function protocolReads(deps: { provider: JsonRpcApiProvider; q: Queued }) {
  const { provider, q } = deps;
  const codeHash = async (address: string, block: number) => keccak256(await q(() => provider.getCode(address, block)));
  return {
    codeHash,
    async slot(address: string, slot: string, block: number): Promise<string> {
      return slotAddress(await q(() => provider.getStorage(address, slot, block)));
    },
    /** A view call's raw result; `revert` when the contract reverted (a transport failure throws). */
    async call(address: string, signature: string, args: readonly string[], block: number): Promise<string> {
      const fragment = FunctionFragment.from(`function ${signature}`);
      const data = new Interface([fragment]).encodeFunctionData(fragment, [...args]);
      try {
        return (await q(() => provider.call({ to: address, data, blockTag: block }))).toLowerCase();
      } catch (err) {
        if (isError(err, "CALL_EXCEPTION")) return "revert";
        throw err;
      }
    },
    async reserve(pool: string, asset: string, block: number) {
      const r = await q(() =>
        read(typedContract(pool, AavePoolAbi, provider), "getReserveData", [asset], { blockTag: block }),
      );
      return {
        configuration: r.configuration.data.toString(),
        interestRateStrategy: getAddress(r.interestRateStrategyAddress),
      };
    },
    async latestRound(feed: string, block: number): Promise<{ round: bigint; answer: bigint }> {
      const r = await q(() =>
        read(typedContract(feed, AggregatorV3InterfaceAbi, provider), "latestRoundData", [], { blockTag: block }),
      );
      return { round: r[0], answer: r[1] };
    },
  };
}

/** Reads one source's pins at a block, feeds aside (their reading depends on the last one). */
export async function readPinned(
  reads: ReturnType<typeof protocolReads>,
  pins: Omit<SourcePins, "source" | "feeds">,
  block: number,
): Promise<Omit<SourceReadings, "feeds">> {
  const [proxies, code, calls, aaveReserve] = await Promise.all([
    Promise.all(
      pins.proxies.map(async (p) => {
        const [implementation, admin] = await Promise.all([
          reads.slot(p.address, EIP1967_IMPLEMENTATION_SLOT, block),
          reads.slot(p.address, EIP1967_ADMIN_SLOT, block),
        ]);
        return {
          address: p.address,
          implementation,
          admin,
          implementationCodeHash: await reads.codeHash(implementation, block),
        };
      }),
    ),
    Promise.all(pins.code.map(async (c) => ({ address: c.address, codeHash: await reads.codeHash(c.address, block) }))),
    Promise.all(
      pins.calls.map(async (c) => ({ ...c, result: await reads.call(c.address, c.function, c.args, block) })),
    ),
    pins.aaveReserve
      ? reads
          .reserve(pins.aaveReserve.pool, pins.aaveReserve.asset, block)
          .then((r) => ({ ...pins.aaveReserve!, ...r }))
      : undefined,
  ]);
  return { proxies, code, calls, ...(aaveReserve ? { aaveReserve } : {}) };
}

/**
 * The tick's protocol reader: every pinned value at the snapshot's block, through the same read queue as the
 * rest of ingest. A watched feed's constant-round count grows by one each time a new round repeats the previous
 * answer, and restarts at 0 when the answer moves.
 */
export function createProtocolReader(
  pins: readonly SourcePins[],
  deps: { provider: JsonRpcApiProvider; q: Queued },
): ProtocolReader {
  const reads = protocolReads(deps);
  const last = new Map<string, { round: bigint; answer: bigint; constantRounds: number }>();

  async function readFeed(address: string, block: number): Promise<FeedReading> {
    const now = await reads.latestRound(address, block);
    const prev = last.get(address);
    let constantRounds = prev?.constantRounds ?? 0;
    if (prev && now.round !== prev.round) constantRounds = now.answer === prev.answer ? constantRounds + 1 : 0;
    last.set(address, { ...now, constantRounds });
    return { address, answer: now.answer.toString(), constantRounds };
  }

  return {
    async read(block) {
      const entries = await Promise.all(
        pins.map(async (p) => {
          const [rest, feeds] = await Promise.all([
            readPinned(reads, p, block),
            Promise.all(p.feeds.map((f) => readFeed(f.address, block))),
          ]);
          return [p.source, { ...rest, feeds }] as const;
        }),
      );
      return Object.fromEntries(entries);
    },
  };
}
