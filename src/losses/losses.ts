// The built-in loss classes (keras.losses.MeanSquaredError, ...): each wraps its loss function with its options,
// under Keras 3's default names.
import { ValueError } from '../core/errors.js';
import type { Config } from '../engine/registry.js';
import {
  binaryCrossentropy, categoricalCrossentropy, cosineSimilarity, hinge, huber, klDivergence, meanAbsoluteError,
  meanSquaredError, poisson, sparseCategoricalCrossentropy,
} from './functions.js';
import { LossFunctionWrapper, type LossOptions } from './loss.js';

/** Options of BinaryCrossentropy and CategoricalCrossentropy. */
export interface CrossentropyLossOptions extends LossOptions {
  /** yPred holds logits rather than probabilities (default false). */
  fromLogits?: boolean;
  /** Label smoothing in [0, 1] (default 0). */
  labelSmoothing?: number;
  /** The axis of the crossentropy (default -1). */
  axis?: number;
}

function checkSmoothing(cls: string, v: number): number {
  if (typeof v !== 'number' || !(v >= 0 && v <= 1))
    throw new ValueError(`${cls}: labelSmoothing must be a number in [0, 1], got ${v}`);
  return v;
}

/** mean((yTrue - yPred)²) over the last axis. */
export class MeanSquaredError extends LossFunctionWrapper {
  constructor(options: LossOptions = {}) {
    super(meanSquaredError, { ...options, name: options.name ?? 'mean_squared_error' });
  }
}

/** mean(|yTrue - yPred|) over the last axis. */
export class MeanAbsoluteError extends LossFunctionWrapper {
  constructor(options: LossOptions = {}) {
    super(meanAbsoluteError, { ...options, name: options.name ?? 'mean_absolute_error' });
  }
}

/** Binary crossentropy of probabilities (or logits) against 0/1 labels, averaged over the last axis. */
export class BinaryCrossentropy extends LossFunctionWrapper {
  readonly fromLogits: boolean;
  readonly labelSmoothing: number;
  readonly axis: number;
  constructor({ fromLogits = false, labelSmoothing = 0, axis = -1, ...options }: CrossentropyLossOptions = {}) {
    const ls = checkSmoothing('BinaryCrossentropy', labelSmoothing);
    super((t, p) => binaryCrossentropy(t, p, { fromLogits, labelSmoothing: ls, axis }),
      { ...options, name: options.name ?? 'binary_crossentropy' });
    this.fromLogits = fromLogits;
    this.labelSmoothing = ls;
    this.axis = axis;
  }
  override getConfig(): Config {
    return { ...super.getConfig(), fromLogits: this.fromLogits, labelSmoothing: this.labelSmoothing, axis: this.axis };
  }
}

/** Crossentropy of class probabilities (or logits) against one-hot labels. */
export class CategoricalCrossentropy extends LossFunctionWrapper {
  readonly fromLogits: boolean;
  readonly labelSmoothing: number;
  readonly axis: number;
  constructor({ fromLogits = false, labelSmoothing = 0, axis = -1, ...options }: CrossentropyLossOptions = {}) {
    const ls = checkSmoothing('CategoricalCrossentropy', labelSmoothing);
    super((t, p) => categoricalCrossentropy(t, p, { fromLogits, labelSmoothing: ls, axis }),
      { ...options, name: options.name ?? 'categorical_crossentropy' });
    this.fromLogits = fromLogits;
    this.labelSmoothing = ls;
    this.axis = axis;
  }
  override getConfig(): Config {
    return { ...super.getConfig(), fromLogits: this.fromLogits, labelSmoothing: this.labelSmoothing, axis: this.axis };
  }
}

/** Options of SparseCategoricalCrossentropy. */
export interface SparseCategoricalCrossentropyLossOptions extends LossOptions {
  /** yPred holds logits rather than probabilities (default false). */
  fromLogits?: boolean;
  /** A label to ignore: its entries weigh 0 and leave the mean (default null). */
  ignoreClass?: number | null;
  /** The class axis of yPred (default -1). */
  axis?: number;
}

/** Crossentropy of class probabilities (or logits) against integer labels. */
export class SparseCategoricalCrossentropy extends LossFunctionWrapper {
  readonly fromLogits: boolean;
  readonly ignoreClass: number | null;
  readonly axis: number;
  constructor({ fromLogits = false, ignoreClass = null, axis = -1, ...options }:
              SparseCategoricalCrossentropyLossOptions = {}) {
    super((t, p) => sparseCategoricalCrossentropy(t, p, { fromLogits, ignoreClass, axis }),
      { ...options, name: options.name ?? 'sparse_categorical_crossentropy' });
    this.fromLogits = fromLogits;
    this.ignoreClass = ignoreClass;
    this.axis = axis;
  }
  override getConfig(): Config {
    return { ...super.getConfig(), fromLogits: this.fromLogits, ignoreClass: this.ignoreClass, axis: this.axis };
  }
}

/** Kullback-Leibler divergence Σ yTrue·log(yTrue / yPred) over the last axis. */
export class KLDivergence extends LossFunctionWrapper {
  constructor(options: LossOptions = {}) {
    super(klDivergence, { ...options, name: options.name ?? 'kl_divergence' });
  }
}

/** Options of CosineSimilarity. */
export interface CosineSimilarityLossOptions extends LossOptions {
  /** The feature axis (default -1). */
  axis?: number;
}

/** Negative cosine similarity along `axis` (minimizing it aligns the vectors). */
export class CosineSimilarity extends LossFunctionWrapper {
  readonly axis: number;
  constructor({ axis = -1, ...options }: CosineSimilarityLossOptions = {}) {
    super((t, p) => cosineSimilarity(t, p, { axis }), { ...options, name: options.name ?? 'cosine_similarity' });
    this.axis = axis;
  }
  override getConfig(): Config {
    return { ...super.getConfig(), axis: this.axis };
  }
}

/** Options of Huber. */
export interface HuberLossOptions extends LossOptions {
  /** Where the loss turns from quadratic to linear (default 1). */
  delta?: number;
}

/** Huber loss: quadratic for errors up to delta, linear beyond. */
export class Huber extends LossFunctionWrapper {
  readonly delta: number;
  constructor({ delta = 1, ...options }: HuberLossOptions = {}) {
    if (typeof delta !== 'number' || !Number.isFinite(delta))
      throw new ValueError(`Huber: delta must be a finite number, got ${delta}`);
    super((t, p) => huber(t, p, { delta }), { ...options, name: options.name ?? 'huber_loss' });
    this.delta = delta;
  }
  override getConfig(): Config {
    return { ...super.getConfig(), delta: this.delta };
  }
}

/** Hinge loss max(1 - yTrue·yPred, 0) with -1/1 labels (0/1 labels are converted). */
export class Hinge extends LossFunctionWrapper {
  constructor(options: LossOptions = {}) {
    super(hinge, { ...options, name: options.name ?? 'hinge' });
  }
}

/** Poisson loss yPred - yTrue·log(yPred). */
export class Poisson extends LossFunctionWrapper {
  constructor(options: LossOptions = {}) {
    super(poisson, { ...options, name: options.name ?? 'poisson' });
  }
}
