import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, watch } from "node:fs";
import { basename, dirname } from "node:path";

/** A crash-test child: its process, and collected output (for the sentinel-secret grep). */
export interface FailpointChild {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

/** Starts `node args…` with `KEEL_FAILPOINT=name` and `KEEL_FAILPOINT_MARKER=marker` in its environment. */
export function spawnWithFailpoint(
  args: readonly string[],
  opts: { failpoint?: string; marker: string; env?: NodeJS.ProcessEnv; cwd?: string },
): FailpointChild {
  const env: NodeJS.ProcessEnv = { ...process.env, ...opts.env, KEEL_FAILPOINT_MARKER: opts.marker };
  if (opts.failpoint) env.KEEL_FAILPOINT = opts.failpoint;
  else delete env.KEEL_FAILPOINT;
  const child = spawn(process.execPath, [...args], { env, cwd: opts.cwd, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => {
    out += d.toString("utf8");
  });
  child.stderr?.on("data", (d: Buffer) => {
    out += d.toString("utf8");
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output: () => out, exited };
}

/**
 * Resolves when `marker` exists (watching its directory — no sleeps), rejects after `timeoutMs` or
 * when the child exits first (with its output, to see why).
 */
export function waitForMarker(marker: string, fp: FailpointChild, timeoutMs = 60_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const name = basename(marker);
    const watcher = watch(dirname(marker), (_event, file) => {
      if ((file === null || file === name) && existsSync(marker)) done();
    });
    const timer = setTimeout(
      () => finish(new Error(`failpoint marker ${marker} not written in ${timeoutMs} ms:\n${fp.output()}`)),
      timeoutMs,
    );
    const onExit = (code: number | null) =>
      finish(new Error(`child exited (${code}) before the failpoint:\n${fp.output()}`));
    fp.child.once("exit", onExit);
    function finish(err?: Error): void {
      clearTimeout(timer);
      watcher.close();
      fp.child.off("exit", onExit);
      if (err) reject(err);
      else resolve();
    }
    function done(): void {
      finish();
    }
    if (existsSync(marker)) done();
  });
}

/** SIGKILLs the child and waits for it to be gone. */
export async function killHard(fp: FailpointChild): Promise<void> {
  if (fp.child.exitCode === null && fp.child.signalCode === null) fp.child.kill("SIGKILL");
  await fp.exited;
}
