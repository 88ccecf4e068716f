import { describe, expect, test } from 'vitest';
import * as kiln from '../../../src/index.js';
import type { Tensor } from '../../../src/index.js';
import { FuncGraph } from '../../../compiler/ir/func-graph.js';
import { printGraph } from '../../../compiler/ir/printer.js';
import { verify } from '../../../compiler/ir/verifier.js';
import { eliminateDeadCode } from '../../../compiler/passes/eliminate-dead-code.js';
import { passContext } from '../../../compiler/passes/pass.js';
import { simplifyAlgebra } from '../../../compiler/passes/simplify-algebra.js';
import { interpret } from '../../../runtime/eager/interpreter.js';
import { expectClose, randomTensor, ravel, unravel } from '../../util/check.js';
import { constant, node1 } from './build.js';

const o = kiln.ops;
const quiet = passContext({ debug: false });

/** simplify-algebra then dead-code elimination (which removes what the rewrites left unused), verified. */
function simplify(g: FuncGraph): FuncGraph {
  const s = simplifyAlgebra.run(g, quiet);
  verify(s);
  const out = eliminateDeadCode.run(s, quiet);
  verify(out);
  return out;
}

describe('simplifyAlgebra', () => {
  test.each([
    ['x*1', (x: Tensor) => o.mul(x, 1)],
    ['1*x', (x: Tensor) => o.mul(kiln.ones([3], 'float32'), x)],
    ['x+0', (x: Tensor) => o.add(x, kiln.zeros([1, 3]))],
    ['0+x', (x: Tensor) => o.add(0, x)],
    ['x-0', (x: Tensor) => o.sub(x, 0)],
    ['x/1', (x: Tensor) => o.div(x, kiln.ones([2, 1]))],
    ['neg(neg(x))', (x: Tensor) => o.neg(o.neg(x))],
  ])('replaces %s by x', (_rule, f) => {
    const g = kiln.trace(f, [{ shape: [2, 3], name: 'x' }]);
    const out = simplify(g);
    expect(out.nodes).toHaveLength(0);
    expect(out.outputs[0]).toBe(out.inputs[0]);
  });

  test('keeps x*1 and x+0 when the constant broadcasts x to a bigger shape', () => {
    const g = kiln.trace((x) => [o.mul(x, kiln.ones([2, 3])), o.add(x, kiln.zeros([4, 1]))], [{ shape: [3] }]);
    expect(simplify(g).nodes.map((n) => n.op)).toEqual(['mul', 'add']);
  });

  test('keeps 0-x, x*c and x+c for constants that are not the identity', () => {
    const g = kiln.trace((x) => [o.sub(0, x), o.mul(x, kiln.tensor([1, 2])), o.add(x, kiln.tensor([0, 1e-30]))],
      [{ shape: [2] }]);
    expect(simplifyAlgebra.run(g, quiet)).toBe(g);
  });

  test('composes transpose∘transpose into one transpose that moves elements like the two did', () => {
    const shape = [2, 3, 4];
    const g = kiln.trace((x) => o.transpose(o.transpose(x, [2, 0, 1]), [0, 2, 1]),
      [{ shape, name: 'x', dtype: 'float64' }], { name: 't' });
    const out = simplify(g);
    expect(printGraph(out)).toBe([
      'func @t(%x: f64[2,3,4]) -> (f64[4,3,2])',
      '  %1 = transpose(%x) {perm: [2,1,0]} f64[4,3,2]',
      '  return %1',
    ].join('\n'));
    const x = randomTensor(shape, 3);
    const xd = x.dataSync();
    const want = Array.from({ length: 24 }, (_, i) => {
      const [a, b, c] = unravel(i, [4, 3, 2]);
      return xd[ravel([c, b, a], shape)];
    });
    expectClose(interpret(out, [x])[0], want, [4, 3, 2], 0, 0);
  });

  test('removes transpose∘transpose that is the identity', () => {
    const g = kiln.trace((x) => o.transpose(o.transpose(x, [1, 2, 0]), [2, 0, 1]), [{ shape: [2, 3, 4] }]);
    const out = simplify(g);
    expect(out.nodes).toHaveLength(0);
    expect(out.outputs[0]).toBe(out.inputs[0]);
  });

  test('keeps the inner transpose when something else uses it', () => {
    const g = kiln.trace((x) => {
      const t = o.transpose(x, [1, 0]);
      return [o.transpose(t, [1, 0]), o.exp(t)];
    }, [{ shape: [2, 3] }]);
    const out = simplify(g);
    expect(out.nodes.map((n) => n.op)).toEqual(['transpose', 'exp']);
    expect(out.outputs[0]).toBe(out.inputs[0]);
  });

  test('turns a reshape chain into one reshape, and a chain back to the start into nothing', () => {
    const g = kiln.trace((x) => [o.reshape(o.reshape(o.reshape(x, [6]), [3, 2]), [1, 6]),
      o.reshape(o.reshape(x, [3, 2]), [2, 3])], [{ shape: [2, 3], name: 'x' }], { name: 'r' });
    expect(printGraph(simplify(g))).toBe([
      'func @r(%x: f32[2,3]) -> (f32[1,6], f32[2,3])',
      '  %1 = reshape(%x) {shape: [1,6]} f32[1,6]',
      '  return %1, %x',
    ].join('\n'));
  });

  test('removes a reshape, broadcast, transpose or cast to what it already is', () => {
    const g = new FuncGraph('same');
    const x = g.addInput({ shape: [2, 3] });
    const r = node1(g, 'reshape', [x], { shape: [2, -1] });
    const b = node1(g, 'broadcastTo', [r], { shape: [2, 3] });
    const t = node1(g, 'transpose', [b], { perm: [0, 1] });
    g.outputs = [node1(g, 'cast', [t], { dtype: 'float32' })];
    const out = simplify(g);
    expect(out.nodes).toHaveLength(0);
    expect(out.outputs[0]).toBe(out.inputs[0]);
  });

  test('feeds a broadcast scalar constant straight to a primitive that broadcasts it anyway', () => {
    const g = new FuncGraph('bcast');
    const x = g.addInput({ shape: [2, 3], name: 'x' });
    const b = node1(g, 'broadcastTo', [constant(g, [2.5], [])], { shape: [2, 3] });
    g.outputs = [node1(g, 'mul', [x, b])];
    const out = simplify(g);
    expect(printGraph(out)).toBe([
      'func @bcast(%x: f32[2,3]) -> (f32[2,3])',
      '  %1 = constant 2.5 f32[]',
      '  %2 = mul(%x, %1) f32[2,3]',
      '  return %2',
    ].join('\n'));
    const xv = randomTensor([2, 3], 4, 'float32');
    expectClose(interpret(out, [xv])[0], Array.from(xv.dataSync(), (v) => v * 2.5), [2, 3], 1e-7, 1e-7);
  });

  test('keeps a broadcast that makes the result bigger, and one feeding a primitive that does not broadcast', () => {
    const g = new FuncGraph('keep');
    const x = g.addInput({ shape: [3] });
    const b = node1(g, 'broadcastTo', [constant(g, [1], [])], { shape: [2, 3] });
    const y = node1(g, 'add', [x, b]);
    const c = node1(g, 'broadcastTo', [x], { shape: [2, 3] });
    g.outputs = [y, node1(g, 'exp', [c])];
    expect(simplifyAlgebra.run(g, quiet)).toBe(g);
  });

  test('applies x*1 once the broadcast of the 1 is gone', () => {
    const g = new FuncGraph('mul1');
    const x = g.addInput({ shape: [2, 3] });
    const ones = node1(g, 'broadcastTo', [constant(g, [1], [])], { shape: [2, 3] });
    g.outputs = [node1(g, 'mul', [ones, x])];
    const out = simplify(g);
    expect(out.nodes).toHaveLength(0);
    expect(out.outputs[0]).toBe(out.inputs[0]);
  });

  test('logs every rewrite with its rule', () => {
    const g = kiln.trace((x) => o.neg(o.neg(o.mul(o.transpose(o.transpose(x, [1, 0]), [1, 0]), 1))),
      [{ shape: [2, 2], name: 'x' }]);
    const lines: string[] = [];
    simplifyAlgebra.run(g, passContext({ debug: true, log: (l) => lines.push(l) }));
    expect(lines).toEqual([
      'simplify-algebra: %3 = transpose(%2) {perm: [1,0]} replaced by %x (transpose∘transpose = identity)',
      'simplify-algebra: %4 = mul(%3, %1) replaced by %x (x*1)',
      'simplify-algebra: %6 = neg(%5) replaced by %x (neg(neg(x)))',
    ]);
  });
});
