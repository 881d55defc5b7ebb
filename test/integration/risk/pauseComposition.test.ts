// Issue 16 (one composition): the daemon's guardian kill switch and `keel pause` / `keel unpause` open their keys
// through the same composition (src/composition/keys.ts): the same key spec from the same config, behind the same
// signing policy. Both are driven here from one config file against a local chain — the CLI as a process, the
// daemon's keys as `openDaemonKeys` opens them — and refuse the same things the same way.
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import pino from "pino";
import { chainProviderOptions } from "../../../src/adapters/chain/options.ts";
import { type ChainProvider, createChainProvider } from "../../../src/adapters/chain/provider.ts";
import { type DaemonKeys, openDaemonKeys } from "../../../src/composition/daemonKeys.ts";
import { resolveTarget } from "../../../src/composition/target.ts";
import { loadConfig } from "../../../src/config/load.ts";
import { devnetKey } from "../../../src/devnet/accounts.ts";
import { KeelError } from "../../../src/domain/errors.ts";
import { createMetrics } from "../../../src/observability/metrics.ts";
import { createShutdown } from "../../../src/runtime/shutdown.ts";
import { type ExecFixture, execFixture } from "../execution/fixture.ts";

const run = promisify(execFile);
const ROOT = new URL("../../..", import.meta.url).pathname;
const logger = pino({ level: "silent" });

describe("the daemon's guardian and keel pause share one key composition", function () {
  this.timeout(120_000);
  let f: ExecFixture;
  const dir = mkdtempSync(join(tmpdir(), "keel-pause-composition-"));
  // The fixture's manager is development account 0 (the deployer), its guardian account 1.
  const env = () => ({
    ...process.env,
    KEEL_TEST_RPC: f.chain.rpcUrl ?? "",
    KEEL_TEST_GUARDIAN_KEY: devnetKey(1),
    KEEL_TEST_MANAGER_KEY: devnetKey(0),
    KEEL_TEST_KEEPER_KEY: f.keeper.privateKey,
  });

  const saved = { ...process.env };
  before(async () => {
    f = await execFixture({ httpPort: 0 });
    // The daemon reads its secrets from the process environment, as the CLI does from its own.
    Object.assign(process.env, env());
  });
  after(async () => {
    for (const k of Object.keys(process.env)) if (saved[k] === undefined) delete process.env[k];
    await f?.close();
  });

  /** A config file for the fixture's chain with raw env keys, and the signing policy's overrides. */
  function configFile(name: string, signingPolicy: Record<string, number> = {}): string {
    const path = join(dir, `${name}.json`);
    writeFileSync(
      path,
      JSON.stringify({
        chain: { chainId: 31337, rpcUrls: [{ env: "KEEL_TEST_RPC" }] },
        contracts: { vault: f.deployment.vault, allocator: f.deployment.allocator },
        state: { dir: join(dir, `state-${name}`) },
        execution: {
          keeper: { type: "privateKey", key: { env: "KEEL_TEST_KEEPER_KEY" } },
          guardian: { type: "privateKey", key: { env: "KEEL_TEST_GUARDIAN_KEY" } },
          manager: { type: "privateKey", key: { env: "KEEL_TEST_MANAGER_KEY" } },
          signingPolicy,
        },
      }),
    );
    return path;
  }

  async function keel(which: "pause" | "unpause", config: string) {
    return run(process.execPath, ["src/main.ts", which, "--config", config], { cwd: ROOT, env: env() }).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (e: { code?: number; stdout?: string; stderr?: string }) => ({
        code: e.code,
        stdout: e.stdout ?? "",
        stderr: e.stderr ?? "",
      }),
    );
  }

  /** The daemon's keys for a config file, opened as createApp opens them (target, chain, keys). */
  async function daemonKeys(config: string): Promise<{ keys: DaemonKeys; provider: ChainProvider }> {
    const loaded = loadConfig(config, env());
    const shutdown = createShutdown({ graceMs: 1000 }, { logger });
    const target = await resolveTarget(loaded, { logger, shutdown });
    const provider = createChainProvider(chainProviderOptions(loaded.config.chain, target.rpcUrls));
    const keys = await openDaemonKeys(
      loaded.config,
      target,
      { dryRun: true },
      { provider, metrics: createMetrics(), log: logger },
    );
    return { keys, provider };
  }

  const paused = async () => (await f.vault.getFunction("paused")()) as boolean;
  const guardianNonce = async () => f.provider.getTransactionCount(await f.guardian.getAddress());

  it("both refuse a pause above execution.signingPolicy.pauseMaxFeeGwei before the key signs: SIGN_DENIED_FEE_CAP, not retryable (exit 1, not 75)", async () => {
    // 1 wei: every pause the chain would take costs more.
    const config = configFile("fee-cap", { pauseMaxFeeGwei: 1e-9 });
    const nonce = await guardianNonce();

    const cli = await keel("pause", config);
    expect(cli.code, cli.stderr).to.equal(1);
    expect(cli.stderr).to.contain("SIGN_DENIED_FEE_CAP");
    expect(cli.stderr).to.contain("signing policy refused (guardian)");

    const { keys, provider } = await daemonKeys(config);
    try {
      const err = await keys.killSwitch?.pause("DEPEG_PAUSE", AbortSignal.timeout(30_000)).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(KeelError);
      expect((err as KeelError).retryable).to.equal(false);
      expect((err as KeelError).message).to.contain("SIGN_DENIED_FEE_CAP");
      expect((err as KeelError).message).to.contain("signing policy refused (guardian)");
    } finally {
      await provider.close();
    }
    expect(await paused()).to.equal(false);
    expect(await guardianNonce(), "nothing was sent").to.equal(nonce);
  });

  it("both pull the switch with the guardian key, which cannot release it; keel unpause releases with the manager key", async () => {
    const config = configFile("roles");
    const { keys, provider } = await daemonKeys(config);
    try {
      const ks = keys.killSwitch;
      expect(ks).to.not.equal(undefined);
      const hash = await ks?.pause("DEPEG_PAUSE", AbortSignal.timeout(30_000));
      expect((await f.provider.getTransaction(hash ?? ""))?.from).to.equal(await f.guardian.getAddress());
      expect(await paused()).to.equal(true);
      const nonce = await guardianNonce();
      const err = await ks?.unpause(AbortSignal.timeout(30_000)).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((err as KeelError).code).to.equal("KILL_SWITCH_FAILED");
      expect((err as KeelError).retryable).to.equal(false);
      expect(await guardianNonce(), "the guardian's unpause was never sent").to.equal(nonce);
      expect(await paused()).to.equal(true);
    } finally {
      await provider.close();
    }
    const cliUnpause = await keel("unpause", config);
    expect(cliUnpause.code, cliUnpause.stderr).to.equal(0);
    expect(await paused()).to.equal(false);
    const cliPause = await keel("pause", config);
    expect(cliPause.stdout).to.match(/^paused vault 0x[0-9a-fA-F]{40} in tx 0x[0-9a-f]{64}$/m);
    const tx = await f.provider.getTransaction(cliPause.stdout.trim().split(" ").at(-1) ?? "");
    expect(tx?.from, "keel pause signs with the guardian key").to.equal(await f.guardian.getAddress());
    expect(await keel("unpause", config)).to.include({ code: 0 });
  });
});
