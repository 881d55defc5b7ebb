// The promises the daemon keeps whatever happens, as checks over what the chain and the disk say.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { id } from "ethers";
import { STORE_FILE } from "../../src/adapters/store/database.ts";
import type { FaultMode } from "../support/fault-proxy.ts";
import type { TickReport } from "./worker.ts";

/** The chain's view of the conditions under which nothing may be sent. */
export interface GroundTruth {
  readonly paused: boolean;
  readonly keeperAuthorised: boolean;
  readonly oracleStale: boolean;
  readonly depegPct: number;
  /** The keeper's pending nonce: it moves when anything is sent. */
  readonly keeperNonce: number;
  readonly rpcFault: readonly { method: string; mode: FaultMode }[];
}

/** Facts gathered during a sequence. */
export interface Invariants {
  readonly journalIds: Set<string>;
}

/** A broken promise: the message names the invariant and the evidence. */
export class InvariantViolation extends Error {
  override readonly name = "InvariantViolation";
}

/** Proxy modes every read sees as an error: a tick under them must move an RPC failure metric. */
export const ERROR_MODES: ReadonlySet<FaultMode> = new Set([
  "http500",
  "reset",
  "blackhole",
  "garbage",
  "truncated",
  "wrongId",
  "wrongTypes",
]);

const sum = (m: Record<string, number>, prefix: string, exclude?: RegExp) =>
  Object.entries(m)
    .filter(([k]) => k.startsWith(prefix) && !(exclude?.test(k) ?? false))
    .reduce((a, [, v]) => a + v, 0);

/** Checks one tick; returns the names of the checks that applied and passed, throws on a violation. */
export function checkTick(t: {
  before: GroundTruth;
  after: GroundTruth;
  report: TickReport | undefined;
  previousMetrics: Record<string, number>;
  depegStopPct: number;
}): string[] {
  const { before, after, report } = t;
  const passed: string[] = [];
  const sent = after.keeperNonce - before.keeperNonce;
  const forbid: [string, boolean][] = [
    ["nothing-sent-while-paused", before.paused],
    ["nothing-sent-without-keeper-role", !before.keeperAuthorised],
    ["nothing-sent-while-oracle-stale", before.oracleStale],
    ["nothing-sent-while-depegged", before.depegPct >= t.depegStopPct],
  ];
  for (const [name, applies] of forbid) {
    if (!applies) continue;
    if (sent > 0)
      throw new InvariantViolation(`${name}: the keeper sent ${sent} transaction(s) (${JSON.stringify(before)})`);
    passed.push(name);
  }
  if (after.keeperNonce < before.keeperNonce && before.rpcFault.length === 0) {
    // only a snapshot revert moves a nonce back, and none happens during a tick
    throw new InvariantViolation(`keeper-nonce-monotonic: ${before.keeperNonce} -> ${after.keeperNonce}`);
  }
  passed.push("keeper-nonce-monotonic");
  if (!report) return passed;
  if (!before.keeperAuthorised && before.rpcFault.length === 0) {
    // RELIABILITY row 27: a revoked keeper stops the daemon with a clear code — not a failed tick, not a retry.
    // (Under an RPC fault the daemon may not be able to read the role: then it only must not send.)
    if (report.stopped !== "KEEPER_ROLE_REVOKED") {
      throw new InvariantViolation(
        `stops-when-keeper-revoked: tick ended ${report.outcome}, stopped ${report.stopped}`,
      );
    }
    passed.push("stops-when-keeper-revoked");
  }
  const ticked = report.outcome !== "crashed" && report.outcome !== "stopped";
  if (ticked) {
    if (!report.decisionId) throw new InvariantViolation("decision-recorded: a tick ended without a decision record");
    passed.push("decision-recorded");
  }
  const m = report.metrics;
  const prev = t.previousMetrics;
  if (before.paused && report.paused === true) {
    if (m["keel_paused{}"] !== 1) throw new InvariantViolation("fault-visible: paused vault but keel_paused is not 1");
    passed.push("fault-visible:pause");
  }
  const everyMethod = before.rpcFault.find((f) => f.method === "*" && ERROR_MODES.has(f.mode));
  if (everyMethod) {
    const failures = (x: Record<string, number>) => sum(x, "keel_rpc_requests_total", /result=(ok|rpc_error)\b/);
    if (failures(m) <= failures(prev) && m["keel_rpc_degraded{}"] !== 1) {
      throw new InvariantViolation(`fault-visible: RPC fault ${everyMethod.mode} moved no RPC failure metric`);
    }
    passed.push(`fault-visible:rpc-${everyMethod.mode}`);
  }
  if (before.depegPct >= t.depegStopPct && ticked) {
    const signal = (x: Record<string, number>) =>
      sum(x, "keel_halt_reasons_total") + sum(x, "keel_risk_triggers_total") + sum(x, "keel_tick_failures_total");
    if (signal(m) <= signal(prev))
      throw new InvariantViolation(`fault-visible: a ${before.depegPct.toFixed(2)} % depeg moved no metric`);
    passed.push("fault-visible:depeg");
  }
  return passed;
}

function* files(dir: string): Generator<string> {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* files(p);
    else yield p;
  }
}

/** Checks after any step: on-chain effects per intent, journal-before-send, state files parse. */
export function checkAfterStep(t: {
  stateDir: string;
  events: { intentId: string; block: number }[];
  invariants: Invariants;
  /** The keeper's mined transaction count. */
  keeperNonce: number;
}): string[] {
  const passed: string[] = [];
  const journalIds = new Set<string>();
  const nonces: { id: string; nonce: number; state: string }[] = [];
  let parsed = 0;
  for (const f of files(t.stateDir)) {
    if (!f.endsWith(".json")) continue;
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(f, "utf8"));
    } catch (err) {
      throw new InvariantViolation(`state-files-parse: ${f} does not parse (${(err as Error).message})`);
    }
    parsed += 1;
    const records = (doc as { records?: { id?: string }[] }).records;
    if (Array.isArray(records)) for (const r of records) if (typeof r.id === "string") journalIds.add(r.id);
    const intents = (doc as { intents?: { id?: string; nonce?: number; state?: string }[] }).intents;
    if (Array.isArray(intents)) {
      for (const i of intents)
        if (typeof i.nonce === "number") nonces.push({ id: String(i.id), nonce: i.nonce, state: String(i.state) });
    }
  }
  const store = join(t.stateDir, STORE_FILE);
  if (existsSync(store)) {
    // The journal store (WAL) after any kill: intact, and every decision in it is one the journal knows.
    const db = new DatabaseSync(store, { readOnly: true });
    try {
      const check = (db.prepare("PRAGMA quick_check").get() as { quick_check: string }).quick_check;
      if (check !== "ok") throw new InvariantViolation(`store-intact: ${store} fails quick_check (${check})`);
      for (const row of db.prepare("SELECT id FROM decisions").iterate()) journalIds.add((row as { id: string }).id);
    } finally {
      db.close();
    }
    passed.push("store-intact");
  }
  if (nonces.length > 0) {
    // The keeper key is the daemon's alone here: every nonce the chain consumed must be one the intent
    // store reserved first (write-ahead), so the local view is never behind the chain's.
    const maxLocal = Math.max(...nonces.map((n) => n.nonce));
    if (t.keeperNonce > maxLocal + 1) {
      throw new InvariantViolation(
        `local-nonce-not-behind-chain: chain used ${t.keeperNonce} nonces, the intent store knows up to ${maxLocal}`,
      );
    }
    const live = nonces.filter((n) => !["replaced", "cancelled", "failed"].includes(n.state));
    const seen = new Map<number, string>();
    for (const n of live) {
      const other = seen.get(n.nonce);
      if (other !== undefined && other !== n.id)
        throw new InvariantViolation(`nonce-handed-out-once: intents ${other} and ${n.id} both hold nonce ${n.nonce}`);
      seen.set(n.nonce, n.id);
    }
    passed.push("local-nonce-not-behind-chain", "nonce-handed-out-once");
  }
  if (parsed > 0) passed.push("state-files-parse");
  const byIntent = new Map<string, number>();
  for (const e of t.events) byIntent.set(e.intentId, (byIntent.get(e.intentId) ?? 0) + 1);
  for (const [intent, n] of byIntent) {
    if (n > 1) throw new InvariantViolation(`one-effect-per-intent: intent ${intent} has ${n} Rebalanced events`);
  }
  passed.push("one-effect-per-intent");
  const known = new Set([...journalIds].map((x) => id(x)));
  for (const intent of byIntent.keys()) {
    if (!known.has(intent))
      throw new InvariantViolation(`journal-before-send: on-chain intent ${intent} has no journaled decision`);
  }
  if (byIntent.size > 0) passed.push("journal-before-send");
  return passed;
}
