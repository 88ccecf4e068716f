// The optimizer base class (keras.optimizers.Optimizer): state as variables, clipping, weight decay, schedules.
// An update is written only in ops and Variable assigns (no host reads), so applying gradients inside a traced
// function records the whole update into the graph, and the slots become the compiled step's persistent state.
import { ShapeError, ValueError, fmtShape } from '../core/errors.js';
import { isFloat } from '../core/dtype.js';
import { Tensor } from '../core/tensor.js';
import { Variable } from '../core/variable.js';
import { tidy } from '../core/tidy.js';
import { cast } from '../ops/prims/cast.js';
import { mul, sub } from '../ops/prims/binary.js';
import { fill, scalar } from '../ops/creation.js';
import { LayerWeight } from '../engine/layer-weight.js';
import type { Config, ConfigValue } from '../engine/registry.js';
import { LearningRateSchedule } from './schedules/schedule.js';
import { deserialize as deserializeSchedule, serialize as serializeSchedule } from './schedules/index.js';
import { clipByGlobalNorm, clipByNorm, clipByValue } from './clipping.js';

/** Options every optimizer accepts (Keras' base optimizer arguments). */
export interface OptimizerOptions {
  /** A number, or a schedule of the step (default: the optimizer's own). */
  learningRate?: number | LearningRateSchedule;
  /** If set, each variable decays by variable · weightDecay · learningRate before its update. */
  weightDecay?: number | null;
  /** If set, each gradient is rescaled so that its L2 norm is at most this. */
  clipnorm?: number | null;
  /** If set, each gradient element is clipped to [−clipvalue, clipvalue]. */
  clipvalue?: number | null;
  /** If set, all gradients are rescaled together so that their global L2 norm is at most this. */
  globalClipnorm?: number | null;
  /** The name that prefixes the optimizer's variables. */
  name?: string;
}

/** A slot kind: one variable of this name per model variable, filled with `initial`. */
export interface SlotSpec {
  readonly name: string;
  readonly initial: number;
}

/** A gradient (null: the variable is skipped) and the variable it updates. */
export type GradAndVar = readonly [Tensor | null, Variable];

/** A finite number in [min, max], or a ValueError naming the optimizer and the argument. */
export function floatArg(cls: string, name: string, v: unknown, min = -Infinity, max = Infinity): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    const range = min === -Infinity ? (max === Infinity ? 'a finite number' : `≤ ${max}`)
      : max === Infinity ? `a finite number ≥ ${min}` : `in [${min}, ${max}]`;
    throw new ValueError(`${cls}: ${name} must be ${range}, got ${JSON.stringify(v)}`);
  }
  return v;
}

function optionalArg(cls: string, name: string, v: number | null | undefined): number | null {
  return v === null || v === undefined ? null : floatArg(cls, name, v, 0);
}

/**
 * Base class of optimizers. Subclasses list their slots and write `updateStep` in ops; the base class handles
 * building slots (on first use, per variable), clipping, weight decay, the learning rate (a variable, or a
 * schedule of `iterations`), constraints of layer weights, and counting iterations.
 */
export abstract class Optimizer {
  /** The name that prefixes the optimizer's variables. */
  readonly name: string;
  /** The number of updates applied so far (an int32 scalar variable, part of a compiled step's state). */
  readonly iterations: Variable;
  /** Decoupled weight decay factor (null: none). */
  readonly weightDecay: number | null;
  /** Per-gradient L2 norm bound (null: none). */
  readonly clipnorm: number | null;
  /** Per-element gradient bound (null: none). */
  readonly clipvalue: number | null;
  /** Bound on the L2 norm of all gradients together (null: none). */
  readonly globalClipnorm: number | null;
  private readonly lr: Variable | LearningRateSchedule;
  private readonly ownVariables: Variable[] = [];
  private readonly slots = new Map<Variable, Map<string, Variable>>();
  private readonly built: Variable[] = [];

  constructor(options: OptimizerOptions, defaults: { learningRate: number; name: string }) {
    const cls = this.constructor.name;
    this.name = options.name ?? defaults.name;
    this.weightDecay = optionalArg(cls, 'weightDecay', options.weightDecay);
    this.clipnorm = optionalArg(cls, 'clipnorm', options.clipnorm);
    this.clipvalue = optionalArg(cls, 'clipvalue', options.clipvalue);
    this.globalClipnorm = optionalArg(cls, 'globalClipnorm', options.globalClipnorm);
    const clips = [this.clipnorm, this.clipvalue, this.globalClipnorm].filter((c) => c !== null).length;
    if (clips > 1)
      throw new ValueError(`${cls}: only one of clipnorm, clipvalue and globalClipnorm can be set, got ` +
        `clipnorm=${this.clipnorm}, clipvalue=${this.clipvalue}, globalClipnorm=${this.globalClipnorm}`);
    this.iterations = this.addVariable(scalar(0, 'int32'), 'iteration');
    const lr = options.learningRate ?? defaults.learningRate;
    if (lr instanceof LearningRateSchedule) this.lr = lr;
    else this.lr = this.addVariable(scalar(floatArg(cls, 'learningRate', lr), 'float32'), 'learning_rate');
  }

  /** The slots this optimizer keeps per variable, in the order they are created. */
  protected slotSpecs(): SlotSpec[] {
    return [];
  }

  /** Updates `variable` (and its slots) from `gradient` (already cast and clipped) at `learningRate` (float32). */
  protected abstract updateStep(gradient: Tensor, variable: Variable, learningRate: Tensor): void;

  /** The optimizer's variables in creation order (iterations, learning rate, then slots): what saving stores. */
  get variables(): Variable[] {
    return [...this.ownVariables];
  }

  /** The slot variables of `variable` by slot name (empty before the optimizer is built with it): what saving stores. */
  slotsOf(variable: Variable): ReadonlyMap<string, Variable> {
    return this.slots.get(variable) ?? new Map();
  }

  /** The current learning rate as a number (reads the host; use currentLearningRate() inside traced code). */
  get learningRate(): number {
    return this.currentLearningRate().dataSync()[0];
  }

  /** Sets the learning rate (optimizers made with a schedule have none to set). */
  set learningRate(value: number) {
    if (this.lr instanceof LearningRateSchedule)
      throw new ValueError(`${this.constructor.name}: the learning rate was given as a schedule, so it cannot be ` +
        `set; create the optimizer with a number learningRate to change it`);
    this.lr.assign(floatArg(this.constructor.name, 'learningRate', value));
  }

  /** The learning rate for the next update, a float32 scalar tensor (traceable). */
  currentLearningRate(): Tensor {
    return this.lr instanceof LearningRateSchedule ? this.lr.call(this.iterations) : this.lr.peek();
  }

  /** The slot `name` of `variable` (after build). */
  protected slot(variable: Variable, name: string): Variable {
    const s = this.slots.get(variable)?.get(name);
    if (!s) throw new ValueError(`${this.constructor.name}: variable "${variable.name}" has no slot "${name}"`);
    return s;
  }

  /** Creates the slots of the variables not seen before (Keras order: slot kind by slot kind). */
  build(variables: readonly Variable[]): void {
    const fresh = [...new Set(variables)].filter((v) => !this.slots.has(v));
    for (const v of fresh) this.slots.set(v, new Map());
    for (const spec of this.slotSpecs()) {
      for (const v of fresh) {
        // Concrete even while tracing: slots are created once and become the graph's state.
        const slot = this.addVariable(fill([...v.shape], spec.initial, v.dtype),
          `${v.name.replace(/[/:]/g, '_')}_${spec.name}`);
        this.slots.get(v)!.set(spec.name, slot);
      }
    }
    this.built.push(...fresh);
  }

  /** Applies [gradient, variable] pairs: Keras `apply_gradients`. Returns the iterations variable. */
  applyGradients(gradsAndVars: readonly GradAndVar[]): Variable {
    if (!Array.isArray(gradsAndVars))
      throw new ValueError(`${this.constructor.name}.applyGradients: expected an array of [gradient, variable] pairs`);
    this.apply(gradsAndVars.map((p) => p[0]), gradsAndVars.map((p) => p[1]));
    return this.iterations;
  }

  /**
   * Applies gradients to variables (Keras `apply`); without `variables`, to the variables the optimizer was built
   * with, in order. Null gradients skip their variable; at least one must be given.
   */
  apply(grads: readonly (Tensor | null)[], variables?: readonly Variable[]): void {
    const cls = this.constructor.name;
    if (grads.length === 0) return;
    let vars: readonly Variable[];
    if (variables === undefined) {
      if (this.built.length === 0)
        throw new ValueError(`${cls}.apply: gradients without variables need a built optimizer; ` +
          `call build(variables) first or pass the variables`);
      if (grads.length !== this.built.length)
        throw new ValueError(`${cls}.apply: got ${grads.length} gradients for the ${this.built.length} variables ` +
          `the optimizer was built with`);
      vars = this.built;
    } else {
      if (variables.length !== grads.length)
        throw new ValueError(`${cls}.apply: got ${grads.length} gradients and ${variables.length} variables`);
      vars = variables;
    }
    const pairs = this.checkPairs(grads, vars);
    this.build(pairs.map(([, v]) => v));
    tidy(() => {
      const clipped = this.clip(pairs.map(([g, v]) => cast(g, v.dtype)));
      const targets = pairs.map(([, v]) => v);
      const lr = this.currentLearningRate();
      if (this.weightDecay !== null)
        for (const v of targets) v.assign(sub(v.peek(), mul(mul(v.peek(), this.weightDecay), cast(lr, v.dtype))));
      targets.forEach((v, i) => this.updateStep(clipped[i], v, lr));
      for (const v of targets) if (v instanceof LayerWeight && v.constraint) v.assign(v.constraint.apply(v.peek()));
      this.iterations.assignAdd(1);
    });
  }

  private checkPairs(grads: readonly (Tensor | null)[], vars: readonly Variable[]): [Tensor, Variable][] {
    const cls = this.constructor.name;
    const pairs: [Tensor, Variable][] = [];
    grads.forEach((g, i) => {
      const v = vars[i];
      if (!(v instanceof Variable))
        throw new ValueError(`${cls}.apply: entry ${i} must have a Variable, got ${v === null ? 'null' : typeof v}`);
      if (g === null || g === undefined) return;
      if (!(g instanceof Tensor))
        throw new ValueError(`${cls}.apply: the gradient of variable "${v.name}" must be a Tensor, got ${typeof g}`);
      if (!isFloat(v.dtype) || !isFloat(g.dtype))
        throw new ValueError(`${cls}.apply: variable "${v.name}" (${v.dtype}) and its gradient (${g.dtype}) ` +
          `must be float`);
      if (g.shape.length !== v.shape.length || g.shape.some((d, k) => d !== v.shape[k]))
        throw new ShapeError(`${cls}.apply: the gradient of variable "${v.name}" must have shape ` +
          `${fmtShape(v.shape)}, got ${fmtShape(g.shape)}`);
      pairs.push([g, v]);
    });
    if (pairs.length === 0) throw new ValueError(`${cls}.apply: no gradients provided for any variable`);
    return pairs;
  }

  private clip(grads: Tensor[]): Tensor[] {
    if (this.clipnorm) return grads.map((g) => clipByNorm(g, this.clipnorm!));
    if (this.globalClipnorm) return clipByGlobalNorm(grads, this.globalClipnorm);
    if (this.clipvalue) return grads.map((g) => clipByValue(g, this.clipvalue!));
    return grads;
  }

  private addVariable(initial: Tensor, name: string): Variable {
    const v = new Variable(initial, `${this.name}/${name}`, false);
    this.ownVariables.push(v);
    return v;
  }

  /** The constructor options as JSON (Keras `get_config`). */
  getConfig(): Config {
    const lr: ConfigValue = this.lr instanceof LearningRateSchedule ? serializeSchedule(this.lr) : this.learningRate;
    return { name: this.name, learningRate: lr, weightDecay: this.weightDecay, clipnorm: this.clipnorm,
      globalClipnorm: this.globalClipnorm, clipvalue: this.clipvalue };
  }

  /** Rebuilds an optimizer (without its state) from its config. */
  static fromConfig<T extends Optimizer>(this: new (options: never) => T, config: Config): T {
    const lr = config.learningRate;
    const options = { ...config, learningRate: typeof lr === 'object' && lr !== null ? deserializeSchedule(lr as never) : lr };
    return new (this as unknown as new (o: unknown) => T)(options);
  }
}
