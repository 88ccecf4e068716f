// The running mean behind Layer.addMetric (tf.keras `add_metric(value, name, aggregation='mean')`). Its state is
// two variables, so that compiled train steps update it in place like any other state.
import type { Tensor } from '../core/tensor.js';
import { Variable } from '../core/variable.js';
import { zeros } from '../ops/creation.js';
import { div, maximum } from '../ops/prims/binary.js';
import { cast } from '../ops/prims/cast.js';
import { sum } from '../ops/prims/reduce.js';
import { toTensor } from '../ops/dispatch.js';
import { outsideTrace } from './init-scope.js';

/** A metric added with Layer.addMetric: the mean of every value added since the last reset. */
export class AddedMetric {
  /** Sum of the values added. */
  readonly total: Variable;
  /** Number of values added. */
  readonly count: Variable;

  constructor(readonly name: string) {
    [this.total, this.count] = outsideTrace(() => [
      new Variable(zeros([], 'float32'), `${name}/total`, false),
      new Variable(zeros([], 'float32'), `${name}/count`, false),
    ]);
  }

  /** Adds the elements of `value` to the mean. */
  updateState(value: Tensor): void {
    this.total.assignAdd(sum(cast(value, 'float32')));
    this.count.assignAdd(value.size);
  }

  /** The mean so far (0 before any value). */
  result(): Tensor {
    return div(toTensor(this.total), maximum(toTensor(this.count), 1));
  }

  /** Forgets the values added. */
  resetState(): void {
    this.total.assign(0);
    this.count.assign(0);
  }
}
