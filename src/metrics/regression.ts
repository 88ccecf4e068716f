// Regression metrics: the mean of the loss functions over all samples seen (keras.metrics.MeanSquaredError, ...).
import { meanAbsoluteError, meanSquaredError } from '../losses/functions.js';
import type { MetricOptions } from './metric.js';
import { MeanMetricWrapper } from './reduction.js';

/** The mean squared error over all samples seen. */
export class MeanSquaredError extends MeanMetricWrapper {
  constructor(options: MetricOptions = {}) {
    super((t, p) => meanSquaredError(t, p), options, 'mean_squared_error');
  }
}

/** The mean absolute error over all samples seen. */
export class MeanAbsoluteError extends MeanMetricWrapper {
  constructor(options: MetricOptions = {}) {
    super((t, p) => meanAbsoluteError(t, p), options, 'mean_absolute_error');
  }
}
