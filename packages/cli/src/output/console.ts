import * as Console from "effect/Console";
import * as Effect from "effect/Effect";

// @effect/cli styles its output with ANSI codes; they are kept for terminals only.
export const ANSI = /\u001b\[[0-9;]*m/g;

const plain = (stream: NodeJS.WriteStream, args: ReadonlyArray<unknown>): string => {
  const text = args.map((a) => (typeof a === "string" ? a : String(a))).join(" ");
  return stream.isTTY === true && process.env.NO_COLOR === undefined ? text : text.replace(ANSI, "");
};

/**
 * `base` with styles dropped when the output is not a terminal (or NO_COLOR is set), and without
 * Console.error: @effect/cli prints its parse errors there, and the CLI reports them itself (see cli.ts).
 */
export const plainConsole = (base: Console.Console): Console.Console => ({
  ...base,
  log: (...args) => Effect.sync(() => void process.stdout.write(`${plain(process.stdout, args)}\n`)),
  error: () => Effect.void,
});
