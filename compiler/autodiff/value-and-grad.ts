// valueAndGrad / grad: gradients without a GradientTape object, usable both eagerly and inside traced
// functions (kiln.jit, trace). Eagerly they run a GradientTape; while tracing, a SymbolicTape, so the gradient
// becomes part of the traced graph (GradientTape does not record symbolic ops).
import { ValueError } from '../../src/core/errors.js';
import { Tensor } from '../../src/core/tensor.js';
import { Variable } from '../../src/core/variable.js';
import { GradientTape, type GradientSource } from '../../src/autodiff/tape.js';
import { isTracing } from '../../src/ops/dispatch.js';
import { zerosLike } from '../../src/ops/creation.js';
import { isFloat } from '../../src/core/dtype.js';
import { SymbolicTape } from './symbolic-tape.js';

/** A value and its gradients with respect to each source, in the sources' order. */
export interface ValueAndGrads {
  readonly value: Tensor;
  readonly grads: Tensor[];
}

function checkValue(op: string, value: unknown): Tensor {
  if (!(value instanceof Tensor))
    throw new ValueError(`${op}: the function must return a Tensor, got ` +
      `${value === null ? 'null' : value instanceof Variable ? 'a Variable (return v.read())' : typeof value}`);
  return value;
}

/**
 * Calls `f` and returns its value together with the gradients of that value (summed if not scalar) with respect
 * to `sources` (tensors or variables). A source the value does not depend on gets zeros (unlike
 * GradientTape.gradient, which gives null), so the result has a fixed structure inside compiled functions.
 * Sources must be float; inside a traced function, tensor sources must be symbolic tensors of that function.
 */
export function valueAndGrad(f: () => Tensor, sources: readonly GradientSource[]): ValueAndGrads {
  const op = 'valueAndGrad';
  if (!Array.isArray(sources)) throw new ValueError(`${op}: sources must be an array of Tensors or Variables`);
  if (isTracing()) {
    const tape = new SymbolicTape(op, sources);
    const value = checkValue(op, tape.run(f));
    return { value, grads: tape.gradient(value) };
  }
  sources.forEach((s, i) => {
    if (!(s instanceof Tensor || s instanceof Variable))
      throw new ValueError(`${op}: source ${i} must be a Tensor or Variable, got ${typeof s}`);
    if (!isFloat(s.dtype))
      throw new ValueError(`${op}: source ${i} has dtype ${s.dtype}; only float values have gradients`);
  });
  const tape = new GradientTape({ watchAccessedVariables: false });
  tape.watch([...sources]);
  const value = checkValue(op, tape.record(f));
  const grads = tape.gradient(value, [...sources]);
  return { value, grads: grads.map((g, i) => g ?? zerosLike(sources[i])) };
}

/** The gradients of `f()` with respect to `sources`: valueAndGrad(f, sources).grads. */
export function grad(f: () => Tensor, sources: readonly GradientSource[]): Tensor[] {
  return valueAndGrad(f, sources).grads;
}
