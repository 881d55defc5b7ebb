/** Structured logging as the execution core uses it (pino's Logger fits): a constant message plus context. */
export interface LogSink {
  info(context: object, message: string): void;
  warn(context: object, message: string): void;
  error(context: object, message: string): void;
  child(bindings: Record<string, unknown>): LogSink;
}
