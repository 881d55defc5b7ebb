import type { Severity } from "../domain/codes.ts";
import type { DecisionRecord } from "../domain/decision.ts";
import { headlineOf, isHalted, type RankedReason, rankedReasons } from "../domain/headline.ts";
import type { RecordedReason } from "../domain/reasons.ts";

/** One source's share of the vault in the latest decision. */
export interface AllocationEntry {
  readonly sourceId: string;
  /** Base units, decimal string. */
  readonly balance: string;
  /** Share of total assets, 0..1. */
  readonly weight: number;
  /** Target weight of the latest plan, when there was one. */
  readonly targetWeight?: number;
}

/** A pending intent as the API and dashboard show it (the intent store maps onto this). */
export interface PendingIntentView {
  readonly id: string;
  readonly decisionId?: string;
  /** planned | signed | sent | included | … */
  readonly state: string;
  readonly route?: string;
  readonly nonce?: number;
  readonly txHashes?: readonly string[];
  /** Unix milliseconds. */
  readonly createdAt?: number;
  /** Block at which it was first sent, and its age in blocks when known. */
  readonly sentBlock?: number;
  readonly ageBlocks?: number;
}

/** A Safe proposal as the API and dashboard show it (the proposal store maps onto this). */
export interface ProposalView {
  readonly safeTxHash: string;
  readonly decisionId?: string;
  readonly nonce?: number;
  /** pending | executed | rejected | stale … */
  readonly state: string;
  readonly confirmations?: number;
  readonly threshold?: number;
  readonly summary?: string;
  readonly createdAt?: number;
  readonly stale?: boolean;
}

/** What daemon runs: its version, chain, mode and configuration (the daemon knows it; the journal does not). */
export interface DaemonIdentity {
  readonly version: string;
  readonly chainId: number;
  /** `devnet` when keel runs its embedded chain, `live` otherwise. */
  readonly mode: "devnet" | "live";
  readonly dryRun: boolean;
  /** `shadow`: decides and journals what it would have sent, sends nothing (`execution.mode`). */
  readonly executionMode?: "shadow" | "live";
  readonly configHash: string;
}

/** Everything `keel status`, `/api/v1/status` and the dashboard header show. */
export interface StatusView extends DaemonIdentity {
  /** Unix milliseconds when the view was built. */
  readonly now: number;
  readonly block: number | null;
  readonly vault: {
    readonly address?: string;
    readonly symbol: string;
    readonly decimals: number;
    readonly totalAssets: string;
    readonly idle: string;
  } | null;
  readonly allocation: readonly AllocationEntry[];
  /** The on-chain kill-switch (vault paused). */
  readonly paused: boolean;
  /** Not executing: paused, or the latest decision failed or halted on a freeze or worse (see `isHalted`). */
  readonly halted: boolean;
  readonly degraded: boolean;
  readonly lastTick: {
    readonly id: string;
    readonly startedAt: number;
    readonly outcome: DecisionRecord["outcome"];
    readonly block: number | null;
    readonly ageSeconds: number;
  } | null;
  /** The latest decision's reasons, most severe first (the catalogue's order). */
  readonly lastReasons: readonly RecordedReason[];
  /** The latest decision's most severe reason, or null when it has none. */
  readonly headline: Headline | null;
  readonly model: { readonly forecaster: string; readonly hash: string; readonly fallbackReason?: string } | null;
  readonly pendingIntents: number;
  readonly pendingProposals: number;
  /** Human names of sources by id (adapter address), when known. */
  readonly sourceLabels: Readonly<Record<string, string>>;
}

/** A decision's headline as the API, the dashboard and `keel status` show it. */
export interface Headline {
  readonly code: string;
  readonly message: string;
  /** The catalogue's severity of the code (src/domain/codes.ts) and what kind of code it is. */
  readonly severity: Severity;
  readonly class: "halt" | "reason" | "error";
  readonly sourceId?: string;
}

/** The JSON shape of a ranked reason (the decision's headline). */
export function toHeadline(x: RankedReason | undefined): Headline | null {
  if (!x) return null;
  const { code, message, sourceId } = x.reason;
  return { code, message, severity: x.severity, class: x.class, ...(sourceId === undefined ? {} : { sourceId }) };
}

/** A decision record with its headline, as the API serves it. */
export function withHeadline(record: DecisionRecord): DecisionRecord & { headline?: Headline } {
  const headline = toHeadline(headlineOf(record));
  return headline ? { ...record, headline } : record;
}

/** Facts the daemon knows that are not in the journal. */
export interface StatusFacts extends DaemonIdentity {
  readonly vaultAddress?: string;
  readonly baseSymbol?: string;
  readonly baseDecimals?: number;
  /** Live values override the journal's when given (e.g. the kill-switch watcher's last read). */
  readonly paused?: boolean;
  readonly degraded?: boolean;
  readonly block?: number;
  /** Human names of sources by id (adapter address). */
  readonly sourceLabels?: Readonly<Record<string, string>>;
}

/** Weights from a decision record's allocation (base-unit strings) and total assets. */
export function allocationOf(record: DecisionRecord | undefined): AllocationEntry[] {
  const alloc = record?.detail.allocation;
  const snap = record?.detail.snapshot;
  if (!alloc || !snap) return [];
  const total = BigInt(snap.totalAssets);
  const targets = record.detail.plan?.targetWeights ?? {};
  const entries: AllocationEntry[] = Object.entries(alloc).map(([sourceId, balance]) => {
    const target = targets[sourceId];
    return {
      sourceId,
      balance,
      weight: ratio(BigInt(balance), total),
      ...(target === undefined ? {} : { targetWeight: target }),
    };
  });
  const idleTarget = 1 - Object.values(targets).reduce((a, b) => a + b, 0);
  entries.push({
    sourceId: "idle",
    balance: snap.idle,
    weight: ratio(BigInt(snap.idle), total),
    ...(record.detail.plan ? { targetWeight: Math.max(0, idleTarget) } : {}),
  });
  return entries;
}

function ratio(part: bigint, total: bigint): number {
  if (total <= 0n) return 0;
  // Six significant decimals is plenty for a weight; keeps bigint precision for large vaults.
  return Number((part * 1_000_000n) / total) / 1_000_000;
}

/**
 * Builds the status view from the latest decision records (most recent first) and live facts.
 * Pure: the caller reads the journal and counts pending work.
 */
export function buildStatusView(
  recent: readonly DecisionRecord[],
  facts: StatusFacts,
  pending: { intents: number; proposals: number },
  now: number,
): StatusView {
  const last = recent[0];
  // The latest record that observed the chain carries the freshest allocation.
  const observed = recent.find((r) => r.detail.snapshot !== undefined);
  const snap = observed?.detail.snapshot;
  const forecast = recent.find((r) => r.detail.forecast !== undefined)?.detail.forecast;
  const paused = facts.paused ?? snap?.paused ?? false;
  const ranked = last ? rankedReasons(last) : [];
  const block = facts.block ?? snap?.block ?? last?.block ?? null;
  return {
    version: facts.version,
    chainId: facts.chainId,
    mode: facts.mode,
    dryRun: facts.dryRun,
    ...(facts.executionMode === undefined ? {} : { executionMode: facts.executionMode }),
    configHash: facts.configHash,
    now,
    block,
    vault: snap
      ? {
          ...(facts.vaultAddress === undefined ? {} : { address: facts.vaultAddress }),
          symbol: facts.baseSymbol ?? "",
          decimals: facts.baseDecimals ?? 18,
          totalAssets: snap.totalAssets,
          idle: snap.idle,
        }
      : null,
    allocation: allocationOf(observed),
    paused,
    halted: paused || (last !== undefined && isHalted(last)),
    degraded: facts.degraded ?? false,
    lastTick: last
      ? {
          id: last.id,
          startedAt: last.startedAt,
          outcome: last.outcome,
          block: last.block,
          ageSeconds: Math.max(0, Math.round((now - last.startedAt) / 1000)),
        }
      : null,
    lastReasons: ranked.slice(0, 20).map((x) => x.reason),
    headline: toHeadline(ranked[0]),
    model: forecast
      ? {
          forecaster: forecast.forecaster,
          hash: forecast.modelHash,
          ...(forecast.fallbackReason === undefined ? {} : { fallbackReason: forecast.fallbackReason }),
        }
      : null,
    pendingIntents: pending.intents,
    pendingProposals: pending.proposals,
    sourceLabels: facts.sourceLabels ?? {},
  };
}

/** Replaces source ids (adapter addresses) in a human message with their names. */
export function withLabels(text: string, labels: Readonly<Record<string, string>>): string {
  let out = text;
  for (const [id, name] of Object.entries(labels)) if (id.length >= 8) out = out.split(id).join(name);
  return out;
}

/**
 * An intent store record (src/domain/intent.ts) as the API shows it; structural,
 * so this module does not depend on the execution adapter.
 */
export function toPendingIntentView(
  r: {
    readonly id: string;
    readonly decisionId: string;
    readonly route: string;
    readonly state: string;
    readonly nonce?: number;
    readonly txs: readonly { readonly hash: string }[];
    readonly createdAt: number;
    readonly targetBlock?: number;
  },
  headBlock?: number,
): PendingIntentView {
  return {
    id: r.id,
    decisionId: r.decisionId,
    state: r.state,
    route: r.route,
    ...(r.nonce === undefined ? {} : { nonce: r.nonce }),
    txHashes: r.txs.map((t) => t.hash),
    createdAt: r.createdAt,
    ...(r.targetBlock === undefined ? {} : { sentBlock: r.targetBlock }),
    ...(r.targetBlock !== undefined && headBlock !== undefined
      ? { ageBlocks: Math.max(0, headBlock - r.targetBlock) }
      : {}),
  };
}
