/**
 * A failed trial's error as the agent shows it on its progress line: one line, bounded, safe for a terminal.
 */
import { printable } from '../text.ts';

/** Characters of a failed trial's reason on its progress line. */
export const REASON_CHARS = 300;

/**
 * A trial's error on one line: its first line and, when there are more, its last (where a stack trace
 * or a stderr tail names the problem), joined by ` ... `; control characters written `\uXXXX`; cut in the
 * middle to at most `max` characters.
 */
export function reasonLine(error: string, max: number = REASON_CHARS): string {
  const lines = error.split(/\r?\n|\r/).map((line) => line.trim()).filter((line) => line !== '');
  if (lines.length === 0) return '(no reason given)';
  const joined = printable(lines.length === 1 ? lines[0]! : `${lines[0]!} ... ${lines.at(-1)!}`);
  if (joined.length <= max) return joined;
  const head = Math.ceil((max - 5) / 2);
  return `${joined.slice(0, head)} ... ${joined.slice(joined.length - (max - 5 - head))}`;
}
