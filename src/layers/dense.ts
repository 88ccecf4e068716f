// Dense: activation(x · kernel + bias), contracting the last axis of inputs of any rank ≥ 2 (Keras `Dense`).
import { ValueError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { add } from '../ops/prims/binary.js';
import { matmul } from '../ops/prims/matmul.js';
import { reshape } from '../ops/prims/movement.js';
import { getActivation, serializeActivation, type ActivationFn, type ActivationIdentifier } from '../activations.js';
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

/** Options of Dense (Keras defaults). */
export interface DenseOptions extends LayerOptions {
  /** Output size (a positive integer). */
  units: number;
  /** Applied to the output (default none: linear). */
  activation?: ActivationIdentifier;
  /** Whether to add a bias (default true). */
  useBias?: boolean;
  /** Default glorotUniform. */
  kernelInitializer?: InitializerIdentifier;
  /** Default zeros. */
  biasInitializer?: InitializerIdentifier;
  kernelRegularizer?: RegularizerIdentifier | null;
  biasRegularizer?: RegularizerIdentifier | null;
  kernelConstraint?: ConstraintIdentifier | null;
  biasConstraint?: ConstraintIdentifier | null;
}

/** A densely connected layer: activation(x · kernel + bias), kernel of shape [inputDim, units]. */
export class Dense extends Layer {
  readonly units: number;
  readonly activation: ActivationFn;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly kernelRegularizer: Regularizer | null;
  readonly biasRegularizer: Regularizer | null;
  readonly kernelConstraint: Constraint | null;
  readonly biasConstraint: Constraint | null;
  /** [inputDim, units], created by build. */
  kernel: LayerWeight | null = null;
  /** [units] when useBias, created by build. */
  bias: LayerWeight | null = null;

  constructor(options: DenseOptions) {
    super(options);
    const { units, activation = null, useBias = true } = options;
    if (!Number.isInteger(units) || units <= 0)
      throw new ValueError(`${this.label}: units must be a positive integer, got ${units}`);
    this.units = units;
    this.activation = getActivation(activation, this.label);
    this.useBias = useBias;
    this.kernelInitializer = getInitializer(options.kernelInitializer ?? 'glorotUniform');
    this.biasInitializer = getInitializer(options.biasInitializer ?? 'zeros');
    this.kernelRegularizer = getRegularizer(options.kernelRegularizer);
    this.biasRegularizer = getRegularizer(options.biasRegularizer);
    this.kernelConstraint = getConstraint(options.kernelConstraint);
    this.biasConstraint = getConstraint(options.biasConstraint);
    this.inputSpec = new InputSpec({ minNdim: 2 });
    this.supportsMasking = true;
  }

  override build(inputShape: Shape): void {
    const inputDim = inputShape[inputShape.length - 1];
    if (inputDim === null || inputDim === undefined)
      throw new ValueError(`${this.label}: the last axis of the input must be known, got shape ${fmtDims(inputShape)}`);
    this.kernel = this.addWeight({
      name: 'kernel', shape: [inputDim, this.units], initializer: this.kernelInitializer,
      regularizer: this.kernelRegularizer, constraint: this.kernelConstraint,
    });
    if (this.useBias)
      this.bias = this.addWeight({
        name: 'bias', shape: [this.units], initializer: this.biasInitializer,
        regularizer: this.biasRegularizer, constraint: this.biasConstraint,
      });
    this.inputSpec = new InputSpec({ minNdim: 2, axes: { [-1]: inputDim } });
  }

  override call(inputs: Tensor): Tensor {
    const kernel = this.kernel!;
    const inputDim = kernel.shape[0];
    // Inputs of rank > 2 are flattened to one matrix product (a view, not a copy), then unflattened.
    const lead = inputs.shape.slice(0, -1);
    const x = inputs.rank === 2 ? inputs : reshape(inputs, [lead.reduce((a, b) => a * b, 1), inputDim]);
    let y = matmul(x, kernel);
    if (inputs.rank !== 2) y = reshape(y, [...lead, this.units]);
    if (this.bias) y = add(y, this.bias);
    return this.activation(y);
  }

  override getConfig(): Config {
    const opt = <T>(v: T | null, f: (v: T) => Config): Config | null => (v ? f(v) : null);
    return {
      ...super.getConfig(),
      units: this.units,
      activation: serializeActivation(this.activation, this.label),
      useBias: this.useBias,
      kernelInitializer: serializeInitializer(this.kernelInitializer),
      biasInitializer: serializeInitializer(this.biasInitializer),
      kernelRegularizer: opt(this.kernelRegularizer, serializeRegularizer),
      biasRegularizer: opt(this.biasRegularizer, serializeRegularizer),
      kernelConstraint: opt(this.kernelConstraint, serializeConstraint),
      biasConstraint: opt(this.biasConstraint, serializeConstraint),
    };
  }
}

registerLayer(Dense);
