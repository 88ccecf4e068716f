import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { clearCodeCache, codeCacheStats } from '../../runtime/executable/code-cache.js';
import { compileGraph } from '../../runtime/executable/compile-plan.js';
import { graphFingerprint } from '../../runtime/executable/graph-fingerprint.js';
import { clearPlanCache, planCacheFile, planCacheStats } from '../../runtime/executable/plan-cache.js';
import { compileGraphAndRun, smallGraph, smallInput, type GraphChildReport } from './code-cache-fixture.js';
import { runFixtureChild } from './fixture-child.js';

const o = kiln.ops;
const cacheRoot = mkdtempSync(join(tmpdir(), 'kiln-plan-cache-'));
let dirCount = 0;

// Every test gets an empty disk cache and empty in-process caches (both levels).
beforeEach(() => {
  process.env.KILN_CACHE_DIR = join(cacheRoot, `dir${dirCount++}`);
  clearCodeCache();
  clearPlanCache();
});
afterAll(() => rmSync(cacheRoot, { recursive: true, force: true }));

/** A train-like step over its own variable: w ← w + x·c, returns Σ w·x (after the update). */
function stepGraph(initial: readonly number[], c: readonly number[]): { graph: kiln.FuncGraph; w: kiln.Variable } {
  const w = new kiln.Variable(kiln.tensor([...initial], [4]));
  const constant = kiln.tensor([...c], [4]);
  const graph = kiln.trace((x: Tensor) => {
    w.assign(o.add(w.read(), o.mul(x, constant)));
    return [o.sum(o.mul(w.read(), x))];
  }, [{ shape: [4] }], { name: 'plan_cache_step' });
  return { graph, w };
}

/** What stepGraph's executable must give, in float64. */
function expected(initial: readonly number[], c: readonly number[], x: readonly number[]): { w: number[]; y: number } {
  const w = initial.map((v, i) => v + x[i] * c[i]);
  return { w, y: w.reduce((s, v, i) => s + v * x[i], 0) };
}

function expectClose(actual: ArrayLike<number>, want: readonly number[]): void {
  expect(actual.length).toBe(want.length);
  want.forEach((v, i) => expect(actual[i]).toBeCloseTo(v, 4));
}

const X = [0.5, -1, 2, 0.25];

describe('graph fingerprint', () => {
  test('two traces of the same function have the same fingerprint', () => {
    expect(graphFingerprint(smallGraph())).toBe(graphFingerprint(smallGraph()));
  });

  test('constants of equal shape but different values give different fingerprints', () => {
    const a = graphFingerprint(stepGraph([0, 0, 0, 0], [1, 2, 3, 4]).graph);
    const b = graphFingerprint(stepGraph([0, 0, 0, 0], [1, 2, 3, 5]).graph);
    expect(a).not.toBeNull();
    expect(a).not.toBe(b);
  });

  test('variables with other values or names do not change the fingerprint (they are state, not constants)', () => {
    expect(graphFingerprint(stepGraph([1, 2, 3, 4], [1, 1, 1, 1]).graph))
      .toBe(graphFingerprint(stepGraph([9, 8, 7, 6], [1, 1, 1, 1]).graph));
  });

  test('attrs and input shapes are part of the fingerprint', () => {
    const trace = (axis: number, shape: number[]): string | null =>
      graphFingerprint(kiln.trace((x: Tensor) => o.sum(x, axis), [{ shape }], { name: 'f' }));
    expect(trace(0, [3, 3])).not.toBe(trace(1, [3, 3]));
    expect(trace(0, [3, 3])).not.toBe(trace(0, [3, 4]));
  });
});

describe('in-process plan cache', () => {
  test('a second trace compiles from the plan cache without optimizing, planning or touching the code cache', () => {
    const first = stepGraph([1, 2, 3, 4], [1, 1, 1, 1]);
    const exe1 = compileGraph(first.graph);
    expect(planCacheStats()).toMatchObject({ plans: 1, memoryHits: 0 });
    const code = codeCacheStats();
    expect(code.compiles).toBe(1);
    // A second model: its own variable, other initial values, the same step.
    const second = stepGraph([-1, 0, 1, 2], [1, 1, 1, 1]);
    const exe2 = compileGraph(second.graph);
    expect(planCacheStats()).toMatchObject({ plans: 1, memoryHits: 1 });
    expect(codeCacheStats()).toEqual(code);
    // Each executable updates its own variable.
    const y2 = exe2.run([kiln.tensor(X, [4])])[0].dataSync()[0];
    const want2 = expected([-1, 0, 1, 2], [1, 1, 1, 1], X);
    expect(y2).toBeCloseTo(want2.y, 4);
    expectClose(second.w.read().dataSync(), want2.w);
    expectClose(first.w.read().dataSync(), [1, 2, 3, 4]);
    const y1 = exe1.run([kiln.tensor(X, [4])])[0].dataSync()[0];
    expect(y1).toBeCloseTo(expected([1, 2, 3, 4], [1, 1, 1, 1], X).y, 4);
  });

  test('a graph whose constants differ only in value is compiled anew and uses its own constants', () => {
    const a = stepGraph([0, 0, 0, 0], [1, 2, 3, 4]);
    const b = stepGraph([0, 0, 0, 0], [-4, 3, -2, 1]);
    const ya = compileGraph(a.graph).run([kiln.tensor(X, [4])])[0].dataSync()[0];
    const yb = compileGraph(b.graph).run([kiln.tensor(X, [4])])[0].dataSync()[0];
    expect(planCacheStats()).toMatchObject({ plans: 2, memoryHits: 0 });
    expect(ya).toBeCloseTo(expected([0, 0, 0, 0], [1, 2, 3, 4], X).y, 4);
    expect(yb).toBeCloseTo(expected([0, 0, 0, 0], [-4, 3, -2, 1], X).y, 4);
  });
});

/** x → x · (c1 · c2): optimization folds c1 · c2 into a constant the traced graph does not have. */
function foldedGraph(): kiln.FuncGraph {
  const c1 = kiln.tensor([1, 2, 3, 4], [4]);
  const c2 = kiln.tensor([0.5, -1, 3, 2], [4]);
  return kiln.trace((x: Tensor) => [o.mul(x, o.mul(c1, c2))], [{ shape: [4] }], { name: 'plan_cache_folded' });
}

describe('disk plan cache', () => {
  test('with both in-process caches cleared, the plan and its object come from disk', () => {
    const compiled = compileGraphAndRun();
    expect(compiled.plans).toMatchObject({ plans: 1, diskHits: 0 });
    clearCodeCache();
    clearPlanCache();
    const loaded = compileGraphAndRun();
    expect(loaded.plans).toMatchObject({ plans: 0, diskHits: 1, memoryHits: 0 });
    expect(loaded.stats).toMatchObject({ compiles: 0, diskHits: 1, rejectedFiles: 0 });
    expect(loaded.outputs).toEqual(compiled.outputs);
  });

  test('a constant made by folding is stored with the plan and computes the folded values', () => {
    const x = kiln.tensor(X, [4]);
    const want = X.map((v, i) => v * [0.5, -2, 9, 8][i]);
    expectClose(compileGraph(foldedGraph()).run([x])[0].dataSync(), want);
    clearCodeCache();
    clearPlanCache();
    expectClose(compileGraph(foldedGraph()).run([x])[0].dataSync(), want);
    expect(planCacheStats()).toMatchObject({ plans: 0, diskHits: 1 });
  });

  test('a second process skips optimizing, planning and compiling and produces identical results', () => {
    const dir = mkdtempSync(join(cacheRoot, 'child-'));
    const child = (): GraphChildReport => runFixtureChild<GraphChildReport>('compileGraphAndRun', dir, join(dir, 'cache'));
    const first = child();
    expect(first.plans).toMatchObject({ plans: 1, diskHits: 0 });
    const second = child();
    expect(second.plans).toMatchObject({ plans: 0, diskHits: 1 });
    expect(second.stats).toMatchObject({ compiles: 0, diskHits: 1, rejectedFiles: 0 });
    expect(second.outputs).toEqual(first.outputs);
    // The same values as this process computes.
    const here = compileGraph(smallGraph()).run([smallInput()]).map((t) => [...t.dataSync()]);
    expect(second.outputs).toEqual(here);
  }, 120_000);

  test('a corrupted plan file is rejected, deleted and the graph compiled again', () => {
    const first = compileGraphAndRun();
    const dir = process.env.KILN_CACHE_DIR!;
    const [name] = readdirSync(dir).filter((f) => f.endsWith('.kplan'));
    const file = join(dir, name);
    expect(planCacheFile(name.replace(/\.kplan$/, ''))).toBe(file);
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace('"jitSteps":', '"jitSteps":1'));
    clearCodeCache();
    clearPlanCache();
    const again = compileGraphAndRun();
    expect(again.plans).toMatchObject({ plans: 1, diskHits: 0 });
    expect(again.stats.rejectedFiles).toBe(1);
    expect(again.outputs).toEqual(first.outputs);
    // Rewritten valid.
    clearCodeCache();
    clearPlanCache();
    expect(compileGraphAndRun().plans).toMatchObject({ plans: 0, diskHits: 1 });
  });
});
