/**
 * The forecast skill ledger: every candidate's forecast of every source at the first tick of each UTC
 * day, scored once its horizon has passed against the time-weighted realised mean in the history the
 * stage is given (so only horizons already realised at decision time count). Rolling scores per source
 * and forecaster choose who serves a source; the scored bands calibrate it. Entries go through a
 * `SkillLedgerStore` so a restart keeps them.
 */

import type { SkillEntry, SkillScores } from "../../domain/skill.ts";
import type { SourcePoint } from "../../domain/snapshot.ts";
import { coveredMean, DAY } from "../../ml/series.ts";
import { skillScores } from "../../ml/skillScores.ts";
import type { SkillLedgerStore } from "../../ports/skillLedger.ts";

/** The reference every ratio is taken against. */
export const REFERENCE = "persistence";

/** Options of the ledger. */
export interface LedgerOptions {
  readonly horizonDays: number;
  /** Entries older than this many days are dropped (the longest rolling window plus the horizon). */
  readonly keepDays: number;
}

/** A scored entry (its `actual` is known). */
export type ScoredEntry = SkillEntry & { readonly actual: number };

/** In-memory store for backtests, evaluations and tests. */
export function memorySkillStore(): SkillLedgerStore & { readonly entries: Map<string, SkillEntry> } {
  const entries = new Map<string, SkillEntry>();
  return {
    entries,
    load: () => [...entries.values()],
    put: (list) => {
      for (const e of list) entries.set(`${e.sourceId}|${e.forecaster}|${e.t}`, e);
    },
    prune: (before) => {
      for (const [k, e] of entries) if (e.t < before) entries.delete(k);
    },
  };
}

/** A ledger entry as held in memory (its `actual` is filled in when scored). */
type Entry = { -readonly [K in keyof SkillEntry]: SkillEntry[K] };

/** Drops every entry with an origin before `keepFrom` (sourceId → forecaster → entries). */
function dropBefore(bySource: Map<string, Map<string, Entry[]>>, keepFrom: number): void {
  for (const m of bySource.values())
    for (const [name, list] of m)
      m.set(
        name,
        list.filter((e) => e.t >= keepFrom),
      );
}

/** Creates the ledger over `store` (loaded once, here). */
export function createSkillLedger(opts: LedgerOptions, store: SkillLedgerStore = memorySkillStore()) {
  const h = opts.horizonDays * DAY;
  // sourceId → forecaster → entries, oldest first; `pending` holds the same objects until scored.
  const bySource = new Map<string, Map<string, Entry[]>>();
  const lastDay = new Map<string, number>();
  let pending: Entry[] = [];
  let prunedDay = -1;
  const insert = (e: SkillEntry) => {
    const own: Entry = { ...e };
    const m = bySource.get(e.sourceId) ?? new Map<string, Entry[]>();
    bySource.set(e.sourceId, m);
    const list = m.get(e.forecaster) ?? [];
    m.set(e.forecaster, list);
    list.push(own);
    if (own.actual === undefined) pending.push(own);
    lastDay.set(e.sourceId, Math.max(lastDay.get(e.sourceId) ?? -1, Math.floor(e.t / DAY)));
  };
  for (const e of store.load().sort((a, b) => a.t - b.t)) insert(e);

  return {
    /** Whether `sourceId` has no entry yet on the UTC day of `t` (a new daily origin is due). */
    due(sourceId: string, t: number): boolean {
      return (lastDay.get(sourceId) ?? -1) < Math.floor(t / DAY);
    },
    /** Adds the forecasts of one origin. */
    record(entries: readonly SkillEntry[]): void {
      for (const e of entries) insert(e);
      store.put(entries);
    },
    /**
     * Scores every entry whose horizon has passed by `asOf` and whose window the history covers; once
     * a day, drops entries older than `keepDays`. Returns how many it scored.
     */
    score(asOf: number, history: Readonly<Record<string, readonly SourcePoint[]>>): number {
      const keepFrom = asOf - opts.keepDays * DAY;
      if (Math.floor(asOf / DAY) !== prunedDay) {
        prunedDay = Math.floor(asOf / DAY);
        dropBefore(bySource, keepFrom);
        store.prune(keepFrom);
      }
      const done: Entry[] = [];
      const actualAt = new Map<string, number | undefined>();
      pending = pending.filter((e) => {
        if (e.t + h > asOf) return true;
        const key = `${e.sourceId}|${e.t}`;
        if (!actualAt.has(key)) actualAt.set(key, coveredMean(history[e.sourceId] ?? [], e.t, h));
        const actual = actualAt.get(key);
        if (actual === undefined) return e.t >= keepFrom;
        e.actual = actual;
        done.push(e);
        return false;
      });
      if (done.length > 0) store.put(done);
      return done.length;
    },
    /** Scored entries of one forecaster on one source whose origin is within `windowDays` of `asOf`, oldest first. */
    scored(sourceId: string, forecaster: string, asOf: number, windowDays: number): ScoredEntry[] {
      const from = asOf - (windowDays + opts.horizonDays) * DAY;
      return (bySource.get(sourceId)?.get(forecaster) ?? []).filter(
        (e): e is ScoredEntry => e.actual !== undefined && e.t >= from,
      );
    },
    /** Rolling scores of every forecaster on one source, each with its MAE ratio to persistence. */
    scores(sourceId: string, asOf: number, windowDays: number): Record<string, SkillScores> {
      const ref = new Map(
        this.scored(sourceId, REFERENCE, asOf, windowDays).map((e) => [e.t, Math.abs(e.p50 - e.actual)]),
      );
      const out: Record<string, SkillScores> = {};
      for (const name of bySource.get(sourceId)?.keys() ?? []) {
        const rows = this.scored(sourceId, name, asOf, windowDays);
        if (rows.length > 0)
          out[name] = skillScores(
            rows,
            rows.map((r) => ref.get(r.t)),
          );
      }
      return out;
    },
  };
}

/** The ledger. */
export type SkillLedger = ReturnType<typeof createSkillLedger>;
