/** Process exit codes (sysexits-style): the contract with systemd and wrappers. */
export const ExitCode = {
  ok: 0,
  /** Bad input or configuration: retrying will not help. */
  badInput: 1,
  /** Wrong usage of the command line. */
  usage: 2,
  /** Temporary failure (EX_TEMPFAIL): retrying later may succeed. */
  tempFail: 75,
} as const;

/** Context carried by a coded error; must never hold secrets. */
export type ErrorContext = Record<string, string | number | boolean | null | undefined>;

/**
 * A failure with a stable code, a retryable flag and context. Expected "no" answers are
 * results (see `Halt`), never errors.
 */
export class KeelError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  readonly context: ErrorContext;

  constructor(
    code: string,
    message: string,
    opts: { retryable?: boolean; context?: ErrorContext; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "KeelError";
    this.code = code;
    this.retryable = opts.retryable ?? false;
    this.context = opts.context ?? {};
  }
}

/** A configuration problem: exit 1, never retried. */
export class ConfigError extends KeelError {
  readonly issues: readonly { path: string; message: string }[];
  constructor(message: string, issues: readonly { path: string; message: string }[] = []) {
    super("CONFIG_INVALID", message, { retryable: false });
    this.name = "ConfigError";
    this.issues = issues;
  }
}

/**
 * System error codes that may heal by themselves (network, resources). Any other system code —
 * EACCES, EPERM, EROFS, ENOENT, ENOTDIR, … — is an installation or configuration problem.
 */
const TEMPORARY_SYSTEM_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "EPIPE",
  "EADDRINUSE",
  "EAGAIN",
  "EBUSY",
  "EMFILE",
  "ENFILE",
  "ENOMEM",
  "ENOSPC",
  "EIO",
]);

/** True for a thrown value that may succeed when retried; KeelErrors say so themselves. */
export function isTemporary(err: unknown): boolean {
  if (err instanceof KeelError) return err.retryable;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === "string" && /^E[A-Z_]+$/.test(code) && !code.startsWith("ERR_"))
    return TEMPORARY_SYSTEM_CODES.has(code);
  // A programming error (the logger handed a non-stream, a bad option value) fails the same way every time.
  if (err instanceof TypeError || err instanceof RangeError || err instanceof SyntaxError) return false;
  if (err instanceof ReferenceError) return false;
  return true;
}

/** Maps any thrown value to the exit code the process should end with: 75 only for what may heal. */
export function exitCodeFor(err: unknown): number {
  return isTemporary(err) ? ExitCode.tempFail : ExitCode.badInput;
}

/** Serialises an error (and its cause chain) for a journal record or a log line. */
export function describeError(err: unknown): { code: string; message: string; retryable: boolean } {
  if (err instanceof KeelError) return { code: err.code, message: err.message, retryable: err.retryable };
  if (err instanceof Error) return { code: "UNEXPECTED", message: err.message, retryable: isTemporary(err) };
  return { code: "UNEXPECTED", message: String(err), retryable: true };
}
