import { expect } from "chai";
import pino from "pino";
import { startHttpServer } from "../../../src/observability/http.ts";
import { createMetrics } from "../../../src/observability/metrics.ts";

describe("http server", () => {
  it("serves /metrics with keel's metrics, /healthz and /readyz from the health check, and routes", async () => {
    const metrics = createMetrics();
    metrics.ticks.inc({ outcome: "halted" });
    let ready = false;
    const server = await startHttpServer(
      { host: "127.0.0.1", port: 0 },
      {
        registry: metrics.registry,
        health: async () => ({ live: true, ready, detail: { lastTickAgeSeconds: 3 } }),
        routes: [
          {
            method: "GET",
            path: /^\/api\/echo\/(\w+)$/,
            handler: async (_q, _u, m) => ({ status: 200, body: m?.[1] ?? "" }),
          },
        ],
        logger: pino({ level: "silent" }),
      },
    );
    try {
      expect(server.url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
      const text = await (await fetch(`${server.url}/metrics`)).text();
      expect(text).to.contain('keel_ticks_total{outcome="halted"} 1');
      expect(text).to.contain("process_cpu_seconds_total");
      expect((await fetch(`${server.url}/healthz`)).status).to.equal(200);
      const notReady = await fetch(`${server.url}/readyz`);
      expect(notReady.status).to.equal(503);
      expect(await notReady.json()).to.deep.equal({ ok: false, lastTickAgeSeconds: 3 });
      ready = true;
      expect((await fetch(`${server.url}/readyz`)).status).to.equal(200);
      expect(await (await fetch(`${server.url}/api/echo/abc`)).text()).to.equal("abc");
      expect((await fetch(`${server.url}/nope`)).status).to.equal(404);
    } finally {
      await server.close();
    }
  });
});
