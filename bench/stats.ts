// Small helpers shared by the benchmarks: medians, quantiles, formatting.

export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] ?? Number.NaN;
}

export const median = (xs: readonly number[]) => quantile(xs, 0.5);

/** "123 (110–140)": median and range. */
export function spread(xs: readonly number[]): string {
  if (xs.length === 0) return "–";
  const r = (x: number) => x.toFixed(0);
  return xs.length === 1 ? `${r(xs[0] ?? 0)}` : `${r(median(xs))} (${r(Math.min(...xs))}–${r(Math.max(...xs))})`;
}

export const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
export const ms = (x: number) => `${x.toFixed(0)} ms`;

/** Runs every bench step in the bench's own log, so a long run shows where it is. */
export const say = (bench: string, message: string) => console.log(`[${bench}] ${message}`);
