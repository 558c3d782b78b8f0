import { branchChoices, isSpecObject, specParameters } from '$lib/parameter-spec';

/** Where a sub-parameter of a conditional space exists: under its parent's choice (null at the top level). */
type Condition = { readonly parent: string; readonly choice: string } | null;

/** The parameters of an experiment as the enqueue form shows them: a field per parameter. */
export type FormParameter = (
  | { readonly name: string; readonly kind: 'number'; readonly hint: string }
  | { readonly name: string; readonly kind: 'choice'; readonly choices: readonly (string | number | boolean)[] }
  | { readonly name: string; readonly kind: 'constant'; readonly value: unknown }
) & { readonly condition: Condition };

/** A spec's bounds as a hint ("-10 to 10, step 1", "log scale"). */
function hintOf(spec: Readonly<Record<string, unknown>>): string {
  const parts: string[] = [];
  if (typeof spec.min === 'number' && typeof spec.max === 'number') parts.push(`${spec.min} to ${spec.max}`);
  else if (typeof spec.mu === 'number' && typeof spec.sigma === 'number') parts.push(`around ${spec.mu} ± ${spec.sigma}`);
  if (typeof spec.step === 'number') parts.push(`step ${spec.step}`);
  if (typeof spec.distribution === 'string' && spec.distribution.startsWith('log')) parts.push('log scale');
  return parts.join(', ');
}

/**
 * The form's fields for an experiment's parameter space (its spec as stored), parents before the
 * sub-parameters their choices bring (a conditional space), keyed as trials key them.
 */
export function formParameters(parameters: unknown): FormParameter[] {
  return specParameters(parameters).map(({ key: name, spec, condition }): FormParameter => {
    const branches = branchChoices(spec);
    if (branches !== null) {
      return branches.length === 1 ? { name, kind: 'constant', value: branches[0], condition } : { name, kind: 'choice', choices: branches, condition };
    }
    if (Array.isArray(spec)) {
      return spec.length === 1
        ? { name, kind: 'constant', value: spec[0], condition }
        : { name, kind: 'choice', choices: spec as (string | number | boolean)[], condition };
    }
    if (isSpecObject(spec)) return { name, kind: 'number', hint: hintOf(spec), condition };
    return { name, kind: 'constant', value: spec, condition };
  });
}

/** The fields that exist for the choices made so far: top-level ones, and those whose parent is shown and set to their choice. */
export function activeFields(fields: readonly FormParameter[], chosen: Readonly<Record<string, number>>): FormParameter[] {
  const value = new Map<string, unknown>();
  const active: FormParameter[] = [];
  for (const field of fields) {
    if (field.condition !== null && (!value.has(field.condition.parent) || value.get(field.condition.parent) !== field.condition.choice)) continue;
    active.push(field);
    if (field.kind === 'choice') {
      const index = chosen[field.name];
      if (index !== undefined && index >= 0) value.set(field.name, field.choices[index]);
    } else if (field.kind === 'constant') value.set(field.name, field.value);
  }
  return active;
}

const NUMBER = /^\s*[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?\s*$/i;

/**
 * The parameter set the form's fields say: numbers for numeric fields (text that is not a number is
 * sent as typed, for the server to name), the chosen value for choices; empty fields, constants and
 * the fields of choices not made left out (the server fills constants in and names a missing parameter).
 */
export function paramsFromForm(fields: readonly FormParameter[], typed: Readonly<Record<string, string>>, chosen: Readonly<Record<string, number>>): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const field of activeFields(fields, chosen)) {
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
