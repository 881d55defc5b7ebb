import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import type { EthereumProvider } from "hardhat/types/providers";

/** A JSON-RPC-over-HTTP endpoint on 127.0.0.1 that forwards to an in-process provider. */
export interface JsonRpcEndpoint {
  readonly url: string;
  close(): Promise<void>;
}

interface RpcRequest {
  jsonrpc?: string;
  id?: unknown;
  method?: unknown;
  params?: unknown;
}

const MAX_BODY_BYTES = 8 * 1024 * 1024;

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error("request body too large");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

async function handleOne(provider: EthereumProvider, msg: RpcRequest): Promise<object> {
  const id = msg.id ?? null;
  if (typeof msg.method !== "string") {
    return { jsonrpc: "2.0", id, error: { code: -32600, message: "invalid request" } };
  }
  try {
    const params = Array.isArray(msg.params) ? msg.params : [];
    const result = await provider.request({ method: msg.method, params });
    return { jsonrpc: "2.0", id, result };
  } catch (err) {
    const e = err as { code?: number; message?: string; data?: unknown };
    const error: Record<string, unknown> = {
      code: typeof e.code === "number" ? e.code : -32603,
      message: e.message ?? "internal error",
    };
    if (e.data !== undefined) error.data = e.data;
    return { jsonrpc: "2.0", id, error };
  }
}

/** Serves `provider` on 127.0.0.1:`port` (0 = any free port). */
export async function serveJsonRpc(provider: EthereumProvider, port: number): Promise<JsonRpcEndpoint> {
  const server = createServer((req, res) => {
    if (req.method !== "POST") {
      res.writeHead(405).end();
      return;
    }
    readBody(req)
      .then(async (body) => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(body);
        } catch {
          return { jsonrpc: "2.0", id: null, error: { code: -32700, message: "parse error" } };
        }
        return Array.isArray(parsed)
          ? Promise.all(parsed.map((m) => handleOne(provider, m as RpcRequest)))
          : handleOne(provider, parsed as RpcRequest);
      })
      .then((out) => {
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(out));
      })
      .catch((err: Error) => {
        res.writeHead(400, { "content-type": "text/plain" }).end(err.message);
      });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
