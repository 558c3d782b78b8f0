import { writeFileSync } from 'node:fs';
import { median, readRuns } from './common.ts';
import { extraProblems, publicProblems } from './problems.ts';

const COLORS: Record<string, string> = {
  'oscar-w1': '#d62728',
  'oscar-w8': '#ff7f0e',
  'optuna-tpe': '#1f77b4',
  'optuna-random': '#7f7f7f',
  'optuna-tpe_mv': '#17becf',
  'sklearn-gp-ei': '#2ca02c',
};

/**
 * Writes an SVG of the median best-so-far regret (log scale) against the trial
 * count, one panel per problem, one line per system, from JSON-lines run files.
 */
export function writePlot(files: readonly string[], target: string): void {
  const optimum = new Map([...publicProblems, ...extraProblems].map((p) => [p.name, p.optimum]));
  const runs = readRuns(...files).filter((r) => optimum.has(r.problem));
  const problems = [...new Set(runs.map((r) => r.problem))];
  const systems = [...new Set(runs.map((r) => r.system))].sort();
  const seeds = new Set(runs.filter((r) => r.system.startsWith('oscar')).map((r) => r.seed)).size || new Set(runs.map((r) => r.seed)).size;
  const panelW = 300;
  const panelH = 220;
  const margin = { left: 50, top: 30, bottom: 35, right: 10 };
  const cols = Math.min(3, problems.length);
  const rows = Math.ceil(problems.length / cols) + 1;
  const width = cols * (panelW + margin.left + margin.right);
  const height = rows * (panelH + margin.top + margin.bottom);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
  ];
  problems.forEach((problem, index) => {
    const x0 = (index % cols) * (panelW + margin.left + margin.right) + margin.left;
    const y0 = Math.floor(index / cols) * (panelH + margin.top + margin.bottom) + margin.top;
    const curves = new Map<string, number[]>();
    for (const system of systems) {
      const mine = runs.filter((r) => r.problem === problem && r.system === system);
      if (!mine.length) continue;
      const length = Math.min(...mine.map((r) => r.curve.length));
      curves.set(
        system,
        Array.from({ length }, (_, t) => Math.max(median(mine.map((r) => r.curve[t]! - optimum.get(problem)!)), 1e-9)),
      );
    }
    const all = [...curves.values()].flat();
    const lo = Math.floor(Math.log10(Math.min(...all)));
    const hi = Math.ceil(Math.log10(Math.max(...all)));
    const n = Math.max(...[...curves.values()].map((c) => c.length));
    const sx = (t: number) => x0 + (t / Math.max(1, n - 1)) * panelW;
    const sy = (v: number) => y0 + panelH - ((Math.log10(v) - lo) / Math.max(1, hi - lo)) * panelH;
    parts.push(`<text x="${x0 + panelW / 2}" y="${y0 - 10}" text-anchor="middle" font-weight="bold">${problem}</text>`);
    parts.push(`<rect x="${x0}" y="${y0}" width="${panelW}" height="${panelH}" fill="none" stroke="#999"/>`);
    for (let e = lo; e <= hi; e++) {
      const y = sy(10 ** e);
      parts.push(`<line x1="${x0}" x2="${x0 + panelW}" y1="${y}" y2="${y}" stroke="#eee"/>`);
      parts.push(`<text x="${x0 - 5}" y="${y + 4}" text-anchor="end">1e${e}</text>`);
    }
    for (const t of [0, Math.floor((n - 1) / 2), n - 1]) parts.push(`<text x="${sx(t)}" y="${y0 + panelH + 14}" text-anchor="middle">${t + 1}</text>`);
    parts.push(`<text x="${x0 + panelW / 2}" y="${y0 + panelH + 28}" text-anchor="middle">trial</text>`);
    for (const [system, curve] of curves) {
      const d = curve.map((v, t) => `${t ? 'L' : 'M'}${sx(t).toFixed(1)},${sy(v).toFixed(1)}`).join('');
      parts.push(`<path d="${d}" fill="none" stroke="${COLORS[system] ?? '#000'}" stroke-width="2"/>`);
    }
  });
  const ly = (rows - 1) * (panelH + margin.top + margin.bottom) + margin.top;
  parts.push(`<text x="${margin.left}" y="${ly}" font-weight="bold">median regret of the best trial so far (log scale), ${seeds} seeds</text>`);
  systems.forEach((system, i) => {
    const y = ly + 20 + i * 18;
    parts.push(`<line x1="${margin.left}" x2="${margin.left + 30}" y1="${y}" y2="${y}" stroke="${COLORS[system] ?? '#000'}" stroke-width="3"/>`);
    parts.push(`<text x="${margin.left + 38}" y="${y + 4}">${system}</text>`);
  });
  parts.push('</svg>');
  writeFileSync(target, parts.join('\n'));
}
