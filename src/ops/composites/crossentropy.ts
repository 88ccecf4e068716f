// Crossentropies, per sample (no reduction), with the formulas of Keras 3's backend ops
// (keras/src/backend/*/nn.py): probabilities are clipped to [ε, 1 - ε] with ε = keras.backend.epsilon().
import { ShapeError, fmtShape } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import { toTensor, type OpInput } from '../dispatch.js';
import { normalizeAxis } from '../shape-utils.js';
import { add, div, equal, mul, sub } from '../prims/binary.js';
import { log, neg } from '../prims/unary.js';
import { sum } from '../prims/reduce.js';
import { expandDims, reshape } from '../prims/movement.js';
import { cast } from '../prims/cast.js';
import { range } from '../creation.js';
import { clip } from '../prims/clip.js';
import { floatInput } from './common.js';
import { sameShape } from '../shape-utils.js';
import { softplus } from './activations.js';
import { logSoftmax } from './softmax.js';

/** keras.backend.epsilon(). */
const EPSILON = 1e-7;

/** The target as a tensor of the output's dtype, with the output's exact shape (as Keras requires). */
function matchTarget(op: string, target: OpInput, output: Tensor): Tensor {
  const t = toTensor(target, output.dtype);
  if (!sameShape(t.shape, output.shape))
    throw new ShapeError(`${op}: target and output must have the same shape, got target ${fmtShape(t.shape)} ` +
      `and output ${fmtShape(output.shape)}`);
  return cast(t, output.dtype);
}

function expectRankAtLeast1(op: string, output: Tensor): void {
  if (output.rank < 1) throw new ShapeError(`${op}: output must have rank ≥ 1, got shape ${fmtShape(output.shape)}`);
}

/** log-probabilities along `axis`: log-softmax of logits, or the log of renormalized, clipped probabilities. */
function logProbabilities(output: Tensor, axis: number, fromLogits: boolean): Tensor {
  if (fromLogits) return logSoftmax(output, axis);
  return log(clip(div(output, sum(output, axis, true)), EPSILON, 1 - EPSILON));
}

/**
 * Elementwise -(z·log σ(x) + (1 - z)·log(1 - σ(x))) for logits x, computed as softplus(x) - x·z: finite for any
 * logit, and not clipped (like the TensorFlow and JAX backends; Keras' NumPy backend clips σ(x) to [ε, 1 - ε]).
 */
export function sigmoidCrossentropyWithLogits(target: OpInput, logits: OpInput): Tensor {
  const x = floatInput('sigmoidCrossentropyWithLogits', logits, 'logits');
  const z = matchTarget('sigmoidCrossentropyWithLogits', target, x);
  return sub(softplus(x), mul(x, z));
}

/**
 * Elementwise binary crossentropy -(t·log p + (1 - t)·log(1 - p)) with p clipped to [1e-7, 1 - 1e-7], so that
 * probabilities of exactly 0 or 1 stay finite. With `fromLogits`, `output` holds logits
 * (see sigmoidCrossentropyWithLogits). Like `keras.ops.binary_crossentropy`, this does not average over the last
 * axis (`keras.losses.binary_crossentropy` does); TF.js `tf.losses.sigmoidCrossEntropy` also reduces.
 */
export function binaryCrossentropy(target: OpInput, output: OpInput, fromLogits = false): Tensor {
  if (fromLogits) return sigmoidCrossentropyWithLogits(target, output);
  const o = floatInput('binaryCrossentropy', output, 'output');
  const t = matchTarget('binaryCrossentropy', target, o);
  const p = clip(o, EPSILON, 1 - EPSILON);
  return neg(add(mul(t, log(p)), mul(sub(1, t), log(sub(1, p)))));
}

/**
 * Per-sample categorical crossentropy -Σ target·log p along `axis`. Probabilities are first renormalized to sum
 * to 1 along `axis`, then clipped to [1e-7, 1 - 1e-7] (Keras backend); with `fromLogits`, log p = logSoftmax.
 */
export function categoricalCrossentropy(target: OpInput, output: OpInput, fromLogits = false, axis = -1): Tensor {
  const o = floatInput('categoricalCrossentropy', output, 'output');
  const t = matchTarget('categoricalCrossentropy', target, o);
  expectRankAtLeast1('categoricalCrossentropy', o);
  const a = normalizeAxis('categoricalCrossentropy', axis, o.rank);
  return neg(sum(mul(t, logProbabilities(o, a, fromLogits)), a));
}

/**
 * Per-sample crossentropy of integer class labels against the probabilities (or logits) in `output` along `axis`.
 * `target` has output's shape without `axis` (a trailing size-1 label axis is squeezed, as Keras does); non-int32
 * labels are truncated to int32, and labels outside [0, classes) select no class (loss 0), as Keras' one-hot.
 * Keras itself requires the class axis to be last in the target shape check; here any `axis` works.
 */
export function sparseCategoricalCrossentropy(target: OpInput, output: OpInput, fromLogits = false,
                                              axis = -1): Tensor {
  const op = 'sparseCategoricalCrossentropy';
  const o = floatInput(op, output, 'output');
  expectRankAtLeast1(op, o);
  const a = normalizeAxis(op, axis, o.rank);
  let labels = cast(toTensor(target, 'int32'), 'int32');
  if (labels.rank === o.rank && labels.shape[labels.rank - 1] === 1) labels = reshape(labels, labels.shape.slice(0, -1));
  const expected = o.shape.filter((_, i) => i !== a);
  if (!sameShape(labels.shape, expected))
    throw new ShapeError(`${op}: target must have the output shape without axis ${a}, ${fmtShape(expected)}, ` +
      `got target ${fmtShape(labels.shape)} and output ${fmtShape(o.shape)}`);
  // One-hot mask by comparing labels against the class indices laid out along `axis`.
  const classes = reshape(range(0, o.shape[a], 1, 'int32'), o.shape.map((d, i) => (i === a ? d : 1)));
  const oneHot = cast(equal(expandDims(labels, a), classes), o.dtype);
  return neg(sum(mul(oneHot, logProbabilities(o, a, fromLogits)), a));
}
