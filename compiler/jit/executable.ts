// What kiln.jit runs a traced graph with: the native plan executor by default (runtime/executable), the
// reference interpreter on request; other backends (later CUDA) plug in as another `compile` function.
import type { Tensor } from '../../src/core/tensor.js';
import type { FuncGraph } from '../ir/func-graph.js';
import { interpret } from '../../runtime/eager/interpreter.js';

/** A graph made runnable: takes one tensor per graph input, returns the graph's outputs in order. */
export interface Executable {
  run(inputs: readonly Tensor[]): Tensor[];
}

/** Turns a traced graph into an Executable. */
export type Compile = (graph: FuncGraph) => Executable;

/** Runs the graph node by node with the eager kernels (runtime/eager). */
export const interpretGraph: Compile = (graph) => ({ run: (inputs) => interpret(graph, inputs) });
