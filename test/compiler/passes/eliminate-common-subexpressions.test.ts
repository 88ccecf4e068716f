import { describe, expect, test } from 'vitest';
import * as kiln from '../../../src/index.js';
import type { Tensor } from '../../../src/index.js';
import { FuncGraph } from '../../../compiler/ir/func-graph.js';
import { printGraph } from '../../../compiler/ir/printer.js';
import { assignVariablePrim } from '../../../compiler/ir/state-ops.js';
import { verify } from '../../../compiler/ir/verifier.js';
import { eliminateCommonSubexpressions as cse } from '../../../compiler/passes/eliminate-common-subexpressions.js';
import { passContext } from '../../../compiler/passes/pass.js';
import { interpret } from '../../../runtime/eager/interpreter.js';
import { expectClose, randomTensor } from '../../util/check.js';
import { constant, node1 } from './build.js';

const o = kiln.ops;
const quiet = passContext({ debug: false });

function run(g: FuncGraph): FuncGraph {
  const out = cse.run(g, quiet);
  verify(out);
  return out;
}

describe('eliminateCommonSubexpressions', () => {
  test('replaces a repeated node by the first one and gives the same results', () => {
    const f = (x: Tensor, y: Tensor) => o.mul(o.add(x, y), o.add(x, y));
    const g = kiln.trace(f, [{ shape: [2, 3], name: 'x' }, { shape: [3], name: 'y' }], { name: 'sq' });
    expect(g.nodes).toHaveLength(3);
    const out = run(g);
    expect(printGraph(out)).toBe([
      'func @sq(%x: f32[2,3], %y: f32[3]) -> (f32[2,3])',
      '  %2 = add(%x, %y) f32[2,3]',
      '  %3 = mul(%2, %2) f32[2,3]',
      '  return %3',
    ].join('\n'));
    const x = randomTensor([2, 3], 1, 'float32'), y = randomTensor([3], 2, 'float32');
    const xd = x.dataSync(), yd = y.dataSync();
    const want = Array.from(xd, (v, i) => (v + yd[i % 3]) ** 2);
    expectClose(interpret(out, [x, y])[0], want, [2, 3], 1e-6, 1e-6);
  });

  test('merges chains: once two nodes merge, their equal consumers merge too', () => {
    const g = kiln.trace((x) => [o.exp(o.neg(x)), o.exp(o.neg(x))], [{ shape: [4] }]);
    const out = run(g);
    expect(out.nodes.map((n) => n.op)).toEqual(['neg', 'exp']);
    expect(out.outputs[0]).toBe(out.outputs[1]);
  });

  test('keeps nodes whose attributes differ', () => {
    const g = kiln.trace((x) => [o.sum(x, 0), o.sum(x, 1), o.transpose(x, [1, 0]), o.sum(x, 0, true)],
      [{ shape: [2, 2] }]);
    expect(run(g).nodes).toHaveLength(4);
  });

  test('treats attributes listed in another key order as equal', () => {
    const g = new FuncGraph('keys');
    const x = g.addInput({ shape: [2, 3] });
    g.outputs = [node1(g, 'sum', [x], { axes: [1], keepDims: false }), node1(g, 'sum', [x], { keepDims: false, axes: [1] })];
    expect(run(g).nodes).toHaveLength(1);
  });

  test('never merges two random draws, even with equal attributes', () => {
    const g = new FuncGraph('random');
    const attrs = { shape: [3], dtype: 'float32', key: [5, 0], counter: 0, minval: 0, maxval: 1 };
    g.outputs = [node1(g, 'randomUniform', [], attrs), node1(g, 'randomUniform', [], attrs)];
    expect(cse.run(g, quiet)).toBe(g);
  });

  test('never merges two equal state updates', () => {
    const v = new kiln.Variable(kiln.tensor([1, 2]), 'v');
    const g = new FuncGraph('state');
    const s = g.addState(v);
    const d = node1(g, 'neg', [s]);
    g.addNode(assignVariablePrim, [s, d], {}, []);
    g.addNode(assignVariablePrim, [s, d], {}, []);
    g.outputs = [d];
    expect(cse.run(g, quiet)).toBe(g);
  });

  test('merges constants with equal data, so expressions over them merge as well', () => {
    const g = new FuncGraph('consts');
    const x = g.addInput({ shape: [2], name: 'x' });
    const a = node1(g, 'mul', [x, constant(g, [2, 3])]);
    const b = node1(g, 'mul', [x, constant(g, [2, 3])]);
    g.outputs = [node1(g, 'sub', [a, b])];
    const out = run(g);
    expect(printGraph(out)).toBe([
      'func @consts(%x: f32[2]) -> (f32[2])',
      '  %1 = constant [2, 3] f32[2]',
      '  %2 = mul(%x, %1) f32[2]',
      '  %3 = sub(%2, %2) f32[2]',
      '  return %3',
    ].join('\n'));
  });

  test('keeps constants apart that differ in dtype, shape or the sign of a zero', () => {
    const g = new FuncGraph('apart');
    const x = g.addInput({ shape: [2] });
    const pos = node1(g, 'div', [x, constant(g, [0], [])]);
    const negz = node1(g, 'div', [x, constant(g, [-0], [])]);
    const row = node1(g, 'add', [x, constant(g, [1, 1], [1, 2])]);
    const vec = node1(g, 'add', [x, constant(g, [1, 1], [2])]);
    g.outputs = [pos, negz, row, vec];
    const out = run(g);
    expect(out).toBe(g);
    const [p, n] = interpret(out, [kiln.tensor([1, 1])]);
    expectClose(p, [Infinity, Infinity], [2]);
    expectClose(n, [-Infinity, -Infinity], [2]);
  });

  test('logs each replacement with the node as printGraph shows it', () => {
    const g = kiln.trace((x, y) => [o.add(x, y), o.add(x, y)], [{ shape: [2], name: 'x' }, { shape: [2], name: 'y' }]);
    const lines: string[] = [];
    cse.run(g, passContext({ debug: true, log: (l) => lines.push(l) }));
    expect(lines).toEqual(['cse: %3 = add(%x, %y) replaced by %2']);
  });
});
