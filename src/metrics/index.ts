// keras.metrics: classes, functions, and lookup by name as compile() does it (Keras `compile_utils.get_metric`):
// a metric made from a string is named by that string, and "accuracy"/"acc" pick the accuracy that fits the shapes.
import { ValueError } from '../core/errors.js';
import { ClassRegistry, isSerialized, type Serialized, type SerializableClass } from '../engine/registry.js';
import {
  binaryCrossentropy, categoricalCrossentropy, hinge, klDivergence, poisson, sparseCategoricalCrossentropy,
} from '../losses/functions.js';
import {
  Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy, SparseTopKCategoricalAccuracy,
  TopKCategoricalAccuracy,
} from './accuracy.js';
import { AUC, Precision, Recall } from './confusion.js';
import { Metric } from './metric.js';
import { Mean, MeanMetricWrapper, Sum, type MetricFunction } from './reduction.js';
import { MeanAbsoluteError, MeanSquaredError } from './regression.js';

export { Metric, type MetricArg, type MetricOptions } from './metric.js';
export { Mean, Sum, MeanMetricWrapper, type MetricFunction } from './reduction.js';
export {
  Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy, TopKCategoricalAccuracy,
  SparseTopKCategoricalAccuracy, accuracy, binaryAccuracy, categoricalAccuracy, sparseCategoricalAccuracy,
  topKCategoricalAccuracy, sparseTopKCategoricalAccuracy, type BinaryAccuracyOptions, type TopKOptions,
} from './accuracy.js';
export { Precision, Recall, AUC, type PrecisionRecallOptions, type AUCOptions } from './confusion.js';
export { MeanSquaredError, MeanAbsoluteError } from './regression.js';

/** What compile() accepts as a metric: a name, a Metric, a per-sample function, or {className, config}. */
export type MetricIdentifier = string | Metric | MetricFunction | Serialized;

/** Shapes of one output's target and prediction, which decide what "accuracy" means. */
export interface MetricShapeHints {
  /** The target's shape. */
  yTrueShape: readonly number[];
  /** The prediction's shape. */
  yPredShape: readonly number[];
}

const registry = new ClassRegistry<Metric>('metric');
for (const cls of [Mean, Sum, Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
  TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy, AUC, Precision, Recall, MeanSquaredError, MeanAbsoluteError])
  registry.register(cls as unknown as SerializableClass<Metric>);

// Keras' short aliases of metric classes (case and underscores ignored).
const ALIASES: Readonly<Record<string, string>> = { mse: 'MeanSquaredError', mae: 'MeanAbsoluteError' };

// Loss functions that Keras also exports as metrics (averaged over samples).
const LOSS_FUNCTIONS: Readonly<Record<string, MetricFunction>> = {
  binarycrossentropy: (t, p) => binaryCrossentropy(t, p),
  bce: (t, p) => binaryCrossentropy(t, p),
  categoricalcrossentropy: (t, p) => categoricalCrossentropy(t, p),
  sparsecategoricalcrossentropy: (t, p) => sparseCategoricalCrossentropy(t, p),
  kldivergence: (t, p) => klDivergence(t, p),
  kld: (t, p) => klDivergence(t, p),
  poisson: (t, p) => poisson(t, p),
  hinge: (t, p) => hinge(t, p),
};

const keyOf = (name: string): string => name.replace(/_/g, '').toLowerCase();

/** Registers a custom metric class, so that get() finds it by name. */
export function registerMetric(cls: SerializableClass<Metric>, name?: string): void {
  registry.register(cls, name);
}

/** The metric names get() knows (class names, aliases, loss functions, "accuracy"/"acc"), sorted. */
export function metricNames(): string[] {
  return [...registry.known(), ...Object.keys(ALIASES), 'acc', 'binary_crossentropy', 'bce',
    'categorical_crossentropy', 'sparse_categorical_crossentropy', 'kl_divergence', 'kld', 'poisson', 'hinge']
    .sort();
}

/** Keras' choice for "accuracy": binary for one output unit, sparse for integer labels, else categorical. */
function accuracyFor(name: string, hints: MetricShapeHints | undefined): Metric {
  if (!hints) return new Accuracy({ name });
  const { yTrueShape: t, yPredShape: p } = hints;
  const isBinary = p[p.length - 1] === 1;
  const isSparse = t.length < p.length || (t[t.length - 1] === 1 && !isBinary);
  if (isBinary) return new BinaryAccuracy({ name });
  return isSparse ? new SparseCategoricalAccuracy({ name }) : new CategoricalAccuracy({ name });
}

/**
 * The metric for an identifier. A string gives a new metric named by that string: "accuracy" and "acc" pick
 * binary, sparse categorical or categorical accuracy from `hints` (plain Accuracy without hints); other names are
 * looked up as class names (any case, snake_case or camelCase), Keras aliases ("mse", "mae") or loss functions.
 * A function is wrapped in a MeanMetricWrapper; a Metric is returned as it is.
 */
export function get(id: MetricIdentifier, hints?: MetricShapeHints): Metric {
  if (id instanceof Metric) return id;
  if (typeof id === 'function') return new MeanMetricWrapper(id);
  if (typeof id === 'string') {
    const key = keyOf(id);
    if (key === 'accuracy' || key === 'acc') return accuracyFor(id, hints);
    if (Object.hasOwn(LOSS_FUNCTIONS, key)) return new MeanMetricWrapper(LOSS_FUNCTIONS[key], { name: id });
    const alias = Object.hasOwn(ALIASES, key) ? ALIASES[key] : undefined;
    let cls: SerializableClass<Metric>;
    try {
      cls = registry.lookup(alias ?? id, 'metrics.get');
    } catch {
      throw new ValueError(`metrics.get: unknown metric "${id}"; known metrics: ${metricNames().join(', ')}`);
    }
    return cls.fromConfig({ name: id });
  }
  if (isSerialized(id)) return registry.deserialize(id, 'metrics.get');
  throw new ValueError(`metrics.get: expected a metric name, a Metric, a function or {className, config}, ` +
    `got ${JSON.stringify(id)}`);
}

/** {className, config} of a metric whose class is registered. */
export function serialize(metric: Metric): Serialized {
  return registry.serialize(metric, 'metrics.serialize');
}
