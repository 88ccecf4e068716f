// RMSprop, optionally centered and with momentum (keras.optimizers.RMSprop).
import type { Tensor } from '../core/tensor.js';
import type { Variable } from '../core/variable.js';
import { cast } from '../ops/prims/cast.js';
import { add, div, mul, sub } from '../ops/prims/binary.js';
import { sqrt, square } from '../ops/prims/unary.js';
import type { Config } from '../engine/registry.js';
import { Optimizer, floatArg, type OptimizerOptions, type SlotSpec } from './optimizer.js';

/** Options of RMSprop. */
export interface RMSpropOptions extends OptimizerOptions {
  /** Discount of the running mean of squared gradients (default 0.9). */
  rho?: number;
  /** Momentum (default 0). */
  momentum?: number;
  /** Added to the denominator's mean square (default 1e-7). */
  epsilon?: number;
  /** Divide by the estimated variance instead of the mean square (default false). */
  centered?: boolean;
}

/**
 * v = ρ·v + (1−ρ)·g²; centered: a = ρ·a + (1−ρ)·g and the denominator is v − a² + ε, else v + ε;
 * Δ = lr·g / √denominator; with momentum, m = μ·m + Δ and w −= m, else w −= Δ.
 * Defaults: learningRate 0.001, name "rmsprop".
 */
export class RMSprop extends Optimizer {
  readonly rho: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly centered: boolean;

  constructor(options: RMSpropOptions = {}) {
    super(options, { learningRate: 0.001, name: 'rmsprop' });
    this.rho = floatArg('RMSprop', 'rho', options.rho ?? 0.9, 0, 1);
    this.momentum = floatArg('RMSprop', 'momentum', options.momentum ?? 0, 0);
    this.epsilon = floatArg('RMSprop', 'epsilon', options.epsilon ?? 1e-7, 0);
    this.centered = options.centered ?? false;
  }

  protected override slotSpecs(): SlotSpec[] {
    const specs = [{ name: 'velocity', initial: 0 }];
    if (this.momentum > 0) specs.push({ name: 'momentum', initial: 0 });
    if (this.centered) specs.push({ name: 'average_gradient', initial: 0 });
    return specs;
  }

  protected updateStep(gradient: Tensor, variable: Variable, learningRate: Tensor): void {
    const lr = cast(learningRate, variable.dtype);
    const velocity = this.slot(variable, 'velocity');
    velocity.assign(add(mul(this.rho, velocity.peek()), mul(1 - this.rho, square(gradient))));
    let denominator: Tensor;
    if (this.centered) {
      const avg = this.slot(variable, 'average_gradient');
      avg.assign(add(mul(this.rho, avg.peek()), mul(1 - this.rho, gradient)));
      denominator = add(sub(velocity.peek(), square(avg.peek())), this.epsilon);
    } else {
      denominator = add(velocity.peek(), this.epsilon);
    }
    const increment = div(mul(lr, gradient), sqrt(denominator));
    if (this.momentum > 0) {
      const m = this.slot(variable, 'momentum');
      m.assign(add(mul(this.momentum, m.peek()), increment));
      variable.assignSub(m.peek());
    } else {
      variable.assignSub(increment);
    }
  }

  override getConfig(): Config {
    return { ...super.getConfig(), rho: this.rho, momentum: this.momentum, epsilon: this.epsilon,
      centered: this.centered };
  }
}
