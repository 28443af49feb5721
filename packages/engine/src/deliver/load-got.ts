// got, loaded the first time a process sends or downloads: its two dozen modules are not needed by
// commands that do neither.
import type { Got, Options } from "got";

const { ListFormat } = Intl;

/**
 * Takes `Intl.ListFormat`'s place while got loads. got's type checks (@sindresorhus/is) make two
 * list formats as their module loads, only to word the message of a check that fails; the first
 * list format of a process pages in ICU's locale data, about 5 MB that then stay resident for the
 * life of the process (docs/performance.md). This one makes its list format when it is first used,
 * so the messages read the same.
 */
class ListFormatOnFirstUse {
  static readonly supportedLocalesOf = ListFormat.supportedLocalesOf.bind(ListFormat);
  private made: Intl.ListFormat | undefined;

  constructor(
    private readonly locales?: ConstructorParameters<typeof Intl.ListFormat>[0],
    private readonly options?: Intl.ListFormatOptions,
  ) {}

  private get formatter(): Intl.ListFormat {
    return (this.made ??= new ListFormat(this.locales, this.options));
  }

  format(list: Iterable<string>): string {
    return this.formatter.format(list);
  }

  formatToParts(list: Iterable<string>): ReturnType<Intl.ListFormat["formatToParts"]> {
    return this.formatter.formatToParts(list);
  }

  resolvedOptions(): Intl.ResolvedListFormatOptions {
    return this.formatter.resolvedOptions();
  }
}

/** What `withLeanRequestOptions` touches of got's Options (its internals are not in got's types). */
interface OptionsInternals {
  _internals?: { cacheOptions?: Record<string, unknown> };
  createNativeRequestOptions(): Record<string, unknown>;
}

const LEAN = Symbol("tagwire.leanRequestOptions");
const NO_CACHE_OPTIONS: Readonly<Record<string, unknown>> = Object.freeze({});

/**
 * got makes the options of each request's `http.request` in `Options.createNativeRequestOptions`
 * as an object literal that first spreads the request's cache options (an object of four keys
 * whose values are undefined) and then sets thirty properties. On Node 20's V8 such a literal
 * took about 70 µs and left garbage each time, against 5 µs when the object spread is empty:
 * 0.7 s of the server's thread and a third of its garbage collection for 10,000 requests. The
 * method is given an empty object to spread and the cache options are set on its result after:
 * the same keys and values (no property of the literal has a cache option's name).
 */
function withLeanRequestOptions(options: typeof Options): void {
  const prototype = options.prototype as unknown as OptionsInternals & { [LEAN]?: true };
  const made = prototype.createNativeRequestOptions;
  if (prototype[LEAN] === true || typeof made !== "function") return;
  prototype.createNativeRequestOptions = function leanRequestOptions(this: OptionsInternals) {
    const internals = this._internals;
    const cache = internals?.cacheOptions;
    if (internals === undefined || cache === undefined) return made.call(this);
    internals.cacheOptions = NO_CACHE_OPTIONS;
    let native: Record<string, unknown>;
    try {
      native = made.call(this);
    } finally {
      internals.cacheOptions = cache;
    }
    for (const key of Object.keys(cache)) native[key] = cache[key];
    return native;
  };
  prototype[LEAN] = true;
}

/** got's default instance (the same on every call); `Intl.ListFormat` is the process's own again once it resolves. */
export async function loadGot(): Promise<Got> {
  Reflect.set(Intl, "ListFormat", ListFormatOnFirstUse);
  try {
    const got = await import("got");
    withLeanRequestOptions(got.Options);
    return got.default;
  } finally {
    // The one captured when this module loaded, even if two loads overlapped.
    Reflect.set(Intl, "ListFormat", ListFormat);
  }
}
