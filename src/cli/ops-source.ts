import { join } from "node:path";
import { STORE_FILE } from "../adapters/store/database.ts";
import { openJournalReader } from "../adapters/store/reader.ts";
import { type LoadedConfig, loadConfig } from "../config/load.ts";
import type { DecisionRecord } from "../domain/decision.ts";
import { KeelError } from "../domain/errors.ts";
import type { PendingIntentView, ProposalView, StatusView } from "../observability/statusView.ts";
import { readRuntime } from "../runtime/runtimeFile.ts";

/** How long the CLI waits for the running daemon's API before reading the journal itself. */
const DAEMON_TIMEOUT_MS = 2_000;

/**
 * The API base URL of the daemon running on this state directory, from the `runtime.json` it
 * publishes there (a wildcard bind address is reached on loopback). Undefined when none is
 * published: the configured port may well be another keel's, so it is never asked.
 */
export function daemonUrl(config: LoadedConfig["config"]): string | undefined {
  const published = readRuntime(config.state.dir)?.httpUrl;
  return published?.replace("//0.0.0.0:", "//127.0.0.1:").replace("//[::]:", "//127.0.0.1:");
}

/** What the ops commands say when no daemon publishes in the state directory. */
export function noDaemonNote(stateDir: string): string {
  return `no daemon runs on ${stateDir} (no runtime.json there)`;
}

/**
 * Reads a JSON document from the daemon; undefined when there is no daemon or it is not reachable,
 * null when it has no such document (404) or refuses the request as malformed (400: a bad id).
 */
export async function fetchDaemon<T>(
  base: string | undefined,
  path: string,
  fetchImpl: typeof fetch = fetch,
): Promise<T | null | undefined> {
  if (base === undefined) return undefined;
  let res: Response;
  try {
    res = await fetchImpl(`${base}${path}`, { signal: AbortSignal.timeout(DAEMON_TIMEOUT_MS) });
  } catch {
    return undefined;
  }
  if (res.status === 404 || res.status === 400) return null;
  if (!res.ok)
    throw new KeelError("DAEMON_API_ERROR", `the daemon answered ${path} with HTTP ${res.status}`, { retryable: true });
  return (await res.json()) as T;
}

/** What the ops commands read: the daemon's API when it runs, the journal files otherwise. */
export interface OpsSource {
  readonly loaded: LoadedConfig;
  /** The daemon's API, when one publishes in the state directory. */
  readonly base: string | undefined;
  /** The journal store's file (for messages). */
  readonly journalPath: string;
  /** Status from the daemon; undefined when it is not reachable. */
  daemonStatus(): Promise<StatusView | undefined>;
  pending(): Promise<{ intents: PendingIntentView[]; proposals: ProposalView[] } | undefined>;
  /** One decision: daemon first, then the journal store. */
  decision(id: string): Promise<DecisionRecord | undefined>;
  /**
   * The decisions since `fromMs` in the journal store (oldest first), or the daemon's last 500 when
   * there is no journal here.
   */
  decisions(fromMs?: number): Promise<{ records: DecisionRecord[]; from: "journal" | "daemon"; unreadable: string[] }>;
  /** The last `limit` decisions in the journal store, most recent first (no daemon). */
  recentFromJournal(limit: number): DecisionRecord[];
}

/** Builds the ops source for `--config`. */
export function openOpsSource(configPath: string | undefined, fetchImpl: typeof fetch = fetch): OpsSource {
  const loaded = loadConfig(configPath);
  const base = daemonUrl(loaded.config);
  const stateDir = loaded.config.state.dir;
  /** Opens the reader for one read: a CLI command reads once, and the daemon keeps writing meanwhile. */
  const withJournal = <T>(read: (j: ReturnType<typeof openJournalReader>) => T): T => {
    const j = openJournalReader(stateDir);
    try {
      return read(j);
    } finally {
      j.close();
    }
  };
  return {
    loaded,
    base,
    journalPath: join(stateDir, STORE_FILE),
    async daemonStatus() {
      return (await fetchDaemon<StatusView>(base, "/api/v1/status", fetchImpl)) ?? undefined;
    },
    async pending() {
      return (
        (await fetchDaemon<{ intents: PendingIntentView[]; proposals: ProposalView[] }>(
          base,
          "/api/v1/pending",
          fetchImpl,
        )) ?? undefined
      );
    },
    async decision(id) {
      const fromDaemon = await fetchDaemon<DecisionRecord>(
        base,
        `/api/v1/decisions/${encodeURIComponent(id)}`,
        fetchImpl,
      );
      if (fromDaemon) return fromDaemon;
      return withJournal((j) => j.get(id));
    },
    recentFromJournal: (limit) => withJournal((j) => j.recent(limit)),
    async decisions(fromMs = 0) {
      const local = withJournal((j) =>
        j.present ? { records: j.since(fromMs), from: "journal" as const, unreadable: [...j.unreadable] } : undefined,
      );
      if (local) return local;
      const res = await fetchDaemon<{ decisions: DecisionRecord[] }>(base, "/api/v1/decisions?limit=500", fetchImpl);
      return { records: [...(res?.decisions ?? [])].reverse(), from: "daemon", unreadable: [] };
    },
  };
}
