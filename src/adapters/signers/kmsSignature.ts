import { getBytes, recoverAddress, Signature, toBeHex, zeroPadValue } from "ethers";
import { KeelError } from "../../domain/errors.ts";

/** Order of secp256k1. */
export const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const HALF_N = SECP256K1_N / 2n;

/** Reads one DER length at `pos`; returns [length, next position]. */
function derLength(der: Uint8Array, pos: number): [number, number] {
  const first = der[pos];
  if (first === undefined) throw new Error("truncated DER");
  if (first < 0x80) return [first, pos + 1];
  const n = first & 0x7f;
  if (n < 1 || n > 2) throw new Error("bad DER length");
  let len = 0;
  for (let i = 1; i <= n; i++) len = (len << 8) | (der[pos + i] ?? 0);
  return [len, pos + 1 + n];
}

function derInteger(der: Uint8Array, pos: number): [bigint, number] {
  if (der[pos] !== 0x02) throw new Error("DER INTEGER expected");
  const [len, start] = derLength(der, pos + 1);
  if (len < 1 || len > 33 || start + len > der.length) throw new Error("bad DER INTEGER length");
  let v = 0n;
  for (let i = start; i < start + len; i++) v = (v << 8n) | BigInt(der[i] ?? 0);
  return [v, start + len];
}

/** Parses an ASN.1 DER ECDSA signature `SEQUENCE { r INTEGER, s INTEGER }`. */
export function parseDerSignature(der: Uint8Array): { r: bigint; s: bigint } {
  if (der[0] !== 0x30) throw new Error("DER SEQUENCE expected");
  const [, body] = derLength(der, 1);
  const [r, next] = derInteger(der, body);
  const [s] = derInteger(der, next);
  return { r, s };
}

/**
 * Turns a KMS DER signature over `digest` into an Ethereum signature: s normalised to the lower
 * half of the curve order, r and s padded to 32 bytes, v chosen by recovering `expectedAddress`.
 * Throws KMS_SIGNATURE_MISMATCH (never returns a signature) when neither v recovers it.
 */
export function kmsDerToSignature(der: Uint8Array, digest: string, expectedAddress: string): Signature {
  let parsed: { r: bigint; s: bigint };
  try {
    parsed = parseDerSignature(der);
  } catch (err) {
    throw new KeelError("KMS_SIGNATURE_INVALID", `KMS returned a malformed signature: ${(err as Error).message}`, {
      retryable: false,
    });
  }
  const { r } = parsed;
  let { s } = parsed;
  if (r <= 0n || r >= SECP256K1_N || s <= 0n || s >= SECP256K1_N) {
    throw new KeelError("KMS_SIGNATURE_INVALID", "KMS signature out of range", { retryable: false });
  }
  if (s > HALF_N) s = SECP256K1_N - s;
  const rHex = zeroPadValue(toBeHex(r), 32);
  const sHex = zeroPadValue(toBeHex(s), 32);
  const want = expectedAddress.toLowerCase();
  for (const v of [27, 28] as const) {
    const sig = Signature.from({ r: rHex, s: sHex, v });
    try {
      if (recoverAddress(digest, sig).toLowerCase() === want) return sig;
    } catch {
      // this v does not recover a point: try the other one
    }
  }
  throw new KeelError("KMS_SIGNATURE_MISMATCH", "KMS signature does not recover the key's address", {
    retryable: false,
    context: { expected: expectedAddress },
  });
}

/** Uncompressed public key (0x04‖X‖Y) from a DER SubjectPublicKeyInfo, as KMS GetPublicKey returns it. */
export function publicKeyFromSpki(spki: Uint8Array): string {
  if (spki.length < 65) throw new Error("public key too short");
  const point = spki.slice(spki.length - 65);
  if (point[0] !== 0x04) throw new Error("not an uncompressed secp256k1 point");
  return `0x${Buffer.from(point).toString("hex")}`;
}

/** Encodes (r, s) as DER (minimal integers, 0x00 prefix when the high bit is set). Tests and the loopback KMS use it. */
export function encodeDerSignature(r: bigint, s: bigint): Uint8Array {
  const int = (v: bigint): number[] => {
    let bytes = Array.from(getBytes(toBeHex(v)));
    while (bytes.length > 1 && bytes[0] === 0 && ((bytes[1] ?? 0) & 0x80) === 0) bytes = bytes.slice(1);
    if (((bytes[0] ?? 0) & 0x80) !== 0) bytes = [0, ...bytes];
    return [0x02, bytes.length, ...bytes];
  };
  const body = [...int(r), ...int(s)];
  return Uint8Array.from([0x30, body.length, ...body]);
}
