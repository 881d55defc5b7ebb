import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { expect } from "chai";
import { encryptKeystoreJson, Wallet } from "ethers";
import pino from "pino";
import { loadAllocatorCodec } from "../../../src/adapters/execution/loadCodec.ts";
import { createExecution } from "../../../src/adapters/execution/wiring.ts";
import { createSigner } from "../../../src/adapters/signers/signer.ts";
import { executionCoreOptions } from "../../../src/composition/executionOptions.ts";
import { parseConfig } from "../../../src/config/load.ts";
import { type LocalRelay, startLocalRelay } from "../../../src/devnet/relay.ts";
import { createMetrics } from "../../../src/observability/metrics.ts";
import { depositIntent, type ExecFixture, execFixture } from "./fixture.ts";

const SENTINELS = {
  relayKey: "SENTINELrelaykey7f3a9",
  authKey: "", // a private key: filled below
  password: "SENTINELpassw0rd-b41c",
  deadRelayKey: "SENTINELdeadrelay-55e1",
};

describe("sentinel secrets never reach logs, metrics or errors (execution paths)", function () {
  this.timeout(60_000);
  let f: ExecFixture;
  let relay: LocalRelay;
  const dir = mkdtempSync(join(tmpdir(), "keel-sentinel-"));
  let logs = "";
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logs += chunk.toString();
      cb();
    },
  });
  const logger = pino({ level: "trace" }, sink);
  const errors: string[] = [];
  const metrics = createMetrics({ defaultMetrics: false });

  before(async () => {
    f = await execFixture();
    relay = await startLocalRelay(f.chain.provider, { pollMs: 5, buildBlocks: true });
    SENTINELS.authKey = Wallet.createRandom().privateKey;
  });
  after(async () => {
    await relay.close();
    await f.close();
  });

  function capture(err: unknown): void {
    const e = err as Error & { context?: unknown; cause?: unknown };
    errors.push(
      JSON.stringify({
        m: e.message,
        s: e.stack,
        c: e.context,
        cause: String((e.cause as Error)?.message ?? e.cause ?? ""),
      }),
    );
  }

  it("drives the bundle route through success, a dead relay, a refused relay and abandonment, and a bad keystore password", async () => {
    const env = {
      RELAY_OK: `${relay.url}/rpc/${SENTINELS.relayKey}`,
      RELAY_DEAD: `http://127.0.0.1:9/${SENTINELS.deadRelayKey}`,
      AUTH: SENTINELS.authKey,
      PW: SENTINELS.password,
    };
    const loaded = parseConfig(
      {
        execution: {
          route: "bundle",
          bundle: {
            relays: [{ env: "RELAY_DEAD" }, { env: "RELAY_OK" }],
            authKey: { env: "AUTH" },
            blocks: 2,
            blockWaitMs: 2_000,
          },
        },
      },
      "sentinel",
    );
    const ks = join(dir, "keeper.json");
    writeFileSync(
      ks,
      await encryptKeystoreJson({ address: f.keeper.address, privateKey: f.keeper.privateKey }, SENTINELS.password, {
        scrypt: { N: 1024 },
      }),
    );
    const keeper = await createSigner({ type: "keystore", path: ks, password: { env: "PW" } }, f.provider, { env });
    await createSigner({ type: "keystore", path: ks, password: { env: "BAD" } }, f.provider, {
      env: { BAD: `${SENTINELS.password}x` },
    }).catch(capture);
    const execution = await createExecution(
      {
        execution: loaded.config.execution,
        core: executionCoreOptions(
          { execution: loaded.config.execution, chain: { confirmations: 1 }, strategy: { maxGasPriceGwei: 200 } },
          f.deployment.allocator,
        ),
        stateDir: join(dir, "state"),
        allocator: f.deployment.allocator,
        vault: f.deployment.vault,
        chainId: 31337,
        maxFeePerGasWei: 200_000_000_000n,
      },
      { provider: f.provider, keeper, codec: loadAllocatorCodec(), logger, metrics, env },
    );
    await execution.reconcile();
    const signal = new AbortController().signal;
    const ok = await execution.executor.execute(depositIntent(f, "sentinel-ok", "10"), signal);
    expect(ok.status).to.equal("included");
    relay.mode = { kind: "never" };
    const abandoned = await execution.executor.execute(depositIntent(f, "sentinel-never", "10"), signal);
    expect(abandoned.status).to.equal("failed");
    relay.mode = { kind: "include" };
    await execution.executor.execute(depositIntent(f, "sentinel-too-big", "900000"), signal).catch(capture);
    expect(errors.length).to.be.greaterThan(1);
  });

  it("finds no sentinel in any log line, metric or error captured above", async () => {
    const text = [logs, await metrics.registry.metrics(), ...errors].join("\n");
    expect(text.length).to.be.greaterThan(100);
    for (const [name, value] of Object.entries(SENTINELS)) {
      expect(text.includes(value), `${name} leaked`).to.equal(false);
      expect(text.includes(value.replace(/^0x/, "")), `${name} leaked`).to.equal(false);
    }
    expect(text).to.contain("keel_bundle_attempts_total");
  });
});
