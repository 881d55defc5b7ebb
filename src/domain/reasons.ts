import type { HaltCode, ReasonCode } from "./codes.ts";

/** Why a stage said "no", or why a rule shaped the answer. Codes are stable and catalogued in `codes.ts`. */
export interface Reason {
  /** Stable machine code, e.g. `DEPEG_STOP`, `GAIN_BELOW_COST`, `PAUSED`. */
  readonly code: HaltCode | ReasonCode;
  /** Human sentence; no secrets. */
  readonly message: string;
  /** The source it concerns, when it concerns one. */
  readonly sourceId?: string;
  /** The priced symbol it concerns (upper case), for price and oracle codes. */
  readonly symbol?: string;
  /** The measured value and the limit it was held against, when there is one. */
  readonly value?: number;
  readonly limit?: number;
  /** `info` shapes the answer, `warn` alerts, `halt` stops the tick. */
  readonly severity: "info" | "warn" | "halt";
}

/**
 * A reason as read back or shown: the journal may hold a code an older keel wrote, and a stage's error
 * is shown beside the reasons with its error code.
 */
export type RecordedReason = Omit<Reason, "code"> & { readonly code: string };

/** Shorthand for building a reason. */
export function reason(
  code: Reason["code"],
  message: string,
  extra: Omit<Reason, "code" | "message" | "severity"> & { severity?: Reason["severity"] } = {},
): Reason {
  return { code, message, severity: extra.severity ?? "info", ...extra };
}
