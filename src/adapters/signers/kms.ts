import { GetPublicKeyCommand, type GetPublicKeyCommandOutput, KMSClient, SignCommand } from "@aws-sdk/client-kms";
import {
  AbstractSigner,
  computeAddress,
  getBytes,
  hashMessage,
  type Provider,
  type Transaction,
  type TransactionRequest,
  type TypedDataDomain,
  TypedDataEncoder,
  type TypedDataField,
} from "ethers";
import { redact } from "../../config/secrets.ts";
import { KeelError } from "../../domain/errors.ts";
import { kmsDerToSignature, publicKeyFromSpki } from "./kmsSignature.ts";
import { unsignedTransaction } from "./unsignedTx.ts";

/** Which KMS key, where. */
export interface KmsSignerOptions {
  readonly keyId: string;
  readonly region: string;
  /** Custom endpoint (a loopback KMS in tests and on devnet). */
  readonly endpoint?: string;
  /** Static credentials (tests); otherwise the SDK's default chain. */
  readonly credentials?: { accessKeyId: string; secretAccessKey: string };
  /** SDK attempts per call (bounded retries on throttling). */
  readonly maxAttempts?: number;
  readonly requestTimeoutMs?: number;
}

/** Ports: the provider, and an observer of Sign latency (the `keel_kms_sign_seconds` histogram). */
export interface KmsSignerDeps {
  readonly provider: Provider | null;
  readonly onSign?: (seconds: number) => void;
  /** An existing client (shared across signers). */
  readonly client?: KMSClient;
}

function kmsError(op: string, err: unknown): KeelError {
  const name = (err as { name?: string })?.name ?? "Error";
  // No credentials, or credentials KMS does not accept, do not appear by retrying: exit 1.
  if (/CredentialsProviderError|UnrecognizedClient|InvalidSignature|InvalidClientTokenId|ExpiredToken/.test(name)) {
    return new KeelError("KMS_CREDENTIALS", `KMS ${op} failed: no usable AWS credentials (${name})`, {
      retryable: false,
      context: { op, error: redact(name) },
    });
  }
  const retryable = !/NotFound|InvalidKey|Disabled|AccessDenied|KMSInvalidState|UnsupportedOperation/.test(name);
  return new KeelError("KMS_UNAVAILABLE", `KMS ${op} failed: ${name}`, {
    retryable,
    context: { op, error: redact(name) },
  });
}

/** An ethers signer whose key lives in AWS KMS (key spec ECC_SECG_P256K1); it never falls back to a local key. */
export class KmsSigner extends AbstractSigner {
  readonly #client: KMSClient;
  readonly #keyId: string;
  readonly #onSign: ((seconds: number) => void) | undefined;
  #address: string | undefined;

  constructor(client: KMSClient, keyId: string, provider: Provider | null, onSign?: (seconds: number) => void) {
    super(provider);
    this.#client = client;
    this.#keyId = keyId;
    this.#onSign = onSign;
  }

  override connect(provider: Provider | null): KmsSigner {
    const s = new KmsSigner(this.#client, this.#keyId, provider, this.#onSign);
    s.#address = this.#address;
    return s;
  }

  override async getAddress(): Promise<string> {
    if (this.#address) return this.#address;
    let out: GetPublicKeyCommandOutput;
    try {
      out = await this.#client.send(new GetPublicKeyCommand({ KeyId: this.#keyId }));
    } catch (err) {
      throw kmsError("GetPublicKey", err);
    }
    if (!out.PublicKey || (out.KeySpec !== undefined && out.KeySpec !== "ECC_SECG_P256K1")) {
      throw new KeelError("KMS_KEY_UNSUPPORTED", "KMS key is not ECC_SECG_P256K1", { retryable: false });
    }
    this.#address = computeAddress(publicKeyFromSpki(out.PublicKey));
    return this.#address;
  }

  /** Signs a 32-byte digest through KMS and returns a normalised, verified Ethereum signature. */
  async signDigest(digest: string): Promise<ReturnType<typeof kmsDerToSignature>> {
    const address = await this.getAddress();
    const t0 = performance.now();
    let der: Uint8Array | undefined;
    try {
      const out = await this.#client.send(
        new SignCommand({
          KeyId: this.#keyId,
          Message: getBytes(digest),
          MessageType: "DIGEST",
          SigningAlgorithm: "ECDSA_SHA_256",
        }),
      );
      der = out.Signature;
    } catch (err) {
      throw kmsError("Sign", err);
    } finally {
      this.#onSign?.((performance.now() - t0) / 1000);
    }
    if (!der) throw new KeelError("KMS_SIGNATURE_INVALID", "KMS returned no signature", { retryable: true });
    return kmsDerToSignature(der, digest, address);
  }

  /** Signs a populated request or a `Transaction` (see `unsignedTransaction`) through KMS. */
  override async signTransaction(tx: TransactionRequest | Transaction): Promise<string> {
    const btx = await unsignedTransaction(tx, this, await this.getAddress());
    btx.signature = await this.signDigest(btx.unsignedHash);
    return btx.serialized;
  }

  override async signMessage(message: string | Uint8Array): Promise<string> {
    return (await this.signDigest(hashMessage(message))).serialized;
  }

  override async signTypedData(
    domain: TypedDataDomain,
    types: Record<string, TypedDataField[]>,
    value: Record<string, unknown>,
  ): Promise<string> {
    return (await this.signDigest(TypedDataEncoder.hash(domain, types, value))).serialized;
  }
}

/** Builds a KMS signer and checks the key once (GetPublicKey → address). */
export async function createKmsSigner(opts: KmsSignerOptions, deps: KmsSignerDeps): Promise<KmsSigner> {
  const client =
    deps.client ??
    new KMSClient({
      region: opts.region,
      maxAttempts: opts.maxAttempts ?? 3,
      ...(opts.endpoint === undefined ? {} : { endpoint: opts.endpoint }),
      ...(opts.credentials === undefined ? {} : { credentials: opts.credentials }),
      requestHandler: { requestTimeout: opts.requestTimeoutMs ?? 5_000, connectionTimeout: 2_000 },
    });
  const signer = new KmsSigner(client, opts.keyId, deps.provider, deps.onSign);
  await signer.getAddress();
  return signer;
}
