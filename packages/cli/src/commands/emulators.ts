import * as Command from "@effect/cli/Command";
import * as HelpDoc from "@effect/cli/HelpDoc";
import * as Options from "@effect/cli/Options";
import * as ValidationError from "@effect/cli/ValidationError";
import * as Effect from "effect/Effect";
import { baseUrlVariable, settingVariable } from "@tagwire/engine";
import { errorLine, InputError } from "../exit.js";
import { printLines } from "../output/print.js";

type FaultConfig = import("@tagwire/emulators").FaultConfig;

const invalid = (message: string) => ValidationError.invalidValue(HelpDoc.p(message));

/** The emulators package, loaded only when this command runs. */
const emulatorsPackage = Effect.promise(() => import("@tagwire/emulators"));

/**
 * `tagwire-emulators`' argument syntax, read as given: `startEmulators` checks the fault values' ranges
 * and names the faulty one.
 */
const parsed = <A>(read: (module: typeof import("@tagwire/emulators")) => A) =>
  Effect.flatMap(emulatorsPackage, (module) => Effect.try({ try: () => read(module), catch: (e) => invalid((e as Error).message) }));

const asGiven = (text: string) => Number(text);

const flags = {
  port: Options.integer("port").pipe(Options.withPseudoName("N"), Options.withDefault(9001), Options.withDescription("Port to listen on; 0 picks a free one. Default: 9001.")),
  host: Options.text("host").pipe(Options.withPseudoName("address"), Options.withDefault("127.0.0.1"), Options.withDescription("Interface to listen on. Default: 127.0.0.1.")),
  connector: Options.text("connector").pipe(
    Options.withPseudoName("id"),
    Options.repeated,
    Options.withDescription("Emulate only this connector (repeatable). Default: every connector in connectors/."),
  ),
  noValidate: Options.boolean("no-validate").pipe(Options.withDescription("Skip wire-schema validation of records (for benchmarks).")),
  noKeepRecords: Options.boolean("no-keep-records").pipe(Options.withDescription("Keep only counters and dedup ids, not the accepted records.")),
  latency: Options.integer("latency").pipe(Options.withPseudoName("ms"), Options.optional, Options.withDescription("Latency added to every response of every connector, in ms.")),
  seed: Options.integer("seed").pipe(Options.withPseudoName("n"), Options.optional, Options.withDescription("Seed of the fault PRNG, so fault sequences repeat.")),
  fault: Options.text("fault").pipe(
    Options.withPseudoName("id:kind=value"),
    Options.repeated,
    Options.mapEffect((specs) =>
      parsed(({ applyFault }) => {
        const faults: Record<string, FaultConfig> = {};
        for (const spec of specs) applyFault(spec, faults, { status: asGiven, rate: asGiven, seconds: asGiven, milliseconds: asGiven });
        return faults;
      }),
    ),
    Options.withDescription(
      "Inject faults (repeatable): id:503=0.3 (answer 503 to 30% of requests; any 4xx/5xx), id:drop=0.1 (destroy 10% of sockets), id:fail-all=503, id:retry-after=5|none (Retry-After of injected 429s), id:latency=20 (ms).",
    ),
  ),
  credential: Options.text("credential").pipe(
    Options.withPseudoName("id:setting=value"),
    Options.repeated,
    Options.mapEffect((specs) =>
      parsed(({ applyCredential }) => {
        const credentials: Record<string, Record<string, string>> = {};
        for (const spec of specs) applyCredential(spec, credentials);
        return credentials;
      }),
    ),
    Options.withDescription("The value a connector setting must have (repeatable; default test-<setting>)."),
  ),
};

export const emulators = Command.make("emulators", flags, (f) =>
  Effect.gen(function* () {
    // Loaded only by the long-running commands, so the others start without it; before anything is
    // printed, so a signal sent as soon as the address shows is handled.
    const { stopOnSignal } = yield* Effect.promise(() => import("../signals.js"));
    const { startEmulators, listConnectorIds } = yield* emulatorsPackage;
    const running = yield* Effect.tryPromise({
      try: () => {
        const ids = f.connector.length > 0 ? f.connector : listConnectorIds();
        // --latency and --seed apply to every emulated connector unless a --fault set its own.
        const faults: Record<string, FaultConfig> = { ...f.fault };
        for (const id of ids) {
          const config: FaultConfig = { ...faults[id] };
          if (f.latency._tag === "Some") config.latencyMs ??= f.latency.value;
          if (f.seed._tag === "Some") config.seed ??= f.seed.value;
          if (Object.keys(config).length > 0) faults[id] = config;
        }
        return startEmulators({
          port: f.port,
          host: f.host,
          ...(f.connector.length > 0 ? { connectors: f.connector } : {}),
          validate: !f.noValidate,
          keepRecords: !f.noKeepRecords,
          faults,
          credentials: f.credential,
        });
      },
      catch: (e) => new InputError({ message: errorLine(e) }),
    });
    const lines: string[] = [];
    for (const id of running.connectors) {
      const { settings } = running.credentials(id);
      lines.push(`${id}  ${running.url}`, `  export ${baseUrlVariable(id)}=${running.url}`);
      for (const [name, value] of Object.entries(settings)) lines.push(`  export ${settingVariable(id, name)}=${value}`);
    }
    lines.push(`inspect: ${running.url}/_emulator/state  ${running.url}/_emulator/<id>/records  (validation ${f.noValidate ? "off" : "on"})`);
    yield* printLines(lines);
    yield* stopOnSignal(() => running.close());
  }),
).pipe(
  Command.withDescription(
    "Run local stand-ins of the destination APIs (auth, limits, wire-schema validation, deduplication, fault injection, inspection) until SIGINT or SIGTERM. Prints each connector's URL and the environment variables that point `tagwire send` at it.",
  ),
);
