// Adagrad (keras.optimizers.Adagrad).
import type { Tensor } from '../core/tensor.js';
import type { Variable } from '../core/variable.js';
import { cast } from '../ops/prims/cast.js';
import { add, div, mul } from '../ops/prims/binary.js';
import { sqrt, square } from '../ops/prims/unary.js';
import type { Config } from '../engine/registry.js';
import { Optimizer, floatArg, type OptimizerOptions, type SlotSpec } from './optimizer.js';

/** Options of Adagrad. */
export interface AdagradOptions extends OptimizerOptions {
  /** The accumulators' starting value (≥ 0; default 0.1). */
  initialAccumulatorValue?: number;
  /** Added to the accumulator under the root (default 1e-7). */
  epsilon?: number;
}

/** acc += g²; w −= lr·g / √(acc + ε). Defaults: learningRate 0.001, name "adagrad". */
export class Adagrad extends Optimizer {
  readonly initialAccumulatorValue: number;
  readonly epsilon: number;

  constructor(options: AdagradOptions = {}) {
    super(options, { learningRate: 0.001, name: 'adagrad' });
    this.initialAccumulatorValue = floatArg('Adagrad', 'initialAccumulatorValue',
      options.initialAccumulatorValue ?? 0.1, 0);
    this.epsilon = floatArg('Adagrad', 'epsilon', options.epsilon ?? 1e-7, 0);
  }

  protected override slotSpecs(): SlotSpec[] {
    return [{ name: 'accumulator', initial: this.initialAccumulatorValue }];
  }

  protected updateStep(gradient: Tensor, variable: Variable, learningRate: Tensor): void {
    const lr = cast(learningRate, variable.dtype);
    const acc = this.slot(variable, 'accumulator');
    acc.assignAdd(square(gradient));
    variable.assignSub(div(mul(lr, gradient), sqrt(add(acc.peek(), this.epsilon))));
  }

  override getConfig(): Config {
    return { ...super.getConfig(), initialAccumulatorValue: this.initialAccumulatorValue, epsilon: this.epsilon };
  }
}
