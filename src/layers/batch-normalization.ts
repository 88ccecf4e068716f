// BatchNormalization (Keras 3 semantics): in training, normalize with the batch statistics and move the moving
// statistics toward them (moving = moving·momentum + batch·(1 − momentum)); in inference, or when the layer is
// frozen, normalize with the moving statistics. The batch variance is the biased one, as in Keras 3.
import { ValueError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { add, div, mul, sub } from '../ops/prims/binary.js';
import { cast } from '../ops/prims/cast.js';
import { expandDims, reshape } from '../ops/prims/movement.js';
import { mean, sum } from '../ops/prims/reduce.js';
import { rsqrt, square } from '../ops/prims/unary.js';
import { normalizeAxis } from '../ops/shape-utils.js';
import type { OpInput } from '../ops/dispatch.js';
import { getConstraint, serializeConstraint, type ConstraintIdentifier } from '../constraints/index.js';
import type { Constraint } from '../constraints/constraint.js';
import { getInitializer, serializeInitializer, type InitializerIdentifier } from '../initializers/index.js';
import type { Initializer } from '../initializers/initializer.js';
import { getRegularizer, serializeRegularizer, type RegularizerIdentifier } from '../regularizers/index.js';
import type { Regularizer } from '../regularizers/regularizer.js';
import { InputSpec, fmtDims, type Shape } from '../engine/input-spec.js';
import { Layer, type CallArgs, type LayerOptions } from '../engine/layer.js';
import type { LayerWeight } from '../engine/layer-weight.js';
import { registerLayer, type Config } from '../engine/registry.js';

/** Options of BatchNormalization (Keras defaults). */
export interface BatchNormalizationOptions extends LayerOptions {
  /** The features axis, normalized per entry (default -1). */
  axis?: number;
  /** Weight of the old value in the moving statistics' update (default 0.99). */
  momentum?: number;
  /** Added to the variance (default 1e-3). */
  epsilon?: number;
  /** Add the learned offset beta (default true). */
  center?: boolean;
  /** Multiply by the learned scale gamma (default true). */
  scale?: boolean;
  /** Default zeros. */
  betaInitializer?: InitializerIdentifier;
  /** Default ones. */
  gammaInitializer?: InitializerIdentifier;
  /** Default zeros. */
  movingMeanInitializer?: InitializerIdentifier;
  /** Default ones. */
  movingVarianceInitializer?: InitializerIdentifier;
  betaRegularizer?: RegularizerIdentifier | null;
  gammaRegularizer?: RegularizerIdentifier | null;
  betaConstraint?: ConstraintIdentifier | null;
  gammaConstraint?: ConstraintIdentifier | null;
}

// Keras's backend epsilon, which keeps the masked moments finite when a batch is fully masked.
const MASK_EPSILON = 1e-7;

/** Normalizes each feature with batch statistics in training and moving statistics in inference. */
export class BatchNormalization extends Layer {
  readonly axis: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly betaInitializer: Initializer;
  readonly gammaInitializer: Initializer;
  readonly movingMeanInitializer: Initializer;
  readonly movingVarianceInitializer: Initializer;
  readonly betaRegularizer: Regularizer | null;
  readonly gammaRegularizer: Regularizer | null;
  readonly betaConstraint: Constraint | null;
  readonly gammaConstraint: Constraint | null;
  /** [features] when scale, trainable. */
  gamma: LayerWeight | null = null;
  /** [features] when center, trainable. */
  beta: LayerWeight | null = null;
  /** [features], non-trainable. */
  movingMean: LayerWeight | null = null;
  /** [features], non-trainable. */
  movingVariance: LayerWeight | null = null;

  constructor(options: BatchNormalizationOptions = {}) {
    super(options);
    const { axis = -1, momentum = 0.99, epsilon = 1e-3, center = true, scale = true } = options;
    if (!Number.isInteger(axis)) throw new ValueError(`${this.label}: axis must be an integer, got ${JSON.stringify(axis)}`);
    if (typeof momentum !== 'number' || !(momentum >= 0 && momentum <= 1))
      throw new ValueError(`${this.label}: momentum must be a number in [0, 1], got ${momentum}`);
    if (typeof epsilon !== 'number' || !(epsilon > 0))
      throw new ValueError(`${this.label}: epsilon must be a positive number, got ${epsilon}`);
    this.axis = axis;
    this.momentum = momentum;
    this.epsilon = epsilon;
    this.center = center;
    this.scale = scale;
    this.betaInitializer = getInitializer(options.betaInitializer ?? 'zeros');
    this.gammaInitializer = getInitializer(options.gammaInitializer ?? 'ones');
    this.movingMeanInitializer = getInitializer(options.movingMeanInitializer ?? 'zeros');
    this.movingVarianceInitializer = getInitializer(options.movingVarianceInitializer ?? 'ones');
    this.betaRegularizer = getRegularizer(options.betaRegularizer);
    this.gammaRegularizer = getRegularizer(options.gammaRegularizer);
    this.betaConstraint = getConstraint(options.betaConstraint);
    this.gammaConstraint = getConstraint(options.gammaConstraint);
    this.supportsMasking = true;
  }

  override build(inputShape: Shape): void {
    const axis = normalizeAxis(this.label, this.axis, inputShape.length);
    const dim = inputShape[axis];
    if (dim === null)
      throw new ValueError(`${this.label}: axis ${this.axis} of the input must be known, got shape ${fmtDims(inputShape)}`);
    const shape = [dim];
    if (this.scale)
      this.gamma = this.addWeight({ name: 'gamma', shape, initializer: this.gammaInitializer,
        regularizer: this.gammaRegularizer, constraint: this.gammaConstraint });
    if (this.center)
      this.beta = this.addWeight({ name: 'beta', shape, initializer: this.betaInitializer,
        regularizer: this.betaRegularizer, constraint: this.betaConstraint });
    this.movingMean = this.addWeight({ name: 'movingMean', shape, initializer: this.movingMeanInitializer,
      trainable: false });
    this.movingVariance = this.addWeight({ name: 'movingVariance', shape,
      initializer: this.movingVarianceInitializer, trainable: false });
    this.inputSpec = new InputSpec({ ndim: inputShape.length, axes: { [axis]: dim } });
  }

  override call(inputs: Tensor, { training, mask }: CallArgs): Tensor {
    const axis = normalizeAxis(this.label, this.axis, inputs.rank);
    const reduction = inputs.shape.map((_, i) => i).filter((i) => i !== axis);
    // Parameters of shape [features] broadcast as [1, ..., features, ..., 1].
    const bshape = inputs.shape.map((d, i) => (i === axis ? d : 1));
    const b = (p: OpInput): Tensor => reshape(p, bshape);
    let m: Tensor, v: Tensor;
    if (training && this.trainable) {
      [m, v] = this.moments(inputs, reduction, mask instanceof Array ? null : mask);
      const keep = this.momentum;
      const mm = this.movingMean!, mv = this.movingVariance!;
      mm.assign(add(mul(mm.peek(), keep), mul(reshape(m, [...mm.shape]), 1 - keep)));
      mv.assign(add(mul(mv.peek(), keep), mul(reshape(v, [...mv.shape]), 1 - keep)));
    } else {
      m = b(this.movingMean!);
      v = b(this.movingVariance!);
    }
    let inv = rsqrt(add(v, this.epsilon));
    if (this.gamma) inv = mul(inv, b(this.gamma));
    const y = mul(sub(inputs, m), inv);
    return this.beta ? add(y, b(this.beta)) : y;
  }

  /** Mean and biased variance over `axes` (kept as size 1), weighted by the mask over the leading axes if any. */
  private moments(x: Tensor, axes: number[], mask: Tensor | null): [Tensor, Tensor] {
    if (!mask) {
      const m = mean(x, axes, true);
      return [m, mean(square(sub(x, m)), axes, true)];
    }
    let w = cast(mask, x.dtype);
    while (w.rank < x.rank) w = expandDims(w, -1);
    const count = add(sum(w, axes, true), MASK_EPSILON);
    const m = div(sum(mul(w, x), axes, true), count);
    return [m, div(sum(mul(w, square(sub(x, m))), axes, true), count)];
  }

  override getConfig(): Config {
    const opt = <T>(v: T | null, f: (v: T) => Config): Config | null => (v ? f(v) : null);
    return {
      ...super.getConfig(),
      axis: this.axis,
      momentum: this.momentum,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      betaInitializer: serializeInitializer(this.betaInitializer),
      gammaInitializer: serializeInitializer(this.gammaInitializer),
      movingMeanInitializer: serializeInitializer(this.movingMeanInitializer),
      movingVarianceInitializer: serializeInitializer(this.movingVarianceInitializer),
      betaRegularizer: opt(this.betaRegularizer, serializeRegularizer),
      gammaRegularizer: opt(this.gammaRegularizer, serializeRegularizer),
      betaConstraint: opt(this.betaConstraint, serializeConstraint),
      gammaConstraint: opt(this.gammaConstraint, serializeConstraint),
    };
  }
}

registerLayer(BatchNormalization);
