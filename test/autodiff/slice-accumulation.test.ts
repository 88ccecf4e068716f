// The backprop sweep joins the gradients of slices that tile one axis (split / unstack) with one concat instead of
// summing full-size scatters; other slice patterns fall back to the sum. Every case is checked against finite
// differences, and the graph case also by its node counts.
import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { interpret } from '../../runtime/eager/interpreter.js';
import { checkGradients, expectClose, randomTensor } from '../util/check.js';

const o = kiln.ops;
/** A different smooth function of each piece, so that a misplaced piece changes the gradient. */
const perPiece = (pieces: Tensor[]): Tensor => o.stack(pieces.map((p, k) => o.mul(o.sin(o.mul(p, k + 1)), k + 2)));

describe('slice gradient accumulation', () => {
  test('unstack with every piece used', () => {
    checkGradients((x) => perPiece(o.unstack(x, 1)), [randomTensor([2, 5, 3], 1)]);
    checkGradients((x) => perPiece(o.unstack(x, 0)), [randomTensor([4, 3], 2)]);
  });

  test('only some pieces used: the gaps get zeros', () => {
    checkGradients((x) => { const p = o.unstack(x, 1); return perPiece([p[1], p[3]]); }, [randomTensor([2, 6, 2], 3)]);
    checkGradients((x) => { const p = o.split(x, [1, 2, 1, 2], 2); return o.concat([o.sin(p[1]), o.exp(p[3])], 2); },
      [randomTensor([2, 2, 6], 4)]);
  });

  test('overlapping, strided, multi-axis and mixed uses fall back to the sum', () => {
    const x = randomTensor([4, 6], 5);
    checkGradients((t) => o.add(o.sin(o.slice(t, [0, 0], [4, 4])), o.exp(o.slice(t, [0, 2], [4, 4]))), [x]);
    checkGradients((t) => o.add(o.sin(o.stridedSlice(t, [0, 0], [4, 6], [1, 2])),
      o.exp(o.stridedSlice(t, [0, 1], [4, 6], [1, 2]))), [x]);
    checkGradients((t) => o.add(o.sin(o.slice(t, [0, 0], [2, 3])), o.exp(o.slice(t, [2, 3], [2, 3]))), [x]);
    checkGradients((t) => o.add(perPiece(o.unstack(t, 0)), o.square(t)), [x]);
  });

  test('nested tapes give second derivatives through unstack', () => {
    const x = randomTensor([3, 4], 6);
    const outer = new kiln.GradientTape();
    outer.watch(x);
    const g = outer.record(() => {
      const inner = new kiln.GradientTape();
      inner.watch(x);
      const y = inner.record(() => o.sum(o.stack(o.unstack(x, 0).map((p, k) => o.mul(o.pow(p, 3), k + 1)))));
      return o.sum(inner.gradient(y, x)!);
    });
    // y = Σ (k+1) x³ over row k, so Σ dy/dx = Σ 3 (k+1) x² and its gradient is 6 (k+1) x.
    expectClose(outer.gradient(g, x)!, [...x.dataSync()].map((v, i) => 6 * (Math.floor(i / 4) + 1) * v), [3, 4], 1e-12);
  });

  test('graph autodiff of unstack joins the pieces with one concat, no scatter and no sum', () => {
    const T = 6;
    const graph = kiln.trace((x) => kiln.grad(() => o.sum(perPiece(o.unstack(x, 0))), [x])[0],
      [{ shape: [T, 3], dtype: 'float64' }]);
    const count = (op: string): number => graph.nodes.filter((n) => n.op === op).length;
    expect(count('stridedSliceGrad')).toBe(0);
    expect(count('add')).toBe(0);
    expect(count('concat')).toBe(2); // the forward stack and the gradient's join
    const x = randomTensor([T, 3], 7);
    const xv = x.dataSync();
    expectClose(interpret(graph, [x])[0], [...xv].map((v, i) => {
      const k = Math.floor(i / 3);
      return (k + 2) * (k + 1) * Math.cos((k + 1) * v);
    }), [T, 3], 1e-12);
  });
});
