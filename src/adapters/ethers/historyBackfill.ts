import { describeError } from "../../domain/errors.ts";
import type { SourcePoint } from "../../domain/snapshot.ts";
import type { Logger } from "../../observability/logger.ts";
import type { HistoryEntry } from "../memory/historyStore.ts";
import type { PastMarket } from "./marketReader.ts";
import { RateTracker } from "./rateTracker.ts";

/** Options of the chain backfill. */
export interface ChainBackfillOptions {
  /** How far back to fill, in days. */
  readonly days: number;
  /** History resolution: one reading per this many seconds (an hour). */
  readonly periodSeconds: number;
  /** Share-price sources' rates are measured over this much chain time (as the live reader does). */
  readonly rateWindowSeconds: number;
  /** Hours written per transaction (progress survives a restart). */
  readonly chunkHours?: number;
}

/** What the backfill reads and writes. */
export interface ChainBackfillDeps {
  readonly readAt: (block: number) => Promise<PastMarket>;
  readonly head: () => Promise<{ number: number; timestamp: number }>;
  readonly timestampOf: (block: number) => Promise<number>;
  /** Whether the vault existed at a block (a read before its deployment is where history starts, not a failure). */
  readonly vaultExistsAt: (block: number) => Promise<boolean>;
  readonly history: {
    addAll(entries: readonly HistoryEntry[]): number;
    sourceTimes(id: string): number[];
  };
  readonly logger: Logger;
  readonly signal: AbortSignal;
}

/** What a backfill did. */
export interface BackfillSummary {
  /** Hours in range that lacked a point for some source. */
  readonly missingHours: number;
  /** Of those, hours now filled. */
  readonly filledHours: number;
  readonly points: number;
  /** The oldest hour filled (ISO), if any. */
  readonly reachedBack: string | null;
  /** Why it stopped short, when it did (the node has no older state, shutdown…). */
  readonly stopped?: string;
}

/** Block times known so far, sorted by block: every probe narrows the next search. */
export class BlockTimes {
  readonly #known: { number: number; timestamp: number }[] = [];
  readonly #timestampOf: (block: number) => Promise<number>;

  constructor(timestampOf: (block: number) => Promise<number>, ...known: { number: number; timestamp: number }[]) {
    this.#timestampOf = timestampOf;
    for (const k of known) this.#insert(k);
  }

  #insert(k: { number: number; timestamp: number }): void {
    let i = this.#known.findIndex((x) => x.number >= k.number);
    if (i < 0) i = this.#known.length;
    if (this.#known[i]?.number !== k.number) this.#known.splice(i, 0, k);
  }

  /**
   * The last block at or before `t` (undefined before the first known block), by interpolation
   * between the closest known blocks (regular block times converge in a few reads), halving the range
   * every other step so irregular chains stay logarithmic.
   */
  async atOrBefore(t: number): Promise<{ number: number; timestamp: number } | undefined> {
    const after = this.#known.findIndex((x) => x.timestamp > t);
    if (after === 0) return undefined;
    let a = this.#known[(after < 0 ? this.#known.length : after) - 1]!;
    if (after < 0) return a;
    let b = this.#known[after]!;
    for (let step = 0; b.number - a.number > 1; step++) {
      const span = b.number - a.number;
      const guess =
        step % 2 === 0
          ? a.number + Math.floor(((t - a.timestamp) / (b.timestamp - a.timestamp)) * span)
          : a.number + (span >> 1);
      const n = Math.min(b.number - 1, Math.max(a.number + 1, guess));
      const at = { number: n, timestamp: await this.#timestampOf(n) };
      this.#insert(at);
      if (at.timestamp <= t) a = at;
      else b = at;
    }
    return a;
  }
}

/** Turns readings (oldest first) into history entries for the wanted hours; share-price rates over the window. */
async function entriesOf(readings: readonly PastMarket[], wanted: ReadonlySet<number>, opts: ChainBackfillOptions) {
  const tracker = new RateTracker(opts.rateWindowSeconds);
  const out: HistoryEntry[] = [];
  const filled = new Set<number>();
  for (const r of readings) {
    const hour = Math.floor(r.t / opts.periodSeconds);
    const keep = wanted.has(hour);
    for (const s of r.sources) {
      const aprPct =
        s.index === undefined ? s.aprPct : await tracker.apr(s.id, { t: r.t, v: s.index }, async () => undefined);
      if (!keep || !Number.isFinite(aprPct)) continue;
      const point: SourcePoint = {
        t: r.t,
        aprPct,
        tvlUsd: s.tvlUsd,
        utilization: s.utilization,
        ...(s.sharePrice === undefined ? {} : { sharePrice: s.sharePrice }),
      };
      out.push({ kind: "source", key: s.id, point });
      filled.add(hour);
    }
    if (!keep) continue;
    for (const [symbol, priceUsd] of Object.entries(r.prices))
      out.push({ kind: "price", key: symbol, point: { t: r.t, priceUsd } });
    out.push({ kind: "vault", key: "sharePrice", point: { t: r.t, value: r.vaultSharePrice } });
  }
  return { entries: out, filled };
}

/**
 * Hours from `last` down to `first` (newest first) in which some of the sources has no point. The
 * current hour is the ticks' to record, so callers end at the one before it.
 */
function missingHours(
  ids: readonly string[],
  range: { first: number; last: number; periodSeconds: number },
  history: ChainBackfillDeps["history"],
): number[] {
  const have = ids.map((id) => new Set(history.sourceTimes(id).map((t) => Math.floor(t / range.periodSeconds))));
  const out: number[] = [];
  for (let h = range.last; h >= range.first; h--) if (have.some((s) => !s.has(h))) out.push(h);
  return out;
}

/**
 * Reads the market at each hour's last block (cached by hour; null for an hour without a block). A
 * read that fails where the vault has no code yet marks the start of its history, not a failure.
 */
function hourReader(blocks: BlockTimes, deps: ChainBackfillDeps, periodSeconds: number) {
  const readings = new Map<number, PastMarket | null>();
  let beforeVault = false;
  return {
    beforeVault: () => beforeVault,
    async read(hour: number): Promise<PastMarket | null> {
      const cached = readings.get(hour);
      if (cached !== undefined) return cached;
      const found = await blocks.atOrBefore((hour + 1) * periodSeconds - 1);
      let r: PastMarket | null = null;
      if (found && found.timestamp >= hour * periodSeconds) {
        try {
          r = await deps.readAt(found.number);
        } catch (err) {
          if (await deps.vaultExistsAt(found.number).catch(() => true)) throw err;
          beforeVault = true;
        }
      }
      readings.set(hour, r);
      return r;
    },
  };
}

/**
 * Fills the hours of the last `days` that lack a point for some current source by reading past
 * blocks (one per hour: the last block of the hour), newest first, back to the vault's deployment or
 * until the node has no older state.
 * Rates of share-price sources are measured against the reading a window earlier, as live. Writes in
 * chunks, so a restart keeps what was filled. Never throws: a failure ends the backfill and is reported.
 */
export async function backfillFromChain(opts: ChainBackfillOptions, deps: ChainBackfillDeps): Promise<BackfillSummary> {
  const P = opts.periodSeconds;
  const head = await deps.head();
  const genesis = { number: 0, timestamp: await deps.timestampOf(0) };
  const blocks = new BlockTimes(deps.timestampOf, genesis, head);
  const now = await deps.readAt(head.number);
  const first = Math.max(Math.floor((head.timestamp - opts.days * 86_400) / P), Math.floor(genesis.timestamp / P));
  const missing = missingHours(
    now.sources.map((s) => s.id),
    { first, last: Math.floor(head.timestamp / P) - 1, periodSeconds: P },
    deps.history,
  );
  const base = Math.round(opts.rateWindowSeconds / P);
  const indexSources = now.sources.some((s) => s.index !== undefined);
  const hourly = hourReader(blocks, deps, P);
  let stopped: string | undefined;
  let filledHours = 0;
  let points = 0;
  let oldest: number | undefined;
  const iso = (hour: number | undefined) => (hour === undefined ? null : new Date(hour * P * 1000).toISOString());

  const chunk = opts.chunkHours ?? 72;
  for (let i = 0; i < missing.length && !stopped && !hourly.beforeVault(); i += chunk) {
    const hours = missing.slice(i, i + chunk);
    const got: PastMarket[] = [];
    try {
      for (const h of hours) {
        deps.signal.throwIfAborted();
        const r = await hourly.read(h);
        if (r) got.push(r);
        if (hourly.beforeVault()) break;
      }
      // The readings a rate window earlier, for share-price sources' rates (best effort: the oldest may be out of reach).
      if (indexSources) {
        for (const h of hours) {
          if (deps.signal.aborted) break;
          const r = await hourly.read(h - base).catch(() => null);
          if (r) got.push(r);
        }
      }
    } catch (err) {
      const e = describeError(err);
      stopped = deps.signal.aborted ? "shutdown" : `[${e.code}] ${e.message}`;
    }
    if (deps.signal.aborted) break;
    const unique = [...new Map(got.map((r) => [r.block, r])).values()].sort((a, b) => a.t - b.t);
    const { entries, filled } = await entriesOf(unique, new Set(hours), opts);
    if (entries.length > 0) points += deps.history.addAll(entries);
    filledHours += filled.size;
    for (const h of filled) oldest = Math.min(oldest ?? h, h);
    deps.logger.info(
      { filledHours, missingHours: missing.length, reachedBack: iso(oldest) },
      "market history backfill progress",
    );
  }
  return {
    missingHours: missing.length,
    filledHours,
    points,
    reachedBack: iso(oldest),
    ...(stopped ? { stopped } : {}),
  };
}
