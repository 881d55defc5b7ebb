/** A learned allocation policy (the PPO network served by onnxruntime, or a training agent). */
export interface AllocationPolicy {
  /** `policy` for the served network. */
  readonly name: string;
  /** SHA-256 of the policy file (training agents: their own label). */
  readonly hash: string;
  /**
   * Target weights for one decision: `observation` is `sources × features` (row-major, the features of
   * `POLICY_FEATURES` in order); the answer has `sources + 1` non-negative weights summing to 1, the
   * last one idle.
   */
  act(observation: Float32Array, sources: number, signal: AbortSignal): Promise<Float32Array>;
}
