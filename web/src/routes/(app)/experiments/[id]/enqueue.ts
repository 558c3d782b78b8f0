/** The parameters of an experiment as the enqueue form shows them: a field per parameter. */
export type FormParameter =
  | { readonly name: string; readonly kind: 'number'; readonly hint: string }
  | { readonly name: string; readonly kind: 'choice'; readonly choices: readonly (string | number | boolean)[] }
  | { readonly name: string; readonly kind: 'constant'; readonly value: unknown };

/** A spec's bounds as a hint ("-10 to 10, step 1", "log scale"). */
function hintOf(spec: Readonly<Record<string, unknown>>): string {
  const parts: string[] = [];
  if (typeof spec.min === 'number' && typeof spec.max === 'number') parts.push(`${spec.min} to ${spec.max}`);
  else if (typeof spec.mu === 'number' && typeof spec.sigma === 'number') parts.push(`around ${spec.mu} ± ${spec.sigma}`);
  if (typeof spec.step === 'number') parts.push(`step ${spec.step}`);
  if (typeof spec.distribution === 'string' && spec.distribution.startsWith('log')) parts.push('log scale');
  return parts.join(', ');
}

/** The form's fields for an experiment's parameter space (its spec as stored), by name. */
export function formParameters(parameters: unknown): FormParameter[] {
  if (!parameters || typeof parameters !== 'object' || Array.isArray(parameters)) return [];
  return Object.entries(parameters as Record<string, unknown>)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, spec]): FormParameter => {
      if (Array.isArray(spec)) {
        return spec.length === 1 ? { name, kind: 'constant', value: spec[0] } : { name, kind: 'choice', choices: spec as (string | number | boolean)[] };
      }
      if (spec && typeof spec === 'object') return { name, kind: 'number', hint: hintOf(spec as Record<string, unknown>) };
      return { name, kind: 'constant', value: spec };
    });
}

const NUMBER = /^\s*[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?\s*$/i;

/**
 * The parameter set the form's fields say: numbers for numeric fields (text that is not a number is
 * sent as typed, for the server to name), the chosen value for choices; empty fields and constants
 * left out (the server fills constants in and names a missing parameter).
 */
export function paramsFromForm(fields: readonly FormParameter[], typed: Readonly<Record<string, string>>, chosen: Readonly<Record<string, number>>): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const field of fields) {
    if (field.kind === 'number') {
      const text = typed[field.name] ?? '';
      if (text.trim() !== '') params[field.name] = NUMBER.test(text) ? Number(text) : text;
    } else if (field.kind === 'choice') {
      const index = chosen[field.name];
      if (index !== undefined && index >= 0) params[field.name] = field.choices[index];
    }
  }
  return params;
}
