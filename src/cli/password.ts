import { readSecret } from "../config/secrets.ts";
import { ConfigError } from "../domain/errors.ts";

/** Where a keystore password comes from: a file (scripts), an environment variable, else a prompt on a terminal. */
export interface PasswordSource {
  /** `--password-file`: the first line of this file. */
  readonly file?: string | undefined;
  /** The environment variable read when no file is given (e.g. `KEEL_SIGNER_PASSWORD`). */
  readonly envName: string;
  /** What the terminal prompt says. */
  readonly prompt: string;
  /** Ask twice and require the same answer (a new keystore). */
  readonly confirm?: boolean;
}

/** The terminal the prompt talks to (process.stdin / process.stderr; injectable for tests). */
export interface PromptIo {
  readonly input: NodeJS.ReadStream;
  readonly output: NodeJS.WriteStream;
}

/**
 * Reads a password: `--password-file`, else the environment variable, else a prompt on the terminal
 * that echoes nothing. The value is registered as a secret (scrubbed from logs and errors) and never
 * appears in a message; with no terminal and neither source, it is a ConfigError saying how to give one.
 */
export async function readPassword(
  src: PasswordSource,
  env: NodeJS.ProcessEnv = process.env,
  io: PromptIo = { input: process.stdin, output: process.stderr },
): Promise<string> {
  if (src.file !== undefined) return readSecret({ file: src.file }, env);
  if (env[src.envName] !== undefined) return readSecret({ env: src.envName }, env);
  if (!io.input.isTTY) {
    throw new ConfigError(`no password: give --password-file FILE or set ${src.envName} (no terminal to prompt on)`);
  }
  const first = await promptHidden(src.prompt, io);
  if (src.confirm && (await promptHidden("Repeat the password: ", io)) !== first) {
    throw new ConfigError("the passwords do not match");
  }
  if (!first) throw new ConfigError("the password is empty");
  // Register it so any later log line or error that carries it is scrubbed.
  return readSecret({ env: "KEEL_PROMPTED_PASSWORD" }, { KEEL_PROMPTED_PASSWORD: first });
}

/** One line from the terminal in raw mode, echoing nothing; Ctrl-C aborts, Ctrl-D or Enter ends it. */
function promptHidden(prompt: string, io: PromptIo): Promise<string> {
  const { input, output } = io;
  // Echo goes off before the prompt shows: a password typed (or pasted) the moment it appears is never echoed.
  input.setRawMode(true);
  input.resume();
  output.write(prompt);
  return new Promise((resolve, reject) => {
    let value = "";
    const done = (err?: Error) => {
      input.off("data", onData);
      input.setRawMode(false);
      input.pause();
      output.write("\n");
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString("utf8")) {
        if (ch === "\u0003") return done(new ConfigError("interrupted: no password given"));
        if (ch === "\r" || ch === "\n" || ch === "\u0004") return done();
        if (ch === "\u007f" || ch === "\b") value = value.slice(0, -1);
        else value += ch;
      }
    };
    input.on("data", onData);
  });
}
