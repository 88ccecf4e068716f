import { describe, expect, test } from 'vitest';
import * as kiln from '../../../src/index.js';
import { FuncGraph } from '../../../compiler/ir/func-graph.js';
import { printGraph } from '../../../compiler/ir/printer.js';
import { verify } from '../../../compiler/ir/verifier.js';
import { eliminateDeadCode as dce } from '../../../compiler/passes/eliminate-dead-code.js';
import { passContext } from '../../../compiler/passes/pass.js';
import { interpret } from '../../../runtime/eager/interpreter.js';
import { expectClose } from '../../util/check.js';
import { constant, node1 } from './build.js';

const o = kiln.ops;
const quiet = passContext({ debug: false });

function run(g: FuncGraph): FuncGraph {
  const out = dce.run(g, quiet);
  verify(out);
  return out;
}

describe('eliminateDeadCode', () => {
  test('drops nodes no output depends on, and the constants only they used', () => {
    const g = kiln.trace((x) => {
      o.exp(o.mul(x, kiln.tensor([2, 3])));
      return o.relu(x);
    }, [{ shape: [2], name: 'x' }], { name: 'f' });
    expect(g.nodes).toHaveLength(3);
    const out = run(g);
    expect(printGraph(out)).toBe([
      'func @f(%x: f32[2]) -> (f32[2])',
      '  %1 = relu(%x) f32[2]',
      '  return %1',
    ].join('\n'));
    expectClose(interpret(out, [kiln.tensor([-1, 2])])[0], [0, 2], [2]);
  });

  test('keeps state updates and everything they depend on, though no output uses them', () => {
    const v = new kiln.Variable(kiln.tensor([1, 2]), 'v');
    const f = () => {
      v.assign(o.mul(v.read(), 3));
      o.neg(v.read());
      return [];
    };
    const g = kiln.trace(f, [], { name: 'step' });
    const out = run(g);
    expect(out.nodes.map((n) => n.op)).toEqual(['mul', 'assignVariable']);
    interpret(out, []);
    expectClose(v.read(), [3, 6], [2]);
  });

  test('keeps an output that is an input or a constant, and inputs and state nobody uses', () => {
    const v = new kiln.Variable(kiln.tensor([1]), 'w');
    const g = new FuncGraph('keep');
    const x = g.addInput({ shape: [1], name: 'x' });
    g.addInput({ shape: [1], name: 'unused' });
    g.addState(v);
    const c = constant(g, [7]);
    node1(g, 'add', [x, c]);
    g.outputs = [x, c];
    const out = run(g);
    expect(out.nodes).toHaveLength(0);
    expect(out.inputs.map((i) => i.name)).toEqual(['x', 'unused']);
    expect(out.state).toHaveLength(1);
    expect(out.constants).toHaveLength(1);
    const [a, b] = interpret(out, [kiln.tensor([5]), kiln.tensor([6])]);
    expectClose(a, [5], [1]);
    expectClose(b, [7], [1]);
  });

  test('drops a whole dead chain, including random draws', () => {
    const g = new FuncGraph('chain');
    const x = g.addInput({ shape: [3] });
    const r = node1(g, 'randomNormal', [], { shape: [3], dtype: 'float32', key: [1, 2], counter: 0, mean: 0, stddev: 1 });
    node1(g, 'tanh', [node1(g, 'add', [x, r])]);
    g.outputs = [node1(g, 'sin', [x])];
    expect(run(g).nodes.map((n) => n.op)).toEqual(['sin']);
  });

  test('returns the graph itself when everything is live', () => {
    const g = kiln.trace((x) => o.exp(o.neg(x)), [{ shape: [2] }]);
    expect(dce.run(g, quiet)).toBe(g);
  });

  test('logs every node and constant it drops', () => {
    const g = new FuncGraph('log');
    const x = g.addInput({ shape: [2], name: 'x' });
    const c = constant(g, [1, 2]);
    node1(g, 'add', [x, c]);
    constant(g, [3]);
    g.outputs = [node1(g, 'neg', [x])];
    const lines: string[] = [];
    dce.run(g, passContext({ debug: true, log: (l) => lines.push(l) }));
    expect(lines).toEqual(['dce: dropped %3 = add(%x, %1)', 'dce: dropped unused constant %1',
      'dce: dropped unused constant %2']);
  });
});
