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
 * The daemon's API base URL: the one the running daemon published in its state directory, else the
 * configured address (a wildcard bind address is reached on loopback).
 */
export function daemonUrl(config: LoadedConfig["config"]): string {
  const published = readRuntime(config.state.dir)?.httpUrl;
  if (published) return published.replace("//0.0.0.0:", "//127.0.0.1:").replace("//[::]:", "//127.0.0.1:");
  const host = ["0.0.0.0", "::", "[::]"].includes(config.http.host) ? "127.0.0.1" : config.http.host;
  return `http://${host.includes(":") && !host.startsWith("[") ? `[${host}]` : host}:${config.http.port}`;
}

/** Reads a JSON document from the daemon; undefined when the daemon is not reachable, null on 404. */
export async function fetchDaemon<T>(
  base: string,
  path: string,
  fetchImpl: typeof fetch = fetch,
): Promise<T | null | undefined> {
  let res: Response;
  try {
    res = await fetchImpl(`${base}${path}`, { signal: AbortSignal.timeout(DAEMON_TIMEOUT_MS) });
  } catch {
    return undefined;
  }
  if (res.status === 404) return null;
  if (!res.ok)
    throw new KeelError("DAEMON_API_ERROR", `the daemon answered ${path} with HTTP ${res.status}`, { retryable: true });
  return (await res.json()) as T;
}

/** What the ops commands read: the daemon's API when it runs, the journal files otherwise. */
export interface OpsSource {
  readonly loaded: LoadedConfig;
  readonly base: string;
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
