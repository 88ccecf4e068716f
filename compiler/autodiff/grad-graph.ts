// Reverse-mode transformation of a FuncGraph: the gradient graph is traced by replaying the forward graph on
// symbolic tensors (the interpreter goes through dispatch, so replaying inlines it) under a SymbolicTape, then
// running the primitives' gradient rules backwards into the same new graph.
import { isFloat } from '../../src/core/dtype.js';
import { ValueError } from '../../src/core/errors.js';
import type { Tensor } from '../../src/core/tensor.js';
import { Variable } from '../../src/core/variable.js';
import type { FuncGraph } from '../ir/func-graph.js';
import { fmtType } from '../ir/printer.js';
import { trace } from '../trace/trace.js';
import { interpret } from '../../runtime/eager/interpreter.js';
import { SymbolicTape } from './symbolic-tape.js';

/** What to differentiate with respect to: a graph input (by index) or a variable (its value at graph entry). */
export type GradTarget = number | Variable;

/** Options of gradGraph(). */
export interface GradGraphOptions {
  /** The output differentiated (default 0); a non-scalar output is summed. */
  output?: number;
  /** The new graph's name (default `<name>_grad`). */
  name?: string;
}

/**
 * The gradient graph of `graph`: same inputs and state, returning the original outputs followed by one gradient
 * per entry of `wrt` (the derivative of output `options.output`, summed if not scalar). Variables the graph
 * assigns are assigned the same way. Gradients use the primitives' own rules (as GradientTape does);
 * stopGradient and primitives without a rule block them; an unconnected target gets explicit zeros.
 * Throws ValueError for an out-of-range index, a non-float output or a non-float input in `wrt`.
 */
export function gradGraph(graph: FuncGraph, wrt: readonly GradTarget[], options: GradGraphOptions = {}): FuncGraph {
  const op = `gradGraph @${graph.name}`;
  const output = options.output ?? 0;
  const y = graph.outputs[output];
  if (!Number.isInteger(output) || !y)
    throw new ValueError(`${op}: output ${output} does not exist (the graph has ${graph.outputs.length} outputs)`);
  if (!isFloat(y.dtype)) throw new ValueError(`${op}: output ${output} is ${fmtType(y)}; only float outputs have gradients`);
  wrt.forEach((w, i) => {
    if (w instanceof Variable) {
      if (!isFloat(w.dtype)) throw new ValueError(`${op}: wrt ${i} is variable "${w.name}" of dtype ${w.dtype}; ` +
        'only float values have gradients');
      return;
    }
    const x = Number.isInteger(w) ? graph.inputs[w] : undefined;
    if (!x) throw new ValueError(`${op}: wrt ${i} is input ${w}, but the graph has ${graph.inputs.length} inputs`);
    if (!isFloat(x.dtype)) throw new ValueError(`${op}: wrt ${i} is input ${w} of type ${fmtType(x)}; ` +
      'only float inputs have gradients');
  });
  const specs = graph.inputs.map((v) => ({ shape: v.shape, dtype: v.dtype, name: v.name }));
  const replay = (...xs: Tensor[]): Tensor[] => {
    const tape = new SymbolicTape(op, wrt.map((w) => (w instanceof Variable ? w : xs[w])));
    const outs = tape.run(() => interpret(graph, xs));
    return [...outs, ...tape.gradient(outs[output])];
  };
  return trace(replay, specs, { name: options.name ?? `${graph.name}_grad` });
}
