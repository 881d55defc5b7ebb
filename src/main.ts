import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { printError } from "./cli/output.ts";
import { ExitCode, exitCodeFor } from "./domain/errors.ts";
import { VERSION } from "./version.ts";

/** Each command lives in its own module under src/cli, loaded only when used. */
function buildProgram(): Command {
  const program = new Command("keel")
    .description("Self-hosted autonomous liquidity keeper for one ERC-4626 vault")
    .version(VERSION)
    .exitOverride()
    .showHelpAfterError();

  addChainCommands(program);
  addModelCommands(program);
  addSignerCommands(program);
  addInspectionCommands(program);
  return program;
}

/** `run` (the daemon) and `devnet` (the local chain alone, and its depositor). */
function addChainCommands(program: Command): void {
  program
    .command("run")
    .description("run the daemon (with no --config: on the embedded devnet)")
    .option("--config <file>", "config file (JSON or YAML)")
    .option("--once", "run one tick and exit")
    .option("--dry-run", "record what would be sent, send nothing")
    .option("--ticks <n>", "stop after N ticks (devnet demos, tests)", parsePositiveInt)
    .action(async (opts) => (await import("./cli/run.ts")).runCommand(opts));

  const devnet = program
    .command("devnet")
    .description("run only the local chain, the deployment and the market simulator")
    .option("--port <n>", "JSON-RPC port on 127.0.0.1 (0: any free port)", parsePort, 8545)
    .option("--seed <n>", "market simulator seed (default: devnet.seed, 1)", parsePositiveInt)
    .option("--data <dir>", "replay a keel dataset instead of the synthetic scenario")
    .option("--state-dir <dir>", "where to write deployment.json and keel.yaml", ".keel/devnet")
    .option("--safe", "deploy a 2-of-3 Safe as a manager of the allocator")
    .option("--signer <keystore>", "a Safe owner's keystore (give three; default: devnet accounts)", collect)
    .option("--relay", "serve a local Flashbots-style bundle relay")
    .option("--kms", "serve a local AWS KMS endpoint holding the keeper's and guardian's keys")
    .option("--no-episodes", "no scheduled gas-spike and depeg episodes in the synthetic market")
    .action(async (opts) => (await import("./cli/devnet.ts")).devnetCommand(opts));
  devnet
    .command("deposit")
    .description("a depositor arrives: deposit base-asset units into the running devnet's vault")
    .requiredOption("--deployment <file>", "the devnet's deployment.json")
    .requiredOption("--amount <units>", "whole units of the base asset (e.g. 250000)")
    .action(async (opts) => (await import("./cli/devnet.ts")).devnetDepositCommand(opts));
}

/** `backtest`, `train`, `train-policy` and `evaluate`: replaying, training and judging the models. */
function addModelCommands(program: Command): void {
  program
    .command("backtest")
    .description("replay the strategy over a historical dataset")
    .requiredOption("--data <dir>", "keel dataset folder")
    .requiredOption("--start <date>", "first day (YYYY-MM-DD)")
    .requiredOption("--end <date>", "last day (YYYY-MM-DD)")
    .requiredOption("--capital <usd>", "starting capital in USD", Number)
    .option("--strategies <list>", "comma-separated strategies", "keel,equal,greedy,topk,static-mvo,oracle")
    .addOption(new Option("--step <step>", "time step").choices(["1h", "1d"]).default("1d"))
    .option("--config <file>", "the daemon's config file (its backtest section describes the vault)")
    .option("--json", "print one JSON document on stdout")
    .option("--report <file>", "write a self-contained HTML report")
    .action(async (opts) => (await import("./cli/backtest.ts")).backtestCommand(opts));

  program
    .command("train")
    .description("train the LSTM forecaster and export it to ONNX")
    .requiredOption("--data <dir>", "keel dataset folder")
    .requiredOption("--out <dir>", "output folder for model.onnx and model.json")
    .option("--seed <n>", "random seed", parsePositiveInt, 42)
    .option("--end <date>", "last day of training data (YYYY-MM-DD)")
    .option("--epochs <n>", "maximum epochs", parsePositiveInt)
    .action(async (opts) => (await import("./cli/train.ts")).trainCommand(opts));

  program
    .command("train-policy")
    .description("train the PPO allocation policy in the backtest's environment and export it to ONNX")
    .requiredOption("--data <dir>", "keel dataset folder")
    .requiredOption("--out <dir>", "output folder for policy.onnx and policy.json")
    .option("--seed <n>", "random seed", parsePositiveInt, 1)
    .option("--end <date>", "last day of training data (YYYY-MM-DD)")
    .option("--iterations <n>", "PPO iterations", parsePositiveInt)
    .option("--config <file>", "the daemon's config file (stage options, costs, adapters)")
    .option("--bases <list>", "base assets of the vaults trained for", "USDC,USDT,DAI")
    .option("--basket", "add a USDC vault holding every stablecoin lending pool (training variety)")
    .option("--cache <dir>", "keep the forecasts per decision time here between runs")
    .action(async (opts) => (await import("./cli/trainPolicy.ts")).trainPolicyCommand(opts));

  program
    .command("evaluate")
    .description("walk-forward forecast evaluation against baselines")
    .requiredOption("--data <dir>", "keel dataset folder")
    .option(
      "--model <file>",
      "model.onnx, repeatable: each origin uses the newest model of a seed trained before it (default: the shipped model)",
      (v: string, acc: string[] = []) => [...acc, v],
    )
    .option("--start <date>", "first day (YYYY-MM-DD)")
    .option("--end <date>", "last day (YYYY-MM-DD)")
    .option("--horizon-days <n>", "forecast horizon", parsePositiveInt, 7)
    .option("--bootstrap <n>", "bootstrap replicates", parsePositiveInt, 2000)
    .option("--block-days <n>", "bootstrap block length in days", parsePositiveInt, 14)
    .option("--json", "print one JSON document on stdout")
    .action(async (opts) => (await import("./cli/evaluate.ts")).evaluateCommand(opts));
}

/** What signers and guardians run: `proposals …`, `keys new`, `pause`/`unpause`, `pins`. */
function addSignerCommands(program: Command): void {
  const proposals = program.command("proposals").description("review, sign and execute Safe proposals");
  for (const [name, desc] of [
    ["list", "list proposals"],
    ["show", "show one proposal with its human-readable diff"],
    ["sign", "sign a proposal with your key"],
    ["execute", "execute a proposal once its threshold is met"],
    ["reject", "sign the Safe's rejection of a proposal; at the threshold, execute it (spends the proposal's nonce)"],
  ] as const) {
    const cmd = proposals.command(name).description(desc).option("--config <file>", "config file");
    if (name !== "list") cmd.argument("<id>", "proposal id (safeTxHash), or latest: the newest open one");
    cmd.option("--json", "print JSON");
    cmd.option("--signer <spec>", "keystore:PATH, kms:KEY_ID or env:VAR (sign/execute/reject)");
    cmd.option("--password-file <file>", "keystore password file (else KEEL_SIGNER_PASSWORD, else a prompt)");
    cmd.action(async (...args: unknown[]) => (await import("./cli/proposals.ts")).proposalsCommand(name, args));
  }

  program
    .command("keys")
    .description("signing keys")
    .command("new")
    .description("make a new key in an encrypted JSON keystore; prints its address")
    .requiredOption("--out <file>", "keystore file to write (never overwritten)")
    .option("--password-file <file>", "password file (else KEEL_KEYSTORE_PASSWORD, else a prompt)")
    .option("--json", "print JSON")
    .action(async (opts) => (await import("./cli/keys.ts")).keysNewCommand(opts));

  for (const [name, desc] of [
    ["pause", "pause the vault (guardian or manager key)"],
    ["unpause", "unpause the vault (manager key)"],
  ] as const) {
    program
      .command(name)
      .description(desc)
      .option("--config <file>", "config file")
      .option("--rpc <url>", "JSON-RPC URL (overrides config)", parseRpcUrl)
      .action(async (opts) => (await import("./cli/pause.ts")).pauseCommand(name, opts));
  }

  program
    .command("pins")
    .description("print the monitor section pinning the deployment as it is now (review, then approve it)")
    .option("--config <file>", "config file")
    .option("--rpc <url>", "JSON-RPC URL (overrides config)", parseRpcUrl)
    .option("--json", "print JSON")
    .action(async (opts) => (await import("./cli/pins.ts")).pinsCommand(opts));
}

/** Read-only views: `status`, `report`, `explain`, `config check`. */
function addInspectionCommands(program: Command): void {
  program
    .command("status")
    .description("one screen: chain, vault, allocation, halted, last tick, pending work")
    .option("--config <file>", "config file")
    .option("--json", "print JSON")
    .action(async (opts) => (await import("./cli/status.ts")).statusCommand(opts));

  program
    .command("report")
    .description("write the risk assessment report")
    .requiredOption("--out <file>", "output HTML file")
    .option("--config <file>", "config file")
    .option("--backtest <file>", "build from a backtest JSON instead of the live journal")
    .action(async (opts) => (await import("./cli/report.ts")).reportCommand(opts));

  program
    .command("explain")
    .description("show a decision from the journal with its reasons")
    .argument("<decisionId>", "decision id, or latest: the newest decision")
    .option("--config <file>", "config file")
    .option("--json", "print JSON")
    .action(async (id, opts) => (await import("./cli/explain.ts")).explainCommand(id, opts));

  const config = program.command("config").description("configuration tools");
  config
    .command("check")
    .description("validate a config file; prints each problem with its path")
    .argument("<file>", "config file")
    .action(async (file) => (await import("./cli/config-check.ts")).configCheckCommand(file));
}

function collect(value: string, acc: string[] = []): string[] {
  return [...acc, value];
}

function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`not a whole number: ${value}`);
  return n;
}

function parsePort(value: string): number {
  const n = parsePositiveInt(value);
  if (n > 65_535) throw new InvalidArgumentError(`not a TCP port (0..65535): ${value}`);
  return n;
}

function parseRpcUrl(value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || !["http:", "https:", "ws:", "wss:"].includes(url.protocol))
    throw new InvalidArgumentError(`not an http(s) or ws(s) URL: ${value}`);
  return value;
}

async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return process.exitCode === undefined ? ExitCode.ok : Number(process.exitCode);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; anything else is a usage error.
      return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    printError(err);
    return exitCodeFor(err);
  }
}

// Exit explicitly: a stopped daemon may still hold sockets or timers; stdout/stderr pipes are synchronous on Linux.
process.exit(await main(process.argv));
