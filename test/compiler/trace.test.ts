import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { TraceError, ShapeError, ValueError } from '../../src/index.js';
import { isTracing } from '../../src/ops/dispatch.js';
import { printGraph } from '../../compiler/ir/printer.js';
import { verify } from '../../compiler/ir/verifier.js';
import type { Tensor } from '../../src/index.js';

const { add, matmul, relu, mul, sum, exp } = kiln.ops;

describe('trace', () => {
  test('records one node per op and prints them in a stable numbering', () => {
    const b = kiln.tensor([0.5, -1, 2]);
    const dense = (x: Tensor, w: Tensor) => relu(add(matmul(x, w), b));
    const g = kiln.trace(dense, [{ shape: [4, 2], name: 'x' }, { shape: [2, 3] }], { name: 'dense' });
    expect(g.nodes.map((n) => n.op)).toEqual(['matmul', 'add', 'relu']);
    expect(printGraph(g)).toBe([
      'func @dense(%x: f32[4,2], %1: f32[2,3]) -> (f32[4,3])',
      '  %2 = constant [0.5, -1, 2] f32[3]',
      '  %3 = matmul(%x, %1) {transposeA: false, transposeB: false} f32[4,3]',
      '  %4 = add(%3, %2) f32[4,3]',
      '  %5 = relu(%4) f32[4,3]',
      '  return %5',
    ].join('\n'));
    const again = kiln.trace(dense, [{ shape: [4, 2], name: 'x' }, { shape: [2, 3] }], { name: 'dense' });
    expect(printGraph(again)).toBe(printGraph(g));
    verify(g);
  });

  test('names the graph after the function unless a name is given', () => {
    function scale(x: Tensor) {
      return mul(x, 2);
    }
    expect(kiln.trace(scale, [{ shape: [] }]).name).toBe('scale');
    expect(kiln.trace(scale, [{ shape: [] }], { name: 'other' }).name).toBe('other');
  });

  test('runs ops on concrete tensors eagerly and captures their results as constants', () => {
    const g = kiln.trace((x) => add(x, mul(kiln.tensor([1, 2]), 3)), [{ shape: [3, 2] }]);
    expect(g.nodes.map((n) => n.op)).toEqual(['add']);
    expect(g.constants).toHaveLength(1);
    const c = g.constants[0].def;
    expect(c.kind).toBe('constant');
    if (c.kind === 'constant') expect([...c.tensor.dataSync()]).toEqual([3, 6]);
  });

  test('captures a concrete tensor used twice as one constant', () => {
    const c = kiln.tensor([1, 2, 3]);
    const g = kiln.trace((x) => mul(add(x, c), c), [{ shape: [3] }]);
    expect(g.constants).toHaveLength(1);
    expect(g.nodes[0].inputs[1]).toBe(g.nodes[1].inputs[1]);
  });

  test('keeps constants alive when the function disposes them in a tidy scope', () => {
    const g = kiln.trace((x) => kiln.tidy(() => add(x, kiln.tensor([4, 5]))), [{ shape: [2] }]);
    verify(g);
    const c = g.constants[0].def;
    if (c.kind === 'constant') expect([...c.tensor.dataSync()]).toEqual([4, 5]);
  });

  test('gives symbolic inputs the declared shapes and dtypes, float32 by default', () => {
    const seen: string[] = [];
    kiln.trace((a, b) => {
      seen.push(`${a.dtype}${JSON.stringify(a.shape)}`, `${b.dtype}${JSON.stringify(b.shape)}`);
      expect(a.isSymbolic && b.isSymbolic).toBe(true);
      return a;
    }, [{ shape: [2, 0] }, { shape: [], dtype: 'int32' }]);
    expect(seen).toEqual(['float32[2,0]', 'int32[]']);
  });

  test('keeps the structure of array and record results', () => {
    const arr = kiln.trace((x) => [exp(x), x], [{ shape: [2] }]);
    expect(arr.structure).toEqual({ kind: 'array' });
    expect(arr.outputs).toHaveLength(2);
    expect(arr.outputs[1]).toBe(arr.inputs[0]);
    const rec = kiln.trace((x) => ({ loss: sum(x), out: exp(x) }), [{ shape: [2] }]);
    expect(rec.structure).toEqual({ kind: 'record', keys: ['loss', 'out'] });
    expect(rec.outputs.map((v) => v.shape)).toEqual([[], [2]]);
    const single = kiln.trace(() => kiln.tensor([1]), []);
    expect(single.structure).toEqual({ kind: 'tensor' });
    expect(single.outputs[0].def.kind).toBe('constant');
  });

  test('records the user source location of each op', () => {
    const g = kiln.trace((x) => exp(x), [{ shape: [2] }]);
    expect(g.nodes[0].location).toMatch(/test[/\\]compiler[/\\]trace\.test\.ts:\d+:\d+$/);
  });

  test('restores the previous trace after a nested trace', () => {
    let inner: kiln.FuncGraph | null = null;
    const outer = kiln.trace((x) => {
      const y = exp(x);
      inner = kiln.trace((z) => relu(z), [{ shape: [5] }], { name: 'inner' });
      return add(y, 1);
    }, [{ shape: [2] }], { name: 'outer' });
    expect(isTracing()).toBe(false);
    expect(outer.nodes.map((n) => n.op)).toEqual(['exp', 'add']);
    expect(inner!.nodes.map((n) => n.op)).toEqual(['relu']);
    verify(outer);
    verify(inner!);
  });

  test('restores the previous trace when the function throws', () => {
    expect(() => kiln.trace(() => { throw new Error('boom'); }, [])).toThrow('boom');
    expect(isTracing()).toBe(false);
    expect(kiln.ops.add(kiln.tensor([1]), 1).dataSync()[0]).toBe(2);
  });

  test('rejects a symbolic tensor of an outer trace inside an inner one', () => {
    kiln.trace((x) => {
      expect(() => kiln.trace((z) => add(z, x), [{ shape: [2] }], { name: 'inner' }))
        .toThrow(/add: input is the input 0 f32\[2\] of @outer.*another traced function than @inner/);
      return x;
    }, [{ shape: [2] }], { name: 'outer' });
  });

  test('throws TraceError naming the input when a function reads its input values', () => {
    const f = (x: Tensor) => {
      x.dataSync();
      return x;
    };
    expect(() => kiln.trace(f, [{ shape: [3], name: 'x' }], { name: 'reader' }))
      .toThrow(TraceError);
    expect(() => kiln.trace(f, [{ shape: [3], name: 'x' }], { name: 'reader' }))
      .toThrow(/dataSync\(\).*input 0 "x" f32\[3\] of @reader/);
  });

  test('throws TraceError naming the op and where it was called when its output is read', () => {
    let err: unknown;
    try {
      kiln.trace((x) => {
        const y = matmul(x, x);
        y.item();
        return y;
      }, [{ shape: [1, 1] }], { name: 'g' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TraceError);
    expect(String(err)).toMatch(/dataSync\(\) read the values.*output of matmul f32\[1,1\] in @g \(matmul called at test[/\\]compiler[/\\]trace\.test\.ts:\d+:\d+\)/);
  });

  test('propagates shape errors of ops with the op name and shapes', () => {
    expect(() => kiln.trace((a, b) => add(a, b), [{ shape: [2, 3] }, { shape: [4] }]))
      .toThrow(ShapeError);
    expect(() => kiln.trace((a, b) => add(a, b), [{ shape: [2, 3] }, { shape: [4] }]))
      .toThrow(/add.*\[2, 3\].*\[4\]/);
  });

  test('rejects bad input specs and results, naming the graph', () => {
    expect(() => kiln.trace((x) => x, [{ shape: [2, -1] }], { name: 'h' }))
      .toThrow(/trace @h: input 0 shape must be a list of non-negative integers, got \[2, -1\]/);
    expect(() => kiln.trace((x) => x, [{ shape: [2], dtype: 'float16' as 'float32' }], { name: 'h' }))
      .toThrow(ValueError);
    expect(() => kiln.trace((() => 3) as unknown as () => Tensor, [], { name: 'h' }))
      .toThrow(/trace @h: the function must return a Tensor, an array or a record of Tensors, got number/);
    expect(() => kiln.trace(((x: Tensor) => [x, 1]) as unknown as () => Tensor, [{ shape: [] }], { name: 'h' }))
      .toThrow(/element 1 is number/);
  });
});

describe('trace with variables', () => {
  test('turns variable reads (ops, read, peek) into one state value per variable and leaves the variable alone', () => {
    const v = new kiln.Variable(kiln.tensor([1, 2, 3]), 'v');
    const g = kiln.trace((x) => add(mul(x, v), add(v.read(), v.peek())), [{ shape: [3] }], { name: 'f' });
    expect(g.state).toHaveLength(1);
    expect(g.variableOf(g.state[0])).toBe(v);
    expect(g.nodes.map((n) => n.op)).toEqual(['mul', 'add', 'add']);
    expect(g.nodes[0].inputs[1]).toBe(g.state[0]);
    expect(g.nodes[1].inputs).toEqual([g.state[0], g.state[0]]);
    expect(printGraph(g)).toContain('  %1 = state "v" f32[3]');
    expect([...v.read().dataSync()]).toEqual([1, 2, 3]);
  });

  test('turns assign, assignAdd, assignSub and slice assignment into assignVariable nodes', () => {
    const v = new kiln.Variable(kiln.tensor([[1, 2], [3, 4]]), 'w');
    const g = kiln.trace((x) => {
      v.assignAdd(x);
      v.assignSub(1);
      v.slice([1, 0], [1, -1]).assign(kiln.tensor([9, 8]));
      const after = v.read();
      v.assign(0);
      return after;
    }, [{ shape: [2, 2] }], { name: 'upd' });
    verify(g);
    expect(g.state).toHaveLength(1);
    expect(g.nodes.map((n) => n.op)).toEqual(
      ['add', 'assignVariable', 'sub', 'assignVariable', 'updateSlice', 'assignVariable', 'assignVariable']);
    const text = printGraph(g);
    expect(text).toContain('  %7 = updateSlice(%6, %3) {begin: [1,0]} f32[2,2]');
    expect(text).toContain('  assignVariable(%1, %7)');
    expect(text).toContain('  %3 = constant [[9, 8]] f32[1,2]');
    // The returned value is the slice update, read before the final assign.
    expect(g.outputs[0]).toBe(g.nodes[4].outputs[0]);
    expect([...v.read().dataSync()]).toEqual([1, 2, 3, 4]);
  });

  test('rejects assignments of the wrong shape while tracing, naming the variable', () => {
    const v = new kiln.Variable(kiln.tensor([1, 2, 3]), 'bias');
    expect(() => kiln.trace((x) => { v.assign(x); return x; }, [{ shape: [2] }]))
      .toThrow(/Variable "bias".assign: expected shape \[3\], got \[2\]/);
  });
});
