import type { Reason } from "../domain/reasons.ts";

/** What a stage returns: a value to pass on, or an expected "no" with its reasons. Failures throw. */
export type StageResult<T> =
  | { readonly status: "ok"; readonly value: T; readonly summary: string; readonly reasons?: readonly Reason[] }
  | { readonly status: "halt"; readonly summary: string; readonly reasons: readonly Reason[] };

/** A stage turns its input into its output; it never imports I/O, it gets ports. */
export interface Stage<I, O> {
  run(input: I, signal: AbortSignal): Promise<StageResult<O>>;
}

/** Builds an ok result. */
export function ok<T>(value: T, summary: string, reasons?: readonly Reason[]): StageResult<T> {
  return reasons && reasons.length > 0 ? { status: "ok", value, summary, reasons } : { status: "ok", value, summary };
}

/** Builds a halt result from at least one reason; the summary is the reasons' messages. */
export function halt<T>(reasons: readonly Reason[]): StageResult<T> {
  return { status: "halt", summary: reasons.map((r) => r.message).join("; "), reasons };
}
