/**
 * Checks on user text that every boundary shares: names (parameters, metrics, workers), keys of JSON
 * objects and free text (descriptions, error messages, categorical and metric strings). Pure, O(length).
 */

/** Keys that would reach an object's prototype instead of becoming one of its own properties. */
const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(['__proto__']);

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Half of a UTF-16 surrogate pair without its other half: no character at all. UTF-8 cannot encode
 * it, so PostgreSQL's JSON refuses it and text columns would store U+FFFD in its place.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Characters that show nothing, or turn the text around them, so that a name looks like another
 * (`Baseline` and `Base\u200Bline`), or shows as another (`\u202Eenilesab`): soft hyphen, combining
 * grapheme joiner, Hangul fillers, zero-width space, word joiner and invisible operators, byte-order
 * mark, line and paragraph separators, bidirectional embeddings, overrides and isolates, and the
 * deprecated format controls. Not all look-alikes: joiners (U+200C, U+200D: Persian, emoji sequences),
 * variation selectors, the marks LRM, RLM and ALM, and letters of other scripts that look like Latin ones stay.
 */
const INVISIBLE = /[\u00ad\u034f\u115f\u1160\u180e\u200b\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u206f\u3164\ufeff\uffa0\ufff9-\ufffb]/;

function codePoint(char: string): string {
  return `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

function surrogateProblem(text: string): string | null {
  const lone = LONE_SURROGATE.exec(text);
  return lone ? `must be valid Unicode, but got a lone surrogate ${codePoint(lone[0])} at position ${lone.index}` : null;
}

/**
 * Why `name` cannot name a parameter, metric or worker, or null when it can: it must be 1 to `max`
 * characters, hold no control characters (NUL, newlines, tabs ...) nor lone surrogates, and not be `__proto__`.
 */
export function nameProblem(name: string, max: number): string | null {
  if (name.length === 0) return 'must not be empty';
  if (name.length > max) return `must be at most ${max} characters, but got ${name.length}`;
  if (PROTOTYPE_KEYS.has(name)) return `must not be "${name}"`;
  const control = CONTROL.exec(name);
  if (control) return `must not contain control characters, but got ${codePoint(control[0])} at position ${control.index}`;
  return surrogateProblem(name);
}

/**
 * Why `name` cannot be given to something new (an experiment, its parameters, a rename, a user's
 * e-mail, a token), or null: {@link nameProblem}'s rules, and no invisible or text-direction characters
 * ({@link INVISIBLE}), so that it cannot pass for another. Names stored before this rule keep working
 * where they are used; only new ones are held to it.
 */
export function newNameProblem(name: string, max: number): string | null {
  const problem = nameProblem(name, max);
  if (problem !== null) return problem;
  const invisible = INVISIBLE.exec(name);
  return invisible ? `must not contain invisible or text-direction characters, but got ${codePoint(invisible[0])} at position ${invisible.index}` : null;
}

/**
 * Why free text (a description, an error message, a string value) cannot be stored, or null: NUL
 * characters and lone surrogates are refused.
 */
export function textProblem(text: string, max: number): string | null {
  if (text.length > max) return `must be at most ${max} characters, but got ${text.length}`;
  const nul = text.indexOf('\u0000');
  if (nul !== -1) return `must not contain NUL characters (U+0000), but got one at position ${nul}`;
  return surrogateProblem(text);
}

const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'g');

/** The first `max` UTF-16 units of `text`, or one fewer where the cut would leave the first half of a surrogate pair alone. */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  return text.slice(0, max > 0 && /[\uD800-\uDBFF]/.test(text[max - 1]!) ? max - 1 : max);
}

/**
 * `text` as {@link textProblem} accepts it: NUL characters and halves of a surrogate pair (a cut
 * through an emoji, bytes that were not UTF-8) become U+FFFD. For text from elsewhere, such as a
 * command's stderr, that is to be stored as an error message.
 */
export function storableText(text: string): string {
  return text.replaceAll('\u0000', '\uFFFD').replace(LONE_SURROGATES, '\uFFFD');
}

/**
 * Why `key` cannot be a key of a stored JSON object (a metric's, a checkpoint's, a categorical
 * choice with sub-parameters), or null: free text as {@link textProblem} takes it, and not `__proto__`
 * (a plain JavaScript object sets its prototype instead of keeping such a key, so it is lost on the way).
 */
export function keyProblem(key: string, max: number): string | null {
  return PROTOTYPE_KEYS.has(key) ? `must not be "${key}"` : textProblem(key, max);
}

const UNPRINTABLE = new RegExp(`${CONTROL.source}|${INVISIBLE.source}|${LONE_SURROGATE.source}`, 'g');

/**
 * Stored text as a terminal may show it: control characters (escape sequences, tabs, newlines),
 * invisible and text-direction characters (a name stored before they were refused) and lone surrogates
 * written `\uXXXX`.
 */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
