/**
 * An experiment's parameter spec as the user wrote it (stored JSON), walked into the flat parameters
 * trials hold: sub-parameters of a `{"choices": {...}}` parameter included, keyed as the server keys
 * them (server/optimizer/space/tree.ts): their own name, or `choice.name` when the name occurs more
 * than once in the spec.
 */

/** One parameter of a spec, parents before their sub-parameters. */
export interface SpecParameter {
  /** Its key in a trial's params. */
  readonly key: string;
  /** Its spec: a numeric object, a list, a constant, or `{"choices": {...}}`. */
  readonly spec: unknown;
  /** The parameter and choice under which it exists; null at the top level. */
  readonly condition: { readonly parent: string; readonly choice: string } | null;
}

/** The deepest nesting of choices read (the server refuses more). */
const MAX_DEPTH = 4;

/** Whether a value is a plain JSON object. */
export function isSpecObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The choices of a `{"choices": {...}}` spec, in name order (as the server orders them); null for other specs. */
export function branchChoices(spec: unknown): string[] | null {
  return isSpecObject(spec) && isSpecObject(spec.choices) ? Object.keys(spec.choices).sort() : null;
}

/** Every parameter of a stored spec, parents first, top-level ones in name order. */
export function specParameters(spec: unknown): SpecParameter[] {
  if (!isSpecObject(spec)) return [];
  const found: { name: string; spec: unknown; parent: number | null; choice: string | null }[] = [];
  const visit = (entries: [string, unknown][], parent: number | null, choice: string | null, depth: number) => {
    for (const [name, value] of entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const index = found.push({ name, spec: value, parent, choice }) - 1;
      if (depth >= MAX_DEPTH || !isSpecObject(value) || !isSpecObject(value.choices)) continue;
      for (const branch of Object.keys(value.choices).sort()) {
        const subs = value.choices[branch];
        if (isSpecObject(subs)) visit(Object.entries(subs), index, branch, depth + 1);
      }
    }
  };
  visit(Object.entries(spec), null, null, 0);
  const occurrences = new Map<string, number>();
  for (const { name } of found) occurrences.set(name, (occurrences.get(name) ?? 0) + 1);
  const keys = found.map(({ name, parent, choice }) => (parent === null || occurrences.get(name) === 1 ? name : `${choice}.${name}`));
  return found.map(({ spec: value, parent, choice }, i) => ({
    key: keys[i]!,
    spec: value,
    condition: parent === null ? null : { parent: keys[parent]!, choice: choice! },
  }));
}
