/** The most characters the kept export texts hold together. */
export const MAX_KEPT_CHARS = 64 * 1024 * 1024;

interface Entry {
  readonly text: Promise<string>;
  /** Its length once built; 0 while it is being built. */
  chars: number;
}

/**
 * Whole export files (`TrialExport.text`) shared by the reads of one experiment as it is (its row's
 * revision and last change): the aliases of one query, and every subscriber's event for one change,
 * read the trials and build the text once instead of once each. The latest few are kept, at most
 * {@link MAX_KEPT_CHARS} characters together (a longer one is shared while it is built, not kept); a
 * failure is not kept.
 */
export class ExportTexts {
  private readonly entries = new Map<string, Entry>();
  private kept = 0;

  constructor(
    private readonly maxChars = MAX_KEPT_CHARS,
    private readonly maxEntries = 8,
  ) {}

  /** The text `key` names: the one being built or kept, else `build`'s (then kept while there is room). */
  text(key: string, build: () => Promise<string>): Promise<string> {
    const found = this.entries.get(key);
    if (found !== undefined) {
      // Most recently used last: the first entry is the one to forget.
      this.entries.delete(key);
      this.entries.set(key, found);
      return found.text;
    }
    const entry: Entry = { text: build(), chars: 0 };
    this.entries.set(key, entry);
    entry.text.then(
      (text) => {
        if (this.entries.get(key) !== entry) return;
        if (text.length > this.maxChars) {
          this.entries.delete(key);
          return;
        }
        entry.chars = text.length;
        this.kept += text.length;
        this.evict();
      },
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    this.evict();
    return entry.text;
  }

  /** Forgets the least recently used entries past either bound. */
  private evict(): void {
    for (const [key, entry] of this.entries) {
      if (this.kept <= this.maxChars && this.entries.size <= this.maxEntries) return;
      this.entries.delete(key);
      this.kept -= entry.chars;
    }
  }
}
