import { describe, expect, it } from 'vitest';
import { parseSearchSpace } from '../optimizer/space.ts';
import { axisValues, LANDSCAPE_GRID, MIN_TRIALS_FOR_LANDSCAPE, modelLandscape } from './model-landscape.ts';

const space = parseSearchSpace({
  x: { min: -5, max: 5 },
  lr: { min: 1e-5, max: 1, distribution: 'log_uniform' },
  layers: { min: 1, max: 6, step: 1 },
  kind: ['a', 'b'],
});

/** `count` trials spread over the space (a seeded generator), each with its loss. */
function trials(count: number, loss: (p: { x: number; lr: number; layers: number; kind: string }) => number) {
  let seed = 3;
  const next = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
  return Array.from({ length: count }, () => {
    const params = { x: -5 + 10 * next(), lr: 10 ** (-5 + 5 * next()), layers: 1 + Math.floor(next() * 6), kind: next() < 0.5 ? 'a' : 'b' };
    return { params, loss: loss(params) };
  });
}

/** The grid cell with the lowest predicted loss. */
function bestCell(result: ReturnType<typeof modelLandscape>) {
  const landscape = result.landscape!;
  let best = { x: 0, y: 0, value: Number.POSITIVE_INFINITY };
  landscape.mean.forEach((row, j) =>
    row.forEach((value, i) => {
      if (value < best.value) best = { x: landscape.x.values[i]!, y: landscape.y.values[j]!, value };
    }),
  );
  return best;
}

describe('modelLandscape', () => {
  it('puts the predicted minimum of a known quadratic near its true minimum, with a standard deviation everywhere', () => {
    const data = trials(30, (p) => (p.x - 1) ** 2 + (Math.log10(p.lr) + 2) ** 2);
    const result = modelLandscape(space, data, 'x', 'lr', 1);
    expect(result.reason).toBeNull();
    const best = bestCell(result);
    expect(Math.abs(best.x - 1)).toBeLessThan(1.2);
    expect(Math.abs(Math.log10(best.y) + 2)).toBeLessThan(1.2);
    expect(result.landscape!.mean).toHaveLength(LANDSCAPE_GRID);
    expect(result.landscape!.mean.every((row) => row.length === LANDSCAPE_GRID)).toBe(true);
    expect(result.landscape!.sd.flat().every((s) => Number.isFinite(s) && s >= 0)).toBe(true);
    // The other parameters are held at the best trial's values.
    const bestTrial = data.reduce((a, b) => (b.loss < a.loss ? b : a));
    expect(result.landscape!.heldAt).toEqual({ layers: bestTrial.params.layers, kind: bestTrial.params.kind });
  });

  it("predicts a maximised objective in its own direction: the best cell is the largest", () => {
    // Scored values are negated accuracies; the landscape gives accuracies back.
    const data = trials(30, (p) => -(10 - (p.x - 1) ** 2));
    const result = modelLandscape(space, data, 'x', 'layers', 1, true);
    const values = result.landscape!.mean.flat();
    expect(Math.max(...values)).toBeGreaterThan(8);
    expect(Math.max(...values)).toBeLessThan(11);
  });

  it('draws a landscape of losses near ±1e308 in their own units, no cell empty', () => {
    // Diverged runs: the sum and spread of such losses overflow a double unless they are scaled first.
    const data = trials(30, (p) => 1e307 * ((p.x - 1) ** 2 / 18 - 1) * (p.layers % 2 ? 1 : 1.7));
    expect(Math.max(...data.map((t) => Math.abs(t.loss)))).toBeGreaterThan(1e307);
    const result = modelLandscape(space, data, 'x', 'lr', 1);
    expect(result.reason).toBeNull();
    const cells = [...result.landscape!.mean.flat(), ...result.landscape!.sd.flat()];
    expect(cells.every(Number.isFinite)).toBe(true);
    expect(Math.abs(bestCell(result).x - 1)).toBeLessThan(1.5);
    expect(Math.min(...result.landscape!.mean.flat())).toBeLessThan(-5e306);

    // Losses at both ends of the doubles: a landscape held within them, whatever the model makes of it.
    const extremes = trials(12, (p) => (p.x > 0 ? 1.7e308 : -1.7e308));
    const edge = modelLandscape(space, extremes, 'x', 'lr', 1);
    expect(edge.reason).toBeNull();
    expect(edge.landscape!.mean.flat().every(Number.isFinite)).toBe(true);
  });

  it('spaces a log-scale axis evenly in ln, and a stepped one on its steps', () => {
    const lr = axisValues(space.parameters.find((p) => p.name === 'lr') as never);
    expect(lr[0]).toBeCloseTo(1e-5, 12);
    expect(lr.at(-1)).toBeCloseTo(1, 9);
    const ratios = lr.slice(1).map((v, i) => v / lr[i]!);
    for (const ratio of ratios) expect(ratio).toBeCloseTo(ratios[0]!, 9);
    expect(axisValues(space.parameters.find((p) => p.name === 'layers') as never)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('gives no landscape, and says why, with too few trials, a categorical parameter or one inactive in the best trial', () => {
    const data = trials(30, (p) => p.x ** 2);
    expect(modelLandscape(space, data.slice(0, MIN_TRIALS_FOR_LANDSCAPE - 1), 'x', 'lr', 1)).toEqual({
      landscape: null,
      reason: `the model needs ${MIN_TRIALS_FOR_LANDSCAPE} completed trials, and ${MIN_TRIALS_FOR_LANDSCAPE - 1} have completed`,
    });
    expect(modelLandscape(space, data, 'x', 'kind', 1).reason).toBe('"kind" is not numeric');

    const conditional = parseSearchSpace({ x: { min: 0, max: 1 }, model: { choices: { svm: { C: { min: 0.1, max: 10 } }, tree: { depth: { min: 1, max: 10, step: 1 } } } } });
    const runs = Array.from({ length: 12 }, (_, i) => {
      const svm = i % 2 === 0;
      const x = i / 12;
      return { params: svm ? { x, model: 'svm', C: 1 + i / 4 } : { x, model: 'tree', depth: 1 + (i % 10) }, loss: svm ? 1 + x : x };
    });
    const tunable = modelLandscape(conditional, runs, 'x', 'depth', 1);
    expect(tunable.reason).toBeNull();
    expect(modelLandscape(conditional, runs, 'x', 'C', 1).reason).toBe('"C" is inactive in the best trial');
  });
});
