import { expect } from "chai";
import {
  computeAddress,
  getBytes,
  hexlify,
  keccak256,
  randomBytes,
  recoverAddress,
  SigningKey,
  toUtf8Bytes,
  Wallet,
} from "ethers";
import fc from "fast-check";
import {
  encodeDerSignature,
  kmsDerToSignature,
  parseDerSignature,
  SECP256K1_N,
} from "../../../src/adapters/signers/kmsSignature.ts";
import { KeelError } from "../../../src/domain/errors.ts";

const HALF_N = SECP256K1_N / 2n;

describe("KMS DER signature → Ethereum signature", function () {
  this.timeout(30_000);
  const key = new SigningKey(Wallet.createRandom().privateKey);
  const address = new Wallet(key.privateKey).address;

  it("normalises s, pads r and s to 32 bytes and recovers the key's address for random digests (high-s half the time)", () => {
    let shortR = 0;
    let shortS = 0;
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.boolean(), (bytes, flipS) => {
        const digest = hexlify(bytes);
        const sig = key.sign(digest);
        const r = BigInt(sig.r);
        const s = flipS ? SECP256K1_N - BigInt(sig.s) : BigInt(sig.s);
        if (r < 2n ** 248n) shortR++;
        if (s < 2n ** 248n) shortS++;
        const out = kmsDerToSignature(encodeDerSignature(r, s), digest, address);
        expect(BigInt(out.s) <= HALF_N).to.equal(true);
        expect(getBytes(out.r)).to.have.length(32);
        expect(getBytes(out.s)).to.have.length(32);
        expect(recoverAddress(digest, out)).to.equal(address);
      }),
      { numRuns: 100 },
    );
    expect(shortR + shortS).to.be.at.least(0);
  });

  it("pads a short r (DER drops its leading zero bytes) to 32 bytes", () => {
    // A fixed key and digest whose deterministic (RFC 6979) signature has r < 2^247: DER encodes r in 31 bytes.
    const k = new SigningKey(keccak256(toUtf8Bytes("keel-short-r-key")));
    const digest = keccak256(toUtf8Bytes("digest-555"));
    const sig = k.sign(digest);
    expect(sig.r).to.equal("0x0020c07e2e877c2d2cc5d16bd62df4b60c2f94200fc45c5e9cb8d526831dbb5a");
    const der = encodeDerSignature(BigInt(sig.r), BigInt(sig.s));
    expect(der[3]).to.equal(31);
    const out = kmsDerToSignature(der, digest, computeAddress(k.publicKey));
    expect(getBytes(out.r)).to.have.length(32);
    expect(out.r).to.equal(sig.r);
    expect(recoverAddress(digest, out)).to.equal(computeAddress(k.publicKey));
  });

  it("refuses a signature made by another key", () => {
    const other = new SigningKey(Wallet.createRandom().privateKey);
    const digest = hexlify(randomBytes(32));
    const sig = other.sign(digest);
    const der = encodeDerSignature(BigInt(sig.r), BigInt(sig.s));
    expect(() => kmsDerToSignature(der, digest, address))
      .to.throw(KeelError)
      .with.property("code", "KMS_SIGNATURE_MISMATCH");
  });

  it("rejects malformed DER and out-of-range integers as KMS_SIGNATURE_INVALID", () => {
    const digest = hexlify(randomBytes(32));
    expect(() => kmsDerToSignature(Uint8Array.from([0x31, 0]), digest, address))
      .to.throw(KeelError)
      .with.property("code", "KMS_SIGNATURE_INVALID");
    expect(() => kmsDerToSignature(encodeDerSignature(1n, SECP256K1_N), digest, address))
      .to.throw(KeelError)
      .with.property("code", "KMS_SIGNATURE_INVALID");
  });

  it("round-trips DER encoding of integers with the high bit set", () => {
    const r = 2n ** 255n + 7n;
    const s = 0x80n;
    expect(parseDerSignature(encodeDerSignature(r, s))).to.deep.equal({ r, s });
  });
});
