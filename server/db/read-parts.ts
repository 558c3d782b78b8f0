/**
 * Splits `items`, in order, into parts of their `id`s to read one query each: at most `maxIds` a part,
 * whose `count`s (the rows each reads, or the most it can) add up to at most `maxRows`; one past that alone. A
 * large read then holds the event loop in slices (Prisma maps every row on it), not in one long stretch.
 */
export function readParts<T>(items: readonly T[], id: (item: T) => string, count: (item: T) => number, maxRows: number, maxIds = Number.POSITIVE_INFINITY): string[][] {
  const parts: string[][] = [];
  let part: string[] = [];
  let rows = 0;
  for (const item of items) {
    const rowsOf = count(item);
    if (part.length > 0 && (part.length >= maxIds || rows + rowsOf > maxRows)) {
      parts.push(part);
      part = [];
      rows = 0;
    }
    part.push(id(item));
    rows += rowsOf;
  }
  if (part.length > 0) parts.push(part);
  return parts;
}
