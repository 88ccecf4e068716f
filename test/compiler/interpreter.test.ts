import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { ShapeError, ValueError } from '../../src/index.js';
import { interpret } from '../../runtime/eager/interpreter.js';
import { checkGradients, expectClose, randomTensor } from '../util/check.js';
import type { Tensor } from '../../src/index.js';

const { add, matmul, relu, mul, sum, exp, sub, div, max } = kiln.ops;

describe('interpret', () => {
  test('runs a traced dense layer like a float64 reference computed in JS', () => {
    const [n, k, m] = [3, 4, 5];
    const x = randomTensor([n, k], 1), w = randomTensor([k, m], 2), b = randomTensor([m], 3);
    const g = kiln.trace((xs, ws) => relu(add(matmul(xs, ws), b)),
      [{ shape: [n, k], dtype: 'float64' }, { shape: [k, m], dtype: 'float64' }]);
    const [y] = interpret(g, [x, w]);
    const xd = x.dataSync(), wd = w.dataSync(), bd = b.dataSync();
    const ref: number[] = [];
    for (let i = 0; i < n; i++)
      for (let j = 0; j < m; j++) {
        let s = bd[j];
        for (let p = 0; p < k; p++) s += xd[i * k + p] * wd[p * m + j];
        ref.push(Math.max(s, 0));
      }
    expectClose(y, ref, [n, m], 1e-12, 1e-12);
  });

  test('gives what the function gives eagerly on random inputs, for every output', () => {
    const softmaxAndMax = (x: Tensor) => {
      const e = exp(sub(x, max(x, -1, true)));
      return { p: div(e, sum(e, -1, true)), m: max(x) };
    };
    const g = kiln.trace(softmaxAndMax, [{ shape: [4, 6] }]);
    for (let seed = 0; seed < 5; seed++) {
      const x = randomTensor([4, 6], seed, 'float32', -3, 3);
      const got = interpret(g, [x]);
      const want = softmaxAndMax(x);
      expectClose(got[0], want.p.dataSync(), [4, 6], 0, 0);
      expectClose(got[1], want.m.dataSync(), [], 0, 0);
    }
  });

  test('handles size-0 dimensions like eager execution', () => {
    const f = (x: Tensor) => [sum(x, 0), exp(x)];
    const g = kiln.trace(f, [{ shape: [0, 3] }]);
    const [s, e] = interpret(g, [kiln.zeros([0, 3])]);
    expectClose(s, [0, 0, 0], [3]);
    expect(e.shape).toEqual([0, 3]);
  });

  test('gives gradients under a GradientTape that match finite differences', () => {
    const g = kiln.trace((a, b) => sum(mul(exp(a), matmul(a, b)), -1),
      [{ shape: [2, 3], dtype: 'float64' }, { shape: [3, 3], dtype: 'float64' }]);
    checkGradients((a, b) => interpret(g, [a, b])[0], [randomTensor([2, 3], 5), randomTensor([3, 3], 6)]);
  });

  test('runs random ops recorded while tracing, which draw what the eager op draws', () => {
    const f = (x: Tensor) => add(x, kiln.ops.randomUniform([3], { seed: 7 }));
    const g = kiln.trace(f, [{ shape: [2, 3] }]);
    expect(g.nodes.map((n) => [n.op, n.inputs.length])).toEqual([['randomUniform', 0], ['add', 2]]);
    const x = randomTensor([2, 3], 4, 'float32');
    const [y] = interpret(g, [x]);
    expectClose(y, f(x).dataSync(), [2, 3], 0, 0);
    const xd = x.dataSync(), yd = y.dataSync();
    for (let i = 0; i < 6; i++) expect(yd[i] - xd[i]).toBeGreaterThanOrEqual(0);
  });

  test('inlines the graph when it is interpreted while tracing', () => {
    const inner = kiln.trace((x) => relu(mul(x, 3)), [{ shape: [2] }]);
    const outer = kiln.trace((x) => add(interpret(inner, [x])[0], 1), [{ shape: [2] }]);
    expect(outer.nodes.map((n) => n.op)).toEqual(['mul', 'relu', 'add']);
    const [y] = interpret(outer, [kiln.tensor([-1, 2])]);
    expectClose(y, [1, 7], [2]);
  });

  test('checks the number, shapes and dtypes of its inputs against the signature', () => {
    const g = kiln.trace((x, y) => add(x, y), [{ shape: [2, 3], name: 'x' }, { shape: [3] }], { name: 'f' });
    expect(() => interpret(g, [kiln.zeros([2, 3])]))
      .toThrow(new ValueError('interpret @f: expected 2 inputs, got 1'));
    expect(() => interpret(g, [kiln.zeros([3, 2]), kiln.zeros([3])]))
      .toThrow(new ShapeError('interpret @f: input 0 "x" expected f32[2,3], got f32[3,2]'));
    expect(() => interpret(g, [kiln.zeros([2, 3]), kiln.zeros([3], 'int32')]))
      .toThrow(new ValueError('interpret @f: input 1 expected f32[3], got i32[3]'));
  });
});

describe('interpret with variables', () => {
  const step = (v: kiln.Variable, count: kiln.Variable) => (x: Tensor) => {
    v.assignAdd(mul(x, v));
    v.slice([0], [2]).assign(sum(x));
    count.assignAdd(1);
    return mul(v, 2);
  };

  test('updates variables as eager execution does, run after run', () => {
    const init = [0.5, -1, 2, 3];
    const v = new kiln.Variable(kiln.tensor(init), 'v');
    const count = new kiln.Variable(kiln.scalar(0, 'int32'), 'count');
    const g = kiln.trace(step(v, count), [{ shape: [4] }]);
    expect(g.state.map((s) => s.name)).toEqual(['v', 'count']);
    expect([...v.read().dataSync()]).toEqual(init);

    const ve = new kiln.Variable(kiln.tensor(init), 've');
    const ce = new kiln.Variable(kiln.scalar(0, 'int32'), 'ce');
    const eager = step(ve, ce);
    for (let seed = 0; seed < 3; seed++) {
      const x = randomTensor([4], seed, 'float32');
      const [y] = interpret(g, [x]);
      const want = eager(x);
      expectClose(y, want.dataSync(), [4], 0, 0);
      expectClose(v.read(), ve.read().dataSync(), [4], 0, 0);
    }
    expect(count.read().item()).toBe(3);
    // An independent JS check of one step: v += x·v, then v[0:2] = Σx, count += 1.
    const v2 = new kiln.Variable(kiln.tensor(init), 'v2');
    const c2 = new kiln.Variable(kiln.scalar(0, 'int32'), 'c2');
    const g2 = kiln.trace(step(v2, c2), [{ shape: [4] }]);
    const xs = [1, 2, -1, 0.5];
    interpret(g2, [kiln.tensor(xs)]);
    const ref = init.map((a, i) => a + xs[i] * a);
    const total = xs.reduce((a, b) => a + b, 0);
    ref[0] = total;
    ref[1] = total;
    expectClose(v2.read(), ref, [4]);
  });

  test('rejects a variable whose shape no longer matches the traced state', () => {
    const v = new kiln.Variable(kiln.zeros([3]), 'v');
    const g = kiln.trace((x) => add(x, v), [{ shape: [3] }], { name: 'f' });
    const other = kiln.trace((x) => add(x, v), [{ shape: [3] }], { name: 'f' });
    (other.state[0] as { shape: readonly number[] }).shape = [4];
    expect(() => interpret(other, [kiln.zeros([3])]))
      .toThrow(/interpret @f: variable "v" is f32\[3\], the graph was traced with f32\[4\]/);
    expectClose(interpret(g, [kiln.ones([3])])[0], [1, 1, 1], [3]);
  });
});
