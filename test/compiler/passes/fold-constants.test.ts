import { describe, expect, test } from 'vitest';
import * as kiln from '../../../src/index.js';
import { FuncGraph } from '../../../compiler/ir/func-graph.js';
import { printGraph } from '../../../compiler/ir/printer.js';
import { verify } from '../../../compiler/ir/verifier.js';
import { assignVariablePrim } from '../../../compiler/ir/state-ops.js';
import { foldConstants } from '../../../compiler/passes/fold-constants.js';
import { passContext } from '../../../compiler/passes/pass.js';
import { interpret } from '../../../runtime/eager/interpreter.js';
import { expectClose } from '../../util/check.js';
import { constant, node1 } from './build.js';

const quiet = passContext({ debug: false });

function fold(g: FuncGraph): FuncGraph {
  const out = foldConstants.run(g, quiet);
  verify(out);
  return out;
}

describe('foldConstants', () => {
  test('folds a chain of constant nodes into one constant holding the values computed in JS', () => {
    const g = new FuncGraph('chain');
    const a = [0.5, -1, 2, 3], b = [1, 2, -3, 0.25];
    const ca = constant(g, a, [2, 2], 'float64'), cb = constant(g, b, [2, 2], 'float64');
    const s = node1(g, 'sub', [ca, cb]);
    const e = node1(g, 'exp', [s]);
    const t = node1(g, 'transpose', [e], { perm: [1, 0] });
    g.outputs = [node1(g, 'sum', [t], { axes: [1], keepDims: false })];
    const out = fold(g);
    expect(out.nodes).toHaveLength(0);
    expect(out.constants).toHaveLength(1);
    expect(out.outputs[0]).toBe(out.constants[0]);
    // sum over axis 1 of the transpose = sum over axis 0 of exp(a - b)
    const want = [0, 1].map((j) => Math.exp(a[j] - b[j]) + Math.exp(a[2 + j] - b[2 + j]));
    expectClose(interpret(out, [])[0], want, [2], 1e-12, 1e-12);
  });

  test('folds the constant part of an expression and keeps the rest', () => {
    const g = new FuncGraph('part');
    const x = g.addInput({ shape: [3], name: 'x' });
    const prod = node1(g, 'mul', [constant(g, [1, 2, 3]), constant(g, [4, 5, 6])]);
    g.outputs = [node1(g, 'add', [x, prod])];
    const out = fold(g);
    expect(printGraph(out)).toBe([
      'func @part(%x: f32[3]) -> (f32[3])',
      '  %1 = constant [4, 10, 18] f32[3]',
      '  %2 = add(%x, %1) f32[3]',
      '  return %2',
    ].join('\n'));
  });

  test('never folds random ops, even when everything around them is constant', () => {
    const g = new FuncGraph('random');
    const r = node1(g, 'randomUniform', [], { shape: [3], dtype: 'float32', key: [1, 0], counter: 0, minval: 0, maxval: 1 });
    g.outputs = [node1(g, 'add', [r, constant(g, [1, 1, 1])])];
    expect(foldConstants.run(g, quiet)).toBe(g);
  });

  test('folds the constant value of a state update but keeps the update', () => {
    const v = new kiln.Variable(kiln.tensor([0, 0]), 'v');
    const g = new FuncGraph('state');
    const s = g.addState(v);
    const value = node1(g, 'neg', [constant(g, [3, 4])]);
    g.addNode(assignVariablePrim, [s, value], {}, []);
    const out = fold(g);
    expect(out.nodes.map((n) => n.op)).toEqual(['assignVariable']);
    interpret(out, []);
    expectClose(v.read(), [-3, -4], [2]);
  });

  test('does not fold ops whose result holds more elements than their inputs (broadcasts stay loops)', () => {
    const g = new FuncGraph('grow');
    const c = constant(g, [2], []);
    const b = node1(g, 'broadcastTo', [c], { shape: [4, 5] });
    const r = node1(g, 'reshape', [constant(g, [1, 2, 3, 4, 5, 6])], { shape: [2, 3] });
    g.outputs = [b, r];
    const out = fold(g);
    expect(out.nodes.map((n) => n.op)).toEqual(['broadcastTo']);
    const [bv, rv] = interpret(out, []);
    expectClose(bv, new Array(20).fill(2), [4, 5]);
    expectClose(rv, [1, 2, 3, 4, 5, 6], [2, 3]);
  });

  test('returns the graph itself when nothing is constant', () => {
    const g = kiln.trace((x) => kiln.ops.exp(x), [{ shape: [2] }]);
    expect(foldConstants.run(g, quiet)).toBe(g);
  });

  test('keeps its folded constants alive when it runs inside tidy()', () => {
    const g = new FuncGraph('tidy');
    const x = g.addInput({ shape: [2], name: 'x' });
    g.outputs = [node1(g, 'mul', [x, node1(g, 'add', [constant(g, [1, 2]), constant(g, [3, 4])])])];
    const out = kiln.tidy(() => fold(g));
    verify(out);
    expectClose(interpret(out, [kiln.tensor([1, -1])])[0], [4, -6], [2]);
  });

  test('logs each fold with the node as printGraph shows it', () => {
    const g = new FuncGraph('log');
    const x = g.addInput({ shape: [3], name: 'x' });
    const s = node1(g, 'add', [constant(g, [1, 2, 3]), constant(g, [4, 5, 6])]);
    g.outputs = [node1(g, 'mul', [x, node1(g, 'neg', [s])])];
    const lines: string[] = [];
    foldConstants.run(g, passContext({ debug: true, log: (l) => lines.push(l) }));
    expect(lines).toEqual([
      'fold-constants: %3 = add(%1, %2) folded to constant [5,7,9] f32[3]',
      'fold-constants: %4 = neg(%3) folded to constant [-5,-7,-9] f32[3]',
    ]);
  });
});
