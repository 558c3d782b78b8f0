// The tags editor's text: tags separated by commas, a tag that holds a comma (or starts with a quote)
// in double quotes, a quote inside doubled, as in CSV. Formatting then parsing gives the tags back.

/** The tags as the editor shows them: `vision, "lr=1e-3,bs=64"`. */
export function formatTags(tags: readonly string[]): string {
  return tags.map((tag) => (tag.includes(',') || tag.startsWith('"') ? `"${tag.replaceAll('"', '""')}"` : tag)).join(', ');
}

/**
 * The tags in the editor's text: split at commas outside double quotes, each trimmed, empty ones
 * left out; a quote left open runs to the end of the text.
 */
export function parseTags(text: string): string[] {
  const tags: string[] = [];
  let i = 0;
  while (i <= text.length) {
    while (text[i] === ' ' || text[i] === '\t') i++;
    let tag = '';
    if (text[i] === '"') {
      i++;
      while (i < text.length) {
        if (text[i] === '"' && text[i + 1] === '"') {
          tag += '"';
          i += 2;
        } else if (text[i] === '"') {
          i++;
          break;
        } else tag += text[i++];
      }
    }
    // Up to the next comma (after a closing quote: whatever was typed there, kept).
    const comma = text.indexOf(',', i);
    const end = comma === -1 ? text.length : comma;
    tag = (tag + text.slice(i, end)).trim();
    if (tag) tags.push(tag);
    i = end + 1;
  }
  return tags;
}
