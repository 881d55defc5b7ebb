import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { setTimeout as delay } from "node:timers/promises";
import { JsonRpcProvider } from "ethers";
import { STORE_FILE } from "../../src/adapters/store/database.ts";
import { openJournalReader } from "../../src/adapters/store/reader.ts";
import type { DecisionRecord } from "../../src/domain/decision.ts";
import type { RuntimeInfo } from "../../src/runtime/runtimeFile.ts";

const ROOT = new URL("../..", import.meta.url).pathname;

/** A keel process started by a test (on its embedded devnet unless a config says otherwise). */
export interface DaemonHandle {
  readonly child: ChildProcess;
  readonly stateDir: string;
  /** Published once the daemon is up (HTTP URL, devnet RPC URL, vault, allocator). */
  readonly runtime: RuntimeInfo;
  /** JSON-RPC to the devnet chain the daemon runs on. */
  readonly chain: JsonRpcProvider;
  /** Everything written to stderr so far (JSON log lines). */
  stderr(): string;
  stdout(): string;
  /** Every decision record in the journal, oldest first. */
  decisions(): DecisionRecord[];
  /** Polls `check` (bounded) until it returns a value other than undefined/false. */
  waitFor<T>(
    what: string,
    check: () => T | undefined | false | Promise<T | undefined | false>,
    timeoutMs?: number,
  ): Promise<T>;
  /** The /metrics text. */
  metrics(): Promise<string>;
  /** Sends a signal and resolves with the exit code (or signal name). */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
  readonly exited: Promise<number | string>;
}

export interface StartOptions {
  readonly args?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly stateDir?: string;
  /** Resolve as soon as the process is spawned instead of waiting for runtime.json (for failure tests). */
  readonly noWait?: boolean;
  readonly timeoutMs?: number;
}

/** Runs `node src/main.ts <args>` and resolves with its exit code and output (for short commands). */
export async function runKeel(args: readonly string[], env: Readonly<Record<string, string>> = {}, timeoutMs = 60_000) {
  const child = spawn(process.execPath, ["src/main.ts", ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const code = await new Promise<number | string>((resolve) =>
    child.on("exit", (c, s) => resolve(c ?? s ?? "unknown")),
  );
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/** A fresh temporary state directory. */
export function tempStateDir(prefix = "keel-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Reads every decision record from a state directory's journal store (read-only), oldest first. */
export function readJournal(stateDir: string): DecisionRecord[] {
  const reader = openJournalReader(stateDir);
  try {
    return reader.since(0);
  } finally {
    reader.close();
  }
}

/** SQLite's integrity check of a state directory's store, read-only: "ok" when intact. */
export function storeIntegrity(stateDir: string): string {
  const db = new DatabaseSync(join(stateDir, STORE_FILE), { readOnly: true });
  try {
    return (db.prepare("PRAGMA integrity_check").get() as { integrity_check: string }).integrity_check;
  } finally {
    db.close();
  }
}

/** Starts the daemon as a child process; by default waits until it has published its runtime file. */
export async function startDaemon(opts: StartOptions = {}): Promise<DaemonHandle> {
  const stateDir = opts.stateDir ?? tempStateDir();
  const env = {
    ...process.env,
    KEEL__STATE__DIR: stateDir,
    KEEL__HTTP__PORT: "0",
    KEEL__LOG__FORMAT: "json",
    KEEL__LOG__LEVEL: "debug",
    KEEL__DEVNET__EPISODES: "false",
    KEEL__DEVNET__STEP_INTERVAL_MS: "500",
    ...opts.env,
  };
  const child = spawn(process.execPath, ["src/main.ts", "run", ...(opts.args ?? [])], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | string>((resolve) => child.on("exit", (c, s) => resolve(c ?? s ?? "unknown")));
  let done = false;
  void exited.then(() => (done = true));

  const waitFor = async <T>(
    what: string,
    check: () => T | undefined | false | Promise<T | undefined | false>,
    timeoutMs = opts.timeoutMs ?? 90_000,
  ) => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const v = await check();
      if (v !== undefined && v !== false) return v as T;
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}; stderr tail:\n${stderr.slice(-3000)}`);
      await delay(100);
    }
  };

  const runtimePath = join(stateDir, "runtime.json");
  let runtime = {} as RuntimeInfo;
  if (!opts.noWait) {
    runtime = await waitFor("runtime.json", () => {
      if (done) throw new Error(`daemon exited before start; stderr:\n${stderr.slice(-3000)}`);
      return existsSync(runtimePath) ? (JSON.parse(readFileSync(runtimePath, "utf8")) as RuntimeInfo) : undefined;
    });
  }
  const chain = new JsonRpcProvider(runtime.devnetRpcUrl ?? "http://127.0.0.1:1", undefined, {
    staticNetwork: true,
    polling: false,
  });

  return {
    child,
    stateDir,
    runtime,
    chain,
    stderr: () => stderr,
    stdout: () => stdout,
    decisions: () => readJournal(stateDir),
    waitFor,
    async metrics() {
      return (await fetch(`${runtime.httpUrl}/metrics`)).text();
    },
    async stop(signal = "SIGTERM") {
      if (!done) child.kill(signal);
      const code = await exited;
      chain.destroy();
      return code;
    },
    exited,
  };
}

/** The value of a counter/gauge line in Prometheus text, e.g. `keel_ticks_total{outcome="halted"}`. */
export function metricValue(text: string, series: string): number {
  let total = 0;
  let found = false;
  for (const line of text.split("\n")) {
    if (line.startsWith(series)) {
      const rest = line.slice(series.length);
      if (rest.startsWith(" ") || (series.indexOf("{") < 0 && rest.startsWith("{"))) {
        total += Number(line.slice(line.lastIndexOf(" ") + 1));
        found = true;
      }
    }
  }
  return found ? total : Number.NaN;
}
