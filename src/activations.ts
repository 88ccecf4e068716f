// keras.activations by name: each name maps to one stable function (so a layer's activation serializes back to
// its name). Names are camelCase ('leakyRelu'); Keras' snake_case spellings ('leaky_relu') are accepted too.
import { ValueError } from './core/errors.js';
import type { Tensor } from './core/tensor.js';
import { relu, sigmoid, tanh } from './ops/prims/unary.js';
import {
  elu, exponential, gelu, hardSigmoid, hardSilu, leakyRelu, linear, logSigmoid, mish, relu6, selu, silu, softplus,
  softsign,
} from './ops/composites/activations.js';
import { logSoftmax, softmax } from './ops/composites/softmax.js';

/** An activation function: elementwise (or along the last axis, for softmax). */
export type ActivationFn = (x: Tensor) => Tensor;

/** What layers accept as an activation: a name, a function, or null (linear). */
export type ActivationIdentifier = string | ActivationFn | null;

// Keras' defaults apply: softmax over the last axis, leakyRelu slope 0.2, exact gelu.
const BUILT_IN: Readonly<Record<string, ActivationFn>> = {
  linear: (x) => linear(x),
  relu: (x) => relu(x),
  sigmoid: (x) => sigmoid(x),
  tanh: (x) => tanh(x),
  softmax: (x) => softmax(x),
  logSoftmax: (x) => logSoftmax(x),
  elu: (x) => elu(x),
  selu: (x) => selu(x),
  gelu: (x) => gelu(x),
  softplus: (x) => softplus(x),
  softsign: (x) => softsign(x),
  silu: (x) => silu(x),
  hardSigmoid: (x) => hardSigmoid(x),
  hardSilu: (x) => hardSilu(x),
  relu6: (x) => relu6(x),
  leakyRelu: (x) => leakyRelu(x),
  mish: (x) => mish(x),
  exponential: (x) => exponential(x),
  logSigmoid: (x) => logSigmoid(x),
};

// Keras aliases: the same function under a second name (serialized under the first).
const ALIASES: Readonly<Record<string, string>> = { swish: 'silu', hardSwish: 'hardSilu' };

function camel(s: string): string {
  return s.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** The names getActivation accepts (camelCase; snake_case works too). */
export function activationNames(): string[] {
  return [...Object.keys(BUILT_IN), ...Object.keys(ALIASES)].sort();
}

/**
 * The activation function for an identifier (null: linear). An unknown name is a ValueError naming `owner`
 * (e.g. `Dense "dense_1"`) and listing the known names.
 */
export function getActivation(id: ActivationIdentifier | undefined, owner = 'getActivation'): ActivationFn {
  if (id === null || id === undefined) return BUILT_IN.linear;
  if (typeof id === 'function') return id;
  if (typeof id === 'string') {
    const name = ALIASES[camel(id)] ?? camel(id);
    const fn = Object.hasOwn(BUILT_IN, name) ? BUILT_IN[name] : undefined;
    if (fn) return fn;
    throw new ValueError(`${owner}: unknown activation "${id}"; known activations: ${activationNames().join(', ')}`);
  }
  throw new ValueError(`${owner}: activation must be a name, a function or null, got ${JSON.stringify(id)}`);
}

/** The name of a built-in activation function; a ValueError naming `owner` for any other function. */
export function serializeActivation(fn: ActivationFn, owner = 'serializeActivation'): string {
  for (const [name, f] of Object.entries(BUILT_IN)) if (f === fn) return name;
  throw new ValueError(`${owner}: activation function ${fn.name || '(anonymous)'} is not a built-in activation ` +
    `and cannot be serialized; use one of: ${activationNames().join(', ')}`);
}
