import type { App } from "../app.ts";
import type { KeelConfig } from "../config/schema.ts";
import { createApiRoutes } from "./api.ts";
import { createDashboardRoutes } from "./dashboard/routes.ts";
import type { Route } from "./http.ts";
import { buildStatusView, toPendingIntentView } from "./statusView.ts";

/** The daemon's routes besides /metrics and the health checks: the JSON API and the dashboard. */
export function createDaemonRoutes(deps: {
  app: App;
  config: KeelConfig;
  version: string;
  dryRun: boolean;
  configHash: string;
}): Route[] {
  const { app } = deps;
  return [
    ...createApiRoutes({
      journal: app.journal,
      listPendingIntents: async () => {
        const head = await app.headBlock();
        return (await app.execution.listPendingIntents()).map((r) => toPendingIntentView(r, head));
      },
      listPendingProposals: () => app.execution.listPendingProposals(),
      skill: () => app.skill(),
      executionMode: deps.config.execution.mode,
      async status() {
        const [recent, intents, proposals] = await Promise.all([
          app.journal.recent(50),
          app.execution.listPendingIntents(),
          app.execution.listPendingProposals(),
        ]);
        return buildStatusView(
          recent,
          {
            version: deps.version,
            chainId: app.chainId,
            mode: app.target.devnet ? "devnet" : "live",
            dryRun: deps.dryRun,
            executionMode: deps.config.execution.mode,
            configHash: deps.configHash,
            vaultAddress: app.target.vault,
            baseSymbol: app.baseAsset.symbol,
            baseDecimals: app.baseAsset.decimals,
            ...(app.lastPaused() === undefined ? {} : { paused: app.lastPaused() as boolean }),
            degraded: app.provider.health().degraded,
            sourceLabels: app.sourceLabels,
          },
          { intents: intents.length, proposals: proposals.length },
          Date.now(),
        );
      },
    }),
    ...createDashboardRoutes(),
  ];
}
