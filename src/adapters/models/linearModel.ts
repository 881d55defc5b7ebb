import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { KeelError } from "../../domain/errors.ts";
import { createLinearForecaster, linearModelSchema } from "../../ml/linear.ts";
import type { Forecaster } from "../../ports/forecaster.ts";

/**
 * Loads linear.json (`MODEL_UNAVAILABLE` when it is missing or not a keel linear model); the
 * forecaster's hash is the SHA-256 of the file.
 */
export async function loadLinearForecaster(path: string): Promise<Forecaster> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new KeelError(
      "MODEL_UNAVAILABLE",
      `cannot read the linear model: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      { retryable: false, cause: err },
    );
  }
  let parsed: ReturnType<typeof linearModelSchema.parse>;
  try {
    parsed = linearModelSchema.parse(JSON.parse(text));
  } catch (err) {
    throw new KeelError("MODEL_UNAVAILABLE", `${path} is not a valid keel linear model`, {
      retryable: false,
      cause: err,
    });
  }
  return createLinearForecaster(parsed, createHash("sha256").update(text).digest("hex"));
}
