// Large arrays that several responses send unchanged (a trial table's columns: 16 MB of JSON at
// 100,000 trials) are turned into JSON text once and spliced into each response that carries them,
// instead of being stringified again for every request.
import { randomUUID } from 'node:crypto';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';

/** Arrays registered with {@link keepJson}, and their JSON text once made (null until then). */
const texts = new WeakMap<readonly unknown[], string | null>();

/** Operation contexts whose result holds a kept array: only their responses take the splicing path. */
const holders = new WeakSet<object>();

/**
 * A placeholder no response text can contain by chance: it holds a NUL (escaped as \u0000 in JSON)
 * and a random identifier made when the process starts, which no client can know.
 */
const PLACEHOLDER = `\u0000kept-json-${randomUUID()}\u0000`;
const QUOTED_PLACEHOLDER = JSON.stringify(PLACEHOLDER);

/**
 * Registers an array whose JSON text is kept once made; it must not change afterwards (a trial table's
 * column: tables are patched into new arrays). The text lives as long as the array.
 */
export function keepJson(array: readonly unknown[]): void {
  if (!texts.has(array)) texts.set(array, null);
}

/** Marks an operation's context as resolving kept arrays, so its response is stringified by {@link stringifyKeeping}. */
export function holdsKeptJson(context: object): void {
  holders.add(context);
}

/** The JSON text of a kept array, made on first use. */
function textOf(array: readonly unknown[]): string {
  let text = texts.get(array);
  if (text == null) {
    text = JSON.stringify(array);
    texts.set(array, text);
  }
  return text;
}

/**
 * `JSON.stringify(value)`, the same text, with each kept array's text spliced in as made once rather
 * than produced again. Other values are stringified as usual.
 */
export function stringifyKeeping(value: unknown): string {
  const kept: string[] = [];
  const text = JSON.stringify(value, (_key, item: unknown) => {
    if (Array.isArray(item) && texts.has(item)) {
      kept.push(textOf(item));
      return PLACEHOLDER;
    }
    return item;
  });
  if (kept.length === 0) return text;
  const pieces = text.split(QUOTED_PLACEHOLDER);
  let out = pieces[0]!;
  for (let i = 1; i < pieces.length; i++) out += kept[i - 1]! + pieces[i]!;
  return out;
}

/** Has the responses of operations that resolved kept arrays ({@link holdsKeptJson}) stringified with {@link stringifyKeeping}. */
export function keptJsonPlugin(): Plugin {
  return {
    onExecute({ args }) {
      return {
        onExecuteDone({ result, setResult }) {
          if (!holders.has(args.contextValue as object) || isAsyncIterable(result)) return;
          // graphql-yoga stringifies a result with its own `stringify` when it has one.
          setResult({ ...result, stringify: stringifyKeeping } as typeof result);
        },
      };
    },
  };
}
