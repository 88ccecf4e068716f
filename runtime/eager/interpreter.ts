// The reference interpreter: runs a FuncGraph node by node with the registry's eager kernels. It goes through
// dispatch like user code does, so gradient tapes record it and tracing it inlines the graph.
import { ShapeError, ValueError } from '../../src/core/errors.js';
import type { Tensor } from '../../src/core/tensor.js';
import { apply } from '../../src/ops/dispatch.js';
import type { FuncGraph, Value } from '../../compiler/ir/func-graph.js';
import { fmtType } from '../../compiler/ir/printer.js';
import { sameTensorInfo } from '../../src/ops/shape-utils.js';

/**
 * Runs `graph` on `inputs` (one tensor per graph input, of the declared shape and dtype) and returns its
 * outputs in order. Variables the graph reads are read when it starts; its assignVariable nodes assign them.
 */
export function interpret(graph: FuncGraph, inputs: readonly Tensor[]): Tensor[] {
  const op = `interpret @${graph.name}`;
  const env = bindInputs(graph, inputs, op);
  for (const s of graph.state) {
    const value = graph.variableOf(s).read();
    if (!sameTensorInfo(value, s))
      throw new ShapeError(`${op}: variable "${s.name}" is ${fmtType(value)}, the graph was traced with ${fmtType(s)}`);
    env.set(s, value);
  }
  for (const c of graph.constants) if (c.def.kind === 'constant') env.set(c, c.def.tensor);
  const get = (v: Value): Tensor => {
    const t = env.get(v);
    if (!t) throw new ValueError(`${op}: value %${v.id} is used before it is defined (run verify() on the graph)`);
    return t;
  };
  graph.nodes.forEach((node, i) => {
    const args = node.inputs.map(get);
    if (node.prim.kind === 'state') {
      graph.variableOf(node.inputs[0]).assign(args[1]);
      return;
    }
    const outs = apply(node.prim, args, node.attrs);
    node.outputs.forEach((v, k) => {
      if (!outs[k] || !sameTensorInfo(outs[k], v))
        throw new ShapeError(`${op}: node ${i} (${node.op}) output ${k} should be ${fmtType(v)}, ` +
          `got ${outs[k] ? fmtType(outs[k]) : 'nothing'}`);
      env.set(v, outs[k]);
    });
  });
  return graph.outputs.map(get);
}

/**
 * Checks `inputs` against the graph's signature (count, then each shape and dtype, errors named by `op`) and
 * returns a value environment holding them.
 */
export function bindInputs(graph: FuncGraph, inputs: readonly Tensor[], op: string): Map<Value, Tensor> {
  if (inputs.length !== graph.inputs.length)
    throw new ValueError(`${op}: expected ${graph.inputs.length} inputs, got ${inputs.length}`);
  const env = new Map<Value, Tensor>();
  graph.inputs.forEach((v, i) => {
    const t = inputs[i];
    if (!sameTensorInfo(t, v)) {
      const Err = t.dtype !== v.dtype ? ValueError : ShapeError;
      throw new Err(`${op}: input ${i}${v.name ? ` "${v.name}"` : ''} expected ${fmtType(v)}, got ${fmtType(t)}`);
    }
    env.set(v, t);
  });
  return env;
}
