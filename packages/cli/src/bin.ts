#!/usr/bin/env node
import { runCli } from "./cli.js";

// A reader that goes away (`tagwire preview | head`, a log shipper that stops) is not an error of the
// command's: what it would still print has nowhere to go, so it is dropped instead of crashing.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code !== "EPIPE") throw e;
  });
}

const code = await runCli(process.argv);
// Exit explicitly (idle keep-alive sockets must not hold the process), once stdout and stderr are flushed.
process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
