import pino, { type Logger } from "pino";
import { prettyFactory } from "pino-pretty";
import { redact } from "../config/secrets.ts";

export type { Logger } from "pino";

/**
 * The root logger: JSON lines (pretty on a terminal when format is `auto`), every line scrubbed of
 * known secrets before it is written. Pretty output formats each JSON line synchronously with
 * pino-pretty's `prettyFactory` and writes it to the same scrubbing writer (pino-pretty's stream
 * form needs a real stream as its destination). Modules take `logger.child({ module: "…" })`.
 */
export function createLogger(opts: {
  level: string;
  format: "auto" | "json" | "pretty";
  destination?: NodeJS.WritableStream;
}): Logger {
  const out = opts.destination ?? process.stderr;
  const isTty = (out as NodeJS.WriteStream).isTTY === true;
  if (opts.format === "pretty" || (opts.format === "auto" && isTty)) {
    const prettify = prettyFactory({ colorize: isTty, ignore: "pid,hostname" });
    return pino({ level: opts.level }, { write: (line: string) => void out.write(redact(prettify(line))) });
  }
  const scrubbed = { write: (line: string) => void out.write(redact(line)) };
  return pino({ level: opts.level, base: null, timestamp: pino.stdTimeFunctions.isoTime }, scrubbed);
}
