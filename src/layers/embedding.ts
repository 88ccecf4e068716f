// Embedding: maps integer indices to dense vectors, rows of a learned [inputDim, outputDim] table (Keras
// `Embedding`); with maskZero, index 0 is padding and the output carries the mask `inputs != 0`.
import { ValueError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { notEqual } from '../ops/prims/binary.js';
import { cast } from '../ops/prims/cast.js';
import { gather } from '../ops/prims/gather.js';
import { getConstraint, serializeConstraint, type ConstraintIdentifier } from '../constraints/index.js';
import type { Constraint } from '../constraints/constraint.js';
import { getInitializer, serializeInitializer, type InitializerIdentifier } from '../initializers/index.js';
import type { Initializer } from '../initializers/initializer.js';
import { getRegularizer, serializeRegularizer, type RegularizerIdentifier } from '../regularizers/index.js';
import type { Regularizer } from '../regularizers/regularizer.js';
import { Layer, type LayerOptions, type Mask } from '../engine/layer.js';
import type { LayerWeight } from '../engine/layer-weight.js';
import { registerLayer, type Config } from '../engine/registry.js';

/** Options of Embedding (Keras defaults). */
export interface EmbeddingOptions extends LayerOptions {
  /** Vocabulary size: indices are in [0, inputDim). */
  inputDim: number;
  /** Size of each vector. */
  outputDim: number;
  /** Default randomUniform (±0.05), as Keras 'uniform'. */
  embeddingsInitializer?: InitializerIdentifier;
  embeddingsRegularizer?: RegularizerIdentifier | null;
  embeddingsConstraint?: ConstraintIdentifier | null;
  /** Treat index 0 as padding: the output mask is `inputs != 0` (default false). */
  maskZero?: boolean;
}

/** [batch, ...] indices → [batch, ..., outputDim] vectors. */
export class Embedding extends Layer {
  readonly inputDim: number;
  readonly outputDim: number;
  readonly embeddingsInitializer: Initializer;
  readonly embeddingsRegularizer: Regularizer | null;
  readonly embeddingsConstraint: Constraint | null;
  readonly maskZero: boolean;
  /** [inputDim, outputDim]. */
  readonly embeddings: LayerWeight;

  constructor(options: EmbeddingOptions) {
    super(options);
    const { inputDim, outputDim, maskZero = false } = options;
    for (const [what, v] of [['inputDim', inputDim], ['outputDim', outputDim]] as const)
      if (!Number.isInteger(v) || v <= 0)
        throw new ValueError(`${this.label}: ${what} must be a positive integer, got ${v}`);
    this.inputDim = inputDim;
    this.outputDim = outputDim;
    this.maskZero = maskZero;
    this.embeddingsInitializer = getInitializer(options.embeddingsInitializer ?? 'randomUniform');
    this.embeddingsRegularizer = getRegularizer(options.embeddingsRegularizer);
    this.embeddingsConstraint = getConstraint(options.embeddingsConstraint);
    // Indices are not cast to the layer's dtype; they become int32 in call.
    this.autocast = false;
    this.supportsMasking = maskZero;
    // The table's shape does not depend on the input, so it exists from the start (as in Keras).
    this.embeddings = this.addWeight({
      name: 'embeddings', shape: [inputDim, outputDim], initializer: this.embeddingsInitializer,
      regularizer: this.embeddingsRegularizer, constraint: this.embeddingsConstraint,
    });
    this.built = true;
  }

  override call(inputs: Tensor): Tensor {
    return gather(this.embeddings, inputs.dtype === 'int32' ? inputs : cast(inputs, 'int32'), 0);
  }

  override computeMask(inputs: Tensor): Mask {
    return this.maskZero ? notEqual(inputs, 0) : null;
  }

  override getConfig(): Config {
    const opt = <T>(v: T | null, f: (v: T) => Config): Config | null => (v ? f(v) : null);
    return {
      ...super.getConfig(),
      inputDim: this.inputDim,
      outputDim: this.outputDim,
      embeddingsInitializer: serializeInitializer(this.embeddingsInitializer),
      embeddingsRegularizer: opt(this.embeddingsRegularizer, serializeRegularizer),
      embeddingsConstraint: opt(this.embeddingsConstraint, serializeConstraint),
      maskZero: this.maskZero,
    };
  }
}

registerLayer(Embedding);
