import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { CompileError } from '../../src/core/errors.js';
import { Value } from '../../compiler/ir/func-graph.js';
import { verify } from '../../compiler/ir/verifier.js';
import { getPrimitive } from '../../src/ops/registry.js';
import type { Tensor } from '../../src/index.js';

const { add, exp, relu, transpose, mul } = kiln.ops;

const small = () => kiln.trace((x: Tensor) => relu(add(exp(x), kiln.tensor([1, 2, 3]))), [{ shape: [2, 3] }],
  { name: 'small' });

describe('verify', () => {
  test('accepts traced graphs', () => {
    expect(() => verify(small())).not.toThrow();
    const v = new kiln.Variable(kiln.zeros([3]), 'acc');
    expect(() => verify(kiln.trace((x) => { v.assignAdd(x); return mul(v, 2); }, [{ shape: [3] }]))).not.toThrow();
  });

  test('catches an output whose shape differs from what the primitive infers', () => {
    const g = small();
    const node = g.nodes[2];
    node.outputs = [new Value(g, 99, [5], 'float32', { kind: 'node', node, index: 0 })];
    g.outputs = node.outputs;
    expect(() => verify(g)).toThrow(CompileError);
    expect(() => verify(g)).toThrow(/verify @small: node 2 \(relu\): output 0 is f32\[5\], but relu gives f32\[2,3\]/);
  });

  test('catches an output whose dtype differs from what the primitive infers', () => {
    const g = small();
    const node = g.nodes[0];
    node.outputs = [new Value(g, 99, [2, 3], 'float64', { kind: 'node', node, index: 0 })];
    expect(() => verify(g)).toThrow(/node 0 \(exp\): output 0 is f64\[2,3\], but exp gives f32\[2,3\]/);
  });

  test('catches a value used before it is defined', () => {
    const g = small();
    [g.nodes[0], g.nodes[1]] = [g.nodes[1], g.nodes[0]];
    expect(() => verify(g)).toThrow(/verify @small: node 0 \(add\): input 0 \(%\d+\) is used before it is defined/);
  });

  test('catches a value of another graph', () => {
    const g = small(), other = small();
    g.nodes[2].inputs[0] = other.nodes[1].outputs[0];
    expect(() => verify(g)).toThrow(/node 2 \(relu\): input 0 .* belongs to graph @small/);
    const h = small();
    h.outputs = [other.outputs[0]];
    expect(() => verify(h)).toThrow(/verify @small: output 0 \(%\d+\) is not defined in the graph/);
  });

  test('catches attributes the primitive rejects', () => {
    const g = kiln.trace((x) => transpose(x), [{ shape: [2, 3] }], { name: 't' });
    (g.nodes[0].attrs as { perm: number[] }).perm = [0, 0];
    expect(() => verify(g)).toThrow(/verify @t: node 0 \(transpose\): inputs rejected by transpose: transpose: perm \[0, 0\]/);
  });

  test('catches a state update whose target is not a state value', () => {
    const v = new kiln.Variable(kiln.zeros([3]), 'acc');
    const g = kiln.trace((x) => { v.assign(exp(x)); return x; }, [{ shape: [3] }], { name: 's' });
    g.nodes[1].inputs[0] = g.inputs[0];
    expect(() => verify(g)).toThrow(/node 1 \(assignVariable\): the first input of a state update must be a state value/);
  });

  test('catches a node whose primitive is not the registry\'s', () => {
    const g = small();
    const fake = { ...getPrimitive('exp') };
    (g.nodes[0] as { prim: unknown }).prim = fake;
    expect(() => verify(g)).toThrow(/node 0 \(exp\): primitive is not the registry's "exp"/);
  });

  test('catches a disposed constant and a value defined twice', () => {
    const g = small();
    const c = g.constants[0].def;
    if (c.kind === 'constant') c.tensor.dispose();
    expect(() => verify(g)).toThrow(/constant 0 .* does not hold a live concrete tensor/);
    const h = small();
    h.nodes[1].outputs = h.nodes[0].outputs;
    expect(() => verify(h)).toThrow(/node 1 \(add\): output 0 .* is not defined by this node/);
  });
});
