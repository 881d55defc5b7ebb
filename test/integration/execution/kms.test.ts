import { expect } from "chai";
import { hashMessage, hexlify, id, randomBytes, recoverAddress, verifyMessage } from "ethers";
import { createDirectExecutor } from "../../../src/adapters/execution/direct.ts";
import { countRebalanced } from "../../../src/adapters/execution/events.ts";
import { loadAllocatorCodec } from "../../../src/adapters/execution/loadCodec.ts";
import { createKmsSigner, type KmsSigner } from "../../../src/adapters/signers/kms.ts";
import { SECP256K1_N } from "../../../src/adapters/signers/kmsSignature.ts";
import { createSigner } from "../../../src/adapters/signers/signer.ts";
import { type LoopbackKms, startLoopbackKms } from "../../../src/devnet/kms.ts";
import { KeelError } from "../../../src/domain/errors.ts";
import { depositIntent, type ExecFixture, execFixture } from "./fixture.ts";

const credentials = { accessKeyId: "AKIDLOOPBACK", secretAccessKey: "loopback-secret" };

describe("KMS signer through @aws-sdk/client-kms against a loopback KMS", function () {
  this.timeout(60_000);
  let f: ExecFixture;
  let kms: LoopbackKms;
  let signer: KmsSigner;
  const codec = loadAllocatorCodec();
  const seconds: number[] = [];

  before(async () => {
    f = await execFixture();
    kms = await startLoopbackKms({ "alias/keeper": f.keeper.privateKey });
    signer = await createKmsSigner(
      { keyId: "alias/keeper", region: "us-east-1", endpoint: kms.endpoint, credentials, maxAttempts: 2 },
      { provider: f.provider, onSign: (s) => seconds.push(s) },
    );
  });
  afterEach(() => {
    kms.mode = "normal";
  });
  after(async () => {
    await kms.close();
    await f.close();
  });

  it("derives the address from GetPublicKey (DER SPKI)", async () => {
    expect(await signer.getAddress()).to.equal(f.keeper.address);
  });

  it("signs 200 random digests whose signatures recover the key's address, and observes each Sign's latency", async () => {
    const before = seconds.length;
    for (let i = 0; i < 200; i++) {
      const digest = hexlify(randomBytes(32));
      const sig = await signer.signDigest(digest);
      expect(recoverAddress(digest, sig)).to.equal(f.keeper.address);
      expect(BigInt(sig.s) <= SECP256K1_N / 2n).to.equal(true);
    }
    expect(seconds.length - before).to.equal(200);
  });

  it("normalises a high-s signature from KMS (the chain accepts the transaction)", async () => {
    kms.mode = "high-s";
    const msgSig = await signer.signMessage("keel");
    expect(verifyMessage("keel", msgSig)).to.equal(f.keeper.address);
    const exec = createDirectExecutor({ allocator: f.deployment.allocator }, { signer, provider: f.provider, codec });
    const action = await exec.execute(depositIntent(f, "kms-high-s", "10"), new AbortController().signal);
    expect(action.status).to.equal("included");
    expect(await countRebalanced(f.provider, codec, f.deployment.allocator, id("kms-high-s"))).to.equal(1);
    const tx = await f.provider.getTransaction(action.txHashes[0] ?? "");
    expect(tx?.from).to.equal(f.keeper.address);
    expect(BigInt(tx?.signature.s ?? "0x0") <= SECP256K1_N / 2n).to.equal(true);
  });

  it("refuses a signature from the wrong key and sends nothing", async () => {
    kms.mode = "wrong-key";
    const nonce = await f.provider.getTransactionCount(f.keeper.address);
    const exec = createDirectExecutor({ allocator: f.deployment.allocator }, { signer, provider: f.provider, codec });
    const err = await exec
      .execute(depositIntent(f, "kms-wrong", "10"), new AbortController().signal)
      .catch((e: unknown) => e);
    expect(err).to.be.instanceOf(KeelError);
    expect((err as KeelError).code).to.equal("KMS_SIGNATURE_MISMATCH");
    expect(await f.provider.getTransactionCount(f.keeper.address)).to.equal(nonce);
  });

  it("gives up after bounded retries when KMS throttles, as a retryable KMS_UNAVAILABLE (no local fallback)", async () => {
    kms.mode = "throttle";
    const calls = kms.calls.Sign;
    const err = await signer.signDigest(hashMessage("x")).catch((e: unknown) => e);
    expect((err as KeelError).code).to.equal("KMS_UNAVAILABLE");
    expect((err as KeelError).retryable).to.equal(true);
    expect(kms.calls.Sign - calls).to.equal(2);
  });

  it("rejects a malformed DER signature as KMS_SIGNATURE_INVALID", async () => {
    kms.mode = "garbage";
    const err = await signer.signDigest(hashMessage("x")).catch((e: unknown) => e);
    expect((err as KeelError).code).to.equal("KMS_SIGNATURE_INVALID");
  });

  it("is built by createSigner from a kms spec (endpoint from config, credentials from the SDK chain)", async () => {
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    process.env.AWS_ACCESS_KEY_ID = credentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = credentials.secretAccessKey;
    try {
      const s = await createSigner(
        { type: "kms", keyId: "alias/keeper", region: "us-east-1", endpoint: kms.endpoint },
        f.provider,
      );
      expect(await s.getAddress()).to.equal(f.keeper.address);
      const err = await createSigner(
        { type: "kms", keyId: "alias/none", region: "us-east-1", endpoint: kms.endpoint },
        f.provider,
      ).catch((e: unknown) => e);
      expect((err as KeelError).code).to.equal("KMS_UNAVAILABLE");
      expect((err as KeelError).retryable).to.equal(false);
    } finally {
      if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
      else process.env.AWS_ACCESS_KEY_ID = saved.id;
      if (saved.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
      else process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
    }
  });
});
