import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { id, keccak256, Transaction, verifyMessage } from "ethers";
import type { Logger } from "pino";

/** The slice of an EIP-1193 provider the relay needs (the devnet's own provider). */
export interface RelayChain {
  request(args: { method: string; params?: unknown[] }): Promise<unknown>;
}

/** When bundles land: at their target block, `late` (only once the target is k blocks past the first target seen), or never. */
export type RelayMode = { kind: "include" } | { kind: "late"; blocks: number } | { kind: "never" };

/** One bundle as received. */
export interface ReceivedBundle {
  readonly bundleHash: string;
  readonly txs: readonly string[];
  readonly targetBlock: number;
  readonly signer: string;
  included: boolean;
}

/** A Flashbots-style relay on 127.0.0.1 for tests and the devnet. */
export interface LocalRelay {
  readonly url: string;
  mode: RelayMode;
  /** Everything received by eth_sendBundle, in order. */
  readonly bundles: readonly ReceivedBundle[];
  /** Counts by JSON-RPC method, and rejected requests (bad or missing signature). */
  readonly stats: { sendBundle: number; callBundle: number; rejected: number };
  close(): Promise<void>;
}

/** Options of the local relay. */
export interface RelayOptions {
  readonly port?: number;
  /** Head polling interval for inclusion at future targets. */
  readonly pollMs?: number;
  /** Accept only these auth signers (lower-case addresses); any valid signature when absent. */
  readonly allowedSigners?: readonly string[];
  /**
   * Act as the block builder of an automining devnet: a bundle for the next block makes that block
   * at once — with the bundle when it is due, empty (`evm_mine`) when it is not. Deterministic for
   * tests; off by default (the relay then waits for others to mine).
   */
  readonly buildBlocks?: boolean;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > 4 * 1024 * 1024) throw new Error("body too large");
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

/** Verifies `X-Flashbots-Signature: <address>:<signMessage(id(body))>`; returns the signer or undefined. */
export function checkFlashbotsSignature(header: string | undefined, body: string): string | undefined {
  if (!header) return undefined;
  const [address, signature] = header.split(":");
  if (!address || !signature) return undefined;
  try {
    const recovered = verifyMessage(id(body), signature);
    return recovered.toLowerCase() === address.toLowerCase() ? recovered.toLowerCase() : undefined;
  } catch {
    return undefined;
  }
}

function hexToNumber(v: unknown): number {
  return typeof v === "string" ? Number(BigInt(v)) : Number(v);
}

/** The relay's mutable state: the inclusion mode, and the first target block seen under it. */
interface RelayState {
  mode: RelayMode;
  firstTarget: number | undefined;
}

/** The head block number of the devnet. */
async function head(chain: RelayChain): Promise<number> {
  return hexToNumber(await chain.request({ method: "eth_blockNumber", params: [] }));
}

/** Whether a bundle lands under the current mode. */
function due(state: RelayState, b: ReceivedBundle): boolean {
  const m = state.mode;
  if (m.kind === "never") return false;
  if (m.kind === "late") return b.targetBlock >= (state.firstTarget ?? b.targetBlock) + m.blocks;
  return true;
}

/**
 * Submits the bundles targeting the next block that are due; a bundle not due makes an empty block when the relay
 * builds blocks.
 */
async function includeDue(
  chain: RelayChain,
  bundles: readonly ReceivedBundle[],
  state: RelayState,
  o: { buildBlocks: boolean; log: Logger | undefined },
): Promise<void> {
  const { log } = o;
  const h = await head(chain);
  for (const b of bundles) {
    if (b.included || b.targetBlock !== h + 1) continue;
    if (!due(state, b)) {
      if (o.buildBlocks) await chain.request({ method: "evm_mine", params: [] });
      continue;
    }
    b.included = true;
    for (const raw of b.txs) {
      try {
        await chain.request({ method: "eth_sendRawTransaction", params: [raw] });
      } catch (err) {
        log?.warn(
          { bundleHash: b.bundleHash, err: (err as Error).message },
          "bundle transaction rejected by the chain",
        );
      }
    }
    log?.info({ bundleHash: b.bundleHash, block: b.targetBlock }, "bundle submitted for inclusion");
  }
}

/** `eth_callBundle`: each transaction simulated against the latest state (as separate calls), in Flashbots' shape. */
async function simulate(chain: RelayChain, params: { txs?: string[] }): Promise<unknown> {
  const results: Record<string, unknown>[] = [];
  let totalGas = 0;
  for (const raw of params.txs ?? []) {
    const tx = Transaction.from(raw);
    const call = {
      from: tx.from,
      to: tx.to,
      data: tx.data,
      value: `0x${tx.value.toString(16)}`,
      gas: `0x${tx.gasLimit.toString(16)}`,
    };
    try {
      const value = await chain.request({ method: "eth_call", params: [call, "latest"] });
      const gas = hexToNumber(await chain.request({ method: "eth_estimateGas", params: [call, "latest"] }));
      totalGas += gas;
      results.push({ txHash: tx.hash, gasUsed: gas, value, fromAddress: tx.from, toAddress: tx.to });
    } catch (err) {
      const e = err as { message?: string; data?: unknown };
      const data = typeof e.data === "string" ? e.data : ((e.data as { data?: string } | undefined)?.data ?? "0x");
      results.push({ txHash: tx.hash, gasUsed: 0, error: "execution reverted", revert: data, fromAddress: tx.from });
    }
  }
  return {
    bundleHash: keccak256(`0x${(params.txs ?? []).map((t) => keccak256(t).slice(2)).join("")}`),
    bundleGasPrice: "0",
    coinbaseDiff: "0",
    ethSentToCoinbase: "0",
    gasFees: "0",
    results,
    stateBlockNumber: await head(chain),
    totalGasUsed: totalGas,
  };
}

/** One JSON-RPC request: signature checked, then eth_callBundle or eth_sendBundle (queued, then an inclusion pass). */
async function handle(
  ctx: {
    chain: RelayChain;
    opts: RelayOptions;
    bundles: ReceivedBundle[];
    stats: LocalRelay["stats"];
    state: RelayState;
    kick: () => Promise<void>;
  },
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const { chain, opts, bundles, stats, state, kick } = ctx;
  const body = await readBody(req);
  const signer = checkFlashbotsSignature(req.headers["x-flashbots-signature"] as string | undefined, body);
  if (!signer || (opts.allowedSigners && !opts.allowedSigners.includes(signer))) {
    stats.rejected++;
    return reply(res, 403, {
      jsonrpc: "2.0",
      id: null,
      error: { code: -32000, message: "invalid flashbots signature" },
    });
  }
  const msg = JSON.parse(body) as { id?: unknown; method?: string; params?: unknown[] };
  const p = (msg.params?.[0] ?? {}) as { txs?: string[]; blockNumber?: string };
  if (msg.method === "eth_callBundle") {
    stats.callBundle++;
    return reply(res, 200, { jsonrpc: "2.0", id: msg.id ?? null, result: await simulate(chain, p) });
  }
  if (msg.method === "eth_sendBundle") {
    stats.sendBundle++;
    const txs = p.txs ?? [];
    const targetBlock = hexToNumber(p.blockNumber);
    if (txs.length === 0 || !Number.isFinite(targetBlock)) {
      return reply(res, 200, {
        jsonrpc: "2.0",
        id: msg.id ?? null,
        error: { code: -32602, message: "bad bundle" },
      });
    }
    const bundleHash = keccak256(
      `0x${txs.map((t) => keccak256(t).slice(2)).join("")}${targetBlock.toString(16).padStart(16, "0")}`,
    );
    state.firstTarget ??= targetBlock;
    bundles.push({ bundleHash, txs, targetBlock, signer, included: false });
    await kick();
    return reply(res, 200, { jsonrpc: "2.0", id: msg.id ?? null, result: { bundleHash } });
  }
  return reply(res, 200, {
    jsonrpc: "2.0",
    id: msg.id ?? null,
    error: { code: -32601, message: "method not found" },
  });
}

/**
 * Starts the relay: `eth_callBundle` simulates each transaction against the devnet's latest state
 * (as separate calls — keel's bundles are one transaction), `eth_sendBundle` queues a bundle for
 * its target block and submits it to the devnet when the head reaches target − 1, per `mode`.
 * Requests without a valid X-Flashbots-Signature are refused with HTTP 403.
 */
export async function startLocalRelay(
  chain: RelayChain,
  opts: RelayOptions = {},
  deps: { logger?: Logger } = {},
): Promise<LocalRelay> {
  const log = deps.logger?.child({ module: "relay" });
  const bundles: ReceivedBundle[] = [];
  const stats = { sendBundle: 0, callBundle: 0, rejected: 0 };
  const state: RelayState = { mode: { kind: "include" }, firstTarget: undefined };
  let closed = false;
  let working: Promise<void> = Promise.resolve();

  const kick = () => {
    working = working
      .then(() => includeDue(chain, bundles, state, { buildBlocks: opts.buildBlocks === true, log }))
      .catch(() => undefined);
    return working;
  };
  const timer = setInterval(() => void kick(), opts.pollMs ?? 50);

  const server = createServer((req, res) => {
    void handle({ chain, opts, bundles, stats, state, kick }, req, res).catch((err: unknown) =>
      reply(res, 500, { jsonrpc: "2.0", id: null, error: { code: -32603, message: String(err) } }),
    );
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get mode() {
      return state.mode;
    },
    set mode(m: RelayMode) {
      state.mode = m;
      state.firstTarget = undefined;
    },
    bundles,
    stats,
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      await working;
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}
