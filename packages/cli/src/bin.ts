#!/usr/bin/env node
import { answerHelpFromSnapshot } from "./help-snapshot.js";

// A reader that goes away (`tagwire preview | head`, a log shipper that stops) is not an error of the
// command's: what it would still print has nowhere to go, so it is dropped instead of crashing.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code !== "EPIPE") throw e;
  });
}

// `--help` is answered before the full CLI (@effect/cli, the engine) is loaded: see help-snapshot.ts;
// so are the common command lines of `destinations` and `validate`: see quick.ts.
const code = answerHelpFromSnapshot(process.argv) ? 0 : ((await (await import("./quick.js")).runQuick(process.argv)) ?? (await fullCli()));
// Exit explicitly (idle keep-alive sockets must not hold the process), once stdout and stderr are flushed.
process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));

/**
 * The full CLI (`serve`, `send`, ...), whose heap is bounded before its modules load: V8 grows a
 * thread's young generation as the loading allocates, and does not shrink it after (compact-heap.ts).
 */
async function fullCli(): Promise<number> {
  (await import("@tagwire/engine/compact-heap")).compactHeap();
  return (await import("./cli.js")).runCli(process.argv);
}
