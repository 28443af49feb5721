import * as Effect from "effect/Effect";
import { errorLine, InputError } from "./exit.js";

/** Loaded on demand: only `serve` and `demo` need the server and its dependencies. */
export const loadActionServer = Effect.tryPromise({
  try: () => import("@tagwire/action-server"),
  catch: (e) =>
    new InputError({
      message: (e as NodeJS.ErrnoException).code === "ERR_MODULE_NOT_FOUND" ? "@tagwire/action-server is not built: run `npm run build` from the repository" : errorLine(e),
    }),
});
