import { existsSync, mkdirSync, renameSync } from "node:fs";
import { dirname } from "node:path";
import { Low } from "lowdb";
import type { IntentRecord } from "../../domain/intent.ts";
import { applyTransition, TERMINAL_STATES, unknownIntent } from "../../execution/intentStates.ts";
import type { IntentStore, StoreOpenStatus } from "../../ports/intentStore.ts";
import { AtomicJsonFile } from "../fs/atomicFile.ts";

interface StoreFile {
  version: 1;
  intents: IntentRecord[];
}

function isStoreFile(v: unknown): v is StoreFile {
  const f = v as StoreFile | null;
  return (
    !!f &&
    f.version === 1 &&
    Array.isArray(f.intents) &&
    f.intents.every((i) => typeof i?.id === "string" && typeof i?.state === "string")
  );
}

/**
 * Opens (or creates) the intent store at `path`: lowdb over a temp+fsync+rename JSON file. A file
 * that is empty, NUL-filled, truncated or of the wrong schema is moved aside (`*.corrupt-<ms>`) and
 * reported as `corrupt`; the caller (reconciliation) decides whether that must fail closed.
 */
export async function openIntentStore(opts: { path: string; now: () => number }): Promise<IntentStore> {
  mkdirSync(dirname(opts.path), { recursive: true });
  const file = new AtomicJsonFile<StoreFile>(opts.path);
  const db = new Low<StoreFile>(file, { version: 1, intents: [] });
  let openStatus: StoreOpenStatus = existsSync(opts.path) ? "loaded" : "fresh";
  let quarantinedTo: string | undefined;
  try {
    // Read through the file, not Low.read(), which keeps the empty default for a file holding `null`.
    const read = await file.read();
    if (openStatus === "loaded" && !isStoreFile(read)) throw new Error("wrong schema");
    if (read) db.data = read;
  } catch {
    quarantinedTo = `${opts.path}.corrupt-${opts.now()}`;
    renameSync(opts.path, quarantinedTo);
    openStatus = "corrupt";
    db.data = { version: 1, intents: [] };
  }
  const byId = new Map<string, number>();
  for (const [i, r] of db.data.intents.entries()) byId.set(r.id, i);
  let writing: Promise<unknown> = Promise.resolve();

  // Writes are serialised so two transitions can never interleave their file writes.
  const persist = (): Promise<void> => {
    const run = writing.then(() => db.write());
    writing = run.catch(() => undefined);
    return run;
  };

  return {
    path: opts.path,
    openStatus,
    quarantinedTo,
    get: (id) => {
      const i = byId.get(id);
      return i === undefined ? undefined : db.data.intents[i];
    },
    list: (filter) => db.data.intents.filter((r) => (filter ? filter(r) : true)),
    unfinished: () => db.data.intents.filter((r) => !TERMINAL_STATES.has(r.state)),
    flush: () => persist(),
    async create(record) {
      const existing = byId.get(record.id);
      if (existing !== undefined) return db.data.intents[existing] as IntentRecord;
      const now = opts.now();
      const full: IntentRecord = { ...record, state: "planned", txs: [], createdAt: now, updatedAt: now };
      byId.set(full.id, db.data.intents.length);
      db.data.intents.push(full);
      try {
        await persist();
      } catch (err) {
        // Not durable, so not held either: nothing may act on a record the disk does not have.
        db.data.intents.pop();
        byId.delete(full.id);
        throw err;
      }
      return full;
    },
    async transition(id, to, patch = {}) {
      const i = byId.get(id);
      const cur = i === undefined ? undefined : db.data.intents[i];
      if (i === undefined || !cur) throw unknownIntent(id);
      const next = applyTransition(cur, to, patch, opts.now());
      db.data.intents[i] = next;
      try {
        await persist();
      } catch (err) {
        db.data.intents[i] = cur;
        throw err;
      }
      return next;
    },
  };
}
