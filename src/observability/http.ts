import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";
import { KeelError } from "../domain/errors.ts";
import type { Logger } from "./logger.ts";

/** A route on the daemon's HTTP server (dashboard, JSON API). */
export interface Route {
  readonly method: "GET" | "POST";
  readonly path: string | RegExp;
  handler(
    req: IncomingMessage,
    url: URL,
    match: RegExpMatchArray | null,
  ): Promise<{ status: number; headers?: Record<string, string>; body: string | Buffer }>;
}

/** Liveness (process alive) and readiness (chain reachable, last tick recent). */
export interface Health {
  live: boolean;
  ready: boolean;
  detail: Record<string, unknown>;
}

export interface HttpServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Serves /metrics, /healthz, /readyz and the given routes; loopback unless configured otherwise. */
export async function startHttpServer(
  opts: { host: string; port: number },
  deps: { registry: Registry; health: () => Promise<Health>; routes: readonly Route[]; logger: Logger },
): Promise<HttpServer> {
  const log = deps.logger.child({ module: "http" });
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const send = (status: number, body: string | Buffer, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "cache-control": "no-store", ...headers }).end(body);
    };
    const handle = async () => {
      if (req.method === "GET" && url.pathname === "/metrics") {
        send(200, await deps.registry.metrics(), { "content-type": deps.registry.contentType });
        return;
      }
      if (req.method === "GET" && (url.pathname === "/healthz" || url.pathname === "/readyz")) {
        const h = await deps.health();
        const ok = url.pathname === "/healthz" ? h.live : h.ready;
        send(ok ? 200 : 503, JSON.stringify({ ok, ...h.detail }), { "content-type": "application/json" });
        return;
      }
      for (const route of deps.routes) {
        if (route.method !== req.method) continue;
        const match =
          typeof route.path === "string"
            ? route.path === url.pathname
              ? null
              : undefined
            : url.pathname.match(route.path);
        if (match === undefined || (typeof route.path !== "string" && match === null)) continue;
        const out = await route.handler(req, url, match);
        send(out.status, out.body, out.headers);
        return;
      }
      send(404, "not found\n", { "content-type": "text/plain" });
    };
    handle().catch((err: Error) => {
      log.warn({ err: err.message, path: url.pathname }, "http handler failed");
      if (!res.headersSent) send(500, "internal error\n", { "content-type": "text/plain" });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) =>
      reject(
        err.code === "EADDRINUSE"
          ? new KeelError(
              "HTTP_PORT_IN_USE",
              `${opts.host}:${opts.port} is in use: set http.port (0 picks a free port)`,
              {
                retryable: true,
              },
            )
          : err,
      ),
    );
    server.listen(opts.port, opts.host, () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(":") ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
