import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { CompileError } from '../../src/core/errors.js';
import { FuncGraph } from '../../compiler/ir/func-graph.js';
import { printGraph } from '../../compiler/ir/printer.js';
import { rewriteGraph } from '../../compiler/ir/rewrite.js';
import { verify } from '../../compiler/ir/verifier.js';
import { getPrimitive } from '../../src/ops/registry.js';
import { constant, node1 } from './passes/build.js';

const o = kiln.ops;

describe('rewriteGraph', () => {
  test('copying every node rebuilds a graph that prints like the source, leaving the source alone', () => {
    const v = new kiln.Variable(kiln.tensor([1, 2, 3]), 'v');
    const f = (x: kiln.Tensor) => {
      v.assign(o.add(v.read(), x));
      return { y: o.mul(x, kiln.tensor([2, 2, 2])), z: o.sum(x) };
    };
    const g = kiln.trace(f, [{ shape: [3], name: 'x' }], { name: 'f' });
    const before = printGraph(g);
    const out = rewriteGraph(g, () => 'copy');
    verify(out);
    expect(out).not.toBe(g);
    expect(printGraph(out)).toBe(before);
    expect(out.structure).toEqual({ kind: 'record', keys: ['y', 'z'] });
    expect(out.state.map((s) => out.variableOf(s))).toEqual([v]);
    expect(printGraph(g)).toBe(before);
    expect(g.nodes.every((n) => n.outputs.every((x) => x.graph === g))).toBe(true);
  });

  test('rejects a replacement whose shape or dtype differs from the output it replaces', () => {
    const g = kiln.trace((x) => o.sum(o.exp(x), 0), [{ shape: [2, 3], name: 'x' }], { name: 'f' });
    expect(() => rewriteGraph(g, (node, inputs) => (node.op === 'sum' ? [inputs[0]] : 'copy')))
      .toThrow(new CompileError('rewrite @f at sum: replacement of %2 f32[3] has type f32[2,3]'));
    expect(() => rewriteGraph(g, (node, inputs, rw) =>
      (node.op === 'exp' ? rw.emit(getPrimitive('cast'), inputs, { dtype: 'float64' }) : 'copy')))
      .toThrow(new CompileError('rewrite @f at exp: replacement of %1 f32[2,3] has type f64[2,3]'));
  });

  test('rejects a value of the source graph as a replacement', () => {
    const g = kiln.trace((x) => o.neg(x), [{ shape: [2] }], { name: 'f' });
    expect(() => rewriteGraph(g, (node) => [node.inputs[0]])).toThrow(CompileError);
  });

  test('rejects a use of a dropped node\'s output, naming it', () => {
    const g = kiln.trace((x) => o.exp(o.neg(x)), [{ shape: [2], name: 'x' }], { name: 'f' });
    expect(() => rewriteGraph(g, () => 'copy', new Set([g.nodes[0]])))
      .toThrow('rewrite @f at exp: value %1 (id 1) has no value in the new graph');
  });

  test('keeps only the constants the new graph uses, and emits nodes typed by infer()', () => {
    const g = new FuncGraph('c');
    const x = g.addInput({ shape: [2, 2], name: 'x' });
    const a = node1(g, 'add', [x, constant(g, [1, 2])]);
    g.outputs = [node1(g, 'mul', [a, constant(g, [3], [])])];
    const out = rewriteGraph(g, (node, inputs, rw) =>
      node.op === 'add' ? rw.emit(getPrimitive('transpose'), [inputs[0]], { perm: [1, 0] }) : 'copy');
    verify(out);
    expect(printGraph(out)).toBe([
      'func @c(%x: f32[2,2]) -> (f32[2,2])',
      '  %1 = constant 3 f32[]',
      '  %2 = transpose(%x) {perm: [1,0]} f32[2,2]',
      '  %3 = mul(%2, %1) f32[2,2]',
      '  return %3',
    ].join('\n'));
  });
});
