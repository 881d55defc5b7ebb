// The promises the daemon keeps whatever happens, as checks over what the chain, the proxies and the disk
// say. Each one is something the daemon (not the contract) could break.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import type { Transaction } from "ethers";
import { STORE_FILE } from "../../src/adapters/store/database.ts";
import type { IntentRecord } from "../../src/domain/intent.ts";
import { NONCE_RELEASED, TERMINAL_STATES } from "../../src/execution/intentStates.ts";
import type { ChaosSecrets } from "./keel.ts";

/** Run-wide figures, printed at the end. */
export interface ChaosStats {
  sequences: number;
  steps: number;
  stepsByKind: Record<string, number>;
  /** Wall time spent per step kind (ms). */
  msByKind: Record<string, number>;
  faultsInjected: Record<string, number>;
  checksPassed: Record<string, number>;
  /** Keeper `eth_sendRawTransaction` requests that reached a proxy (originals, rebroadcasts, replacements). */
  sends: number;
  sendsByEndpoint: Record<string, number>;
  sendsPerSequence: number[];
  /** Sends made while the sequence's faults were in force (the rest came after they stopped, to reach the minimum). */
  sendsUnderFaults: number;
  /** Keeper transactions seen in blocks. */
  keeperTxsMined: number;
  daemonStarts: number;
  startsRefused: Record<string, number>;
  gracefulStopFailures: Record<string, number>;
  /** Things worth reporting that break no invariant (e.g. a stored transaction rebroadcast into a paused vault). */
  observations: Record<string, number>;
}

export function emptyStats(): ChaosStats {
  return {
    sequences: 0,
    steps: 0,
    stepsByKind: {},
    msByKind: {},
    faultsInjected: {},
    checksPassed: {},
    sends: 0,
    sendsByEndpoint: {},
    sendsPerSequence: [],
    sendsUnderFaults: 0,
    keeperTxsMined: 0,
    daemonStarts: 0,
    startsRefused: {},
    gracefulStopFailures: {},
    observations: {},
  };
}

/** A broken promise: the message names the invariant and the evidence. */
export class InvariantViolation extends Error {
  override readonly name = "InvariantViolation";
}

/** The intent store as the daemon last wrote it (missing = none yet). */
export function readIntents(stateDir: string): IntentRecord[] {
  const path = join(stateDir, "intents.json");
  if (!existsSync(path)) return [];
  let doc: { intents?: IntentRecord[] };
  try {
    doc = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new InvariantViolation(`state-files-parse: ${path} does not parse (${(err as Error).message})`);
  }
  if (!Array.isArray(doc.intents)) throw new InvariantViolation(`state-files-parse: ${path} has no intents array`);
  return doc.intents;
}

export function unfinishedIntents(stateDir: string): IntentRecord[] {
  return readIntents(stateDir).filter((r) => !TERMINAL_STATES.has(r.state));
}

function journalHas(stateDir: string, decisionId: string): boolean {
  const path = join(stateDir, STORE_FILE);
  if (!existsSync(path)) return false;
  const db = new DatabaseSync(path, { readOnly: true, timeout: 5_000 });
  try {
    return db.prepare("SELECT 1 AS x FROM decisions WHERE id = ?").get(decisionId) !== undefined;
  } finally {
    db.close();
  }
}

/**
 * At the moment a keeper transaction reaches an RPC endpoint: the intent store already holds it (by hash),
 * its decision is already in the journal, and no new intent goes out after the vault has been paused (or
 * the keeper role revoked) for blocks — time enough for the daemon to have seen it.
 */
export function checkSend(
  stateDir: string,
  tx: Transaction,
  ctx: { pausedForBlocks: boolean; revokedForBlocks: boolean; allocator: string; firstBroadcast: boolean },
): string[] {
  const hash = tx.hash?.toLowerCase();
  const rec = readIntents(stateDir).find((r) => r.txs.some((t) => t.hash.toLowerCase() === hash));
  if (!rec)
    throw new InvariantViolation(
      `intent-stored-before-send: keeper tx ${hash} (nonce ${tx.nonce}) reached the RPC with no intent record holding it`,
    );
  if (!journalHas(stateDir, rec.decisionId))
    throw new InvariantViolation(
      `decision-journaled-before-send: intent ${rec.id} sent ${hash} before its decision ${rec.decisionId} was journaled`,
    );
  const passed = ["intent-stored-before-send", "decision-journaled-before-send"];
  // A new intent's first broadcast (a rebroadcast of a transaction signed earlier is not a new decision).
  const first = ctx.firstBroadcast && rec.txs[0]?.hash.toLowerCase() === hash;
  if (first && tx.to?.toLowerCase() === ctx.allocator.toLowerCase()) {
    if (ctx.pausedForBlocks)
      throw new InvariantViolation(
        `no-new-intent-sent-while-paused: intent ${rec.id} first sent ${hash} into a paused vault`,
      );
    if (ctx.revokedForBlocks)
      throw new InvariantViolation(
        `no-new-intent-sent-without-role: intent ${rec.id} first sent ${hash} after revocation`,
      );
    passed.push("no-new-intent-sent-while-paused-or-revoked");
  }
  return passed;
}

const NONCE_ERRORS = new Set(["NONCE_TAKEN", "NONCE_TOO_LOW"]);

/**
 * After any step: the state files parse, the journal store is intact, every nonce is handed out once
 * (two intents may share one only if the first released it for a reason other than the nonce), and the
 * chain has never used a keeper nonce the intent store did not reserve first.
 */
export function checkDisk(stateDir: string, minedNonce: number): string[] {
  const intents = readIntents(stateDir);
  const passed = ["state-files-parse"];
  const store = join(stateDir, STORE_FILE);
  if (existsSync(store)) {
    const db = new DatabaseSync(store, { readOnly: true, timeout: 5_000 });
    try {
      const check = (db.prepare("PRAGMA quick_check").get() as { quick_check: string }).quick_check;
      if (check !== "ok") throw new InvariantViolation(`store-intact: ${store} fails quick_check (${check})`);
    } finally {
      db.close();
    }
    passed.push("store-intact");
  }
  const byNonce = new Map<number, IntentRecord[]>();
  for (const r of intents) if (r.nonce !== undefined) byNonce.set(r.nonce, [...(byNonce.get(r.nonce) ?? []), r]);
  for (const [nonce, rs] of byNonce) {
    if (rs.length < 2) continue;
    const live = rs.filter((r) => !NONCE_RELEASED.has(r.state));
    const nonceError = rs.find((r) => NONCE_ERRORS.has(r.error?.code ?? ""));
    if (live.length > 1 || nonceError)
      throw new InvariantViolation(
        `nonce-handed-out-once: nonce ${nonce} held by ${rs.map((r) => `${r.id.slice(0, 10)}(${r.state}${r.error ? ` ${r.error.code}` : ""})`).join(", ")}`,
      );
  }
  if (byNonce.size > 0) {
    const maxLocal = Math.max(...byNonce.keys());
    if (minedNonce > maxLocal + 1)
      throw new InvariantViolation(
        `local-nonce-not-behind-chain: chain used ${minedNonce} keeper nonces, the intent store knows up to ${maxLocal}`,
      );
    passed.push("nonce-handed-out-once", "local-nonce-not-behind-chain");
  }
  return passed;
}

/** Every keeper transaction in a block is one the intent store holds (no intent lost, nothing sent behind its back). */
export function checkNoIntentLost(
  stateDir: string,
  mined: readonly { hash: string; nonce: number; block: number }[],
): string[] {
  if (mined.length === 0) return [];
  const known = new Set(readIntents(stateDir).flatMap((r) => r.txs.map((t) => t.hash.toLowerCase())));
  for (const m of mined)
    if (!known.has(m.hash.toLowerCase()))
      throw new InvariantViolation(
        `no-intent-lost: keeper tx ${m.hash} (nonce ${m.nonce}, block ${m.block}) is on chain but in no intent record`,
      );
  return mined.map(() => "no-intent-lost");
}

/** After the faults stop: every intent open at that moment reached a final state within `blocks` blocks. */
export function checkConvergence(stateDir: string, open: readonly string[], blocks: number): string[] {
  const still = unfinishedIntents(stateDir).filter((r) => open.includes(r.id));
  if (still.length > 0)
    throw new InvariantViolation(
      `bounded-convergence: ${still.length} intent(s) still unfinished ${blocks} blocks after the faults stopped: ${still.map((r) => `${r.id.slice(0, 10)} ${r.state} nonce ${r.nonce}`).join("; ")}`,
    );
  return ["bounded-convergence"];
}

function* files(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* files(p);
    else yield p;
  }
}

/** No configured secret in the process's stdout/stderr, any file it wrote (journal included), or its metrics. */
export function checkNoSecret(output: string, stateDir: string, metrics: string, s: ChaosSecrets): string[] {
  const needles = [s.keeperKey, s.guardianKey].flatMap((k) => [k.toLowerCase(), k.toLowerCase().replace(/^0x/, "")]);
  needles.push(s.rpcToken);
  const where: [string, string][] = [
    ["stdout/stderr", output.toLowerCase()],
    ["metrics", metrics.toLowerCase()],
    ...[...files(stateDir)].map((f): [string, string] => [f, readFileSync(f).toString("latin1").toLowerCase()]),
  ];
  for (const [name, text] of where)
    for (const n of needles)
      if (text.includes(n.toLowerCase()))
        throw new InvariantViolation(`no-secret-in-output: a configured secret (${n.slice(0, 6)}…) appears in ${name}`);
  return ["no-secret-in-output"];
}
