import { readFileSync } from "node:fs";
import type { Route } from "../http.ts";

/** The dashboard's static files, served from this folder (no external network, no CDN). */
const ASSETS = {
  "/": { file: "index.html", type: "text/html; charset=utf-8" },
  "/index.html": { file: "index.html", type: "text/html; charset=utf-8" },
  "/dashboard.js": { file: "dashboard.js", type: "text/javascript; charset=utf-8" },
  "/dashboard.css": { file: "dashboard.css", type: "text/css; charset=utf-8" },
} as const;

/** Same-origin only: the page can load nothing from the network but keel's own API. */
export const DASHBOARD_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * Routes for the built-in dashboard (served at `/`). Files are read once, when the routes are
 * created, so a broken install fails at start rather than on the first page view.
 */
export function createDashboardRoutes(): Route[] {
  return Object.entries(ASSETS).map(([path, asset]) => {
    const body = readFileSync(new URL(asset.file, import.meta.url));
    return {
      method: "GET",
      path,
      handler: async () => ({
        status: 200,
        headers: {
          "content-type": asset.type,
          "content-security-policy": DASHBOARD_CSP,
          "x-content-type-options": "nosniff",
          "referrer-policy": "no-referrer",
          "cache-control": "no-cache",
        },
        body,
      }),
    } satisfies Route;
  });
}
