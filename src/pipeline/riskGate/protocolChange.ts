import {
  PROTOCOL_CHANGE_CODES,
  type ProtocolChangeKind,
  type SourcePins,
  type SourceReadings,
} from "../../domain/protocolPins.ts";
import type { Snapshot } from "../../domain/snapshot.ts";
import type { VerdictBuilder } from "./verdictBuilder.ts";

/** What is pinned and which kinds of change exit a source (`monitor` in the config). */
export interface ProtocolMonitorOptions {
  /** Kinds of change that force an exit; every other kind freezes new deposits only. */
  readonly critical: readonly ProtocolChangeKind[];
  readonly sources: readonly SourcePins[];
}

/** One difference between a pin and what was read. */
export interface ProtocolChange {
  readonly kind: ProtocolChangeKind;
  readonly message: string;
}

/** Fields of Aave v3's ReserveConfigurationMap: name, first bit, width (ReserveConfiguration.sol). */
const RESERVE_FIELDS: readonly (readonly [string, number, number])[] = [
  ["ltv", 0, 16],
  ["liquidationThreshold", 16, 16],
  ["liquidationBonus", 32, 16],
  ["decimals", 48, 8],
  ["active", 56, 1],
  ["frozen", 57, 1],
  ["borrowingEnabled", 58, 1],
  ["stableBorrowingEnabled", 59, 1],
  ["paused", 60, 1],
  ["borrowableInIsolation", 61, 1],
  ["siloedBorrowing", 62, 1],
  ["flashLoanEnabled", 63, 1],
  ["reserveFactor", 64, 16],
  ["borrowCap", 80, 36],
  ["supplyCap", 116, 36],
  ["liquidationProtocolFee", 152, 16],
  ["eModeCategory", 168, 8],
  ["unbackedMintCap", 176, 36],
  ["debtCeiling", 212, 40],
];

/** The named fields of an Aave v3 reserve configuration word. */
export function decodeReserveConfiguration(word: bigint): Record<string, bigint> {
  const out: Record<string, bigint> = {};
  for (const [name, from, bits] of RESERVE_FIELDS) out[name] = (word >> BigInt(from)) & ((1n << BigInt(bits)) - 1n);
  return out;
}

const sameAddress = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/** Aave reserve changes: frozen, paused or deactivated is `reserve_frozen`; any other field is `reserve_params`. */
function reserveChanges(pin: NonNullable<SourcePins["aaveReserve"]>, read: SourceReadings["aaveReserve"]) {
  const out: ProtocolChange[] = [];
  if (!read) return out;
  const was = decodeReserveConfiguration(BigInt(pin.configuration));
  const now = decodeReserveConfiguration(BigInt(read.configuration));
  // A reserve that stops taking deposits: frozen or paused switched on, or active switched off.
  const stopped = new Map<string, string>();
  if (was.frozen === 0n && now.frozen === 1n) stopped.set("frozen", "frozen");
  if (was.paused === 0n && now.paused === 1n) stopped.set("paused", "paused");
  if (was.active === 1n && now.active === 0n) stopped.set("active", "deactivated");
  if (stopped.size > 0) {
    out.push({ kind: "reserve_frozen", message: `Aave reserve ${pin.asset} ${[...stopped.values()].join(" and ")}` });
  }
  const moved = Object.keys(was)
    .filter((f) => was[f] !== now[f] && !stopped.has(f))
    .map((f) => `${f} ${was[f]} → ${now[f]}`);
  if (!sameAddress(pin.interestRateStrategy, read.interestRateStrategy)) {
    moved.push(`interest-rate strategy ${pin.interestRateStrategy} → ${read.interestRateStrategy}`);
  }
  if (moved.length > 0) out.push({ kind: "reserve_params", message: `Aave reserve ${pin.asset}: ${moved.join(", ")}` });
  return out;
}

/** Every difference between a source's pins and its readings (pure; nothing read → nothing changed). */
export function protocolChanges(pins: SourcePins, read: SourceReadings): ProtocolChange[] {
  const out: ProtocolChange[] = [];
  pins.proxies.forEach((p, i) => {
    const r = read.proxies[i];
    if (!r) return;
    if (!sameAddress(p.implementation, r.implementation)) {
      out.push({
        kind: "implementation",
        message: `proxy ${p.address} implementation ${p.implementation} → ${r.implementation}`,
      });
    } else if (p.implementationCodeHash.toLowerCase() !== r.implementationCodeHash.toLowerCase()) {
      out.push({
        kind: "implementation",
        message: `proxy ${p.address} implementation ${p.implementation} has new code`,
      });
    }
    if (!sameAddress(p.admin, r.admin)) {
      out.push({ kind: "admin", message: `proxy ${p.address} admin ${p.admin} → ${r.admin}` });
    }
  });
  pins.code.forEach((p, i) => {
    const r = read.code[i];
    if (r && p.codeHash.toLowerCase() !== r.codeHash.toLowerCase()) {
      out.push({ kind: "code", message: `code at ${p.address} changed (hash ${p.codeHash} → ${r.codeHash})` });
    }
  });
  pins.calls.forEach((p, i) => {
    const r = read.calls[i];
    if (r && p.result.toLowerCase() !== r.result.toLowerCase()) {
      out.push({ kind: p.kind, message: `${p.address}.${p.function} answered ${r.result}, pinned ${p.result}` });
    }
  });
  if (pins.aaveReserve) out.push(...reserveChanges(pins.aaveReserve, read.aaveReserve));
  pins.feeds.forEach((p, i) => {
    const r = read.feeds[i];
    if (r && r.constantRounds >= p.maxConstantRounds) {
      out.push({
        kind: "oracle_constant",
        message: `feed ${p.address} answered ${r.answer} for ${r.constantRounds} new rounds in a row`,
      });
    }
  });
  return out;
}

/**
 * The protocol-change rule: each kind of change of a pinned source freezes new deposits into it with its
 * code (one reason per kind); a kind listed in `critical` also forces its exit (PROTOCOL_CHANGE_EXIT).
 * Sources without readings in the snapshot (backtests, a source no longer listed) are not judged.
 */
export function checkProtocolChanges(snapshot: Snapshot, opts: ProtocolMonitorOptions | undefined, b: VerdictBuilder) {
  if (!opts || !snapshot.protocol) return;
  const ids = new Map(snapshot.sources.map((s) => [s.id.toLowerCase(), s.id]));
  const readings = new Map(Object.entries(snapshot.protocol).map(([k, v]) => [k.toLowerCase(), v]));
  for (const pins of opts.sources) {
    const id = ids.get(pins.source.toLowerCase());
    const read = readings.get(pins.source.toLowerCase());
    if (id === undefined || !read) continue;
    const byKind = new Map<ProtocolChangeKind, string[]>();
    for (const c of protocolChanges(pins, read)) byKind.set(c.kind, [...(byKind.get(c.kind) ?? []), c.message]);
    for (const [kind, messages] of byKind) {
      b.freeze(id, {
        code: PROTOCOL_CHANGE_CODES[kind],
        message: `${id} frozen: ${messages.join("; ")}`,
        sourceId: id,
        severity: "warn",
      });
    }
    const critical = [...byKind.keys()].filter((k) => opts.critical.includes(k));
    if (critical.length > 0) {
      b.exit(id, {
        code: "PROTOCOL_CHANGE_EXIT",
        message: `${id} exit: critical protocol change (${critical.join(", ")})`,
        sourceId: id,
        severity: "warn",
      });
    }
  }
}
