// Parent side of the chaos worker: fork, request/reply over IPC, SIGKILL, and a warm spare so a
// restart costs an app start, not a Node start.
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { TickReport, WorkerRequest } from "./worker.ts";

const WORKER = fileURLToPath(new URL("./worker.ts", import.meta.url));

/** One daemon process. */
export class DaemonProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  readonly started: Promise<void>;
  #next = 1;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  constructor() {
    this.child = fork(WORKER, [], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
    this.exited = new Promise((resolve) => this.child.once("exit", (code) => resolve(code)));
    this.started = new Promise((resolve, reject) => {
      const onMsg = (m: unknown) => {
        if ((m as { ready?: boolean }).ready) {
          this.child.off("message", onMsg);
          resolve();
        }
      };
      this.child.on("message", onMsg);
      this.child.once("exit", (code) => reject(new Error(`chaos worker exited (${code}) before it was ready`)));
    });
    this.started.catch(() => {});
    this.child.on("message", (m) => {
      const r = m as { id?: number; ok?: boolean; value?: unknown; error?: string };
      if (r.id === undefined) return;
      const p = this.#pending.get(r.id);
      this.#pending.delete(r.id);
      if (r.ok) p?.resolve(r.value);
      else p?.reject(new Error(r.error));
    });
    this.child.once("exit", () => {
      for (const p of this.#pending.values()) p.reject(new Error("chaos worker died"));
      this.#pending.clear();
    });
  }

  /** Sends a request; rejects if the process dies first or after `timeoutMs`. */
  request<T>(req: WorkerRequest, timeoutMs = 60_000): Promise<T> {
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      const t = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`chaos worker: ${req.cmd} timed out`));
      }, timeoutMs);
      this.#pending.set(id, {
        resolve: (v) => {
          clearTimeout(t);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(t);
          reject(e);
        },
      });
      this.child.send({ id, req });
    });
  }

  tick(timeoutMs?: number, nowMs?: number): Promise<TickReport> {
    return this.request<TickReport>(nowMs === undefined ? { cmd: "tick" } : { cmd: "tick", nowMs }, timeoutMs);
  }

  /** SIGKILL and wait until the process is reaped (so its pid no longer holds the lock). */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
    await this.exited;
  }

  /** Closes the app and lets the process exit. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    try {
      await this.request({ cmd: "close" }, 10_000);
    } catch {
      // already dying: killed below
    }
    this.child.disconnect();
    const t = setTimeout(() => this.child.kill("SIGKILL"), 5_000);
    await this.exited;
    clearTimeout(t);
  }
}

/** Hands out started daemon processes, keeping one warm spare. */
export class DaemonPool {
  #spare: DaemonProcess | undefined;
  /** Processes started so far. */
  spawned = 0;

  async take(): Promise<DaemonProcess> {
    const p = this.#spare ?? this.#spawn();
    this.#spare = this.#spawn();
    await p.started;
    return p;
  }

  #spawn(): DaemonProcess {
    this.spawned += 1;
    return new DaemonProcess();
  }

  async close(): Promise<void> {
    await this.#spare?.kill();
    this.#spare = undefined;
  }
}
