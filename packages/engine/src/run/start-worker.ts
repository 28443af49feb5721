// Starting a worker thread from a module file with the process's Node options: the row workers
// and the embedded store's thread start theirs this way.
import { Worker, type WorkerOptions } from "node:worker_threads";

/**
 * A worker inherits the process's Node options, except those about the entry point
 * (`--input-type`, `--eval`, `--print`), which a worker started from a file refuses. Options a
 * worker cannot take when given explicitly (heap sizes: V8's flags apply process-wide anyway)
 * leave it with none.
 */
export function startWorker(script: URL, options: Omit<WorkerOptions, "execArgv"> = {}): Worker {
  const argv = workerExecArgv();
  if (argv.length === process.execArgv.length) return new Worker(script, options);
  try {
    return new Worker(script, { ...options, execArgv: argv });
  } catch {
    return new Worker(script, { ...options, execArgv: [] });
  }
}

function workerExecArgv(): string[] {
  const out: string[] = [];
  const args = process.execArgv;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (/^(-e|-p|--eval|--print)$/.test(a)) i++;
    else if (!/^(--input-type|--eval|--print)(=|$)/.test(a) && !/^-[ep]/.test(a)) out.push(a);
  }
  return out;
}
