import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../adapters/fs/atomicFile.ts";
import { ConfigError } from "../domain/errors.ts";

/** What a state directory holds, as keel marked it the first time it used it. */
export interface StateDirMark {
  readonly kind: "devnet" | "live";
  /** The chain a live directory's state belongs to. */
  readonly chainId?: number;
  readonly markedAt: string;
}

/** The mark file. */
export const MARK_FILE = "keel-state.json";
/** Entries that are no state: the process lock and its pid file (and the lock of older versions). */
const NOT_STATE = new Set([MARK_FILE, "keel.lock.db", "keel.lock.db-journal", "keel.pid", "keel.lock"]);
/** What a new devnet clears: its intents and proposals refer to the chain of the previous devnet. */
const DEVNET_RESET = ["intents.json", "proposals"];

function readMark(dir: string): StateDirMark | undefined {
  const path = join(dir, MARK_FILE);
  if (!existsSync(path)) return undefined;
  try {
    const mark = JSON.parse(readFileSync(path, "utf8")) as StateDirMark;
    if (mark.kind === "devnet" || mark.kind === "live") return mark;
  } catch {
    // unreadable: treated as a mark of unknown kind below
  }
  throw new ConfigError(`state directory ${dir} has an unreadable ${MARK_FILE}; keel will not guess what it holds`, [
    { path: "state.dir", message: `${join(dir, MARK_FILE)} is not a keel state mark` },
  ]);
}

function mark(dir: string, value: StateDirMark): void {
  writeFileAtomic(join(dir, MARK_FILE), `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Claims a state directory for the embedded devnet or for a live chain, before any state in it is
 * read. Run under the process lock.
 *
 * - devnet: a directory keel marked as a devnet's is reset (its intents and proposals refer to a
 *   chain that no longer exists); an empty one is marked; anything else — a live directory, or state
 *   keel did not mark — is refused with exit 1 and nothing is deleted.
 * - live: a devnet's directory is refused; a live one must be of the configured chain; an unmarked
 *   one (fresh, or from a version before marks) is marked live.
 */
export function claimStateDir(dir: string, want: { kind: "devnet" } | { kind: "live"; chainId: number }): void {
  mkdirSync(dir, { recursive: true });
  const found = readMark(dir);
  const now = new Date().toISOString();
  if (want.kind === "devnet") {
    if (found?.kind === "live") {
      throw new ConfigError(
        `state directory ${dir} has held a live chain (chain id ${found.chainId ?? "?"}): devnet mode refuses it`,
        [{ path: "state.dir", message: "give the embedded devnet its own state directory, or set chain.rpcUrls" }],
      );
    }
    if (found?.kind === "devnet") {
      for (const entry of DEVNET_RESET) rmSync(join(dir, entry), { recursive: true, force: true });
      return;
    }
    const state = readdirSync(dir).filter((e) => !NOT_STATE.has(e));
    if (state.length > 0) {
      throw new ConfigError(
        `state directory ${dir} holds state keel did not mark as a devnet's (${state.slice(0, 5).join(", ")}): devnet mode deletes nothing there`,
        [{ path: "state.dir", message: "give the embedded devnet an empty state directory, or set chain.rpcUrls" }],
      );
    }
    mark(dir, { kind: "devnet", markedAt: now });
    return;
  }
  if (found?.kind === "devnet") {
    throw new ConfigError(
      `state directory ${dir} belongs to the embedded devnet (its intents refer to a chain that no longer exists): a live start refuses it`,
      [{ path: "state.dir", message: "give the live chain its own state directory" }],
    );
  }
  if (found?.kind === "live" && found.chainId !== undefined && found.chainId !== want.chainId) {
    throw new ConfigError(`state directory ${dir} holds the state of chain ${found.chainId}`, [
      {
        path: "chain.chainId",
        message: `${want.chainId} configured; the state directory belongs to chain ${found.chainId}`,
      },
    ]);
  }
  if (!found) mark(dir, { kind: "live", chainId: want.chainId, markedAt: now });
}
