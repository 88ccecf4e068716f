import type { Tensor } from '../core/tensor.js';
import { Variable } from '../core/variable.js';
import type { Constraint } from '../constraints/constraint.js';
import type { Regularizer } from '../regularizers/regularizer.js';

/**
 * A variable created by Layer.addWeight: named by its path ("dense/kernel"), and carrying the regularizer that
 * the layer's `losses` apply to it and the constraint that optimizers apply after each update.
 */
export class LayerWeight extends Variable {
  constructor(initial: Tensor, path: string, trainable: boolean, readonly regularizer: Regularizer | null,
              readonly constraint: Constraint | null) {
    super(initial, path, trainable);
  }
}
