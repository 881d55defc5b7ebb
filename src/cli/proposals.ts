import { join } from "node:path";
import { type AbstractSigner, JsonRpcProvider } from "ethers";
import { errorReason, isRevert } from "../adapters/ethers/nodeErrors.ts";
import { openProposalStore, type Proposal, type ProposalStore } from "../adapters/safe/proposalStore.ts";
import { encodeSignatures, execArgs, safeContract, signSafeTx, validSignatures } from "../adapters/safe/safeTx.ts";
import { createSigner } from "../adapters/signers/signer.ts";
import { loadConfig } from "../config/load.ts";
import { readSecret } from "../config/secrets.ts";
import type { SignerSpec } from "../config/sections/execution.ts";
import { ConfigError, KeelError } from "../domain/errors.ts";
import { readRuntime } from "../runtime/runtimeFile.ts";
import { printJson } from "./output.ts";

/** Options common to `keel proposals …`. */
export interface ProposalsOptions {
  readonly config?: string;
  readonly json?: boolean;
  readonly signer?: string;
}

/** Turns `--signer` into a signer spec: `keystore:PATH`, `kms:KEY_ID` or `env:VAR` (a raw key, development only). */
export function parseSignerFlag(flag: string, env: NodeJS.ProcessEnv): SignerSpec {
  const [kind, ...rest] = flag.split(":");
  const value = rest.join(":");
  if (!value) throw new ConfigError(`--signer must be keystore:PATH, kms:KEY_ID or env:VAR, got "${kind}"`);
  if (kind === "keystore") {
    const password = env.KEEL_SIGNER_PASSWORD_FILE
      ? { file: env.KEEL_SIGNER_PASSWORD_FILE }
      : { env: "KEEL_SIGNER_PASSWORD" };
    return { type: "keystore", path: value, password };
  }
  if (kind === "kms") {
    return {
      type: "kms",
      keyId: value,
      region: env.AWS_REGION ?? "us-east-1",
      ...(env.KEEL_KMS_ENDPOINT ? { endpoint: env.KEEL_KMS_ENDPOINT } : {}),
    };
  }
  if (kind === "env") return { type: "privateKey", key: { env: value } };
  throw new ConfigError(`unknown --signer kind "${kind}" (keystore, kms or env)`);
}

interface Ctx {
  readonly store: ProposalStore;
  readonly provider: JsonRpcProvider;
  readonly safe: string;
}

function context(opts: ProposalsOptions, env: NodeJS.ProcessEnv): Ctx {
  const { config } = loadConfig(opts.config, env);
  const runtime = readRuntime(config.state.dir);
  const first = config.chain.rpcUrls[0];
  const url = first ? readSecret(first, env) : runtime?.devnetRpcUrl;
  if (!url)
    throw new ConfigError("no chain: set chain.rpcUrls or start the devnet daemon", [
      { path: "chain.rpcUrls", message: "required" },
    ]);
  const safe = config.execution.safe.address;
  if (!safe)
    throw new ConfigError("execution.safe.address is not set", [
      { path: "execution.safe.address", message: "required" },
    ]);
  return {
    store: openProposalStore(join(config.state.dir, "proposals")),
    provider: new JsonRpcProvider(url, undefined, { staticNetwork: true, cacheTimeout: -1 }),
    safe,
  };
}

function mustGet(ctx: Ctx, id: string): Proposal {
  const p = ctx.store.get(id);
  if (!p) throw new KeelError("PROPOSAL_UNKNOWN", `no proposal ${id}`, { retryable: false });
  return p;
}

async function signerFor(opts: ProposalsOptions, ctx: Ctx, env: NodeJS.ProcessEnv): Promise<AbstractSigner> {
  const { config } = loadConfig(opts.config, env);
  const spec = opts.signer ? parseSignerFlag(opts.signer, env) : config.execution.manager;
  if (!spec) throw new ConfigError("give --signer (or execution.manager in the config)");
  return createSigner(spec, ctx.provider, { env });
}

async function view(ctx: Ctx, p: Proposal) {
  const safe = safeContract(ctx.safe, ctx.provider);
  const owners = ((await safe.getFunction("getOwners")()) as string[]).map(String);
  const threshold = Number(await safe.getFunction("getThreshold")());
  const sigs = validSignatures(p, ctx.store.signatures(p.safeTxHash), owners);
  return { ...p, status: ctx.store.status(p.safeTxHash), signers: sigs.map(([o]) => o), threshold };
}

function write(opts: ProposalsOptions, value: unknown, text: string): void {
  if (opts.json) printJson(value);
  else process.stdout.write(`${text}\n`);
}

/** `keel proposals list|show|sign|execute` (commander passes `[id?, opts, command]`). */
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
    if (name === "show") {
      const v = await view(ctx, p);
      const text = [
        `proposal ${p.safeTxHash} (Safe ${p.safe}, nonce ${p.tx.nonce})`,
        `status: ${v.status.status}${v.status.reason ? ` — ${v.status.reason}` : ""}`,
        ...p.summary.lines.map((l) => `  ${l}`),
        `signatures: ${v.signers.length}/${v.threshold} (${v.signers.join(", ") || "none"})`,
      ].join("\n");
      return write(opts, v, text);
    }
    const status = ctx.store.status(p.safeTxHash).status;
    if (status === "executed" || status === "rejected" || status === "failed") {
      throw new KeelError("PROPOSAL_CLOSED", `proposal is ${status}`, { retryable: false });
    }
    const signer = await signerFor(opts, ctx, env);
    if (name === "sign") {
      const owners = ((await safeContract(ctx.safe, ctx.provider).getFunction("getOwners")()) as string[]).map((o) =>
        o.toLowerCase(),
      );
      const me = (await signer.getAddress()).toLowerCase();
      if (!owners.includes(me))
        throw new KeelError("NOT_A_SAFE_OWNER", `${me} is not an owner of the Safe`, { retryable: false });
      const s = await signSafeTx(signer, p);
      ctx.store.addSignature(p.safeTxHash, s.owner, s.signature);
      const v = await view(ctx, p);
      return write(
        opts,
        { safeTxHash: p.safeTxHash, owner: s.owner, signatures: v.signers.length, threshold: v.threshold },
        `signed by ${s.owner}: ${v.signers.length}/${v.threshold}`,
      );
    }
    if (name === "execute") {
      const v = await view(ctx, p);
      if (v.signers.length < v.threshold) {
        throw new KeelError("PROPOSAL_BELOW_THRESHOLD", `${v.signers.length}/${v.threshold} signatures`, {
          retryable: false,
        });
      }
      const safe = safeContract(ctx.safe, signer);
      const chainNonce = Number(await safe.getFunction("nonce")());
      if (chainNonce !== p.tx.nonce) {
        throw new KeelError("PROPOSAL_NONCE", `Safe is at nonce ${chainNonce}, proposal has ${p.tx.nonce}`, {
          retryable: chainNonce < p.tx.nonce,
        });
      }
      const sigs = encodeSignatures(
        validSignatures(p, ctx.store.signatures(p.safeTxHash), await safe.getFunction("getOwners")()),
      );
      const fn = safe.getFunction("execTransaction");
      // Re-simulate right before sending: a stale proposal fails here, not on chain. A revert will
      // revert again (exit 1); a node that does not answer may answer later (75).
      const okSim = (await fn.staticCall(...execArgs(p, sigs)).catch((err: unknown) => {
        const reverted = isRevert(err);
        throw new KeelError(
          reverted ? "PROPOSAL_WOULD_FAIL" : "CHAIN_UNAVAILABLE",
          `${reverted ? "the Safe transaction would revert now" : "cannot simulate the Safe transaction"}: ${errorReason(err)}`,
          { retryable: !reverted },
        );
      })) as boolean;
      if (!okSim)
        throw new KeelError("PROPOSAL_WOULD_FAIL", "the Safe transaction would fail now", { retryable: false });
      const tx = await fn(...execArgs(p, sigs));
      const receipt = await tx.wait();
      ctx.store.setStatus(p.safeTxHash, {
        status: "executed",
        ...(receipt ? { txHash: receipt.hash, block: receipt.blockNumber } : {}),
      });
      return write(
        opts,
        { safeTxHash: p.safeTxHash, txHash: receipt?.hash, block: receipt?.blockNumber },
        `executed in ${receipt?.hash} (block ${receipt?.blockNumber})`,
      );
    }
    throw new KeelError("USAGE", `unknown proposals command ${name}`, { retryable: false });
  } finally {
    ctx.provider.destroy();
  }
}
