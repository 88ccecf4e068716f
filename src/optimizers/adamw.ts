// AdamW: Adam with decoupled weight decay (keras.optimizers.AdamW).
import { ValueError } from '../core/errors.js';
import { Adam, type AdamOptions } from './adam.js';

/**
 * Adam whose variables also decay by w·weightDecay·lr before each update (Loshchilov and Hutter).
 * Defaults: weightDecay 0.004, learningRate 0.001, name "adamw".
 */
export class AdamW extends Adam {
  constructor(options: AdamOptions = {}) {
    if (options.weightDecay === null)
      throw new ValueError('AdamW: weightDecay must be a number, got null');
    super({ ...options, name: options.name ?? 'adamw', weightDecay: options.weightDecay ?? 0.004 });
  }
}
