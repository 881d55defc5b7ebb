import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { encryptKeystoreJson, JsonRpcProvider, Wallet } from "ethers";
import { createSigner } from "../../../src/adapters/signers/signer.ts";
import { ConfigError } from "../../../src/domain/errors.ts";

describe("createSigner (keystore and private key)", function () {
  this.timeout(30_000);
  const provider = new JsonRpcProvider("http://127.0.0.1:9", undefined, { staticNetwork: true });
  after(() => provider.destroy());
  const dir = mkdtempSync(join(tmpdir(), "keel-signer-"));
  const wallet = Wallet.createRandom();

  it("decrypts an encrypted JSON keystore with the password from a secret file", async () => {
    const path = join(dir, "keeper.json");
    writeFileSync(
      path,
      await encryptKeystoreJson({ address: wallet.address, privateKey: wallet.privateKey }, "pw-SENTINEL-123", {
        scrypt: { N: 1024 },
      }),
    );
    writeFileSync(join(dir, "pw"), "pw-SENTINEL-123\n");
    const signer = await createSigner({ type: "keystore", path, password: { file: join(dir, "pw") } }, provider);
    expect(await signer.getAddress()).to.equal(wallet.address);
    expect(signer.provider).to.equal(provider);
  });

  it("refuses a wrong keystore password without echoing it", async () => {
    const path = join(dir, "keeper2.json");
    writeFileSync(
      path,
      await encryptKeystoreJson({ address: wallet.address, privateKey: wallet.privateKey }, "right-pass", {
        scrypt: { N: 1024 },
      }),
    );
    const err = await createSigner({ type: "keystore", path, password: { env: "KEEL_TEST_PW" } }, provider, {
      env: { KEEL_TEST_PW: "WRONG-SENTINEL-PASS" },
    }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ConfigError);
    expect(String((err as Error).message)).not.to.contain("WRONG-SENTINEL-PASS");
    expect((err as Error).cause).to.equal(undefined);
  });

  it("builds a wallet from a private key secret (with or without 0x)", async () => {
    const signer = await createSigner({ type: "privateKey", key: { env: "K" } }, provider, {
      env: { K: wallet.privateKey.slice(2) },
    });
    expect(await signer.getAddress()).to.equal(wallet.address);
  });

  it("rejects a malformed private key without putting the key in the error", async () => {
    const bad = "zz-SENTINEL-not-a-key-0123456789";
    const err = await createSigner({ type: "privateKey", key: { env: "K" } }, provider, { env: { K: bad } }).catch(
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(ConfigError);
    expect(JSON.stringify({ m: (err as Error).message, s: (err as Error).stack })).not.to.contain("SENTINEL");
  });
});
