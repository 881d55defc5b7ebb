// A JSON-RPC fault proxy on 127.0.0.1 between keel and a node, switchable per method at run time.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** What the proxy does to a request. */
export type FaultMode =
  | "pass"
  | "http500"
  | "reset"
  | "delay"
  | "blackhole"
  | "garbage"
  | "truncated"
  | "wrongId"
  | "wrongTypes"
  | "wrongChainId"
  | "headBackwards"
  | "frozenHead"
  /** A lying node: an eth_call answered with a different, well-formed result. */
  | "lieState"
  /** A lying node: honest head, but state reads (eth_call, balances, nonces, storage, code) answered from `blocksBack` blocks ago. */
  | "staleState";

/**
 * Every mode a single endpoint's client can survive, for property tests that pick one. Not `lieState` or `staleState`
 * (an eth_call answered with a different, well-formed result): only a quorum of endpoints can catch a lie.
 */
export const FAULT_MODES: readonly FaultMode[] = [
  "pass",
  "http500",
  "reset",
  "delay",
  "blackhole",
  "garbage",
  "truncated",
  "wrongId",
  "wrongTypes",
  "wrongChainId",
  "headBackwards",
  "frozenHead",
];

/** State reads and the index of their block-tag parameter (what `staleState` rewrites). */
const STATE_READS: Readonly<Record<string, number>> = {
  eth_call: 1,
  eth_getBalance: 1,
  eth_getTransactionCount: 1,
  eth_getCode: 1,
  eth_getStorageAt: 2,
};

/** Sees every request before the proxy acts on it (e.g. to check what must hold when a transaction is sent). */
export type RequestObserver = (method: string, params: readonly unknown[]) => void | Promise<void>;

/** A rule for one method (or `*`). */
export interface FaultRule {
  readonly mode: FaultMode;
  /** For `delay`: how long before forwarding (default 1 000). */
  readonly delayMs?: number;
  /** For `headBackwards` and `staleState`: how many blocks back (default 100). */
  readonly blocksBack?: number;
  /** Apply to this many matching requests, then pass (default: until changed). */
  readonly times?: number;
}

/** A running fault proxy. */
export interface FaultProxy {
  /** `http://127.0.0.1:PORT` (any path is accepted, so a test may append a fake API key). */
  readonly url: string;
  /** Sets the rule for `method` (`*` = every method without its own rule). */
  set(method: string, rule: FaultRule | FaultMode): void;
  /** Rules still in force (mode not `pass`, uses left). */
  activeFaults(): { method: string; mode: FaultMode }[];
  /** Back to pass-through for everything; the frozen head is forgotten. */
  clear(): void;
  /** Requests received, per JSON-RPC method. */
  readonly received: Readonly<Record<string, number>>;
  /** Faults injected, per mode (pass not counted). */
  readonly injected: Readonly<Record<string, number>>;
  /** Resolves when every request the proxy is forwarding (e.g. a delayed send) has reached the node. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

interface Rpc {
  id?: unknown;
  method?: string;
  params?: unknown[];
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Starts a fault proxy in front of `target` (an http URL on loopback). */
export async function startFaultProxy(target: string, observe?: RequestObserver): Promise<FaultProxy> {
  const rules = new Map<string, { rule: FaultRule; left: number }>();
  const received: Record<string, number> = {};
  const injected: Record<string, number> = {};
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let frozenHead: string | undefined;
  const inFlight = new Set<Promise<unknown>>();

  const forward = async (body: string): Promise<{ status: number; text: string }> => {
    const res = await fetch(target, { method: "POST", headers: { "content-type": "application/json" }, body });
    return { status: res.status, text: await res.text() };
  };
  const ruleFor = (method: string): FaultRule => {
    const entry = rules.get(method) ?? rules.get("*");
    if (!entry) return { mode: "pass" };
    if (entry.left <= 0) return { mode: "pass" };
    entry.left -= 1;
    return entry.rule;
  };
  const reply = (res: ServerResponse, status: number, text: string) => {
    if (!res.writableEnded) res.writeHead(status, { "content-type": "application/json" }).end(text);
  };
  const mapResult = (text: string, f: (msg: Record<string, unknown>) => void): string => {
    const parsed = JSON.parse(text) as Record<string, unknown> | Record<string, unknown>[];
    for (const m of Array.isArray(parsed) ? parsed : [parsed]) f(m);
    return JSON.stringify(parsed);
  };

  // The same read, pinned to an older block: the answer of a node that lags behind the head it reports.
  async function staleBody(first: Rpc, method: string, back: number, body: string): Promise<string> {
    const at = STATE_READS[method];
    if (at === undefined) return body;
    const tag = first.params?.[at] ?? "latest";
    if (tag !== "latest" && tag !== "pending") return body;
    const head = JSON.parse((await forward(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_blockNumber" }))).text)
      .result as string;
    const old = `0x${Math.max(0, Number(BigInt(head)) - back).toString(16)}`;
    const params = [...(first.params ?? [])];
    while (params.length < at) params.push(null);
    params[at] = old;
    return JSON.stringify({ ...first, params });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    let first: Rpc = {};
    try {
      const parsed = JSON.parse(body) as Rpc | Rpc[];
      first = (Array.isArray(parsed) ? parsed[0] : parsed) ?? {};
    } catch {
      // forwarded as is; the node answers with a parse error
    }
    const method = first.method ?? "?";
    received[method] = (received[method] ?? 0) + 1;
    await observe?.(method, first.params ?? []);
    const rule = ruleFor(method);
    if (rule.mode !== "pass") injected[rule.mode] = (injected[rule.mode] ?? 0) + 1;
    switch (rule.mode) {
      case "http500":
        return reply(res, 500, "internal server error");
      case "reset":
        req.socket.destroy();
        return;
      case "blackhole":
        return; // never answers; the socket is destroyed at close
      case "garbage":
        return reply(res, 200, "<html><body>502 Bad Gateway</body></html>");
      case "delay":
        await new Promise<void>((resolve) => {
          const t = setTimeout(() => {
            timers.delete(t);
            resolve();
          }, rule.delayMs ?? 1000);
          timers.add(t);
        });
        break;
      default:
        break;
    }
    let sent = body;
    if (
      rule.mode === "frozenHead" &&
      method === "eth_getBlockByNumber" &&
      first.params?.[0] === "latest" &&
      frozenHead
    ) {
      sent = JSON.stringify({ ...first, params: [frozenHead, ...(first.params.slice(1) ?? [])] });
    }
    if (rule.mode === "staleState") sent = await staleBody(first, method, rule.blocksBack ?? 100, sent);
    const out = await forward(sent);
    let text = out.text;
    switch (rule.mode) {
      case "truncated": {
        res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
        res.write(text.slice(0, Math.max(1, Math.floor(text.length / 2))));
        req.socket.destroy();
        return;
      }
      case "wrongId":
        text = mapResult(text, (m) => {
          m.id = typeof m.id === "number" ? m.id + 1000 : "wrong";
        });
        break;
      case "wrongTypes":
        text = mapResult(text, (m) => {
          if ("result" in m) m.result = typeof m.result === "string" ? 12345 : "0xnothex";
        });
        break;
      case "wrongChainId":
        if (method === "eth_chainId") {
          text = mapResult(text, (m) => {
            m.result = "0x1";
          });
        }
        break;
      case "headBackwards":
        text = mapResult(text, (m) => {
          const back = BigInt(rule.blocksBack ?? 100);
          const lower = (hex: string) => `0x${(BigInt(hex) > back ? BigInt(hex) - back : 0n).toString(16)}`;
          if (method === "eth_blockNumber" && typeof m.result === "string") m.result = lower(m.result);
          const b = m.result as { number?: string } | null;
          if (method === "eth_getBlockByNumber" && b && typeof b.number === "string") b.number = lower(b.number);
        });
        break;
      case "lieState":
        // A well-formed lie: the lowest bit of the result's last byte flipped (a balance off by one, a flag inverted).
        text = mapResult(text, (m) => {
          if (typeof m.result === "string" && /^0x[0-9a-f]{2,}$/i.test(m.result)) {
            const last = Number.parseInt(m.result.slice(-2), 16) ^ 1;
            m.result = `${m.result.slice(0, -2)}${last.toString(16).padStart(2, "0")}`;
          }
        });
        break;
      case "frozenHead":
        text = mapResult(text, (m) => {
          if (method === "eth_blockNumber" && typeof m.result === "string") {
            frozenHead ??= m.result;
            m.result = frozenHead;
          }
          const b = m.result as { number?: string } | null;
          if (method === "eth_getBlockByNumber" && first.params?.[0] === "latest" && typeof b?.number === "string") {
            frozenHead ??= b.number;
          }
        });
        break;
      default:
        break;
    }
    reply(res, out.status, text);
  }

  const server = createServer((req, res) => {
    const job = handle(req, res).catch(() => {
      if (!res.headersSent) reply(res, 502, "proxy error");
      else req.socket.destroy();
    });
    inFlight.add(job);
    job.finally(() => inFlight.delete(job));
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    set(method, rule) {
      const r = typeof rule === "string" ? { mode: rule } : rule;
      rules.set(method, { rule: r, left: r.times ?? Number.POSITIVE_INFINITY });
    },
    activeFaults() {
      return [...rules]
        .filter(([, e]) => e.rule.mode !== "pass" && e.left > 0)
        .map(([method, e]) => ({ method, mode: e.rule.mode }));
    },
    clear() {
      rules.clear();
      frozenHead = undefined;
    },
    received,
    injected,
    async settled() {
      for (let i = 0; i < 100 && inFlight.size > 0; i++) await Promise.allSettled([...inFlight]);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
