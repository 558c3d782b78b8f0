import type { Params } from '../../server/optimizer/space.ts';

/** A benchmark problem: an Oscar search space, a loss to minimise and its known minimum. */
export interface Problem {
  readonly name: string;
  readonly parameters: Record<string, unknown>;
  readonly f: (params: Params, noise?: () => number) => number;
  readonly optimum: number;
  /** Public problems mirror ../shared/bench/problems.py; the others check that results generalise. */
  readonly public: boolean;
  /** Trials per run: 60 for round one, 100 for round two (higher dimension, rugged surfaces). */
  readonly budget?: number;
}

const box = (n: number, low: number, high: number): Record<string, unknown> =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`x${i}`, { min: low, max: high }]));
const vec = (p: Params, n: number): number[] => Array.from({ length: n }, (_, i) => Number(p[`x${i}`]));

const H6_A = [
  [10, 3, 17, 3.5, 1.7, 8],
  [0.05, 10, 17, 0.1, 8, 14],
  [3, 3.5, 1.7, 10, 17, 8],
  [17, 8, 0.05, 10, 0.1, 14],
];
const H6_P = [
  [1312, 1696, 5569, 124, 8283, 5886],
  [2329, 4135, 8307, 3736, 1004, 9991],
  [2348, 1451, 3522, 2883, 3047, 6650],
  [4047, 8828, 8732, 5743, 1091, 381],
].map((row) => row.map((v) => v * 1e-4));
const H_ALPHA = [1.0, 1.2, 3.0, 3.2];

/** The five public problems, as in ../shared/bench/problems.py. */
export const publicProblems: readonly Problem[] = [
  {
    name: 'branin',
    public: true,
    parameters: { x0: { min: -5, max: 10 }, x1: { min: 0, max: 15 } },
    optimum: 0.397887,
    f: (p) => {
      const x1 = Number(p.x0);
      const x2 = Number(p.x1);
      const b = 5.1 / (4 * Math.PI ** 2);
      const c = 5 / Math.PI;
      const t = 1 / (8 * Math.PI);
      return (x2 - b * x1 ** 2 + c * x1 - 6) ** 2 + 10 * (1 - t) * Math.cos(x1) + 10;
    },
  },
  {
    name: 'hartmann6',
    public: true,
    parameters: box(6, 0, 1),
    optimum: -3.32237,
    f: (p) => {
      const x = vec(p, 6);
      let s = 0;
      for (let i = 0; i < 4; i++) {
        let inner = 0;
        for (let j = 0; j < 6; j++) inner += H6_A[i]![j]! * (x[j]! - H6_P[i]![j]!) ** 2;
        s += H_ALPHA[i]! * Math.exp(-inner);
      }
      return -s;
    },
  },
  {
    name: 'rosenbrock4',
    public: true,
    parameters: box(4, -5, 10),
    optimum: 0,
    f: (p) => {
      const x = vec(p, 4);
      let s = 0;
      for (let i = 0; i < 3; i++) s += 100 * (x[i + 1]! - x[i]! ** 2) ** 2 + (1 - x[i]!) ** 2;
      return s;
    },
  },
  {
    name: 'ackley5',
    public: true,
    parameters: box(5, -32.768, 32.768),
    optimum: 0,
    f: (p) => ackley(vec(p, 5)),
  },
  {
    name: 'mixed_training',
    public: true,
    parameters: {
      lr: { min: 1e-5, max: 1.0, distribution: 'log_uniform' },
      layers: { min: 1, max: 8, step: 1 },
      activation: ['relu', 'tanh', 'gelu', 'sigmoid'],
      optimizer: ['sgd', 'adam', 'rmsprop'],
      dropout: { min: 0.0, max: 0.8 },
    },
    optimum: 0,
    f: (p) => {
      const lr = (Math.log10(Number(p.lr)) - Math.log10(3e-3)) ** 2;
      const layers = 0.15 * (Number(p.layers) - 4) ** 2;
      const act = { relu: 0.3, tanh: 0.8, gelu: 0.0, sigmoid: 1.5 }[String(p.activation)] ?? Number.NaN;
      const opt = { sgd: 0.6, adam: 0.0, rmsprop: 0.25 }[String(p.optimizer)] ?? Number.NaN;
      return lr + layers + act + opt + 4 * (Number(p.dropout) - 0.2) ** 2;
    },
  },
];

function ackley(x: readonly number[]): number {
  const n = x.length;
  const sq = x.reduce((s, v) => s + v * v, 0);
  const cos = x.reduce((s, v) => s + Math.cos(2 * Math.PI * v), 0);
  return -20 * Math.exp(-0.2 * Math.sqrt(sq / n)) - Math.exp(cos / n) + 20 + Math.E;
}

/** Problems of our own, to check that tuning generalises beyond the public five. */
export const extraProblems: readonly Problem[] = [
  {
    name: 'levy4',
    public: false,
    parameters: box(4, -10, 10),
    optimum: 0,
    f: (p) => {
      const w = vec(p, 4).map((v) => 1 + (v - 1) / 4);
      const n = w.length;
      let s = Math.sin(Math.PI * w[0]!) ** 2;
      for (let i = 0; i < n - 1; i++) s += (w[i]! - 1) ** 2 * (1 + 10 * Math.sin(Math.PI * w[i]! + 1) ** 2);
      return s + (w[n - 1]! - 1) ** 2 * (1 + Math.sin(2 * Math.PI * w[n - 1]!) ** 2);
    },
  },
  {
    name: 'styblinski3',
    public: false,
    parameters: box(3, -5, 5),
    optimum: -39.16617 * 3,
    f: (p) => vec(p, 3).reduce((s, v) => s + (v ** 4 - 16 * v ** 2 + 5 * v) / 2, 0),
  },
  {
    name: 'noisy_quadratic3',
    public: false,
    parameters: { a: { min: -2, max: 2 }, b: { min: 0.01, max: 100, distribution: 'log_uniform' }, c: { min: 0, max: 20, step: 1 } },
    optimum: 0,
    f: (p, noise) => (Number(p.a) - 0.7) ** 2 + 0.3 * (Math.log10(Number(p.b)) - 0.5) ** 2 + 0.01 * (Number(p.c) - 13) ** 2 + 0.01 * (noise?.() ?? 0),
  },
  {
    name: 'sphere10',
    public: false,
    parameters: box(10, -5, 5),
    optimum: 0,
    f: (p) => vec(p, 10).reduce((s, v, i) => s + (v - 0.3 * Math.sin(i + 1)) ** 2, 0),
  },
  {
    name: 'categorical4',
    public: false,
    parameters: { a: ['p', 'q', 'r', 's', 't'], b: ['p', 'q', 'r', 's'], c: [1, 2, 3], d: ['x', 'y', 'z', 'w', 'v', 'u'] },
    optimum: 0,
    f: (p) => {
      const a = { p: 0.9, q: 0.3, r: 0, s: 1.2, t: 0.5 }[String(p.a)]!;
      const b = { p: 0.4, q: 0.2, r: 0.8, s: 0 }[String(p.b)]!;
      const c = { 1: 0.5, 2: 0, 3: 0.25 }[Number(p.c) as 1 | 2 | 3]!;
      const d = { x: 0.6, y: 0.2, z: 0.9, w: 0, v: 0.3, u: 1.1 }[String(p.d)]!;
      return a + b + c + d + (String(p.a) === 'r' && String(p.d) === 'w' ? 0 : 0.1);
    },
  },
];

/** Evenly spaced values from `a` to `b` (numpy's linspace). */
const linspace = (a: number, b: number, n: number): number[] => Array.from({ length: n }, (_, i) => a + ((b - a) * i) / (n - 1));
const ELLIPSOID_SHIFT = linspace(2.3, -1.9, 16);

/** The round-two public problems (`PUBLIC2` of ../shared/bench/problems.py), run with 100 trials. */
export const round2Problems: readonly Problem[] = [
  {
    name: 'ellipsoid16',
    public: true,
    budget: 100,
    parameters: box(16, -5, 5),
    optimum: 0,
    f: (p) => vec(p, 16).reduce((s, v, i) => s + (i + 1) * (v - ELLIPSOID_SHIFT[i]!) ** 2, 0),
  },
  {
    name: 'dixon_price8',
    public: true,
    budget: 100,
    parameters: box(8, -10, 10),
    optimum: 0,
    f: (p) => {
      const x = vec(p, 8);
      let s = (x[0]! - 1) ** 2;
      for (let i = 1; i < 8; i++) s += (i + 1) * (2 * x[i]! ** 2 - x[i - 1]!) ** 2;
      return s;
    },
  },
  {
    name: 'griewank8',
    public: true,
    budget: 100,
    parameters: box(8, -50, 50),
    optimum: 0,
    f: (p) => griewank(vec(p, 8)),
  },
  {
    name: 'rastrigin4',
    public: true,
    budget: 100,
    parameters: box(4, -5.12, 5.12),
    optimum: 0,
    f: (p) => rastrigin(vec(p, 4)),
  },
];

function griewank(x: readonly number[]): number {
  let sum = 0;
  let product = 1;
  x.forEach((v, i) => {
    sum += v * v;
    product *= Math.cos(v / Math.sqrt(i + 1));
  });
  return 1 + sum / 4000 - product;
}

function rastrigin(x: readonly number[]): number {
  return 10 * x.length + x.reduce((s, v) => s + v * v - 10 * Math.cos(2 * Math.PI * v), 0);
}

/** A fixed rotation of R^n (Gram-Schmidt on a seeded pseudo-random matrix), so a separable problem is not. */
function rotation(n: number, seed: number): number[][] {
  let state = seed >>> 0;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32 - 0.5;
  };
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) {
    const v = Array.from({ length: n }, next);
    for (const r of rows) {
      const d = r.reduce((s, ri, k) => s + ri * v[k]!, 0);
      for (let k = 0; k < n; k++) v[k]! -= d * r[k]!;
    }
    const norm = Math.sqrt(v.reduce((s, vi) => s + vi * vi, 0));
    rows.push(v.map((vi) => vi / norm));
  }
  return rows;
}
const ROTATION12 = rotation(12, 12345);
const ROTATED_SHIFT = linspace(-1.5, 2, 12);

/** Problems of our own of the round-two kinds (higher dimension, rugged), to check that tuning generalises. */
export const round2ExtraProblems: readonly Problem[] = [
  {
    name: 'rot_ellipsoid12',
    public: false,
    budget: 100,
    parameters: box(12, -5, 5),
    optimum: 0,
    f: (p) => {
      const x = vec(p, 12).map((v, i) => v - ROTATED_SHIFT[i]!);
      return ROTATION12.reduce((s, row, i) => s + 10 ** ((2 * i) / 11) * row.reduce((t, r, k) => t + r * x[k]!, 0) ** 2, 0);
    },
  },
  {
    name: 'levy10',
    public: false,
    budget: 100,
    parameters: box(10, -10, 10),
    optimum: 0,
    f: (p) => {
      const w = vec(p, 10).map((v) => 1 + (v - 1) / 4);
      const n = w.length;
      let s = Math.sin(Math.PI * w[0]!) ** 2;
      for (let i = 0; i < n - 1; i++) s += (w[i]! - 1) ** 2 * (1 + 10 * Math.sin(Math.PI * w[i]! + 1) ** 2);
      return s + (w[n - 1]! - 1) ** 2 * (1 + Math.sin(2 * Math.PI * w[n - 1]!) ** 2);
    },
  },
  {
    name: 'schwefel6',
    public: false,
    budget: 100,
    parameters: box(6, -500, 500),
    optimum: 0,
    f: (p) => 418.9828872724338 * 6 - vec(p, 6).reduce((s, v) => s + v * Math.sin(Math.sqrt(Math.abs(v))), 0),
  },
  {
    name: 'sphere20',
    public: false,
    budget: 100,
    parameters: box(20, -5, 5),
    optimum: 0,
    f: (p) => vec(p, 20).reduce((s, v, i) => s + (v - 2 * Math.sin(i + 1)) ** 2, 0),
  },
  {
    name: 'rastrigin6_shifted',
    public: false,
    budget: 100,
    parameters: box(6, -5.12, 5.12),
    optimum: 0,
    f: (p) => rastrigin(vec(p, 6).map((v, i) => v - 0.8 * Math.cos(i + 1))),
  },
];
