import { Effect } from "effect";
import { errorLine, InputError } from "./exit.js";

/** The part of `@tagwire/action-server` the CLI uses. */
export interface ActionServerModule {
  /** Throws a ConfigError with a clear message for bad or missing variables. */
  configFromEnv(env: Record<string, string | undefined>): unknown;
  startActionServer(config: unknown): Promise<{ url: string; port: number; close(): Promise<void> }>;
  runDemo(options: { out: (line: string) => void; json?: boolean }): Promise<unknown>;
}

const MODULE: string = "@tagwire/action-server";

/** Loaded on demand: only `serve` and `demo` need the server and its dependencies. */
export const loadActionServer: Effect.Effect<ActionServerModule, InputError> = Effect.tryPromise({
  try: () => import(MODULE) as Promise<ActionServerModule>,
  catch: (e) =>
    new InputError({
      message: (e as NodeJS.ErrnoException).code === "ERR_MODULE_NOT_FOUND" ? `${MODULE} is not built: run \`npm run build\` from the repository` : errorLine(e),
    }),
});
