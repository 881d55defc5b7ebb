// `keel keys new` on a real pseudo-terminal: the password prompt echoes nothing, asks twice, and the password
// reaches no output; without a terminal it says how to give one; the keystore opens with that password.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { Wallet } from "ethers";
import { runKeel, tempStateDir } from "../support/daemon.ts";
import { runOnPty } from "../support/pty.ts";

/** `keel keys new --out FILE` on a pseudo-terminal, answering its two password prompts. */
async function keysNewOnPty(out: string, first: string, second: string) {
  const run = runOnPty(`node src/main.ts keys new --out ${out}`);
  await run.waitFor(/Password for the new keystore: /);
  run.type(`${first}\r`);
  await run.waitFor(/Repeat the password: /);
  run.type(`${second}\r`);
  return run;
}

describe("keel keys new: encrypted keystores and the password prompt", function () {
  this.timeout(120_000);
  const dir = tempStateDir("keel-keys-");
  const password = "pty-s3cret-horse";

  it("prompts twice on a terminal without echoing, and writes a keystore that opens with the password", async () => {
    const out = join(dir, "signer.json");
    const run = await keysNewOnPty(out, password, password);
    expect(await run.exited, run.output()).to.equal(0);
    expect(run.output()).not.to.contain(password);
    const json = readFileSync(out, "utf8");
    const wallet = await Wallet.fromEncryptedJson(json, password);
    expect(run.output()).to.contain(wallet.address);
  });

  it("refuses different answers, and never overwrites a keystore", async () => {
    const run = await keysNewOnPty(join(dir, "mismatch.json"), password, "something-else");
    expect(await run.exited).to.equal(1);
    expect(run.output()).to.contain("the passwords do not match");
    expect(run.output()).not.to.contain(password);
    writeFileSync(join(dir, "pw"), `${password}\n`);
    const again = await runKeel(["keys", "new", "--out", join(dir, "signer.json"), "--password-file", join(dir, "pw")]);
    expect(again.code).to.equal(1);
    expect(again.stderr).to.contain("exists; keel never overwrites a keystore");
  });

  it("without a terminal, a file or KEEL_KEYSTORE_PASSWORD, it says how to give the password (exit 1)", async () => {
    const r = await runKeel(["keys", "new", "--out", join(dir, "none.json")]);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.contain("give --password-file FILE or set KEEL_KEYSTORE_PASSWORD");
    const viaEnv = await runKeel(["keys", "new", "--out", join(dir, "env.json"), "--json"], {
      KEEL_KEYSTORE_PASSWORD: password,
    });
    expect(viaEnv.code, viaEnv.stderr).to.equal(0);
    const { address } = JSON.parse(viaEnv.stdout) as { address: string };
    expect((await Wallet.fromEncryptedJson(readFileSync(join(dir, "env.json"), "utf8"), password)).address).to.equal(
      address,
    );
  });
});
