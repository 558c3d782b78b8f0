import { describe, expect, it } from 'vitest';
import { encodingOf, features } from './encoding.ts';
import { NegativeLogPosterior } from './gp-posterior.ts';
import { createRng } from './rng.ts';
import { parseSearchSpace } from './space.ts';

describe('the hyperparameters’ negative log posterior', () => {
  // Three numeric parameters and a categorical (one lengthscale shared by its three one-hot columns).
  const space = parseSearchSpace({ a: { min: 0, max: 1 }, b: { min: 0, max: 1 }, c: { min: 0, max: 1 }, k: ['x', 'y', 'z'] });
  const encoding = encodingOf(space);
  const rng = createRng(21);
  const points = Array.from({ length: 30 }, () => [rng.uniform(), rng.uniform(), rng.uniform(), rng.int(0, 2)]);
  const x = points.map((point) => features(encoding, point));
  const raw = points.map(([a, b, , k]) => Math.sin(5 * a!) + b! * b! + (k === 1 ? 0.5 : 0));
  const mean = raw.reduce((s, v) => s + v, 0) / raw.length;
  const y = raw.map((v) => v - mean);
  const posterior = new NegativeLogPosterior(encoding, x, y);

  it('has the gradient of its value (central differences), also where a lengthscale is below 0.1', () => {
    // ln lengthscales (one below the short-lengthscale penalty's 0.1), ln signal, ln noise.
    const theta = Float64Array.from([Math.log(0.3), Math.log(0.07), Math.log(2), Math.log(0.8), 0.2, Math.log(1e-3)]);
    const { gradient } = posterior.evaluate(theta);
    for (let g = 0; g < theta.length; g++) {
      const h = 1e-5;
      const up = Float64Array.from(theta);
      const down = Float64Array.from(theta);
      up[g]! += h;
      down[g]! -= h;
      const numeric = (posterior.evaluate(up).value - posterior.evaluate(down).value) / (2 * h);
      expect(gradient[g]).toBeCloseTo(numeric, 4);
    }
  });

  it('has the gradient of its value with a noise of its own on some rows, and reads those rows as noisier', () => {
    const extra = y.map((_, i) => (i % 3 === 0 ? 0.5 : 0));
    const own = new NegativeLogPosterior(encoding, x, y, undefined, extra);
    const theta = Float64Array.from([Math.log(0.3), Math.log(0.4), Math.log(2), Math.log(0.8), 0.2, Math.log(1e-3)]);
    const { gradient } = own.evaluate(theta);
    for (let g = 0; g < theta.length; g++) {
      const up = Float64Array.from(theta);
      const down = Float64Array.from(theta);
      up[g]! += 1e-5;
      down[g]! -= 1e-5;
      expect(gradient[g]).toBeCloseTo((own.evaluate(up).value - own.evaluate(down).value) / 2e-5, 4);
    }
    // Zeros are no noise of their own, to the bit.
    expect(new NegativeLogPosterior(encoding, x, y, undefined, y.map(() => 0)).evaluate(theta)).toEqual(posterior.evaluate(theta));
    expect(own.evaluate(theta).value).not.toBe(posterior.evaluate(theta).value);
  });

  it('prefers a lengthscale the data supports to one far too short', () => {
    const sensible = Float64Array.from([Math.log(0.4), Math.log(1), Math.log(5), Math.log(1), 0, Math.log(1e-3)]);
    const tooShort = Float64Array.from([Math.log(0.01), Math.log(0.01), Math.log(0.01), Math.log(0.01), 0, Math.log(1e-3)]);
    expect(posterior.evaluate(sensible).value).toBeLessThan(posterior.evaluate(tooShort).value);
  });
});
