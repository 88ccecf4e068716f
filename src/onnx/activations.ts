// keras.activations by name → ONNX nodes. Each entry writes the same function as Kiln's definition in
// src/ops/composites/activations.ts (Keras 3 constants: leakyRelu slope 0.2, hard sigmoid relu6(x + 3) / 6, exact
// gelu); softmax and logSoftmax take the ONNX axis of Kiln's last axis.
import type { GraphBuilder } from './graph-builder.js';

/** Writes one activation on value `x`; `axis` is the ONNX axis that softmax reduces over. */
type ActivationWriter = (g: GraphBuilder, x: string, base: string, axis: number) => string;

const scalar = (g: GraphBuilder, base: string, v: number): string => g.floats(`${base}/const`, Float32Array.of(v), []);

const WRITERS: Readonly<Record<string, ActivationWriter>> = {
  linear: (_g, x) => x,
  relu: (g, x, base) => g.op('Relu', [x], base),
  sigmoid: (g, x, base) => g.op('Sigmoid', [x], base),
  tanh: (g, x, base) => g.op('Tanh', [x], base),
  softmax: (g, x, base, axis) => g.op('Softmax', [x], base, { axis }),
  logSoftmax: (g, x, base, axis) => g.op('LogSoftmax', [x], base, { axis }),
  elu: (g, x, base) => g.op('Elu', [x], base, { alpha: { float: 1 } }),
  selu: (g, x, base) => g.op('Selu', [x], base,
    { alpha: { float: 1.6732632423543772 }, gamma: { float: 1.0507009873554805 } }),
  gelu: (g, x, base) => {
    const erf = g.op('Erf', [g.op('Div', [x, scalar(g, base, Math.SQRT2)], base)], base);
    const onePlus = g.op('Add', [erf, scalar(g, base, 1)], base);
    return g.op('Div', [g.op('Mul', [x, onePlus], base), scalar(g, base, 2)], base);
  },
  softplus: (g, x, base) => g.op('Softplus', [x], base),
  softsign: (g, x, base) => g.op('Softsign', [x], base),
  silu: (g, x, base) => g.op('Mul', [x, g.op('Sigmoid', [x], base)], base),
  hardSigmoid: (g, x, base) => g.op('HardSigmoid', [x], base, { alpha: { float: 1 / 6 }, beta: { float: 0.5 } }),
  hardSilu: (g, x, base) =>
    g.op('Mul', [x, g.op('HardSigmoid', [x], base, { alpha: { float: 1 / 6 }, beta: { float: 0.5 } })], base),
  relu6: (g, x, base) => g.op('Clip', [x, scalar(g, base, 0), scalar(g, base, 6)], base),
  leakyRelu: (g, x, base) => g.op('LeakyRelu', [x], base, { alpha: { float: 0.2 } }),
  mish: (g, x, base) => g.op('Mul', [x, g.op('Tanh', [g.op('Softplus', [x], base)], base)], base),
  exponential: (g, x, base) => g.op('Exp', [x], base),
  logSigmoid: (g, x, base) => g.op('Neg', [g.op('Softplus', [g.op('Neg', [x], base)], base)], base),
};

/** The writer of a built-in activation by its serialized name, or undefined for a name without one. */
export function activationWriter(name: string): ActivationWriter | undefined {
  return Object.hasOwn(WRITERS, name) ? WRITERS[name] : undefined;
}
