import { join } from "node:path";
import { type AbstractSigner, JsonRpcProvider, ZeroAddress } from "ethers";
import { sendRaisingFeeCap } from "../adapters/ethers/feeCap.ts";
import { errorReason, isRevert } from "../adapters/ethers/nodeErrors.ts";
import { read, write as send } from "../adapters/ethers/typedContract.ts";
import { openProposalStore, type Proposal, type ProposalStore } from "../adapters/safe/proposalStore.ts";
import {
  encodeSignatures,
  execArgs,
  safeContract,
  safeTxHash,
  signSafeTx,
  validSignatures,
} from "../adapters/safe/safeTx.ts";
import { runningChain } from "../composition/target.ts";
import { loadConfig } from "../config/load.ts";
import { ConfigError, KeelError } from "../domain/errors.ts";
import { withLabels } from "../observability/statusView.ts";
import { printJson } from "./output.ts";
import { type OwnerKeyOptions, ownerSigner } from "./ownerKey.ts";
import { allocationDiff, allocationLines, safeTxLines } from "./proposalView.ts";

/** Options common to `keel proposals …`. */
export interface ProposalsOptions extends OwnerKeyOptions {
  readonly json?: boolean;
}

/** What every proposals command works with: the chain, the Safe, the proposal store, the names of sources. */
interface Ctx {
  readonly chainId: number;
  /** The allocator a proposal may call (`runningChain`: the configured one, or the running devnet's), when known. */
  readonly allocator: string | undefined;
  readonly policy: { readonly maxGasLimit: number; readonly maxCalldataBytes: number };
  readonly store: ProposalStore;
  readonly provider: JsonRpcProvider;
  readonly safe: string;
  readonly vault: string | undefined;
  readonly labels: Readonly<Record<string, string>>;
}

function context(opts: ProposalsOptions, env: NodeJS.ProcessEnv): Ctx {
  const loaded = loadConfig(opts.config, env);
  const { config } = loaded;
  const chain = runningChain(loaded, {}, env);
  const safe = config.execution.safe.address;
  if (!safe)
    throw new ConfigError("execution.safe.address is not set", [
      { path: "execution.safe.address", message: "required" },
    ]);
  return {
    chainId: config.chain.chainId,
    allocator: chain.allocator,
    policy: config.execution.signingPolicy,
    store: openProposalStore(join(config.state.dir, "proposals")),
    provider: new JsonRpcProvider(chain.rpcUrl, undefined, { staticNetwork: true, cacheTimeout: -1 }),
    safe,
    vault: chain.vault,
    labels: config.contracts.sourceLabels,
  };
}

/** A proposal by safeTxHash, or `latest`: the newest one still open. */
function mustGet(ctx: Ctx, id: string): Proposal {
  const open = (q: Proposal) => ["pending", "stale"].includes(ctx.store.status(q.safeTxHash).status);
  const p = id === "latest" ? ctx.store.list().filter(open).at(-1) : ctx.store.get(id);
  if (!p) throw new KeelError("PROPOSAL_UNKNOWN", `no proposal ${id}`, { retryable: false });
  return p;
}

async function owners(ctx: Ctx): Promise<string[]> {
  return (await read(safeContract(ctx.safe, ctx.provider), "getOwners", [])).map(String);
}

async function view(ctx: Ctx, p: Proposal) {
  const safe = safeContract(ctx.safe, ctx.provider);
  const threshold = Number(await read(safe, "getThreshold", []));
  const sigs = validSignatures(p, ctx.store.signatures(p.safeTxHash), await owners(ctx));
  return { ...p, status: ctx.store.status(p.safeTxHash), signers: sigs.map(([o]) => o), threshold };
}

function write(opts: ProposalsOptions, value: unknown, text: string): void {
  if (opts.json) printJson(value);
  else process.stdout.write(`${text}\n`);
}

/** The Safe's rejection of a proposal: a call of the Safe to itself, with nothing, at the proposal's nonce. */
export function rejectionOf(p: Proposal): Proposal {
  const tx = {
    to: p.safe,
    value: "0",
    data: "0x",
    operation: 0,
    safeTxGas: "0",
    baseGas: "0",
    gasPrice: "0",
    gasToken: ZeroAddress,
    refundReceiver: ZeroAddress,
    nonce: p.tx.nonce,
  };
  return { ...p, tx, safeTxHash: safeTxHash(p, tx), summary: { ...p.summary, lines: [`reject ${p.safeTxHash}`] } };
}

/** Signs `p` with `signer` (an owner of the Safe) and stores the signature; returns who signed and the count. */
async function addOwnerSignature(ctx: Ctx, p: Proposal, signer: AbstractSigner) {
  const all = await owners(ctx);
  const me = (await signer.getAddress()).toLowerCase();
  if (!all.some((o) => o.toLowerCase() === me))
    throw new KeelError("NOT_A_SAFE_OWNER", `${me} is not an owner of the Safe`, { retryable: false });
  const s = await signSafeTx(signer, p);
  ctx.store.addSignature(p.safeTxHash, s.owner, s.signature);
  return { owner: s.owner, ...(await view(ctx, p)) };
}

/** Sends `execTransaction` for `p` once its signatures reach the threshold, after simulating it. */
async function execute(ctx: Ctx, p: Proposal, signer: AbstractSigner) {
  const v = await view(ctx, p);
  if (v.signers.length < v.threshold) {
    throw new KeelError("PROPOSAL_BELOW_THRESHOLD", `${v.signers.length}/${v.threshold} signatures`, {
      retryable: false,
    });
  }
  const safe = safeContract(ctx.safe, signer);
  const chainNonce = Number(await read(safe, "nonce", []));
  if (chainNonce !== p.tx.nonce) {
    throw new KeelError("PROPOSAL_NONCE", `Safe is at nonce ${chainNonce}, proposal has ${p.tx.nonce}`, {
      retryable: chainNonce < p.tx.nonce,
    });
  }
  const sigs = encodeSignatures(validSignatures(p, ctx.store.signatures(p.safeTxHash), await owners(ctx)));
  const args = execArgs(p, sigs);
  // Re-simulate right before sending: a stale proposal fails here, not on chain. A revert will
  // revert again (exit 1); a node that does not answer may answer later (75).
  const okSim = await read(safe, "execTransaction", args).catch((err: unknown) => {
    const reverted = isRevert(err);
    throw new KeelError(
      reverted ? "PROPOSAL_WOULD_FAIL" : "CHAIN_UNAVAILABLE",
      `${reverted ? "the Safe transaction would revert now" : "cannot simulate the Safe transaction"}: ${errorReason(err)}`,
      { retryable: !reverted },
    );
  });
  if (!okSim) throw new KeelError("PROPOSAL_WOULD_FAIL", "the Safe transaction would fail now", { retryable: false });
  // The signer's own send: a fee-cap refusal goes again with a raised cap; anything else is coded,
  // with the node's reason and never the signed transaction (ethers puts it in its message).
  const receipt = await sendRaisingFeeCap(signer.provider, async (overrides) =>
    (await send(safe, "execTransaction", args, overrides)).wait(),
  ).catch((err: unknown) => {
    throw new KeelError("PROPOSAL_EXECUTE_FAILED", `cannot execute the Safe transaction: ${errorReason(err)}`, {
      retryable: !isRevert(err),
    });
  });
  return { txHash: receipt?.hash, block: receipt?.blockNumber, signers: v.signers };
}

async function show(ctx: Ctx, opts: ProposalsOptions, p: Proposal): Promise<void> {
  const v = await view(ctx, p);
  const allocation = ctx.vault ? await allocationDiff(ctx.provider, p, ctx.vault, ctx.labels) : undefined;
  const text = [
    `proposal ${p.safeTxHash} (Safe ${p.safe}, nonce ${p.tx.nonce})`,
    `status: ${v.status.status}${v.status.reason ? ` — ${v.status.reason}` : ""}`,
    ...safeTxLines(p),
    ...(allocation ? allocationLines(allocation) : ["allocation: unknown (no contracts.vault in the config)"]),
    "summary",
    ...p.summary.lines.map((l) => `  ${withLabels(l, ctx.labels)}`),
    `signatures: ${v.signers.length}/${v.threshold} (${v.signers.join(", ") || "none"})`,
  ].join("\n");
  write(opts, { ...v, allocation }, text);
}

async function reject(ctx: Ctx, opts: ProposalsOptions, p: Proposal, signer: AbstractSigner): Promise<void> {
  const r = rejectionOf(p);
  const signed = await addOwnerSignature(ctx, r, signer);
  if (signed.signers.length < signed.threshold) {
    return write(
      opts,
      {
        safeTxHash: p.safeTxHash,
        rejection: r.safeTxHash,
        owner: signed.owner,
        signatures: signed.signers.length,
        threshold: signed.threshold,
        status: "pending",
      },
      `rejection signed by ${signed.owner}: ${signed.signers.length}/${signed.threshold}; another owner runs keel proposals reject ${p.safeTxHash}`,
    );
  }
  const done = await execute(ctx, r, signer);
  ctx.store.setStatus(p.safeTxHash, {
    status: "rejected",
    reason: `rejected by ${done.signers.join(", ")}: Safe transaction ${r.safeTxHash} used nonce ${p.tx.nonce}`,
    ...(done.txHash ? { txHash: done.txHash } : {}),
    ...(done.block === undefined ? {} : { block: done.block }),
  });
  write(
    opts,
    { safeTxHash: p.safeTxHash, rejection: r.safeTxHash, status: "rejected", txHash: done.txHash, block: done.block },
    `rejected: the Safe spent nonce ${p.tx.nonce} on its rejection in ${done.txHash} (block ${done.block})`,
  );
}

/** `keel proposals list|show|sign|execute|reject` (commander passes `[id?, opts, command]`). */
export async function proposalsCommand(
  name: string,
  args: unknown[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const id = name === "list" ? undefined : String(args[0]);
  const opts = (name === "list" ? args[0] : args[1]) as ProposalsOptions;
  const ctx = context(opts, env);
  try {
    if (name === "list") {
      const rows = await Promise.all(ctx.store.list().map((p) => view(ctx, p)));
      const text = rows
        .map(
          (r) =>
            `${r.safeTxHash}  nonce ${r.tx.nonce}  ${r.status.status}  ${r.signers.length}/${r.threshold} signatures  intent ${r.intentId}`,
        )
        .join("\n");
      return write(opts, rows, text || "no proposals");
    }
    const p = mustGet(ctx, id ?? "");
    if (name === "show") return await show(ctx, opts, p);
    const status = ctx.store.status(p.safeTxHash).status;
    if (status === "executed" || status === "rejected" || status === "failed") {
      throw new KeelError("PROPOSAL_CLOSED", `proposal is ${status}`, { retryable: false });
    }
    const signer = await ownerSigner(opts, ctx, env);
    if (name === "reject") return await reject(ctx, opts, p, signer);
    if (name === "sign") {
      const v = await addOwnerSignature(ctx, p, signer);
      return write(
        opts,
        { safeTxHash: p.safeTxHash, owner: v.owner, signatures: v.signers.length, threshold: v.threshold },
        `signed by ${v.owner}: ${v.signers.length}/${v.threshold}`,
      );
    }
    if (name === "execute") {
      const done = await execute(ctx, p, signer);
      ctx.store.setStatus(p.safeTxHash, {
        status: "executed",
        ...(done.txHash ? { txHash: done.txHash } : {}),
        ...(done.block === undefined ? {} : { block: done.block }),
      });
      return write(
        opts,
        { safeTxHash: p.safeTxHash, txHash: done.txHash, block: done.block },
        `executed in ${done.txHash} (block ${done.block})`,
      );
    }
    throw new KeelError("USAGE", `unknown proposals command ${name}`, { retryable: false });
  } finally {
    ctx.provider.destroy();
  }
}
