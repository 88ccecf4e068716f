// Activation: applies an activation function to its input (Keras `Activation`).
import type { Tensor } from '../core/tensor.js';
import { getActivation, serializeActivation, type ActivationFn, type ActivationIdentifier } from '../activations.js';
import { Layer, type LayerOptions } from '../engine/layer.js';
import { registerLayer, type Config } from '../engine/registry.js';

/** Options of Activation. */
export interface ActivationOptions extends LayerOptions {
  /** A name ("relu"), a function, or null (linear). */
  activation: ActivationIdentifier;
}

/** Applies an activation function; masks pass through. */
export class Activation extends Layer {
  readonly activation: ActivationFn;

  constructor(options: ActivationOptions) {
    super(options);
    this.activation = getActivation(options.activation, this.label);
    this.supportsMasking = true;
  }

  override call(inputs: Tensor): Tensor {
    return this.activation(inputs);
  }

  override getConfig(): Config {
    return { ...super.getConfig(), activation: serializeActivation(this.activation, this.label) };
  }
}

registerLayer(Activation);
