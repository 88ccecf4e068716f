// Random draws from a SeedGenerator's state variable: the native kernels read the stream from a runtime input,
// and compiled functions (plan executor and interpreter) advance the generator as eager code does.
import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { kernel } from '../../src/core/native.js';
import { apply1 } from '../../src/ops/dispatch.js';
import { randomUniformPrim } from '../../src/ops/random.js';
import { interpretGraph, type Compile } from '../../compiler/jit/executable.js';
import { optimize } from '../../compiler/passes/pipeline.js';
import { planGraph } from '../../compiler/plan/make-plan.js';
import { compilePlan, compilePlanned } from '../../runtime/executable/compile-plan.js';

const o = kiln.ops;
const { SeedGenerator } = o;
const flat = (t: Tensor): number[] => Array.from(t.dataSync());
const state = (k0: number, k1: number, counter: number): Tensor => kiln.tensor([k0, k1, counter], [3], 'float64');

describe('generator state input', () => {
  test('a draw with a state input uses its key and counter plus the offset attribute', () => {
    const attrs = { dtype: 'float32' as const, minval: -1, maxval: 2 };
    // The attribute form is checked against an independent Philox reference in random.test.ts.
    const whole = flat(apply1(randomUniformPrim, [], { ...attrs, key: [3, 4], shape: [200], counter: 0 }));
    const part = flat(apply1(randomUniformPrim, [state(3, 4, 100)], { ...attrs, shape: [5, 10], counter: 21 }));
    expect(part).toEqual(whole.slice(121, 171));
  });

  test('the state must be float64[3] of integer words, without a key attribute', () => {
    const attrs = { dtype: 'float32' as const, minval: 0, maxval: 1, shape: [2], counter: 0 };
    expect(() => apply1(randomUniformPrim, [kiln.tensor([0, 0, 0], [3], 'float32')], attrs))
      .toThrow(/randomUniform: the generator state must be float64\[3\], got float32\[3\]/);
    expect(() => apply1(randomUniformPrim, [state(0, 0, 0), state(0, 0, 0)], attrs)).toThrow(/got 2 inputs/);
    expect(() => apply1(randomUniformPrim, [state(0, 0, 0)], { ...attrs, key: [1, 2] })).toThrow(/key attribute/);
    const out = [new Float32Array(2)];
    const call = (st: number[]) => kernel('randomUniform').call([Float64Array.from(st)], out, 0, 0, 0, 0, 0, 1);
    expect(() => call([0, 0, 0.5])).toThrow(/generator state counter must be an integer/);
    expect(() => call([2 ** 32, 0, 0])).toThrow(/generator state key word 0/);
    expect(() => call([0, -1, 0])).toThrow(/generator state key word 1/);
    expect(() => kernel('randomUniform').call([new Float64Array(2)], out, 0, 0, 0, 0, 0, 1)).toThrow(/3 elements/);
  });

  test('a generator keeps [key0, key1, counter] in a float64 variable that draws advance', () => {
    const g = new SeedGenerator(5);
    o.randomNormal([2, 3], { seed: g });
    expect(flat(g.state.read())).toEqual([5, 0, 6]);
    expect(g.state.trainable).toBe(false);
  });
});

const compilers: [string, Compile][] = [['plan executor', compilePlanned], ['interpreter', interpretGraph]];

describe.each(compilers)('jitted draws (%s)', (_name, compile) => {
  // Three draws from one generator, one from a fixed integer seed.
  const draws = (g: InstanceType<typeof SeedGenerator>) => (x: Tensor): Tensor[] => [
    o.add(x, o.randomUniform([4], { seed: g })),
    o.randomNormal([2, 3], { seed: g, dtype: 'float64' }),
    o.truncatedNormal([5], { seed: g, mean: 1, stddev: 2 }),
    o.randomUniform([3], { seed: 17 }),
  ];

  test('are the eager draws of the same generator, new at every call', () => {
    const gc = new SeedGenerator(21), ge = new SeedGenerator(21);
    const jitted = kiln.jit(draws(gc), { compile });
    const x = kiln.zeros([4]);
    const calls = [0, 1, 2].map(() => (jitted(x) as Tensor[]).map(flat));
    const eager = [0, 1, 2].map(() => draws(ge)(x).map(flat));
    expect(jitted.cacheSize).toBe(1);
    expect(calls).toEqual(eager);
    expect(gc.counter).toBe(3 * 15);
    expect(ge.counter).toBe(gc.counter);
    expect(calls[1][0]).not.toEqual(calls[0][0]);
    expect(calls[2][1]).not.toEqual(calls[1][1]);
    expect(calls[2][3]).toEqual(calls[0][3]);
  });

  test('follow setRandomSeed when unseeded', () => {
    const jitted = kiln.jit((x: Tensor) => o.add(x, o.randomNormal([6])), { compile });
    const x = kiln.zeros([6]);
    o.setRandomSeed(8);
    const first = [flat(jitted(x) as Tensor), flat(jitted(x) as Tensor)];
    o.setRandomSeed(8);
    expect([flat(jitted(x) as Tensor), flat(o.randomNormal([6]))]).toEqual(first);
    expect(first[0]).toEqual(flat(o.randomNormal([6], { seed: 8 })));
  });
});

test('K stacked steps in one native call advance the generator K times', () => {
  const g = new SeedGenerator(4);
  const graph = kiln.trace((x: Tensor) => o.add(x, o.randomUniform([3], { seed: g })), [{ shape: [3] }]);
  const exe = compilePlan(planGraph(optimize(graph)));
  const last = flat(exe.runSteps([kiln.zeros([3, 3])], 3)[0]);
  expect(g.counter).toBe(9);
  expect(last).toEqual(flat(o.randomUniform([12], { seed: 4 })).slice(6, 9));
});
