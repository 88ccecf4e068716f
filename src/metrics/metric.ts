// The Metric base class (keras.metrics.Metric): state in non-trainable variables, updated only with ops and
// variable assigns, so that updateState traces into a compiled train or test step like any other state update.
import type { DType } from '../core/dtype.js';
import type { Tensor } from '../core/tensor.js';
import { Variable } from '../core/variable.js';
import { outsideTrace } from '../engine/init-scope.js';
import { toSnakeCase, uniqueName } from '../engine/naming.js';
import type { Config } from '../engine/registry.js';
import { ValueError } from '../core/errors.js';
import type { OpInput } from '../ops/dispatch.js';
import { zeros } from '../ops/creation.js';

/** An argument of updateState: a tensor, a number, or null/undefined for an absent sample weight. */
export type MetricArg = OpInput | null | undefined;

/** `x` when given; a ValueError naming the metric and the argument when null or undefined. */
export function required(owner: string, what: string, x: MetricArg): OpInput {
  if (x === null || x === undefined) throw new ValueError(`${owner}.updateState: ${what} is required, got ${x}`);
  return x;
}

/** Options every metric accepts. */
export interface MetricOptions {
  /** The name (used in logs; default: Keras' name for the metric). */
  name?: string;
  /** The dtype of the state and the result (default float32). */
  dtype?: DType;
}

/** Base class of stateful metrics: `updateState(...)` accumulates, `result()` reads, `resetState()` clears. */
export abstract class Metric {
  /** The name (used in logs). */
  name: string;
  /** The dtype of the state and the result. */
  readonly dtype: DType;
  /** The state variables, in creation order. */
  readonly variables: Variable[] = [];

  constructor({ name, dtype = 'float32' }: MetricOptions = {}, defaultName?: string) {
    this.name = name ?? defaultName ?? uniqueName(toSnakeCase(new.target.name));
    this.dtype = dtype;
  }

  /** Creates a zero-initialized state variable (eagerly, even while a function is traced). */
  protected addVariable(shape: readonly number[], name: string): Variable {
    const v = outsideTrace(() => new Variable(zeros(shape, this.dtype), `${this.name}/${name}`, false));
    this.variables.push(v);
    return v;
  }

  /** Accumulates a batch: (yTrue, yPred, sampleWeight) for most metrics, (values, sampleWeight) for Mean and Sum. */
  abstract updateState(...args: MetricArg[]): void;

  /** The metric's value from the state so far. */
  abstract result(): Tensor;

  /** Sets every state variable back to zero. */
  resetState(): void {
    for (const v of this.variables) v.assign(0);
  }

  /** The constructor options as JSON. */
  getConfig(): Config {
    return { name: this.name, dtype: this.dtype };
  }

  /** Rebuilds a metric from its config. */
  static fromConfig<T extends Metric>(this: new (config: never) => T, config: Config): T {
    return new (this as unknown as new (c: Config) => T)(config);
  }
}
