// Issue 14 finding 6: every key type can pull and release the kill switch. `keel pause` / `keel
// unpause` run as processes against a local chain with the guardian and manager keys given as an
// encrypted keystore, a raw key in the environment, or AWS KMS keys served by the loopback KMS and
// reached through the real @aws-sdk/client-kms; the pause-on-trigger path (the risk gate's kill
// switch) is driven in-process with a KMS guardian.
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { encryptKeystoreJson, Wallet } from "ethers";
import { createVaultKillSwitch } from "../../../src/adapters/ethers/killSwitch.ts";
import { createSigner } from "../../../src/adapters/signers/signer.ts";
import { devnetKey } from "../../../src/devnet/accounts.ts";
import { type LoopbackKms, startLoopbackKms } from "../../../src/devnet/kms.ts";
import { type ExecFixture, execFixture } from "../execution/fixture.ts";

const run = promisify(execFile);
const ROOT = new URL("../../..", import.meta.url).pathname;
const AWS_ENV = {
  AWS_ACCESS_KEY_ID: "AKIDLOOPBACK",
  AWS_SECRET_ACCESS_KEY: "loopback-secret",
  AWS_REGION: "us-east-1",
};

describe("pause and unpause with every key type (keystore, raw env key, KMS)", function () {
  this.timeout(120_000);
  let f: ExecFixture;
  let kms: LoopbackKms;
  const dir = mkdtempSync(join(tmpdir(), "keel-pause-keys-"));
  // The fixture's manager is development account 0 (the deployer), its guardian account 1.
  const managerKey = devnetKey(0);
  const guardianKey = devnetKey(1);

  const savedEnv = { ...process.env };
  before(async () => {
    // The in-process KMS client takes its credentials from the environment (the SDK's default chain).
    Object.assign(process.env, AWS_ENV);
    f = await execFixture({ httpPort: 0 });
    expect(new Wallet(guardianKey).address).to.equal(await f.guardian.getAddress());
    expect(new Wallet(managerKey).address).to.equal(await f.deployer.getAddress());
    kms = await startLoopbackKms({ "alias/guardian": guardianKey, "alias/manager": managerKey });
    writeFileSync(join(dir, "pw"), "keystore-pass\n");
    for (const [name, key] of [
      ["guardian", guardianKey],
      ["manager", managerKey],
    ] as const) {
      const json = await encryptKeystoreJson({ address: new Wallet(key).address, privateKey: key }, "keystore-pass", {
        scrypt: { N: 1024 },
      });
      writeFileSync(join(dir, `${name}.json`), json);
    }
  });
  after(async () => {
    for (const k of Object.keys(AWS_ENV)) if (savedEnv[k] === undefined) delete process.env[k];
    await kms?.close();
    await f?.close();
  });

  const specs = {
    keystore: (who: "guardian" | "manager") => ({
      type: "keystore",
      path: join(dir, `${who}.json`),
      password: { file: join(dir, "pw") },
    }),
    "raw env key": (who: "guardian" | "manager") => ({
      type: "privateKey",
      key: { env: who === "guardian" ? "KEEL_TEST_GUARDIAN_KEY" : "KEEL_TEST_MANAGER_KEY" },
    }),
    KMS: (who: "guardian" | "manager") => ({
      type: "kms",
      keyId: `alias/${who}`,
      region: "us-east-1",
      endpoint: kms.endpoint,
    }),
  } as const;

  async function keel(which: "pause" | "unpause", config: string) {
    return run(process.execPath, ["src/main.ts", which, "--config", config], {
      cwd: ROOT,
      env: {
        ...process.env,
        ...AWS_ENV,
        KEEL_TEST_RPC: f.chain.rpcUrl ?? "",
        KEEL_TEST_GUARDIAN_KEY: guardianKey,
        KEEL_TEST_MANAGER_KEY: managerKey,
      },
    });
  }

  for (const [type, spec] of Object.entries(specs)) {
    it(`keel pause then keel unpause with ${type} guardian and manager keys`, async () => {
      const config = join(dir, `${type.replace(/ /g, "-")}.json`);
      writeFileSync(
        config,
        JSON.stringify({
          chain: { chainId: 31337, rpcUrls: [{ env: "KEEL_TEST_RPC" }] },
          contracts: { vault: f.deployment.vault, allocator: f.deployment.allocator },
          state: { dir: join(dir, `state-${type.replace(/ /g, "-")}`) },
          execution: { guardian: spec("guardian"), manager: spec("manager") },
        }),
      );
      const signsBefore = kms.calls.Sign;
      const paused = await keel("pause", config);
      expect(paused.stdout).to.match(/^paused vault 0x[0-9a-fA-F]{40} in tx 0x[0-9a-f]{64}$/m);
      expect(await f.vault.getFunction("paused")()).to.equal(true);
      const unpaused = await keel("unpause", config);
      expect(unpaused.stdout).to.match(/^unpaused vault 0x[0-9a-fA-F]{40} in tx 0x[0-9a-f]{64}$/m);
      expect(await f.vault.getFunction("paused")()).to.equal(false);
      if (type === "KMS") expect(kms.calls.Sign - signsBefore).to.equal(2);
    });
  }

  it("missing KMS credentials exit 1 (not retryable), with nothing sent", async () => {
    const config = join(dir, "kms-no-creds.json");
    writeFileSync(
      config,
      JSON.stringify({
        chain: { chainId: 31337, rpcUrls: [{ env: "KEEL_TEST_RPC" }] },
        contracts: { vault: f.deployment.vault, allocator: f.deployment.allocator },
        state: { dir: join(dir, "state-no-creds") },
        execution: { guardian: specs.KMS("guardian") },
      }),
    );
    const env: NodeJS.ProcessEnv = { ...process.env, KEEL_TEST_RPC: f.chain.rpcUrl ?? "" };
    for (const k of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"]) delete env[k];
    // No instance-metadata lookups (they would leave this machine); no shared credentials files.
    Object.assign(env, {
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_SHARED_CREDENTIALS_FILE: join(dir, "none"),
      AWS_CONFIG_FILE: join(dir, "none"),
    });
    const err = (await run(process.execPath, ["src/main.ts", "pause", "--config", config], { cwd: ROOT, env }).catch(
      (e: unknown) => e,
    )) as { code?: number; stderr?: string };
    expect(err.code, err.stderr).to.equal(1);
    expect(err.stderr).to.contain("credentials");
    expect(await f.vault.getFunction("paused")()).to.equal(false);
  });

  it("the risk gate's kill switch (pause-on-trigger) pauses with a KMS guardian, the transaction from the KMS key", async () => {
    const guardian = await createSigner(
      { type: "kms", keyId: "alias/guardian", region: "us-east-1", endpoint: kms.endpoint },
      f.provider,
    );
    const ks = createVaultKillSwitch({ vault: f.deployment.vault }, { signer: guardian });
    const hash = await ks.pause("DEPEG_PAUSE", new AbortController().signal);
    expect(await f.vault.getFunction("paused")()).to.equal(true);
    const tx = await f.provider.getTransaction(hash ?? "");
    expect(tx?.from).to.equal(await f.guardian.getAddress());
    expect(tx?.chainId).to.equal(31337n);
    await (await f.vault.getFunction("unpause")()).wait();
  });
});
