// Hand-built graphs for the pass tests: nodes added straight to a FuncGraph (tracing would fold constant
// subgraphs away before a pass could see them), typed by their primitive's own infer().
import * as kiln from '../../../src/index.js';
import type { DType } from '../../../src/index.js';
import { FuncGraph, type Value } from '../../../compiler/ir/func-graph.js';
import { getPrimitive, type Attrs } from '../../../src/ops/registry.js';

/** Adds a node applying the primitive named `op`; returns its outputs. */
export function node(g: FuncGraph, op: string, inputs: Value[], attrs: Attrs = {}): Value[] {
  const prim = getPrimitive(op);
  return g.addNode(prim, inputs, attrs, prim.infer(inputs, attrs)).outputs;
}

/** Adds a single-output node. */
export function node1(g: FuncGraph, op: string, inputs: Value[], attrs: Attrs = {}): Value {
  return node(g, op, inputs, attrs)[0];
}

/** Adds a constant holding `values`. */
export function constant(g: FuncGraph, values: number[], shape: number[] = [values.length],
                         dtype: DType = 'float32'): Value {
  return g.addConstant(kiln.tensor(values, shape, dtype));
}
