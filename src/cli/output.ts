import { ConfigError, KeelError } from "../domain/errors.ts";

/** Prints one JSON document on stdout (bigints as decimal strings) and nothing else there. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2)}\n`);
}

/** Prints an error for a human on stderr: code and message, config issues one per line; no stack. */
export function printError(err: unknown): void {
  if (err instanceof ConfigError) {
    process.stderr.write(`keel: ${err.message}\n`);
    for (const issue of err.issues) process.stderr.write(`  ${issue.path}: ${issue.message}\n`);
    return;
  }
  if (err instanceof KeelError) {
    process.stderr.write(`keel: [${err.code}] ${err.message}${err.retryable ? " (temporary; retry later)" : ""}\n`);
    return;
  }
  process.stderr.write(`keel: ${err instanceof Error ? err.message : String(err)}\n`);
}

/** Progress for long work: a bar on a terminal, a line every few percent otherwise; always stderr. */
export function progress(label: string, total: number): { tick(n?: number): void; done(): void } {
  let count = 0;
  let lastPct = -1;
  const tty = process.stderr.isTTY === true;
  return {
    tick(n = 1) {
      count += n;
      const pct = total > 0 ? Math.floor((count / total) * 100) : 100;
      if (pct === lastPct) return;
      if (tty) {
        const width = 30;
        const filled = Math.round((pct / 100) * width);
        process.stderr.write(`\r${label} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${pct}%`);
      } else if (pct % 10 === 0) {
        process.stderr.write(`${label}: ${pct}%\n`);
      }
      lastPct = pct;
    },
    done() {
      if (tty) process.stderr.write("\n");
    },
  };
}
