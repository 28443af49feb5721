import { Command, HelpDoc, Options, ValidationError } from "@effect/cli";
import { Effect } from "effect";
import { settingVariable } from "../settings.js";
import { baseUrlVariable } from "@tagwire/engine";
import { errorLine, InputError } from "../exit.js";
import { printLines } from "../output/print.js";
import { stopOnSignal } from "../signals.js";

type FaultConfig = import("@tagwire/emulators").FaultConfig;

const invalid = (message: string) => ValidationError.invalidValue(HelpDoc.p(message));

/**
 * `--fault mparticle:503=0.3`, `segment:drop=0.1`, `mparticle:fail-all=503`, `segment:retry-after=none`,
 * `segment:latency=20`: the syntax of `tagwire-emulators`. Only the shape is read here; the ranges are
 * checked by `startEmulators`, which names the faulty value.
 */
export function parseFault(spec: string, faults: Record<string, FaultConfig>): string | undefined {
  const match = /^([^:=]+):([^=]+)=(.+)$/.exec(spec);
  if (!match) return `--fault "${spec}" must look like connector:kind=value, e.g. mparticle:503=0.3`;
  const [, id, kind, value] = match as unknown as [string, string, string, string];
  const config = (faults[id] ??= {});
  const number = Number(value);
  if (/^\d{3}$/.test(kind)) config.statusRates = { ...config.statusRates, [Number(kind)]: number };
  else if (kind === "drop") config.dropRate = number;
  else if (kind === "fail-all") config.failAll = number;
  else if (kind === "retry-after") config.retryAfterSeconds = value === "none" ? null : number;
  else if (kind === "latency") config.latencyMs = number;
  else return `--fault ${spec}: unknown kind "${kind}" (a status such as 503, drop, fail-all, retry-after, latency)`;
  return undefined;
}

const flags = {
  port: Options.integer("port").pipe(Options.withDefault(9001), Options.withDescription("Port to listen on; 0 picks a free one.")),
  host: Options.text("host").pipe(Options.withDefault("127.0.0.1"), Options.withDescription("Interface to listen on.")),
  connector: Options.text("connector").pipe(
    Options.withPseudoName("id"),
    Options.repeated,
    Options.withDescription("Emulate only this connector (repeatable). Default: every connector in connectors/."),
  ),
  noValidate: Options.boolean("no-validate").pipe(Options.withDescription("Skip wire-schema validation of records (for benchmarks).")),
  noKeepRecords: Options.boolean("no-keep-records").pipe(Options.withDescription("Keep only counters and dedup ids, not the accepted records.")),
  latency: Options.integer("latency").pipe(Options.withPseudoName("ms"), Options.optional, Options.withDescription("Latency added to every response of every connector, in ms.")),
  seed: Options.integer("seed").pipe(Options.optional, Options.withDescription("Seed of the fault PRNG, so fault sequences repeat.")),
  fault: Options.text("fault").pipe(
    Options.withPseudoName("id:kind=value"),
    Options.repeated,
    Options.mapEffect((specs) => {
      const faults: Record<string, FaultConfig> = {};
      for (const spec of specs) {
        const problem = parseFault(spec, faults);
        if (problem !== undefined) return Effect.fail(invalid(problem));
      }
      return Effect.succeed(faults);
    }),
    Options.withDescription(
      "Inject faults (repeatable): id:503=0.3 (answer 503 to 30% of requests; any 4xx/5xx), id:drop=0.1 (destroy 10% of sockets), id:fail-all=503, id:retry-after=5|none (Retry-After of injected 429s), id:latency=20 (ms).",
    ),
  ),
  credential: Options.text("credential").pipe(
    Options.withPseudoName("id:setting=value"),
    Options.repeated,
    Options.mapEffect((specs) => {
      const credentials: Record<string, Record<string, string>> = {};
      for (const spec of specs) {
        const match = /^([^:=]+):([^=]+)=(.*)$/.exec(spec);
        if (!match) return Effect.fail(invalid(`--credential "${spec}" must look like connector:setting=value`));
        (credentials[match[1]!] ??= {})[match[2]!] = match[3]!;
      }
      return Effect.succeed(credentials);
    }),
    Options.withDescription("The value a connector setting must have (repeatable; default test-<setting>)."),
  ),
};

export const emulators = Command.make("emulators", flags, (f) =>
  Effect.gen(function* () {
    const { startEmulators, listConnectorIds } = yield* Effect.promise(() => import("@tagwire/emulators"));
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
