/**
 * Exploit and anomaly detection: TVL drain or share-price drop within a window, withdrawals limited,
 * utilisation pinned at 100 %, APR far outside the forecast band, and incidents (the dataset's feed in
 * backtests, the operator's list live) marking a protocol compromised. An exploit in a source that holds
 * funds is a kill-switch trigger (`EXPLOIT_DETECTED`).
 */
import { toFloat } from "../../domain/amounts.ts";
import { indexAtOrBefore } from "../../domain/dataset.ts";
import type { Reason } from "../../domain/reasons.ts";
import type { SourcePoint, SourceState } from "../../domain/snapshot.ts";
import type { RiskInput } from "../types.ts";
import type { ProtocolFacts, RiskOptions } from "./options.ts";
import type { VerdictBuilder } from "./verdictBuilder.ts";

const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, "");
/** `aave-v3` → `aave`, `Compound V2` → `compound`. */
const family = (s: string) => norm(s.replace(/[\s_-]*v\d+(\.\d+)?$/i, ""));

/** Whether an incident's protocol name designates the source's protocol (same name, or same family across versions). */
export function incidentMatches(sourceProtocol: string, incidentProtocol: string, facts?: ProtocolFacts): boolean {
  const inc = norm(incidentProtocol);
  const incFamily = family(incidentProtocol);
  const names = new Set([norm(sourceProtocol), family(sourceProtocol)]);
  if (facts?.incidentName) names.add(norm(facts.incidentName));
  names.delete("");
  return names.has(inc) || names.has(incFamily);
}

function exploit(
  b: VerdictBuilder,
  s: SourceState,
  code: Reason["code"],
  message: string,
  value: number | undefined,
  limit: number | undefined,
): void {
  const extra = { ...(value === undefined ? {} : { value }), ...(limit === undefined ? {} : { limit }) };
  b.exit(s.id, { code, message: `${s.id}: ${message}`, sourceId: s.id, ...extra, severity: "warn" });
  if (s.balance > 0n) {
    b.trigger({
      code: "EXPLOIT_DETECTED",
      message: `exploit suspected in ${s.id}, which holds funds: ${message}`,
      sourceId: s.id,
      ...extra,
      severity: "halt",
    });
  }
}

/** Drains over the drain window: an ERC-4626 target's share price falling (exploit), or TVL falling (exit). */
function drainRules(s: SourceState, window: readonly SourcePoint[], opts: RiskOptions, b: VerdictBuilder): void {
  // Share price of an ERC-4626 target must not fall.
  if (s.sharePrice !== undefined && s.sharePrice > 0) {
    const peak = Math.max(...window.map((p) => p.sharePrice ?? 0), 0);
    const drop = peak > 0 ? (1 - s.sharePrice / peak) * 100 : 0;
    if (drop > opts.sharePriceDropPct) {
      exploit(
        b,
        s,
        "SHARE_PRICE_DROP",
        `share price fell ${drop.toFixed(2)} % within ${opts.drainWindowSeconds} s (limit ${opts.sharePriceDropPct} %)`,
        drop,
        opts.sharePriceDropPct,
      );
    }
  }

  // TVL drain: exit (a bank run or a drain), no trigger on its own.
  const peakTvl = Math.max(...window.map((p) => p.tvlUsd), 0);
  if (peakTvl > 0) {
    const drop = (1 - s.tvlUsd / peakTvl) * 100;
    if (drop > opts.drainDropPct) {
      b.exit(s.id, {
        code: "TVL_DROP",
        message: `${s.id} exit: TVL fell ${drop.toFixed(1)} % within ${opts.drainWindowSeconds} s (limit ${opts.drainDropPct} %)`,
        sourceId: s.id,
        value: drop,
        limit: opts.drainDropPct,
        severity: "warn",
      });
    }
  }
}

/** Liquidity: withdrawals limited (maxWithdraw short of our balance), or utilisation pinned at the top (freeze). */
function liquidityRules(
  s: SourceState,
  pts: readonly SourcePoint[],
  now: number,
  opts: RiskOptions & { decimals: number },
  b: VerdictBuilder,
): void {
  const dec = opts.decimals;
  // Withdrawals limited: maxWithdraw short of our balance.
  if (s.balance > 0n) {
    const shortfall = (1 - toFloat(s.maxWithdraw, dec) / toFloat(s.balance, dec)) * 100;
    if (shortfall > opts.maxWithdrawShortfallPct) {
      b.freeze(s.id, {
        code: "WITHDRAW_LIMITED",
        message: `${s.id} frozen: only ${(100 - shortfall).toFixed(1)} % of our position can leave now`,
        sourceId: s.id,
        value: shortfall,
        limit: opts.maxWithdrawShortfallPct,
        severity: "warn",
      });
    }
  }

  // Utilisation pinned at 100 % for the whole pinned window.
  if (s.utilization !== null && s.utilization >= opts.utilizationPinnedAt) {
    const since = now - opts.utilizationPinnedSeconds;
    const first = indexAtOrBefore(pts, since);
    const span = pts.slice(Math.max(0, first)).filter((p) => p.t <= now);
    const covered = first >= 0 && span.length >= 2;
    if (covered && span.every((p) => p.utilization !== null && p.utilization >= opts.utilizationPinnedAt)) {
      b.freeze(s.id, {
        code: "UTILIZATION_PINNED",
        message: `${s.id} frozen: utilisation ≥ ${(opts.utilizationPinnedAt * 100).toFixed(1)} % for ${opts.utilizationPinnedSeconds} s`,
        sourceId: s.id,
        value: s.utilization,
        limit: opts.utilizationPinnedAt,
        severity: "warn",
      });
    }
  }
}

/** Runs every exploit / anomaly rule over the sources. */
export function checkAnomalies(input: RiskInput, opts: RiskOptions, b: VerdictBuilder): void {
  const { snapshot, history, forecast } = input;
  const now = snapshot.timestamp;
  const dec = snapshot.baseAsset.decimals;
  const compromised = new Set(opts.compromisedProtocols.map(norm));
  const recentIncidents = history.incidents.filter((i) => i.t <= now && now - i.t <= opts.incidentLookbackSeconds);

  for (const s of snapshot.sources) {
    const facts = opts.protocols[s.protocol.toLowerCase()];
    // Incidents and the operator's list.
    const hit = recentIncidents.find((i) => incidentMatches(s.protocol, i.protocol, facts));
    if (hit || compromised.has(norm(s.protocol))) {
      const why = hit
        ? `incident on ${hit.protocol} ${Math.round((now - hit.t) / 3_600)} h ago ($${Math.round(hit.lossUsd)} lost)`
        : `protocol ${s.protocol} marked compromised by the operator`;
      exploit(b, s, "PROTOCOL_COMPROMISED", why, hit?.lossUsd, undefined);
    }

    const pts = history.sources[s.id] ?? [];
    const from = indexAtOrBefore(pts, now - opts.drainWindowSeconds);
    const window = pts.slice(Math.max(0, from + 1)).filter((p) => p.t <= now);

    drainRules(s, window, opts, b);
    liquidityRules(s, pts, now, { ...opts, decimals: dec }, b);

    // APR far outside the forecast band. A Uniswap v3 position out of its range earns nothing by design (what a
    // re-range is for): its zero is not the pool misbehaving.
    const f = forecast.sources[s.id];
    if (f && !(s.range && !s.range.inRange)) {
      const margin = Math.max((f.p90 - f.p10) * opts.aprAnomalyBandFactor, opts.aprAnomalyMinPct);
      if (s.aprPct > f.p90 + margin || s.aprPct < f.p10 - margin) {
        b.freeze(s.id, {
          code: "APR_ANOMALY",
          message: `${s.id} frozen: APR ${s.aprPct.toFixed(2)} % is outside the forecast band ${f.p10.toFixed(2)}..${f.p90.toFixed(2)} % by more than ${margin.toFixed(2)} points`,
          sourceId: s.id,
          value: s.aprPct,
          limit: s.aprPct > f.p90 ? f.p90 + margin : f.p10 - margin,
          severity: "warn",
        });
      }
    }
  }
}
