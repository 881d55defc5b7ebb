/**
 * What was approved about the protocols behind each source (the pins, from `monitor.sources`) and what
 * ingest read of the same things this tick (the readings). A reading has the shape of its pin, so the
 * pins of a deployment are its readings at the time it was approved (`keel pins`).
 */
import type { ReasonCode } from "./codes.ts";

/** A kind of protocol change; `keel_protocol_change{source,kind}` and the risk reason say which. */
export const PROTOCOL_CHANGE_KINDS = [
  "implementation",
  "admin",
  "code",
  "params",
  "reserve_frozen",
  "reserve_params",
  "oracle_replaced",
  "oracle_constant",
] as const;

/** One of PROTOCOL_CHANGE_KINDS. */
export type ProtocolChangeKind = (typeof PROTOCOL_CHANGE_KINDS)[number];

/** The risk reason code of each kind of change (catalogued in codes.ts, severity freeze). */
export const PROTOCOL_CHANGE_CODES = {
  implementation: "PROTOCOL_IMPLEMENTATION_CHANGED",
  admin: "PROTOCOL_ADMIN_CHANGED",
  code: "PROTOCOL_CODE_CHANGED",
  params: "PROTOCOL_PARAMS_CHANGED",
  reserve_frozen: "RESERVE_FROZEN",
  reserve_params: "RESERVE_PARAMS_CHANGED",
  oracle_replaced: "ORACLE_REPLACED",
  oracle_constant: "ORACLE_CONSTANT",
} as const satisfies Record<ProtocolChangeKind, ReasonCode>;

/** The kind of a protocol-change reason code; undefined for any other code. */
export function protocolChangeKind(code: string): ProtocolChangeKind | undefined {
  return PROTOCOL_CHANGE_KINDS.find((k) => PROTOCOL_CHANGE_CODES[k] === code);
}

/** The kinds of change a source's pins can show (each gets a keel_protocol_change series). */
export function pinnedKinds(p: SourcePins): ProtocolChangeKind[] {
  const kinds = new Set<ProtocolChangeKind>();
  if (p.proxies.length > 0) kinds.add("implementation").add("admin");
  if (p.code.length > 0) kinds.add("code");
  for (const c of p.calls) kinds.add(c.kind);
  if (p.aaveReserve) kinds.add("reserve_frozen").add("reserve_params");
  if (p.feeds.length > 0) kinds.add("oracle_constant");
  return PROTOCOL_CHANGE_KINDS.filter((k) => kinds.has(k));
}

/** An EIP-1967 proxy: its implementation (and that implementation's code hash) and its admin slot. */
export interface ProxyPin {
  readonly address: string;
  readonly implementation: string;
  readonly implementationCodeHash: string;
  /** The admin slot (zero for proxies whose admin is immutable or absent, as UUPS and Aave's). */
  readonly admin: string;
}

/** The keccak-256 of the runtime code at an address. */
export interface CodePin {
  readonly address: string;
  readonly codeHash: string;
}

/** A view call without side effects and its raw result (`0x…`; `revert` when it reverted). */
export interface CallPin {
  readonly address: string;
  /** Signature, e.g. `liquidity()`, `getSourceOfAsset(address)`. */
  readonly function: string;
  readonly args: readonly string[];
  readonly result: string;
  /** Which kind a change of the result is: a parameter, who controls the contract, or which oracle it reads. */
  readonly kind: "params" | "admin" | "oracle_replaced";
}

/** An Aave v3 reserve: its configuration bitmap (decimal string) and interest-rate strategy. */
export interface AaveReservePin {
  readonly pool: string;
  readonly asset: string;
  readonly configuration: string;
  readonly interestRateStrategy: string;
}

/** A Chainlink-compatible feed watched for a constant answer (the same answer over new rounds). */
export interface FeedPin {
  readonly address: string;
  /** This many consecutive new rounds with the same answer is a constant answer. */
  readonly maxConstantRounds: number;
}

/** Everything pinned for one source (keyed by the source id: its adapter address). */
export interface SourcePins {
  readonly source: string;
  readonly proxies: readonly ProxyPin[];
  readonly code: readonly CodePin[];
  readonly calls: readonly CallPin[];
  readonly aaveReserve?: AaveReservePin | undefined;
  readonly feeds: readonly FeedPin[];
}

/** A watched feed as read this tick. */
export interface FeedReading {
  readonly address: string;
  /** Raw answer (decimal string). */
  readonly answer: string;
  /** Consecutive new rounds, up to this tick, that repeated the previous answer. */
  readonly constantRounds: number;
}

/** What ingest read for a source's pins, at the snapshot's block. */
export interface SourceReadings {
  readonly proxies: readonly ProxyPin[];
  readonly code: readonly CodePin[];
  readonly calls: readonly CallPin[];
  readonly aaveReserve?: AaveReservePin;
  readonly feeds: readonly FeedReading[];
}
