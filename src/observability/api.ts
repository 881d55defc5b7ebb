import type { DecisionRecord } from "../domain/decision.ts";
import { nearMisses, wouldHaveSent } from "../domain/shadow.ts";
import type { SkillView } from "../domain/skill.ts";
import type { Journal } from "../ports/journal.ts";
import type { Route } from "./http.ts";
import { type PendingIntentView, type ProposalView, type StatusView, withHeadline } from "./statusView.ts";

/** What the read-only JSON API reads from. The composition root wires it. */
export interface ApiDeps {
  readonly journal: Pick<Journal, "get" | "recent">;
  /** The current status (see `buildStatusView`). */
  status(): Promise<StatusView>;
  /** Unfinished intents (intent store); absent → always an empty list. */
  listPendingIntents?(): Promise<readonly PendingIntentView[]>;
  /** Safe proposals awaiting signatures or execution (proposal store); absent → empty. */
  listPendingProposals?(): Promise<readonly ProposalView[]>;
  /** The forecast skill ledger as of the last tick; undefined before the first. */
  skill?(): SkillView | undefined;
  /** The configured execution mode (`shadow` decides only); absent → `live`. */
  readonly executionMode?: "shadow" | "live";
}

/** Largest `limit` the decisions endpoint accepts. */
export const MAX_DECISIONS = 500;
const DEFAULT_DECISIONS = 20;
/** How far back `/forecast` looks for the latest decision that produced a forecast. */
const FORECAST_LOOKBACK = 50;

type Response = Awaited<ReturnType<Route["handler"]>>;

/** A JSON response; bigints become decimal strings. */
export function json(status: number, value: unknown): Response {
  return {
    status,
    headers: {
      "content-type": "application/json; charset=utf-8",
      "x-content-type-options": "nosniff",
      "cache-control": "no-store",
    },
    body: JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v)),
  };
}

function problem(status: number, code: string, message: string): Response {
  return json(status, { error: { code, message } });
}

/** Parses `?limit=` into 1..MAX_DECISIONS; undefined when malformed. */
export function parseLimit(raw: string | null): number | undefined {
  if (raw === null || raw === "") return DEFAULT_DECISIONS;
  if (!/^\d{1,6}$/.test(raw)) return undefined;
  const n = Number(raw);
  return n >= 1 ? Math.min(n, MAX_DECISIONS) : undefined;
}

/** Decision ids are journal keys; keep them to a safe alphabet so they can be echoed. */
const ID_RE = /^[A-Za-z0-9._:-]{1,128}$/;

/** The newest forecast among the recent decisions, with the rates observed beside it; 404 before the first. */
async function latestForecast(deps: ApiDeps) {
  const recent = await deps.journal.recent(FORECAST_LOOKBACK);
  const withForecast = recent.find((r) => r.detail.forecast !== undefined);
  if (!withForecast?.detail.forecast) return problem(404, "NO_FORECAST", "no decision has produced a forecast yet");
  return json(200, {
    decisionId: withForecast.id,
    startedAt: withForecast.startedAt,
    block: withForecast.block,
    forecast: withForecast.detail.forecast,
    observedAprPct: withForecast.detail.rates ?? {},
  });
}

/** Shadow decisions (what would have been sent) and near-misses among the last `limit` decisions. */
async function shadowView(deps: ApiDeps, url: URL) {
  const limit = parseLimit(url.searchParams.get("limit") ?? String(MAX_DECISIONS));
  if (limit === undefined) return problem(400, "BAD_LIMIT", `limit must be a whole number 1..${MAX_DECISIONS}`);
  const recent = await deps.journal.recent(limit);
  return json(200, {
    mode: deps.executionMode ?? "live",
    decisions: recent.length,
    wouldHave: wouldHaveSent(recent),
    nearMisses: nearMisses(recent),
  });
}

/**
 * The read-only JSON API under `/api/v1`: status, current forecast, the forecast skill ledger, last N
 * decisions, a decision by id (each with its `headline`, the most severe reason), shadow decisions and
 * near-misses among the last N decisions, pending intents and Safe proposals. Documented in docs/openapi.yaml; the dashboard uses it.
 */
export function createApiRoutes(deps: ApiDeps): Route[] {
  const intents = async () => (deps.listPendingIntents ? [...(await deps.listPendingIntents())] : []);
  const proposals = async () => (deps.listPendingProposals ? [...(await deps.listPendingProposals())] : []);
  return [
    {
      method: "GET",
      path: "/api/v1/status",
      handler: async () => json(200, await deps.status()),
    },
    {
      method: "GET",
      path: "/api/v1/forecast",
      handler: () => latestForecast(deps),
    },
    {
      method: "GET",
      path: "/api/v1/skill",
      handler: async () => {
        const view = deps.skill?.();
        return view ? json(200, view) : problem(404, "NO_SKILL", "no tick has forecast yet");
      },
    },
    {
      method: "GET",
      path: "/api/v1/decisions",
      handler: async (_req, url) => {
        const limit = parseLimit(url.searchParams.get("limit"));
        if (limit === undefined) return problem(400, "BAD_LIMIT", `limit must be a whole number 1..${MAX_DECISIONS}`);
        const outcome = url.searchParams.get("outcome");
        let decisions: DecisionRecord[] = await deps.journal.recent(limit);
        if (outcome !== null) decisions = decisions.filter((d) => d.outcome === outcome);
        return json(200, { decisions: decisions.map(withHeadline) });
      },
    },
    {
      method: "GET",
      path: /^\/api\/v1\/decisions\/([^/]+)$/,
      handler: async (_req, _url, match) => {
        const id = decodeURIComponent(match?.[1] ?? "");
        if (!ID_RE.test(id)) return problem(400, "BAD_ID", "not a decision id");
        const record = await deps.journal.get(id);
        return record ? json(200, withHeadline(record)) : problem(404, "NOT_FOUND", `no decision ${id}`);
      },
    },
    {
      method: "GET",
      path: "/api/v1/shadow",
      handler: async (_req, url) => shadowView(deps, url),
    },
    {
      method: "GET",
      path: "/api/v1/intents",
      handler: async () => json(200, { intents: await intents() }),
    },
    {
      method: "GET",
      path: "/api/v1/proposals",
      handler: async () => json(200, { proposals: await proposals() }),
    },
    {
      method: "GET",
      path: "/api/v1/pending",
      handler: async () => json(200, { intents: await intents(), proposals: await proposals() }),
    },
  ];
}
