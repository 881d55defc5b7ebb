import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

/** How the Safe Transaction Service double answers. */
export type TxServiceMode = "ok" | "429" | "500";

/** A Safe Transaction Service double on 127.0.0.1 (the endpoints api-kit uses for nonces and proposals). */
export interface TxServiceDouble {
  readonly url: string;
  mode: TxServiceMode;
  /** Fail this many requests with `mode` before answering normally (0 = always fail when mode ≠ ok). */
  failures: number;
  /** Pending transactions the service knows (e.g. another proposer's), by nonce. */
  readonly pending: { nonce: number; safeTxHash: string }[];
  chainNonce: number;
  readonly proposed: Record<string, unknown>[];
  requests: number;
  close(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Starts the double. */
export async function startTxServiceDouble(): Promise<TxServiceDouble> {
  const state = {
    mode: "ok" as TxServiceMode,
    failures: 0,
    pending: [] as { nonce: number; safeTxHash: string }[],
    chainNonce: 0,
    proposed: [] as Record<string, unknown>[],
    requests: 0,
  };
  const server = createServer((req, res) => {
    void (async () => {
      state.requests++;
      const text = await body(req);
      const send = (status: number, value: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(value));
      };
      if (state.mode !== "ok") {
        const status = Number(state.mode);
        if (state.failures > 0) {
          state.failures--;
          if (state.failures === 0) state.mode = "ok";
        }
        return send(status, { detail: "try later" });
      }
      const url = new URL(req.url ?? "/", "http://x");
      if (req.method === "GET" && /^\/api\/v1\/safes\/0x[0-9a-fA-F]{40}\/$/.test(url.pathname)) {
        return send(200, { nonce: String(state.chainNonce) });
      }
      if (req.method === "GET" && /\/api\/v2\/safes\/0x[0-9a-fA-F]{40}\/multisig-transactions\/$/.test(url.pathname)) {
        const gte = Number(url.searchParams.get("nonce__gte") ?? 0);
        const results = state.pending
          .filter((p) => p.nonce >= gte)
          .map((p) => ({ nonce: String(p.nonce), safeTxHash: p.safeTxHash }));
        return send(200, { count: results.length, results });
      }
      if (req.method === "POST" && /\/api\/v2\/safes\/0x[0-9a-fA-F]{40}\/multisig-transactions\/$/.test(url.pathname)) {
        const b = JSON.parse(text) as Record<string, unknown>;
        state.proposed.push(b);
        state.pending.push({ nonce: Number(b.nonce), safeTxHash: String(b.contractTransactionHash) });
        return send(201, {});
      }
      return send(404, { detail: "not found" });
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}/api`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  }) as TxServiceDouble;
}
