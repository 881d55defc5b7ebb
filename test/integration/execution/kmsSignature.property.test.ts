import { expect } from "chai";
import { getBytes, hexlify, SigningKey, Wallet } from "ethers";
import fc from "fast-check";
import { encodeDerSignature, kmsDerToSignature, SECP256K1_N } from "../../../src/adapters/signers/kmsSignature.ts";

const HALF_N = SECP256K1_N / 2n;

describe("KMS signature conversion over 10 000 random digests", function () {
  this.timeout(180_000);

  it("always yields low-s, 32-byte r and s, and a v that recovers the KMS key's address", () => {
    const key = new SigningKey(Wallet.createRandom().privateKey);
    const address = new Wallet(key.privateKey).address;
    let shortInts = 0;
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.boolean(), (bytes, flipS) => {
        const digest = hexlify(bytes);
        const sig = key.sign(digest);
        const r = BigInt(sig.r);
        const s = flipS ? SECP256K1_N - BigInt(sig.s) : BigInt(sig.s);
        if (r < 2n ** 248n || s < 2n ** 248n) shortInts++;
        // kmsDerToSignature only returns after recovering `address` with the chosen v.
        const out = kmsDerToSignature(encodeDerSignature(r, s), digest, address);
        expect(BigInt(out.s) <= HALF_N).to.equal(true);
        expect(getBytes(out.r)).to.have.length(32);
        expect(getBytes(out.s)).to.have.length(32);
        expect(out.r).to.equal(sig.r);
        expect(out.s).to.equal(sig.s);
        expect(out.v).to.equal(sig.v);
      }),
      { numRuns: 10_000 },
    );
    // Minimal DER drops leading zero bytes: about 1 in 128 digests exercises the padding path.
    expect(shortInts).to.be.greaterThan(0);
  });
});
