// The Compare page's table: a row per summary figure and per parameter (the union over the
// experiments, sub-parameters included), a column per experiment. Pure.
import { formatNumber, formatValue } from '$lib/format';
import { objectiveLabel } from '$lib/objectives';
import { isSpecObject, specParameters } from '$lib/parameter-spec';
import type { ComparedExperiment } from './compare';

/** One cell: its text, an optional second line (a parameter's best value), and an optional link. */
export interface CompareCell {
  readonly text: string;
  readonly detail?: string;
  readonly href?: string;
}

/** One row; `differs` when the experiments' settings in it are not all the same (what the page highlights; counts and results never are). */
export interface CompareRow {
  readonly key: string;
  readonly label: string;
  /** For a sub-parameter: the choice under which it exists (`model = svm`). */
  readonly condition?: string;
  readonly cells: readonly CompareCell[];
  readonly differs: boolean;
}

const MAX_CHOICES_SHOWN = 8;

/** A parameter's space in a few words: `uniform [0, 1]`, `log_uniform [1e-05, 1], step 0.1`, `one of relu, tanh`, `constant 10`. */
export function spaceText(spec: unknown): string {
  if (Array.isArray(spec)) {
    if (spec.length === 1) return `constant ${formatValue(spec[0])}`;
    const shown = spec.slice(0, MAX_CHOICES_SHOWN).map(formatValue).join(', ');
    return spec.length > MAX_CHOICES_SHOWN ? `one of ${shown}, … (${spec.length} values)` : `one of ${shown}`;
  }
  if (isSpecObject(spec)) {
    if (isSpecObject(spec.choices)) return `one of ${Object.keys(spec.choices).sort().join(', ')} (with sub-parameters)`;
    const parts = [typeof spec.distribution === 'string' ? spec.distribution : 'uniform'];
    if (spec.min !== undefined || spec.max !== undefined) parts.push(`[${formatValue(spec.min ?? '−∞')}, ${formatValue(spec.max ?? '∞')}]`);
    if (spec.mu !== undefined) parts.push(`μ ${formatValue(spec.mu)}`);
    if (spec.sigma !== undefined) parts.push(`σ ${formatValue(spec.sigma)}`);
    if (spec.step !== undefined) parts.push(`step ${formatValue(spec.step)}`);
    return parts.join(' ');
  }
  return `constant ${formatValue(spec)}`;
}

const row = (key: string, label: string, cells: CompareCell[], condition?: string): CompareRow => ({
  key,
  label,
  cells,
  differs: new Set(cells.map((cell) => cell.text)).size > 1,
  ...(condition ? { condition } : {}),
});

/** A time as the page shows it, the same on the server and in the browser: `2026-11-29 23:10 UTC`. */
export function shownTime(time: string): string {
  return `${time.slice(0, 10)} ${time.slice(11, 16)} UTC`;
}

/** The summary rows: version, objective, trials, completed, best (linked to its trial), algorithm, created. */
export function summaryRows(experiments: readonly ComparedExperiment[]): CompareRow[] {
  const count = (value: number) => value.toLocaleString('en');
  return [
    row('version', 'Version', experiments.map((e) => ({ text: `v${e.version}${e.archivedAt ? ' (archived)' : ''}` }))),
    row('objective', 'Objective charted', experiments.map((e) => ({ text: objectiveLabel({ name: e.bestSoFar.objective, direction: e.bestSoFar.direction === 'maximize' ? 'maximize' : 'minimize' }) }))),
    // Counts and results differ by nature (the chart compares them): only settings are highlighted.
    { ...row('trials', 'Trials', experiments.map((e) => ({ text: count(e.trialCount) }))), differs: false },
    { ...row('completed', 'Completed', experiments.map((e) => ({ text: count(e.bestSoFar.completed) }))), differs: false },
    {
      ...row(
        'best',
        'Best',
        experiments.map((e) =>
          e.bestSoFar.bestNumber === null || e.bestSoFar.bestNumber === undefined
            ? { text: '—' }
            : {
                text: formatNumber(e.bestSoFar.bestValue),
                detail: `trial ${e.bestSoFar.bestNumber}`,
                href: `/experiments/${encodeURIComponent(e.id)}/trials/${e.bestSoFar.bestNumber}`,
              },
        ),
      ),
      differs: false,
    },
    row('algorithm', 'Algorithm', experiments.map((e) => ({ text: e.algorithm }))),
    { ...row('created', 'Created', experiments.map((e) => ({ text: shownTime(e.createdAt) }))), differs: false },
  ];
}

/**
 * A row per parameter of any of the experiments (sub-parameters after their parent), in the order
 * they are first met: each cell its space (`—` where the experiment has no such parameter) and the
 * best trial's value (empty when that trial has none, e.g. an inactive sub-parameter).
 */
export function parameterRows(experiments: readonly ComparedExperiment[]): CompareRow[] {
  const specs = experiments.map((experiment) => new Map(specParameters(experiment.parameters).map((parameter) => [parameter.key, parameter])));
  const keys: string[] = [];
  for (const spec of specs) for (const key of spec.keys()) if (!keys.includes(key)) keys.push(key);
  return keys.map((key) => {
    const conditions = new Set(specs.map((spec) => spec.get(key)?.condition).filter(Boolean).map((c) => `${c!.parent} = ${c!.choice}`));
    const cells = experiments.map((experiment, i): CompareCell => {
      const parameter = specs[i]!.get(key);
      if (!parameter) return { text: '—' };
      const params = experiment.bestSoFar.bestTrial?.params;
      const best = isSpecObject(params) && key in params ? formatValue(params[key]) : '';
      return best ? { text: spaceText(parameter.spec), detail: `best: ${best}` } : { text: spaceText(parameter.spec) };
    });
    return row(`p:${key}`, key, cells, [...conditions].join(' or '));
  });
}
