// LayerNormalization (Keras 3): normalizes each sample over `axis` with its own mean and variance, then scales by
// gamma and shifts by beta (both of the shape of the normalized axes). Epsilon defaults to 1e-3, as in Keras.
import { ValueError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { add, mul, sub } from '../ops/prims/binary.js';
import { reshape } from '../ops/prims/movement.js';
import { mean } from '../ops/prims/reduce.js';
import { rsqrt, square } from '../ops/prims/unary.js';
import { normalizeAxes } from '../ops/shape-utils.js';
import type { OpInput } from '../ops/dispatch.js';
import { getConstraint, serializeConstraint, type ConstraintIdentifier } from '../constraints/index.js';
import type { Constraint } from '../constraints/constraint.js';
import { getInitializer, serializeInitializer, type InitializerIdentifier } from '../initializers/index.js';
import type { Initializer } from '../initializers/initializer.js';
import { getRegularizer, serializeRegularizer, type RegularizerIdentifier } from '../regularizers/index.js';
import type { Regularizer } from '../regularizers/regularizer.js';
import { InputSpec, fmtDims, type Shape } from '../engine/input-spec.js';
import { Layer, type LayerOptions } from '../engine/layer.js';
import type { LayerWeight } from '../engine/layer-weight.js';
import { registerLayer, type Config } from '../engine/registry.js';

/** Options of LayerNormalization (Keras defaults). */
export interface LayerNormalizationOptions extends LayerOptions {
  /** The axis or axes normalized together (default -1). */
  axis?: number | number[];
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
  betaRegularizer?: RegularizerIdentifier | null;
  gammaRegularizer?: RegularizerIdentifier | null;
  betaConstraint?: ConstraintIdentifier | null;
  gammaConstraint?: ConstraintIdentifier | null;
}

/** (x − mean) / √(variance + ε) · gamma + beta, with the statistics of each sample over `axis`. */
export class LayerNormalization extends Layer {
  readonly axis: number | number[];
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly betaInitializer: Initializer;
  readonly gammaInitializer: Initializer;
  readonly betaRegularizer: Regularizer | null;
  readonly gammaRegularizer: Regularizer | null;
  readonly betaConstraint: Constraint | null;
  readonly gammaConstraint: Constraint | null;
  /** Shaped as the normalized axes, when scale. */
  gamma: LayerWeight | null = null;
  /** Shaped as the normalized axes, when center. */
  beta: LayerWeight | null = null;

  constructor(options: LayerNormalizationOptions = {}) {
    super(options);
    const { axis = -1, epsilon = 1e-3, center = true, scale = true } = options;
    const list = typeof axis === 'number' ? [axis] : axis;
    if (!Array.isArray(list) || list.length === 0 || !list.every(Number.isInteger))
      throw new ValueError(`${this.label}: axis must be an integer or a non-empty list of them, got ${JSON.stringify(axis)}`);
    if (typeof epsilon !== 'number' || !(epsilon > 0))
      throw new ValueError(`${this.label}: epsilon must be a positive number, got ${epsilon}`);
    this.axis = typeof axis === 'number' ? axis : [...axis];
    this.epsilon = epsilon;
    this.center = center;
    this.scale = scale;
    this.betaInitializer = getInitializer(options.betaInitializer ?? 'zeros');
    this.gammaInitializer = getInitializer(options.gammaInitializer ?? 'ones');
    this.betaRegularizer = getRegularizer(options.betaRegularizer);
    this.gammaRegularizer = getRegularizer(options.gammaRegularizer);
    this.betaConstraint = getConstraint(options.betaConstraint);
    this.gammaConstraint = getConstraint(options.gammaConstraint);
    this.supportsMasking = true;
  }

  override build(inputShape: Shape): void {
    const axes = normalizeAxes(this.label, this.axis, inputShape.length);
    const dims = axes.map((a) => inputShape[a]);
    if (dims.some((d) => d === null))
      throw new ValueError(`${this.label}: the normalized axes ${fmtDims(axes)} of the input must be known, got ` +
        `shape ${fmtDims(inputShape)}`);
    const shape = dims as number[];
    if (this.scale)
      this.gamma = this.addWeight({ name: 'gamma', shape, initializer: this.gammaInitializer,
        regularizer: this.gammaRegularizer, constraint: this.gammaConstraint });
    if (this.center)
      this.beta = this.addWeight({ name: 'beta', shape, initializer: this.betaInitializer,
        regularizer: this.betaRegularizer, constraint: this.betaConstraint });
    this.inputSpec = new InputSpec({ ndim: inputShape.length,
      axes: Object.fromEntries(axes.map((a, i) => [a, shape[i]])) });
  }

  override call(inputs: Tensor): Tensor {
    const axes = normalizeAxes(this.label, this.axis, inputs.rank);
    // Parameters shaped as the normalized axes broadcast with size 1 on the others.
    const bshape = inputs.shape.map((d, i) => (axes.includes(i) ? d : 1));
    const b = (p: OpInput): Tensor => reshape(p, bshape);
    const m = mean(inputs, axes, true);
    const centered = sub(inputs, m);
    let inv = rsqrt(add(mean(square(centered), axes, true), this.epsilon));
    if (this.gamma) inv = mul(inv, b(this.gamma));
    const y = mul(centered, inv);
    return this.beta ? add(y, b(this.beta)) : y;
  }

  override getConfig(): Config {
    const opt = <T>(v: T | null, f: (v: T) => Config): Config | null => (v ? f(v) : null);
    return {
      ...super.getConfig(),
      axis: this.axis,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      betaInitializer: serializeInitializer(this.betaInitializer),
      gammaInitializer: serializeInitializer(this.gammaInitializer),
      betaRegularizer: opt(this.betaRegularizer, serializeRegularizer),
      gammaRegularizer: opt(this.gammaRegularizer, serializeRegularizer),
      betaConstraint: opt(this.betaConstraint, serializeConstraint),
      gammaConstraint: opt(this.gammaConstraint, serializeConstraint),
    };
  }
}

registerLayer(LayerNormalization);
