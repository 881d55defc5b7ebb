import { mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { writeFileAtomic } from "../adapters/fs/atomicFile.ts";
import { ConfigError, KeelError } from "../domain/errors.ts";
import { parseBacktestJson, reportFromBacktest } from "../report/fromBacktest.ts";
import { reportFromDecisions } from "../report/fromJournal.ts";
import { renderReport } from "../report/html.ts";
import type { ReportData } from "../report/model.ts";
import { noDaemonNote, openOpsSource } from "./ops-source.ts";

/** Options of `keel report`. */
export interface ReportOptions {
  readonly out: string;
  readonly config?: string;
  readonly backtest?: string;
}

function readBacktest(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigError(`cannot read backtest file ${path}: ${(err as NodeJS.ErrnoException).code ?? "error"}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`backtest file ${path} is not JSON: ${(err as Error).message}`);
  }
}

/**
 * `keel report --out F.html [--backtest F.json]`: the self-contained risk report for liquidity
 * providers, from the live journal (and the daemon's labels when it runs) or a backtest's JSON.
 */
export async function reportCommand(
  opts: ReportOptions,
  deps: { fetch?: typeof fetch; now?: () => number } = {},
): Promise<void> {
  const now = (deps.now ?? Date.now)();
  let data: ReportData;
  if (opts.backtest !== undefined) {
    data = reportFromBacktest(parseBacktestJson(readBacktest(opts.backtest), opts.backtest), { now });
  } else {
    const source = openOpsSource(opts.config, deps.fetch ?? fetch);
    const { records, from, unreadable } = await source.decisions();
    if (records.length === 0) {
      throw new KeelError(
        "JOURNAL_EMPTY",
        `no decisions in the journal at ${source.journalPath}, and ${source.base ? `none from the daemon at ${source.base}` : noDaemonNote(source.loaded.config.state.dir)}`,
        { retryable: true },
      );
    }
    const status = await source.daemonStatus();
    const base = reportFromDecisions(records, {
      baseSymbol: status?.vault?.symbol || "base units",
      decimals: status?.vault?.decimals ?? 0,
      labels: status?.sourceLabels ?? {},
      origin: {
        kind: "journal",
        description: `${records.length} decisions from the ${from === "journal" ? `journal at ${source.journalPath}` : `daemon at ${source.base}`}`,
      },
      now,
    });
    data =
      unreadable.length > 0
        ? { ...base, notes: [...base.notes, `Unreadable journal files skipped: ${unreadable.join(", ")}.`] }
        : base;
  }
  mkdirSync(dirname(opts.out), { recursive: true });
  writeFileAtomic(opts.out, renderReport(data));
  process.stdout.write(`wrote ${opts.out} (${data.origin.description})\n`);
}
