// SGD with optional (Nesterov) momentum (keras.optimizers.SGD).
import type { Tensor } from '../core/tensor.js';
import type { Variable } from '../core/variable.js';
import { cast } from '../ops/prims/cast.js';
import { mul, sub } from '../ops/prims/binary.js';
import type { Config } from '../engine/registry.js';
import { Optimizer, floatArg, type OptimizerOptions, type SlotSpec } from './optimizer.js';

/** Options of SGD. */
export interface SGDOptions extends OptimizerOptions {
  /** Momentum in [0, 1] (default 0: plain gradient descent). */
  momentum?: number;
  /** Nesterov momentum (default false). */
  nesterov?: boolean;
}

/**
 * Gradient descent: w −= lr·g; with momentum, v = m·v − lr·g and w += v; with Nesterov, w += m·v − lr·g.
 * Defaults: learningRate 0.01, name "SGD".
 */
export class SGD extends Optimizer {
  readonly momentum: number;
  readonly nesterov: boolean;

  constructor(options: SGDOptions = {}) {
    super(options, { learningRate: 0.01, name: 'SGD' });
    this.momentum = floatArg('SGD', 'momentum', options.momentum ?? 0, 0, 1);
    this.nesterov = options.nesterov ?? false;
  }

  protected override slotSpecs(): SlotSpec[] {
    return this.momentum !== 0 ? [{ name: 'momentum', initial: 0 }] : [];
  }

  protected updateStep(gradient: Tensor, variable: Variable, learningRate: Tensor): void {
    const lr = cast(learningRate, variable.dtype);
    if (this.momentum === 0) {
      variable.assignSub(mul(gradient, lr));
      return;
    }
    const m = this.slot(variable, 'momentum');
    m.assign(sub(mul(m.peek(), this.momentum), mul(gradient, lr)));
    if (this.nesterov) variable.assignAdd(sub(mul(m.peek(), this.momentum), mul(gradient, lr)));
    else variable.assignAdd(m.peek());
  }

  override getConfig(): Config {
    return { ...super.getConfig(), momentum: this.momentum, nesterov: this.nesterov };
  }
}
