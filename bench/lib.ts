import { performance } from 'node:perf_hooks';

/**
 * Small helpers for `npm run bench`: every figure is printed next to a baseline
 * measured in the same process, so ratios survive a slower or busier machine.
 */
export interface Rate {
  ops: number;
  seconds: number;
  perSecond: number;
}

/** Runs `fn` repeatedly for about `seconds` (after a short warm-up); returns operations per second. */
export async function rate(fn: () => unknown | Promise<unknown>, seconds = 2): Promise<Rate> {
  const warmEnd = performance.now() + Math.min(300, seconds * 200);
  while (performance.now() < warmEnd) await fn();
  let ops = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  while (performance.now() < end) {
    await fn();
    ops++;
  }
  const elapsed = (performance.now() - start) / 1000;
  return { ops, seconds: elapsed, perSecond: ops / elapsed };
}

/** Synchronous variant without per-call await overhead. */
export function rateSync(fn: () => unknown, seconds = 2): Rate {
  const warmEnd = performance.now() + Math.min(300, seconds * 200);
  while (performance.now() < warmEnd) fn();
  let ops = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  while (performance.now() < end) {
    fn();
    ops++;
  }
  const elapsed = (performance.now() - start) / 1000;
  return { ops, seconds: elapsed, perSecond: ops / elapsed };
}

export function percentile(sortedMs: number[], p: number): number {
  if (sortedMs.length === 0) return Number.NaN;
  const i = Math.min(sortedMs.length - 1, Math.max(0, Math.ceil((p / 100) * sortedMs.length) - 1));
  return sortedMs[i]!;
}

const fmt = (n: number) =>
  Number.isFinite(n)
    ? Math.abs(n) >= 100
      ? n.toFixed(0)
      : Math.abs(n) >= 1
        ? n.toFixed(2)
        : n.toPrecision(3)
    : String(n);

/** Prints one row: `label  value unit  (ratio vs baseline)`. */
export function row(
  label: string,
  value: number,
  unit: string,
  baseline?: { label: string; value: number },
): void {
  const ratio = baseline ? `  ratio ${fmt(value / baseline.value)} of ${baseline.label}` : '';
  process.stdout.write(`  ${label.padEnd(58)} ${fmt(value).padStart(12)} ${unit}${ratio}\n`);
}

export function heading(title: string): void {
  process.stdout.write(`\n${title}\n`);
}
