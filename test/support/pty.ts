import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { dirname } from "node:path";

const ROOT = new URL("../..", import.meta.url).pathname;

/** A command running on a pseudo-terminal (util-linux `script`, in every Debian base system). */
export interface PtyRun {
  readonly child: ChildProcessWithoutNullStreams;
  /** Everything the terminal showed so far. */
  output(): string;
  /** Resolves when the output matches `re` (rejects after `timeoutMs` or if the command ends first). */
  waitFor(re: RegExp, timeoutMs?: number): Promise<void>;
  /** Types on the terminal (e.g. "\x03" for Ctrl-C). */
  type(text: string): void;
  /** The command's exit code. */
  readonly exited: Promise<number | null>;
}

/** Runs `command` (a shell command line) in the repository root on a pseudo-terminal. */
export function runOnPty(command: string, env: Readonly<Record<string, string>> = {}, timeoutMs = 120_000): PtyRun {
  const child = spawn("script", ["-qec", command, "/dev/null"], {
    cwd: ROOT,
    // This Node (and the npm that runs under it) first on PATH, as `npx -p node@24` arranges.
    env: { ...process.env, TERM: "xterm", PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ""}`, ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let out = "";
  const onData = (d: Buffer) => {
    out += d.toString("utf8");
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const exited = new Promise<number | null>((resolve) =>
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve(code);
    }),
  );
  return {
    child,
    output: () => out,
    type: (text) => child.stdin.write(text),
    exited,
    waitFor: (re, ms = 90_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (!re.test(out)) return;
          finish();
          resolve();
        };
        const onExit = () => {
          finish();
          reject(new Error(`the command ended before printing ${re}:\n${out}`));
        };
        const t = setTimeout(() => {
          finish();
          reject(new Error(`no ${re} in ${ms} ms:\n${out}`));
        }, ms);
        function finish() {
          clearTimeout(t);
          child.stdout.off("data", check);
          child.off("exit", onExit);
        }
        child.stdout.on("data", check);
        child.once("exit", onExit);
        check();
      }),
  };
}
