// Execution benchmarks: intents per second through sign + bundle-send (keystore signer, local
// relay, devnet), and KMS Sign latency through the real SDK client against the loopback KMS.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encryptKeystoreJson, hexlify, randomBytes, Wallet } from "ethers";
import { createBundleExecutor } from "../src/adapters/execution/bundle.ts";
import { openIntentStore } from "../src/adapters/execution/intentStore.ts";
import { loadAllocatorCodec } from "../src/adapters/execution/loadCodec.ts";
import { createKmsSigner } from "../src/adapters/signers/kms.ts";
import { createSigner } from "../src/adapters/signers/signer.ts";
import { startLoopbackKms } from "../src/devnet/kms.ts";
import { startLocalRelay } from "../src/devnet/relay.ts";
import { depositIntent, execFixture } from "../test/integration/execution/fixture.ts";

const INTENTS = Number(process.env.KEEL_BENCH_INTENTS ?? 30);
const KMS_SIGNS = Number(process.env.KEEL_BENCH_KMS_SIGNS ?? 300);

function line(name: string, value: number, unit: string, extra: Record<string, unknown> = {}): void {
  process.stdout.write(
    `${JSON.stringify({ bench: `execution.${name}`, value: Number(value.toFixed(3)), unit, ...extra })}\n`,
  );
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

const f = await execFixture({ bounds: { maxRebalancesPerDay: 100_000n } });
const relay = await startLocalRelay(f.chain.provider, { pollMs: 5, buildBlocks: true });
const dir = mkdtempSync(join(tmpdir(), "keel-bench-exec-"));
try {
  // Keystore signer (scrypt N = 2^12 to keep set-up short; signing cost does not depend on it).
  const ks = join(dir, "keeper.json");
  writeFileSync(
    ks,
    await encryptKeystoreJson({ address: f.keeper.address, privateKey: f.keeper.privateKey }, "bench", {
      scrypt: { N: 4096 },
    }),
  );
  const keeper = await createSigner({ type: "keystore", path: ks, password: { env: "P" } }, f.provider, {
    env: { P: "bench" },
  });
  const store = await openIntentStore({ path: join(dir, "intents.json"), now: Date.now });
  const exec = createBundleExecutor(
    {
      allocator: f.deployment.allocator,
      relays: [relay.url],
      blocks: 3,
      priorityBumpBps: 1_250,
      maxPriorityFeePerGasWei: 10_000_000_000n,
      allowPublicFallback: false,
      blockWaitMs: 10_000,
      pollMs: 5,
    },
    { signer: keeper, provider: f.provider, codec: loadAllocatorCodec(), authSigner: Wallet.createRandom(), store },
  );
  const signal = new AbortController().signal;
  await exec.execute(depositIntent(f, "bench-warmup", "1"), signal);
  const t0 = performance.now();
  let included = 0;
  for (let i = 0; i < INTENTS; i++) {
    const a = await exec.execute(depositIntent(f, `bench-${i}`, "1", i % 2, 400_000n), signal);
    if (a.status === "included") included++;
  }
  const seconds = (performance.now() - t0) / 1000;
  line("bundle_intents_per_second", INTENTS / seconds, "intents/s", {
    intents: INTENTS,
    included,
    signer: "keystore",
    note: "write-ahead store (fsync) + simulate + nonce + sign + eth_callBundle + eth_sendBundle + inclusion check, sequential",
  });
  line("bundle_intent_latency", (seconds * 1000) / INTENTS, "ms", { intents: INTENTS });

  const kms = await startLoopbackKms();
  try {
    const signer = await createKmsSigner(
      {
        keyId: "alias/keel-test",
        region: "us-east-1",
        endpoint: kms.endpoint,
        credentials: { accessKeyId: "AKID", secretAccessKey: "x" },
      },
      { provider: null },
    );
    for (let i = 0; i < 20; i++) await signer.signDigest(hexlify(randomBytes(32)));
    const ms: number[] = [];
    for (let i = 0; i < KMS_SIGNS; i++) {
      const t = performance.now();
      await signer.signDigest(hexlify(randomBytes(32)));
      ms.push(performance.now() - t);
    }
    ms.sort((a, b) => a - b);
    const extra = {
      signs: KMS_SIGNS,
      endpoint: "loopback",
      includes: "SDK request + DER parse + s normalisation + v recovery",
    };
    line("kms_sign_latency_p50", pct(ms, 50), "ms", extra);
    line("kms_sign_latency_p95", pct(ms, 95), "ms", extra);
  } finally {
    await kms.close();
  }
} finally {
  await relay.close();
  await f.close();
}
