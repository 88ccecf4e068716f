// Structural and type checks of a FuncGraph: run before and after every pass, so a broken pass is caught at
// the node it broke, not later as a wrong number.
import { CompileError } from '../../src/core/errors.js';
import type { TensorInfo } from '../../src/ops/registry.js';
import { getPrimitive } from '../../src/ops/registry.js';
import type { FuncGraph, Node, Value } from './func-graph.js';
import { fmtType } from './printer.js';
import { sameTensorInfo } from '../../src/ops/shape-utils.js';

function isJsonLike(x: unknown): boolean {
  if (x === null || typeof x === 'string' || typeof x === 'boolean' || typeof x === 'number') return true;
  if (Array.isArray(x)) return x.every(isJsonLike);
  if (typeof x === 'object' && Object.getPrototypeOf(x) === Object.prototype) return Object.values(x).every(isJsonLike);
  return false;
}

/**
 * Checks that every value is defined once, before its uses, inside this graph; that each node's output
 * shapes and dtypes are what its primitive's infer() gives; and that the outputs are defined.
 * Throws CompileError naming the graph and the offending node.
 */
export function verify(graph: FuncGraph): void {
  const where = (node: Node, i: number) => `verify @${graph.name}: node ${i} (${node.op})`;
  const defined = new Set<Value>();
  const define = (v: Value, what: string): void => {
    if (v.graph !== graph) throw new CompileError(`verify @${graph.name}: ${what} belongs to graph @${v.graph.name}`);
    if (defined.has(v)) throw new CompileError(`verify @${graph.name}: ${what} (%${v.id}) is defined twice`);
    defined.add(v);
  };
  graph.inputs.forEach((v, i) => {
    if (v.def.kind !== 'input' || v.def.index !== i)
      throw new CompileError(`verify @${graph.name}: input ${i} (%${v.id}) is not defined as input ${i}`);
    define(v, `input ${i}`);
  });
  graph.state.forEach((v, i) => {
    if (v.def.kind !== 'state') throw new CompileError(`verify @${graph.name}: state ${i} (%${v.id}) is not state`);
    const variable = v.def.variable;
    if (!sameTensorInfo(v, variable))
      throw new CompileError(`verify @${graph.name}: state ${i} is ${fmtType(v)} but variable "${variable.name}" ` +
        `is ${fmtType(variable)}`);
    if (graph.state.findIndex((s) => s.def.kind === 'state' && s.def.variable === variable) !== i)
      throw new CompileError(`verify @${graph.name}: variable "${variable.name}" has two state values`);
    define(v, `state ${i}`);
  });
  graph.constants.forEach((v, i) => {
    if (v.def.kind !== 'constant') throw new CompileError(`verify @${graph.name}: constant ${i} (%${v.id}) is not a constant`);
    const t = v.def.tensor;
    if (t.isSymbolic || t.isDisposed || !sameTensorInfo(v, t))
      throw new CompileError(`verify @${graph.name}: constant ${i} (%${v.id}) ${fmtType(v)} does not hold a live ` +
        `concrete tensor of that type (holds ${t.toString()})`);
    define(v, `constant ${i}`);
  });
  graph.nodes.forEach((node, i) => {
    if (getPrimitive(node.op) !== node.prim)
      throw new CompileError(`${where(node, i)}: primitive is not the registry's "${node.op}"`);
    if (!isJsonLike(node.attrs)) throw new CompileError(`${where(node, i)}: attrs are not JSON-like`);
    node.inputs.forEach((v, k) => {
      if (!defined.has(v))
        throw new CompileError(`${where(node, i)}: input ${k} (%${v.id}) is used before it is defined` +
          (v.graph !== graph ? ` (it belongs to graph @${v.graph.name})` : ''));
    });
    if (node.prim.kind === 'state' && node.inputs[0]?.def.kind !== 'state')
      throw new CompileError(`${where(node, i)}: the first input of a state update must be a state value`);
    let expected: TensorInfo[];
    try {
      expected = node.prim.infer(node.inputs, node.attrs);
    } catch (e) {
      throw new CompileError(`${where(node, i)}: inputs rejected by ${node.op}: ${(e as Error).message}`);
    }
    if (expected.length !== node.outputs.length)
      throw new CompileError(`${where(node, i)}: expected ${expected.length} outputs, has ${node.outputs.length}`);
    node.outputs.forEach((v, k) => {
      if (v.def.kind !== 'node' || v.def.node !== node || v.def.index !== k)
        throw new CompileError(`${where(node, i)}: output ${k} (%${v.id}) is not defined by this node`);
      if (!sameTensorInfo(v, expected[k]))
        throw new CompileError(`${where(node, i)}: output ${k} is ${fmtType(v)}, but ${node.op} gives ` +
          `${fmtType(expected[k])} for inputs (${node.inputs.map(fmtType).join(', ')})`);
      define(v, `output ${k} of node ${i} (${node.op})`);
    });
  });
  graph.outputs.forEach((v, i) => {
    if (!defined.has(v))
      throw new CompileError(`verify @${graph.name}: output ${i} (%${v.id}) is not defined in the graph`);
  });
  if (graph.structure.kind === 'tensor' && graph.outputs.length !== 1)
    throw new CompileError(`verify @${graph.name}: a single-tensor result must have 1 output, has ${graph.outputs.length}`);
  if (graph.structure.kind === 'record' && graph.structure.keys.length !== graph.outputs.length)
    throw new CompileError(`verify @${graph.name}: ${graph.structure.keys.length} record keys for ` +
      `${graph.outputs.length} outputs`);
}
