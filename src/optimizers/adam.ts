// Adam, optionally AMSGrad (keras.optimizers.Adam).
import type { Tensor } from '../core/tensor.js';
import type { Variable } from '../core/variable.js';
import { cast } from '../ops/prims/cast.js';
import { add, div, maximum, mul, pow, sub } from '../ops/prims/binary.js';
import { sqrt, square } from '../ops/prims/unary.js';
import { scalar } from '../ops/creation.js';
import type { Config } from '../engine/registry.js';
import { Optimizer, floatArg, type OptimizerOptions, type SlotSpec } from './optimizer.js';

/** Options of Adam. */
export interface AdamOptions extends OptimizerOptions {
  /** Decay of the first-moment estimate (default 0.9). */
  beta1?: number;
  /** Decay of the second-moment estimate (default 0.999). */
  beta2?: number;
  /** Added to √v ("epsilon hat" of Kingma and Ba; default 1e-7). */
  epsilon?: number;
  /** Use the running maximum of v (AMSGrad; default false). */
  amsgrad?: boolean;
}

/**
 * With t = iterations + 1: α = lr·√(1−β₂ᵗ)/(1−β₁ᵗ); m += (g−m)(1−β₁); v += (g²−v)(1−β₂);
 * AMSGrad: v̂ = max(v̂, v) replaces v; w −= m·α / (√v + ε). Defaults: learningRate 0.001, name "adam".
 */
export class Adam extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly amsgrad: boolean;

  constructor(options: AdamOptions = {}) {
    super(options, { learningRate: 0.001, name: 'adam' });
    const cls = this.constructor.name;
    this.beta1 = floatArg(cls, 'beta1', options.beta1 ?? 0.9, 0, 1);
    this.beta2 = floatArg(cls, 'beta2', options.beta2 ?? 0.999, 0, 1);
    this.epsilon = floatArg(cls, 'epsilon', options.epsilon ?? 1e-7, 0);
    this.amsgrad = options.amsgrad ?? false;
  }

  protected override slotSpecs(): SlotSpec[] {
    const specs = [{ name: 'momentum', initial: 0 }, { name: 'velocity', initial: 0 }];
    if (this.amsgrad) specs.push({ name: 'velocity_hat', initial: 0 });
    return specs;
  }

  protected updateStep(gradient: Tensor, variable: Variable, learningRate: Tensor): void {
    const dtype = variable.dtype;
    const lr = cast(learningRate, dtype);
    const localStep = cast(add(this.iterations.peek(), 1), dtype);
    const beta1Power = pow(scalar(this.beta1, dtype), localStep);
    const beta2Power = pow(scalar(this.beta2, dtype), localStep);
    const m = this.slot(variable, 'momentum');
    let v = this.slot(variable, 'velocity');
    const alpha = div(mul(lr, sqrt(sub(1, beta2Power))), sub(1, beta1Power));
    m.assignAdd(mul(sub(gradient, m.peek()), 1 - this.beta1));
    v.assignAdd(mul(sub(square(gradient), v.peek()), 1 - this.beta2));
    if (this.amsgrad) {
      const vHat = this.slot(variable, 'velocity_hat');
      vHat.assign(maximum(vHat.peek(), v.peek()));
      v = vHat;
    }
    variable.assignSub(div(mul(m.peek(), alpha), add(sqrt(v.peek()), this.epsilon)));
  }

  override getConfig(): Config {
    return { ...super.getConfig(), beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon,
      amsgrad: this.amsgrad };
  }
}
