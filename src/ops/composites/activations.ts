// Activation functions of keras.activations, written in primitives (so they get gradients, tracing and fusion).
import type { Tensor } from '../../core/tensor.js';
import { toTensor, type OpInput } from '../dispatch.js';
import { add, div, greater, greaterEqual, minimum, mul, sub } from '../prims/binary.js';
import { abs, erf, exp, expm1, log1p, neg, relu, sigmoid, square, tanh } from '../prims/unary.js';
import { cast } from '../prims/cast.js';
import { select } from '../prims/select.js';
import { clip } from '../prims/clip.js';
import { floatInput } from './common.js';

const SELU_ALPHA = 1.6732632423543772848170429916717;
const SELU_SCALE = 1.0507009873554804934193349852946;

function eluOf(t: Tensor, alpha: number): Tensor {
  // expm1 sees min(x, 0) so that the branch not taken never overflows: its ∞ would turn into 0·∞ = NaN in
  // the gradient of select.
  return select(greaterEqual(t, 0), t, mul(expm1(minimum(t, 0)), alpha));
}

function softplusOf(t: Tensor): Tensor {
  // log(1 + eˣ) = max(x, 0) + log1p(e^-|x|). Both pieces are built with select on x > 0 rather than relu and
  // abs, whose derivatives at 0 are both 0: that would give softplus'(0) = 0 instead of 1/2.
  const positive = greater(t, 0);
  return add(log1p(exp(select(positive, neg(t), t))), select(positive, t, 0));
}

function relu6Of(t: Tensor): Tensor {
  return minimum(relu(t), 6);
}

function hardSigmoidOf(t: Tensor): Tensor {
  return div(relu6Of(add(t, 3)), 6);
}

function leakyReluOf(t: Tensor, negativeSlope: number): Tensor {
  return select(greaterEqual(t, 0), t, mul(t, negativeSlope));
}

/** Exponential linear unit: x if x ≥ 0, else alpha·(eˣ - 1). TF.js `tf.elu` has no alpha (fixed at 1). */
export function elu(x: OpInput, alpha = 1): Tensor {
  return eluOf(floatInput('elu', x), alpha);
}

/** Scaled ELU: scale·elu(x, alpha) with Keras' constants alpha ≈ 1.6732632, scale ≈ 1.0507010. */
export function selu(x: OpInput): Tensor {
  return mul(eluOf(floatInput('selu', x), SELU_ALPHA), SELU_SCALE);
}

/**
 * Gaussian error linear unit x·Φ(x): exact, 0.5·x·(1 + erf(x/√2)), or with `approximate` the tanh form
 * 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). The default follows `keras.activations.gelu` (exact);
 * note that `keras.ops.gelu` defaults to approximate=true.
 */
export function gelu(x: OpInput, approximate = false): Tensor {
  const t = floatInput('gelu', x);
  if (!approximate) return div(mul(t, add(erf(div(t, Math.SQRT2)), 1)), 2);
  const inner = mul(add(t, mul(mul(t, square(t)), 0.044715)), Math.sqrt(2 / Math.PI));
  return mul(mul(t, 0.5), add(tanh(inner), 1));
}

/** log(1 + eˣ), without overflow for large |x| (Keras: `logaddexp(x, 0)`). */
export function softplus(x: OpInput): Tensor {
  return softplusOf(floatInput('softplus', x));
}

/** x / (1 + |x|). */
export function softsign(x: OpInput): Tensor {
  const t = floatInput('softsign', x);
  return div(t, add(abs(t), 1));
}

/** x·sigmoid(x) (Keras `silu`, also exported as `swish`). */
export function silu(x: OpInput): Tensor {
  const t = floatInput('silu', x);
  return mul(t, sigmoid(t));
}

/** Alias of silu (Keras exports both names). */
export const swish = silu;

/**
 * Keras 3 hard sigmoid: relu6(x + 3) / 6, i.e. 0 below -3, 1 above 3, x/6 + 1/2 between. Keras 2 and the TF.js
 * layers activation 'hardSigmoid' use 0.2·x + 0.5 clipped to [0, 1] instead.
 */
export function hardSigmoid(x: OpInput): Tensor {
  return hardSigmoidOf(floatInput('hardSigmoid', x));
}

/** x·hardSigmoid(x) (Keras `hard_silu`, also exported as `hardSwish`). */
export function hardSilu(x: OpInput): Tensor {
  const t = floatInput('hardSilu', x);
  return mul(t, hardSigmoidOf(t));
}

/** Alias of hardSilu (Keras exports both names). */
export const hardSwish = hardSilu;

/** min(max(x, 0), 6). */
export function relu6(x: OpInput): Tensor {
  return relu6Of(floatInput('relu6', x));
}

/**
 * x if x ≥ 0, else negativeSlope·x. The default slope 0.2 is Keras 3's (and TF.js `tf.leakyRelu`'s alpha);
 * Keras 2's LeakyReLU layer used 0.3. Unlike the Keras max(x, slope·x) form, this is right for slopes > 1 too.
 */
export function leakyRelu(x: OpInput, negativeSlope = 0.2): Tensor {
  return leakyReluOf(floatInput('leakyRelu', x), negativeSlope);
}

/** x·tanh(softplus(x)). */
export function mish(x: OpInput): Tensor {
  const t = floatInput('mish', x);
  return mul(t, tanh(softplusOf(t)));
}

/** eˣ (Keras `exponential` activation). */
export function exponential(x: OpInput): Tensor {
  return exp(floatInput('exponential', x));
}

/** The identity (Keras `linear` activation): returns its input. */
export function linear(x: OpInput): Tensor {
  return toTensor(x);
}

/** log(sigmoid(x)) = -softplus(-x), finite for large |x|. */
export function logSigmoid(x: OpInput): Tensor {
  return neg(softplusOf(neg(floatInput('logSigmoid', x))));
}

/** Options of reluWithOptions (the keyword arguments of `keras.activations.relu`). */
export interface ReluOptions {
  /** Slope below the threshold (default 0). */
  negativeSlope?: number;
  /** Largest output value (default: none). */
  maxValue?: number | null;
  /** Inputs at or below it are damped or zeroed (default 0). */
  threshold?: number;
}

/**
 * `keras.activations.relu` with its options, computed as Keras does: x where x > threshold (else 0), clipped to
 * [0, maxValue] when given, minus negativeSlope·relu(threshold - x).
 */
export function reluWithOptions(x: OpInput, { negativeSlope = 0, maxValue = null, threshold = 0 }: ReluOptions = {}): Tensor {
  const t = floatInput('reluWithOptions', x);
  if (negativeSlope !== 0 && maxValue === null && threshold === 0) return leakyReluOf(t, negativeSlope);
  const negativePart = negativeSlope !== 0 ? relu(threshold !== 0 ? add(neg(t), threshold) : neg(t)) : null;
  let y = threshold !== 0 ? mul(t, cast(greater(t, threshold), t.dtype)) : relu(t);
  if (maxValue !== null) y = clip(y, 0, maxValue);
  return negativePart ? sub(y, mul(negativePart, negativeSlope)) : y;
}
