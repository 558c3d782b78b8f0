/** Formats a loss or metric compactly: up to 4 significant digits, exponent form when very small or large. */
export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value) && Math.abs(value) < 1e6) return String(value);
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) return value.toExponential(3);
  return Number(value.toPrecision(4)).toString();
}

/**
 * Whether a text would read as another kind of value (`"1"` as a number, `"true"` as a boolean). Any
 * other text is shown as it is, one that begins with a quote too (quoting it would escape its quotes).
 */
function readsAsOtherKind(text: string): boolean {
  return text === 'true' || text === 'false' || text === 'null' || (text.trim() !== '' && !Number.isNaN(Number(text)));
}

/** Formats a text value: as itself, or in quotes when it would read as another kind of value (`"1"` beside the number 1). */
function formatText(text: string): string {
  return readsAsOtherKind(text) ? JSON.stringify(text) : text;
}

/** Formats any parameter or metric value for a table cell. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'string') return formatText(value);
  return JSON.stringify(value);
}

/**
 * Names a categorical choice in full (numbers unrounded), so distinct choices read distinctly:
 * the number 1 as `1`, the text "1" as `"1"`, true as `true`.
 */
export function formatChoice(value: unknown): string {
  return typeof value === 'string' ? formatText(value) : JSON.stringify(value);
}

/** A value's identity as a choice: the number 1, the text "1" and true are three (their JSON). */
export function choiceKey(value: unknown): string {
  return JSON.stringify(value);
}

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto', style: 'short' });

/** "3 minutes ago" for a time (ms or ISO string) relative to `now`. */
export function timeAgo(time: number | string, now = Date.now()): string {
  const seconds = Math.round(((typeof time === 'string' ? Date.parse(time) : time) - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return 'just now';
  if (abs < 3600) return relative.format(Math.round(seconds / 60), 'minute');
  if (abs < 86400) return relative.format(Math.round(seconds / 3600), 'hour');
  return relative.format(Math.round(seconds / 86400), 'day');
}
