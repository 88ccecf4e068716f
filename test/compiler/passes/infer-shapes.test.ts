import { describe, expect, test } from 'vitest';
import * as kiln from '../../../src/index.js';
import { CompileError } from '../../../src/core/errors.js';
import { FuncGraph } from '../../../compiler/ir/func-graph.js';
import { getPrimitive } from '../../../src/ops/registry.js';
import { inferShapes } from '../../../compiler/passes/infer-shapes.js';
import { passContext } from '../../../compiler/passes/pass.js';

const o = kiln.ops;
const quiet = passContext({ debug: false });

describe('inferShapes', () => {
  test('returns a well-typed traced graph unchanged and logs how many nodes it checked', () => {
    const g = kiln.trace((x, w) => o.relu(o.matmul(x, w)), [{ shape: [2, 3] }, { shape: [3, 4] }]);
    const lines: string[] = [];
    expect(inferShapes.run(g, passContext({ debug: true, log: (l) => lines.push(l) }))).toBe(g);
    expect(lines).toEqual(["infer-shapes: 2 nodes agree with their primitives' infer()"]);
  });

  test('names the node, its recorded type and the inferred type when they differ', () => {
    const g = new FuncGraph('bad');
    const x = g.addInput({ shape: [2, 3], name: 'x' });
    const y = g.addInput({ shape: [3], name: 'y' });
    g.outputs = g.addNode(getPrimitive('add'), [x, y], {}, [{ shape: [3, 3], dtype: 'float32' }]).outputs;
    expect(() => inferShapes.run(g, quiet)).toThrow(new CompileError(
      'infer-shapes @bad: node 0 %2 = add(%x, %y) is recorded as f32[3,3], add infers f32[2,3]'));
  });

  test('names a wrong dtype too', () => {
    const g = new FuncGraph('bad');
    const x = g.addInput({ shape: [2], name: 'x' });
    g.outputs = g.addNode(getPrimitive('neg'), [x], {}, [{ shape: [2], dtype: 'float64' }]).outputs;
    expect(() => inferShapes.run(g, quiet)).toThrow('recorded as f64[2], neg infers f32[2]');
  });

  test('reports inputs the primitive rejects, with its own message', () => {
    const g = new FuncGraph('bad');
    const x = g.addInput({ shape: [2], name: 'x' });
    const y = g.addInput({ shape: [3], name: 'y' });
    g.outputs = g.addNode(getPrimitive('mul'), [x, y], {}, [{ shape: [3], dtype: 'float32' }]).outputs;
    expect(() => inferShapes.run(g, quiet)).toThrow(CompileError);
    expect(() => inferShapes.run(g, quiet)).toThrow(/^infer-shapes @bad: node 0 %2 = mul\(%x, %y\): mul: .*\[2\].*\[3\]/);
  });

  test('runs the structural verifier after the type checks', () => {
    const g = new FuncGraph('dangling');
    const x = g.addInput({ shape: [2] });
    const other = new FuncGraph('other').addInput({ shape: [2] });
    g.outputs = [x, other];
    expect(() => inferShapes.run(g, quiet)).toThrow(new CompileError(
      'verify @dangling: output 1 (%0) is not defined in the graph'));
  });
});
