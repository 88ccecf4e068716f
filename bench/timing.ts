// Timing helpers shared by the benchmarks: medians of repeated samples (the bench machine is small and noisy).

/** Median of a non-empty list of numbers. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Seconds since an arbitrary origin, with sub-microsecond resolution. */
export function now(): number {
  return Number(process.hrtime.bigint()) / 1e9;
}

/** Cost of one call, as elapsed (wall) time and as CPU time of this process. */
export interface CallCost {
  wallMicros: number;
  cpuMicros: number;
}

/** CPU time (user + system) of this process, in seconds. */
function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/**
 * Microseconds per call of `fn`: `samples` timed batches of `iters` calls each (after one warm-up batch), median
 * batch reported, so GC pauses and scheduler noise land in the discarded tail. CPU time is reported beside wall
 * time because on a shared, loaded machine a descheduled thread's wait shows in the wall time only.
 */
export function microsPerCall(fn: () => void, iters: number, samples: number): CallCost {
  for (let i = 0; i < iters; i++) fn();
  const wall: number[] = [], cpu: number[] = [];
  for (let s = 0; s < samples; s++) {
    const c0 = cpuSeconds();
    const t0 = now();
    for (let i = 0; i < iters; i++) fn();
    wall.push(((now() - t0) / iters) * 1e6);
    cpu.push(((cpuSeconds() - c0) / iters) * 1e6);
  }
  return { wallMicros: median(wall), cpuMicros: median(cpu) };
}

/** Formats a table of rows (first row: header) with right-aligned columns after the first. */
export function formatTable(rows: readonly (readonly string[])[]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r: readonly string[]) => r.map((v, c) => (c === 0 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join('  ');
  return [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}
