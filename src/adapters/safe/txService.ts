import SafeApiKitModule from "@safe-global/api-kit";
import type { Logger } from "pino";
import { KeelError } from "../../domain/errors.ts";
import type { Proposal } from "./proposalStore.ts";

/** The Safe Transaction Service, as the Safe route uses it. */
export interface TxService {
  /** The service's next nonce for the Safe (after its pending transactions). */
  nextNonce(safe: string): Promise<number>;
  /** Stores the proposal (idempotent by safeTxHash) with the proposer's signature. */
  propose(p: Proposal, sender: string, signature: string): Promise<void>;
}

/** Options: where the service is, and how hard to try. */
export interface TxServiceOptions {
  readonly chainId: bigint;
  /** Base URL (…/api); read from its secret by the caller. */
  readonly url: string;
  readonly apiKey?: string;
  readonly attempts?: number;
  readonly backoffMs?: number;
}

interface ApiKitLike {
  getNextNonce(safe: string): Promise<string | number>;
  proposeTransaction(args: Record<string, unknown>): Promise<unknown>;
}

function statusOf(err: unknown): number | undefined {
  const e = err as { status?: unknown; statusCode?: unknown; message?: string };
  if (typeof e.status === "number") return e.status;
  if (typeof e.statusCode === "number") return e.statusCode;
  return undefined;
}

/**
 * api-kit against the configured service, with bounded retries and exponential backoff on 429 and
 * 5xx. A proposal the service already has is success. Failures are SAFE_SERVICE_UNAVAILABLE
 * (retryable) and never carry the service URL (it may hold a key).
 */
export function createTxService(
  opts: TxServiceOptions,
  deps: { logger?: Logger; sleep?: (ms: number) => Promise<void> } = {},
): TxService {
  const Kit = ((SafeApiKitModule as unknown as { default?: unknown }).default ?? SafeApiKitModule) as new (
    cfg: Record<string, unknown>,
  ) => ApiKitLike;
  const kit = new Kit({
    chainId: opts.chainId,
    txServiceUrl: opts.url,
    ...(opts.apiKey ? { apiKey: opts.apiKey } : {}),
  });
  const attempts = opts.attempts ?? 4;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));

  async function withRetry<T>(op: string, fn: () => Promise<T>, okWhen?: (err: unknown) => T | undefined): Promise<T> {
    let last: number | undefined;
    for (let i = 0; i < attempts; i++) {
      try {
        return await fn();
      } catch (err) {
        const accepted = okWhen?.(err);
        if (accepted !== undefined) return accepted;
        last = statusOf(err);
        const transient = last === undefined || last === 429 || last >= 500;
        deps.logger?.warn({ op, status: last ?? null, attempt: i + 1 }, "Safe Transaction Service call failed");
        if (!transient) break;
        if (i < attempts - 1) await sleep((opts.backoffMs ?? 250) * 2 ** i);
      }
    }
    throw new KeelError("SAFE_SERVICE_UNAVAILABLE", `Safe Transaction Service ${op} failed (HTTP ${last ?? "error"})`, {
      retryable: true,
      context: { op, status: last ?? null },
    });
  }

  return {
    nextNonce: async (safe) => Number(await withRetry("getNextNonce", () => kit.getNextNonce(safe))),
    async propose(p, sender, signature) {
      await withRetry(
        "proposeTransaction",
        () =>
          kit.proposeTransaction({
            safeAddress: p.safe,
            safeTransactionData: { ...p.tx, nonce: String(p.tx.nonce) },
            safeTxHash: p.safeTxHash,
            senderAddress: sender,
            senderSignature: signature,
            origin: "keel",
          }),
        (err) => (statusOf(err) === 422 && /already|exists/i.test(String((err as Error).message)) ? null : undefined),
      );
    },
  };
}
