// Shape checks for JSON-RPC results: nothing from a node is trusted before it passes here.

// Leading zeros are out of spec but some honest nodes send them; ethers reads them fine.
const QUANTITY = /^0x[0-9a-f]{1,64}$/i;
const DATA = /^0x([0-9a-f]{2})*$/i;
const HASH = /^0x[0-9a-f]{64}$/i;
const ADDRESS = /^0x[0-9a-f]{40}$/i;

type Check = (value: unknown) => string | undefined;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

const quantity: Check = (v) => (typeof v === "string" && QUANTITY.test(v) ? undefined : "expected a hex quantity");
const data: Check = (v) => (typeof v === "string" && DATA.test(v) ? undefined : "expected hex data");
const hash: Check = (v) => (typeof v === "string" && HASH.test(v) ? undefined : "expected a 32-byte hash");
const decimalString: Check = (v) =>
  typeof v === "string" && /^\d+$/.test(v) ? undefined : "expected a decimal string";
const boolean: Check = (v) => (typeof v === "boolean" ? undefined : "expected a boolean");

function fields(spec: Record<string, Check>, optional: readonly string[] = []): Check {
  return (v) => {
    if (!isObject(v)) return "expected an object";
    for (const [key, check] of Object.entries(spec)) {
      if (v[key] === undefined || v[key] === null) {
        if (optional.includes(key)) continue;
        return `missing ${key}`;
      }
      const problem = check(v[key]);
      if (problem) return `${key}: ${problem}`;
    }
    return undefined;
  };
}

const nullable =
  (check: Check): Check =>
  (v) =>
    v === null ? undefined : check(v);

const arrayOf =
  (check: Check): Check =>
  (v) => {
    if (!Array.isArray(v)) return "expected an array";
    for (const [i, item] of v.entries()) {
      const problem = check(item);
      if (problem) return `[${i}] ${problem}`;
    }
    return undefined;
  };

const block = fields(
  { number: quantity, hash: hash, parentHash: hash, timestamp: quantity, gasLimit: quantity, baseFeePerGas: quantity },
  ["baseFeePerGas"],
);
/** A pending block has no hash (and on some nodes no number) yet. */
const pendingBlock = fields({ timestamp: quantity, gasLimit: quantity, parentHash: hash }, []);
const log = fields({
  address: (v) => (typeof v === "string" && ADDRESS.test(v) ? undefined : "expected an address"),
  topics: arrayOf(hash),
  data,
  blockNumber: quantity,
  transactionHash: hash,
  logIndex: quantity,
});
const receipt = fields(
  {
    transactionHash: hash,
    blockNumber: quantity,
    blockHash: hash,
    status: quantity,
    logs: arrayOf(log),
    gasUsed: quantity,
  },
  ["status"],
);
const transaction = fields({
  hash,
  nonce: quantity,
  from: (v) => (typeof v === "string" && ADDRESS.test(v) ? undefined : "expected an address"),
});
const feeHistory = fields({ oldestBlock: quantity, baseFeePerGas: arrayOf(quantity) });

/** Per-method result checks. Methods not listed here are only checked for a JSON-RPC envelope. */
const checks: Readonly<Record<string, Check>> = {
  eth_blockNumber: quantity,
  eth_chainId: quantity,
  eth_gasPrice: quantity,
  eth_maxPriorityFeePerGas: quantity,
  eth_blobBaseFee: quantity,
  eth_getBalance: quantity,
  eth_getTransactionCount: quantity,
  eth_estimateGas: quantity,
  net_version: decimalString,
  eth_call: data,
  eth_getCode: data,
  eth_getStorageAt: (v) => (typeof v === "string" && HASH.test(v) ? undefined : "expected a 32-byte word"),
  eth_sendRawTransaction: hash,
  eth_sendTransaction: hash,
  eth_getBlockByNumber: nullable(block),
  eth_getBlockByHash: nullable(block),
  eth_getTransactionByHash: nullable(transaction),
  eth_getTransactionReceipt: nullable(receipt),
  eth_getLogs: arrayOf(log),
  eth_feeHistory: feeHistory,
  eth_syncing: (v) => (v === false || isObject(v) ? undefined : "expected false or an object"),
  net_listening: boolean,
};

/** Reads that may be retried and sent to another endpoint: they change nothing. */
export const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set([
  "eth_blockNumber",
  "eth_chainId",
  "eth_gasPrice",
  "eth_maxPriorityFeePerGas",
  "eth_blobBaseFee",
  "eth_getBalance",
  "eth_getTransactionCount",
  "eth_estimateGas",
  "net_version",
  "eth_call",
  "eth_getCode",
  "eth_getStorageAt",
  "eth_getBlockByNumber",
  "eth_getBlockByHash",
  "eth_getTransactionByHash",
  "eth_getTransactionReceipt",
  "eth_getLogs",
  "eth_feeHistory",
  "eth_syncing",
  "net_listening",
  "web3_clientVersion",
]);

/** The metric label for a method: known methods by name, anything else as `other` (bounded cardinality). */
export function methodLabel(method: string): string {
  return method in checks || IDEMPOTENT_METHODS.has(method) ? method : "other";
}

/** A JSON-RPC response envelope after its shape was checked. */
export type RpcEnvelope =
  | { readonly kind: "result"; readonly result: unknown }
  | { readonly kind: "error"; readonly error: { code: number; message: string; data?: unknown } };

/** Checks a parsed response body against the request: envelope, id, and the method's result shape. */
export function validateResponse(method: string, id: unknown, body: unknown, params?: unknown): RpcEnvelope | string {
  if (!isObject(body)) return "response is not a JSON-RPC object";
  if (body.jsonrpc !== "2.0") return "response lacks jsonrpc 2.0";
  if (body.id !== id) return "response id does not match the request";
  if ("error" in body && body.error !== undefined && body.error !== null) {
    const err = body.error;
    if (!isObject(err) || typeof err.code !== "number" || typeof err.message !== "string")
      return "malformed error object";
    return {
      kind: "error",
      error: { code: err.code, message: err.message, ...(err.data !== undefined ? { data: err.data } : {}) },
    };
  }
  if (!("result" in body)) return "response has neither result nor error";
  const pending = method === "eth_getBlockByNumber" && Array.isArray(params) && params[0] === "pending";
  const check = pending ? nullable(pendingBlock) : checks[method];
  const problem = check?.(body.result);
  if (problem) return `${method}: ${problem}`;
  return { kind: "result", result: body.result };
}

/** JSON-RPC error codes that mean "the node is struggling", not "your request is wrong". */
export function isTransientRpcError(error: { code: number; message: string }): boolean {
  return error.code === -32005 || /rate limit|too many requests|header not found|timeout/i.test(error.message);
}
