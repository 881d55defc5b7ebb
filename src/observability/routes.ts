import type { App } from "../app.ts";
import type { KeelConfig } from "../config/schema.ts";
import { createApiRoutes } from "./api.ts";
import { createDashboardRoutes } from "./dashboard/routes.ts";
import type { Route } from "./http.ts";
import { buildStatusView } from "./statusView.ts";

/** The daemon's routes besides /metrics and the health checks: the JSON API and the dashboard. */
export function createDaemonRoutes(deps: { app: App; config: KeelConfig; version: string; dryRun: boolean; configHash: string }): Route[] {
  const { app } = deps;
  return [
    ...createApiRoutes({
      journal: app.journal,
      async status() {
        const recent = await app.journal.recent(50);
        return buildStatusView(
          recent,
          {
            version: deps.version,
            chainId: app.chainId,
            mode: app.target.devnet ? "devnet" : "live",
            dryRun: deps.dryRun,
            configHash: deps.configHash,
            vaultAddress: app.target.vault,
            baseSymbol: app.baseAsset.symbol,
            baseDecimals: app.baseAsset.decimals,
            ...(app.lastPaused() === undefined ? {} : { paused: app.lastPaused() as boolean }),
            degraded: app.provider.health().degraded,
            sourceLabels: app.sourceLabels,
          },
          { intents: 0, proposals: 0 },
          Date.now(),
        );
      },
    }),
    ...createDashboardRoutes(),
  ];
}
