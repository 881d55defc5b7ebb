import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { SigningKey, Wallet } from "ethers";
import { encodeDerSignature, SECP256K1_N } from "../adapters/signers/kmsSignature.ts";

/** How the loopback KMS misbehaves for the next Sign calls. */
export type KmsMode = "normal" | "high-s" | "wrong-key" | "throttle" | "error-500" | "garbage";

/** A local AWS KMS endpoint (JSON 1.1 protocol: TrentService.GetPublicKey / Sign) on 127.0.0.1, for `keel devnet --kms` and tests. */
export interface LoopbackKms {
  readonly endpoint: string;
  /** Key ids served, with their Ethereum addresses. */
  readonly keys: ReadonlyMap<string, { address: string; key: SigningKey }>;
  mode: KmsMode;
  /** Number of calls per operation (for retry assertions). */
  readonly calls: { GetPublicKey: number; Sign: number };
  addKey(keyId: string, privateKey?: string): string;
  close(): Promise<void>;
}

// DER SubjectPublicKeyInfo header for an id-ecPublicKey / secp256k1 uncompressed point.
const SPKI_PREFIX = Buffer.from("3056301006072a8648ce3d020106052b8104000a034200", "hex");

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function reply(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { "content-type": "application/x-amz-json-1.1" });
  res.end(JSON.stringify(value));
}

/** Starts the loopback KMS with one key (`alias/keel-test`), unless given others. */
export async function startLoopbackKms(initialKeys: Record<string, string> = {}): Promise<LoopbackKms> {
  const keys = new Map<string, { address: string; key: SigningKey }>();
  const wrong = new SigningKey(Wallet.createRandom().privateKey);
  const state = {
    mode: "normal" as KmsMode,
    calls: { GetPublicKey: 0, Sign: 0 },
  };
  function addKey(keyId: string, privateKey?: string): string {
    const key = new SigningKey(privateKey ?? Wallet.createRandom().privateKey);
    const address = new Wallet(key.privateKey).address;
    keys.set(keyId, { address, key });
    return address;
  }
  if (Object.keys(initialKeys).length === 0) addKey("alias/keel-test");
  for (const [id, pk] of Object.entries(initialKeys)) addKey(id, pk);

  const server = createServer((req, res) => {
    void (async () => {
      const target = String(req.headers["x-amz-target"] ?? "");
      const input = JSON.parse((await body(req)) || "{}") as { KeyId?: string; Message?: string; MessageType?: string };
      const op = target.split(".")[1] ?? "";
      const entry = input.KeyId === undefined ? undefined : keys.get(input.KeyId);
      if (op === "GetPublicKey" || op === "Sign") state.calls[op]++;
      if (!entry) return reply(res, 400, { __type: "NotFoundException", message: "key not found" });
      if (op === "GetPublicKey") {
        const point = Buffer.from(entry.key.publicKey.slice(2), "hex");
        return reply(res, 200, {
          KeyId: input.KeyId,
          KeySpec: "ECC_SECG_P256K1",
          KeyUsage: "SIGN_VERIFY",
          SigningAlgorithms: ["ECDSA_SHA_256"],
          PublicKey: Buffer.concat([SPKI_PREFIX, point]).toString("base64"),
        });
      }
      if (op !== "Sign") return reply(res, 400, { __type: "UnsupportedOperationException", message: op });
      if (state.mode === "throttle") return reply(res, 400, { __type: "ThrottlingException", message: "slow down" });
      if (state.mode === "error-500") return reply(res, 500, { __type: "KMSInternalException", message: "boom" });
      if (input.MessageType !== "DIGEST")
        return reply(res, 400, { __type: "ValidationException", message: "DIGEST only" });
      const digest = `0x${Buffer.from(input.Message ?? "", "base64").toString("hex")}`;
      if (state.mode === "garbage") {
        return reply(res, 200, { KeyId: input.KeyId, Signature: Buffer.from("3003020101", "hex").toString("base64") });
      }
      const signer = state.mode === "wrong-key" ? wrong : entry.key;
      const sig = signer.sign(digest);
      let s = BigInt(sig.s);
      if (state.mode === "high-s") s = SECP256K1_N - s;
      const der = encodeDerSignature(BigInt(sig.r), s);
      return reply(res, 200, {
        KeyId: input.KeyId,
        SigningAlgorithm: "ECDSA_SHA_256",
        Signature: Buffer.from(der).toString("base64"),
      });
    })().catch((err: unknown) => reply(res, 500, { __type: "KMSInternalException", message: String(err) }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    keys,
    get mode() {
      return state.mode;
    },
    set mode(m: KmsMode) {
      state.mode = m;
    },
    calls: state.calls,
    addKey,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
