import { formatUnits } from "../domain/amounts.ts";
import { ExitCode } from "../domain/errors.ts";
import { buildStatusView, type StatusView, withLabels } from "../observability/statusView.ts";
import { VERSION } from "../version.ts";
import { noDaemonNote, openOpsSource } from "./ops-source.ts";
import { printJson } from "./output.ts";

/** Options of `keel status`. */
export interface StatusOptions {
  readonly config?: string;
  readonly json?: boolean;
}

function short(view: StatusView, id: string): string {
  const label = view.sourceLabels[id];
  if (label) return label;
  return id.length > 14 && id.startsWith("0x") ? `${id.slice(0, 6)}…${id.slice(-4)}` : id;
}

/** The one-screen text of `keel status`. */
export function formatStatus(view: StatusView, daemon: "running" | "unreachable" | "not running", url: string): string {
  const lines: string[] = [];
  const state = view.paused ? "PAUSED (kill-switch pulled)" : view.halted ? "HALTED" : "running";
  lines.push(
    `keel ${view.version}  ·  daemon ${daemon === "running" ? `running at ${url}` : daemon === "unreachable" ? `not reachable at ${url} (showing the journal)` : `not running: ${url} (showing the journal)`}`,
  );
  lines.push(
    `chain      ${view.chainId} (${view.mode})  block ${view.block ?? "–"}${view.degraded ? "  RPC DEGRADED" : ""}`,
  );
  lines.push(`state      ${state}${view.dryRun ? "  [dry-run]" : ""}`);
  if (view.executionMode === "shadow")
    lines.push(
      "mode       SHADOW: decides and journals what it would send, sends nothing (execution.mode: live to go live)",
    );
  if (view.vault) {
    const v = view.vault;
    const fmt = (x: string) => `${formatUnits(BigInt(x), v.decimals)} ${v.symbol}`.trim();
    lines.push(`vault      ${v.address ?? ""}${v.address ? "  " : ""}total ${fmt(v.totalAssets)}, idle ${fmt(v.idle)}`);
  } else {
    lines.push("vault      not observed yet");
  }
  if (view.allocation.length > 0) {
    lines.push("allocation");
    const width = Math.max(...view.allocation.map((a) => short(view, a.sourceId).length));
    for (const a of view.allocation) {
      const target = a.targetWeight === undefined ? "" : `  (target ${(a.targetWeight * 100).toFixed(1)}%)`;
      lines.push(`  ${short(view, a.sourceId).padEnd(width)}  ${(a.weight * 100).toFixed(1).padStart(5)}%${target}`);
    }
  }
  if (view.lastTick) {
    const t = view.lastTick;
    const why = view.headline ? ` ${view.headline.code}` : "";
    lines.push(`last tick  ${t.id}  ${t.outcome}${why}  ${new Date(t.startedAt).toISOString()} (${t.ageSeconds}s ago)`);
  } else {
    lines.push("last tick  none yet");
  }
  for (const r of view.lastReasons.slice(0, 5))
    lines.push(`  ${r.severity.padEnd(4)} ${r.code}: ${withLabels(r.message, view.sourceLabels)}`);
  lines.push(`pending    ${view.pendingIntents} intent(s), ${view.pendingProposals} Safe proposal(s)`);
  const m = view.model;
  lines.push(
    `model      ${m ? `${m.forecaster} ${m.hash.slice(0, 12)}${m.fallbackReason ? ` (fallback: ${m.fallbackReason})` : ""}` : "unknown"}`,
  );
  lines.push(`config     ${view.configHash}`);
  return `${lines.join("\n")}\n`;
}

/**
 * `keel status`: one screen for the operator. Asks the running daemon; when it is not reachable,
 * builds the view from the journal files and exits 75 (the daemon is down: try again later).
 */
export async function statusCommand(
  opts: StatusOptions,
  deps: { fetch?: typeof fetch; now?: () => number } = {},
): Promise<void> {
  const source = openOpsSource(opts.config, deps.fetch ?? fetch);
  const live = await source.daemonStatus();
  let view: StatusView;
  if (live) {
    view = live;
  } else {
    const { config, hash, devnet } = source.loaded;
    const records = source.recentFromJournal(50);
    const asset = records.findLast((r) => r.detail.snapshot?.asset)?.detail.snapshot?.asset;
    view = buildStatusView(
      records,
      {
        ...(asset ? { baseSymbol: asset.symbol, baseDecimals: asset.decimals } : {}),
        version: VERSION,
        chainId: config.chain.chainId,
        mode: devnet ? "devnet" : "live",
        dryRun: false,
        executionMode: config.execution.mode,
        configHash: hash,
        sourceLabels: config.contracts.sourceLabels,
      },
      { intents: 0, proposals: 0 },
      (deps.now ?? Date.now)(),
    );
  }
  const daemon = live ? "running" : source.base === undefined ? "not running" : "unreachable";
  const where = source.base ?? noDaemonNote(source.loaded.config.state.dir);
  if (source.base === undefined) process.stderr.write(`keel: ${where}; showing its journal\n`);
  if (opts.json) printJson({ daemon, url: source.base ?? null, ...view });
  else process.stdout.write(formatStatus(view, daemon, where));
  if (!live) process.exitCode = ExitCode.tempFail;
}
