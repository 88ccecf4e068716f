import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { ValueError } from '../../src/index.js';
import { verify } from '../../compiler/ir/verifier.js';
import { interpret } from '../../runtime/eager/interpreter.js';
import { expectClose, randomTensor } from '../util/check.js';
import type { Tensor } from '../../src/index.js';

const o = kiln.ops;
const f64 = (shape: number[], name?: string) => ({ shape, dtype: 'float64' as const, name });

describe('gradGraph', () => {
  test('returns the outputs followed by one gradient per target, after the forward nodes', () => {
    const g = kiln.trace((x, w) => o.sum(o.tanh(o.matmul(x, w))), [f64([3, 2], 'x'), f64([2, 4], 'w')], { name: 'f' });
    const gg = kiln.gradGraph(g, [1, 0]);
    verify(gg);
    expect(gg.name).toBe('f_grad');
    expect(gg.nodes.slice(0, g.nodes.length).map((n) => n.op)).toEqual(g.nodes.map((n) => n.op));
    expect(gg.outputs.map((v) => v.shape)).toEqual([[], [2, 4], [3, 2]]);
    const x = randomTensor([3, 2], 1), w = randomTensor([2, 4], 2);
    const [y, dw, dx] = interpret(gg, [x, w]);
    // Reference: y = Σ tanh(x·w); dy/dz = 1 - tanh(z)²; dw = xᵀ·dz, dx = dz·wᵀ.
    const xd = x.dataSync(), wd = w.dataSync();
    const dz: number[] = [];
    let total = 0;
    for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) {
      let z = 0;
      for (let k = 0; k < 2; k++) z += xd[i * 2 + k] * wd[k * 4 + j];
      total += Math.tanh(z);
      dz.push(1 - Math.tanh(z) ** 2);
    }
    const wantDw: number[] = [], wantDx: number[] = [];
    for (let k = 0; k < 2; k++) for (let j = 0; j < 4; j++) {
      let s = 0;
      for (let i = 0; i < 3; i++) s += xd[i * 2 + k] * dz[i * 4 + j];
      wantDw.push(s);
    }
    for (let i = 0; i < 3; i++) for (let k = 0; k < 2; k++) {
      let s = 0;
      for (let j = 0; j < 4; j++) s += dz[i * 4 + j] * wd[k * 4 + j];
      wantDx.push(s);
    }
    expectClose(y, [total], [], 1e-12);
    expectClose(dw, wantDw, [2, 4], 1e-12);
    expectClose(dx, wantDx, [3, 2], 1e-12);
  });

  test('sums a non-scalar output and differentiates the output it is told to', () => {
    const g = kiln.trace((x) => [o.sin(x), o.square(x)], [f64([2, 3])]);
    const x = randomTensor([2, 3], 3);
    const [, , dSin] = interpret(kiln.gradGraph(g, [0]), [x]);
    const [, , dSquare] = interpret(kiln.gradGraph(g, [0], { output: 1 }), [x]);
    expectClose(dSin, [...x.dataSync()].map(Math.cos), [2, 3], 1e-12);
    expectClose(dSquare, [...x.dataSync()].map((v) => 2 * v), [2, 3], 1e-12);
  });

  test('differentiating the gradient graph again gives second derivatives', () => {
    const g = kiln.trace((x) => o.sum(o.mul(o.sin(x), x)), [f64([5])], { name: 'h' });
    const second = kiln.gradGraph(kiln.gradGraph(g, [0]), [0], { output: 1 });
    verify(second);
    const x = randomTensor([5], 4, 'float64', -2, 2);
    const [, d1, d2] = interpret(second, [x]);
    const xs = [...x.dataSync()];
    // d/dx (x sin x) = sin x + x cos x; d²/dx² = 2 cos x − x sin x.
    expectClose(d1, xs.map((v) => Math.sin(v) + v * Math.cos(v)), [5], 1e-12);
    expectClose(d2, xs.map((v) => 2 * Math.cos(v) - v * Math.sin(v)), [5], 1e-12);
  });

  test('gradients with respect to variables are taken at their value on entry, and assignments still happen', () => {
    const w = new kiln.Variable(randomTensor([3], 5), 'w');
    const count = new kiln.Variable(kiln.zeros([], 'float64'), 'count');
    const g = kiln.trace((x) => {
      count.assignAdd(1);
      return o.sum(o.mul(o.square(w), x));
    }, [f64([2, 3])]);
    const gg = kiln.gradGraph(g, [w, 0, count]);
    verify(gg);
    expect(gg.nodes.filter((n) => n.op === 'assignVariable')).toHaveLength(1);
    const x = randomTensor([2, 3], 6);
    const wv = [...w.read().dataSync()], xv = [...x.dataSync()];
    const [, dw, dx, dCount] = interpret(gg, [x]);
    expectClose(dw, wv.map((v, j) => 2 * v * (xv[j] + xv[3 + j])), [3], 1e-12);
    expectClose(dx, xv.map((_, i) => wv[i % 3] ** 2), [2, 3], 1e-12);
    expectClose(dCount, [0], [], 0);
    expect(count.read().item()).toBe(1);
  });

  test('gives gradients that match the tape for kinked primitives away from their kinks', () => {
    const fn = (x: Tensor, y: Tensor) =>
      o.sum(o.add(o.mul(o.relu(x), o.abs(y)), o.add(o.max(o.maximum(x, y), 1, true), o.minimum(o.neg(x), y))));
    const x = randomTensor([3, 4], 7), y = randomTensor([3, 4], 8);
    const [, dx, dy] = interpret(kiln.gradGraph(kiln.trace(fn, [f64([3, 4]), f64([3, 4])]), [0, 1]), [x, y]);
    const tape = new kiln.GradientTape();
    tape.watch([x, y]);
    const [tx, ty] = tape.gradient(tape.record(() => fn(x, y)), [x, y]);
    expectClose(dx, tx!.dataSync(), [3, 4], 1e-12);
    expectClose(dy, ty!.dataSync(), [3, 4], 1e-12);
  });

  test('gives explicit zeros for unconnected targets, through stopGradient and through integer casts', () => {
    const g = kiln.trace((x, z) => o.sum(o.mul(o.stopGradient(x), o.cast(o.cast(z, 'int32'), 'float64'))),
      [f64([2]), f64([2, 2])]);
    const w = new kiln.Variable(kiln.ones([3], 'float64'), 'unused');
    const gg = kiln.gradGraph(g, [0, 1, w]);
    verify(gg);
    const [, dx, dz, dw] = interpret(gg, [randomTensor([2], 9), randomTensor([2, 2], 10, 'float64', 1, 3)]);
    expectClose(dx, [0, 0], [2], 0);
    expectClose(dz, [0, 0, 0, 0], [2, 2], 0);
    expectClose(dw, [0, 0, 0], [3], 0);
  });

  test('handles 0-size and rank-0 values', () => {
    const g = kiln.trace((x, w, s) => o.add(o.sum(o.mul(x, w)), o.mul(o.sum(o.square(w)), s)),
      [f64([0, 3]), f64([3]), f64([])]);
    const w = randomTensor([3], 18), s = randomTensor([], 19);
    const [y, dx, dw, ds] = interpret(kiln.gradGraph(g, [0, 1, 2]), [kiln.zeros([0, 3], 'float64'), w, s]);
    const wv = [...w.dataSync()], sv = s.item();
    expectClose(y, [sv * wv.reduce((a, v) => a + v * v, 0)], [], 1e-12);
    expectClose(dx, [], [0, 3], 0);
    expectClose(dw, wv.map((v) => 2 * v * sv), [3], 1e-12);
    expectClose(ds, [wv.reduce((a, v) => a + v * v, 0)], [], 1e-12);
  });

  test('rejects targets and outputs that cannot have gradients, naming the graph', () => {
    const g = kiln.trace((x, n) => [o.sum(x), o.add(n, 1)], [f64([2], 'x'), { shape: [2], dtype: 'int32' }], { name: 'q' });
    expect(() => kiln.gradGraph(g, [2])).toThrow(new ValueError('gradGraph @q: wrt 0 is input 2, but the graph has 2 inputs'));
    expect(() => kiln.gradGraph(g, [1])).toThrow(
      new ValueError('gradGraph @q: wrt 0 is input 1 of type i32[2]; only float inputs have gradients'));
    expect(() => kiln.gradGraph(g, [0], { output: 1 })).toThrow(
      new ValueError('gradGraph @q: output 1 is i32[2]; only float outputs have gradients'));
    expect(() => kiln.gradGraph(g, [0], { output: 5 })).toThrow(
      new ValueError('gradGraph @q: output 5 does not exist (the graph has 2 outputs)'));
    const v = new kiln.Variable(kiln.zeros([2], 'int32'), 'steps');
    expect(() => kiln.gradGraph(g, [v])).toThrow(/wrt 0 is variable "steps" of dtype int32/);
  });
});

describe('valueAndGrad', () => {
  test('gives the tape gradients eagerly, with zeros for unconnected sources', () => {
    const x = randomTensor([2, 3], 11), unused = randomTensor([4], 12);
    const w = new kiln.Variable(randomTensor([3], 13), 'w');
    const { value, grads } = kiln.valueAndGrad(() => o.sum(o.mul(o.exp(x), w)), [x, w, unused]);
    const xv = [...x.dataSync()], wv = [...w.read().dataSync()];
    expectClose(value, [xv.reduce((s, v, i) => s + Math.exp(v) * wv[i % 3], 0)], [], 1e-12);
    expectClose(grads[0], xv.map((v, i) => Math.exp(v) * wv[i % 3]), [2, 3], 1e-12);
    expectClose(grads[1], [0, 1, 2].map((j) => Math.exp(xv[j]) + Math.exp(xv[3 + j])), [3], 1e-12);
    expectClose(grads[2], [0, 0, 0, 0], [4], 0);
    expectClose(kiln.grad(() => o.sum(o.square(x)), [x])[0], xv.map((v) => 2 * v), [2, 3], 1e-12);
  });

  test('inside a traced function records the gradient into the graph, with the same semantics as eagerly', () => {
    const w = new kiln.Variable(randomTensor([3], 14), 'w');
    // As with GradientTape, only ops run inside f are differentiated: y is computed before, so x gets zeros.
    const step = (x: Tensor): Tensor[] => {
      const y = o.tanh(x);
      const { value, grads } = kiln.valueAndGrad(() => o.sum(o.mul(o.square(y), w)), [x, y, w]);
      return [value, ...grads];
    };
    const g = kiln.trace(step, [f64([2, 3])]);
    verify(g);
    const x = randomTensor([2, 3], 15);
    const [value, dx, dy, dw] = interpret(g, [x]);
    const eager = step(x);
    const yv = [...x.dataSync()].map(Math.tanh), wv = [...w.read().dataSync()];
    expectClose(value, [yv.reduce((s, v, i) => s + v * v * wv[i % 3], 0)], [], 1e-12);
    expectClose(dx, [0, 0, 0, 0, 0, 0], [2, 3], 0);
    expectClose(dy, yv.map((v, i) => 2 * v * wv[i % 3]), [2, 3], 1e-12);
    expectClose(dw, [0, 1, 2].map((j) => yv[j] ** 2 + yv[3 + j] ** 2), [3], 1e-12);
    [value, dx, dy, dw].forEach((t, i) => expectClose(t, eager[i].dataSync(), eager[i].shape, 1e-12));
  });

  test('nests inside a traced function for second derivatives', () => {
    const g = kiln.trace((x) => kiln.grad(() => o.sum(kiln.grad(() => o.sum(o.mul(o.exp(x), x)), [x])[0]), [x]),
      [f64([4])]);
    const x = randomTensor([4], 16);
    // d/dx (x eˣ) = (x + 1) eˣ; d²/dx² = (x + 2) eˣ.
    expectClose(interpret(g, [x])[0], [...x.dataSync()].map((v) => (v + 2) * Math.exp(v)), [4], 1e-12);
  });

  test('rejects a non-tensor result, integer sources and concrete sources inside a trace', () => {
    const x = randomTensor([2], 17);
    expect(() => kiln.valueAndGrad(() => 3 as unknown as Tensor, [x])).toThrow(
      new ValueError('valueAndGrad: the function must return a Tensor, got number'));
    expect(() => kiln.valueAndGrad(() => o.sum(x), [kiln.zeros([2], 'int32')])).toThrow(
      new ValueError('valueAndGrad: source 0 has dtype int32; only float values have gradients'));
    expect(() => kiln.trace((y) => kiln.grad(() => o.sum(o.mul(y, x)), [x])[0], [f64([2])])).toThrow(
      /valueAndGrad: source 0 is a concrete tensor; inside a traced function sources must be symbolic/);
  });
});
