import pino, { type Logger } from "pino";
import pretty from "pino-pretty";
import { redact } from "../config/secrets.ts";

export type { Logger } from "pino";

/**
 * The root logger: JSON lines (pretty on a terminal when format is `auto`), every line scrubbed of
 * known secrets before it is written. Modules take `logger.child({ module: "…" })`.
 */
export function createLogger(opts: {
  level: string;
  format: "auto" | "json" | "pretty";
  destination?: NodeJS.WritableStream;
}): Logger {
  const out = opts.destination ?? process.stderr;
  const scrubbed = { write: (line: string) => void out.write(redact(line)) };
  const isTty = (out as NodeJS.WriteStream).isTTY === true;
  if (opts.format === "pretty" || (opts.format === "auto" && isTty)) {
    const stream = pretty({ destination: scrubbed as never, sync: true, colorize: isTty, ignore: "pid,hostname" });
    return pino({ level: opts.level }, stream);
  }
  return pino({ level: opts.level, base: null, timestamp: pino.stdTimeFunctions.isoTime }, scrubbed);
}
