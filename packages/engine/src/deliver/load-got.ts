// got, loaded the first time a process sends or downloads: its two dozen modules are not needed by
// commands that do neither.
import type { Got } from "got";

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

/** got's default instance (the same on every call); `Intl.ListFormat` is the process's own again once it resolves. */
export async function loadGot(): Promise<Got> {
  Reflect.set(Intl, "ListFormat", ListFormatOnFirstUse);
  try {
    return (await import("got")).default;
  } finally {
    // The one captured when this module loaded, even if two loads overlapped.
    Reflect.set(Intl, "ListFormat", ListFormat);
  }
}
