// Confusion-matrix metrics (keras/src/metrics/confusion_metrics.py): Precision, Recall and AUC accumulate weighted
// true/false positive/negative counts per threshold, where a prediction is positive when it is > the threshold.
import { ValueError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import type { Variable } from '../core/variable.js';
import type { Config } from '../engine/registry.js';
import { tensor } from '../ops/creation.js';
import { toTensor } from '../ops/dispatch.js';
import { add, div, greater, logicalAnd, maximum, minimum, mul, notEqual, sub } from '../ops/prims/binary.js';
import { cast } from '../ops/prims/cast.js';
import { broadcastTo, expandDims, reshape } from '../ops/prims/movement.js';
import { sum } from '../ops/prims/reduce.js';
import { slice } from '../ops/prims/slice.js';
import { log, logicalNot, sigmoid } from '../ops/prims/unary.js';
import { select } from '../ops/prims/select.js';
import { divideNoNan, squeezeOrExpandToSameRank } from '../losses/loss.js';
import { Metric, required, type MetricArg, type MetricOptions } from './metric.js';

/** keras.backend.epsilon(). */
const EPSILON = 1e-7;

/** The confusion counts a metric keeps, one entry per threshold. */
interface ConfusionVariables {
  tp?: Variable;
  fp?: Variable;
  tn?: Variable;
  fn?: Variable;
}

/** Checks thresholds: a number or a list of numbers in [0, 1]. */
function parseThresholds(cls: string, thresholds: number | readonly number[] | null | undefined): number[] {
  if (thresholds === null || thresholds === undefined) return [0.5];
  const list = typeof thresholds === 'number' ? [thresholds] : [...thresholds];
  const bad = list.filter((t) => typeof t !== 'number' || !(t >= 0 && t <= 1));
  if (list.length === 0 || bad.length > 0)
    throw new ValueError(`${cls}: thresholds must be numbers in [0, 1], got ${JSON.stringify(thresholds)}`);
  return list;
}

/**
 * Keras `update_confusion_matrix_variables`: compares every prediction with every threshold (a [T, N] comparison)
 * and adds the weighted counts. Labels are true where nonzero; sample weights broadcast against the predictions.
 */
function updateConfusion(owner: string, vars: ConfusionVariables, yTrue: MetricArg, yPred: MetricArg,
                         thresholds: readonly number[], sampleWeight: MetricArg, classId: number | null): void {
  const dtype = 'float32';
  let p = cast(toTensor(required(owner, 'yPred', yPred)), dtype);
  let t = cast(toTensor(required(owner, 'yTrue', yTrue)), dtype);
  [p, t] = squeezeOrExpandToSameRank(p, t);
  let w: Tensor | null = null;
  if (sampleWeight !== null && sampleWeight !== undefined) {
    w = expandDims(cast(toTensor(sampleWeight, dtype), dtype), -1);
    [, w] = squeezeOrExpandToSameRank(t, w, false);
  }
  if (classId !== null) {
    if (p.rank < 2 || classId >= p.shape[p.rank - 1])
      throw new ValueError(`${owner}: classId ${classId} needs yPred of shape [samples, classes > ${classId}], ` +
        `got shape [${p.shape.join(', ')}]`);
    const pick = (x: Tensor): Tensor =>
      slice(x, x.shape.map((_, i) => (i === x.rank - 1 ? classId : 0)), x.shape.map((d, i) => (i === x.rank - 1 ? 1 : d)));
    [p, t] = [pick(p), pick(t)];
  }
  const predPos = greater(reshape(p, [1, -1]), tensor(thresholds as number[], [thresholds.length, 1], dtype));
  const labelPos = notEqual(reshape(t, [1, -1]), 0);
  const weights = w ? reshape(broadcastTo(w, p.shape), [1, -1]) : null;
  const count = (label: Tensor, pred: Tensor): Tensor => {
    const hits = cast(logicalAnd(label, pred), dtype);
    return sum(weights ? mul(hits, weights) : hits, 1);
  };
  if (vars.tp) vars.tp.assignAdd(count(labelPos, predPos));
  if (vars.fp) vars.fp.assignAdd(count(logicalNot(labelPos), predPos));
  if (vars.tn) vars.tn.assignAdd(count(logicalNot(labelPos), logicalNot(predPos)));
  if (vars.fn) vars.fn.assignAdd(count(labelPos, logicalNot(predPos)));
}

/** Options of Precision and Recall. */
export interface PrecisionRecallOptions extends MetricOptions {
  /** One threshold or a list (default 0.5); with a list, result() has one value per threshold. */
  thresholds?: number | number[] | null;
  /** Only this class (last axis of yPred) counts (default null: all entries). */
  classId?: number | null;
}

/** Shared by Precision and Recall: the thresholds, classId and true positives. */
abstract class ThresholdMetric extends Metric {
  readonly thresholds: number[];
  readonly classId: number | null;
  readonly truePositives: Variable;
  private readonly initThresholds: number | number[] | null;

  constructor({ thresholds = null, classId = null, ...options }: PrecisionRecallOptions, cls: string) {
    super(options);
    this.thresholds = parseThresholds(cls, thresholds);
    this.initThresholds = thresholds;
    if (classId !== null && !(Number.isInteger(classId) && classId >= 0))
      throw new ValueError(`${cls}: classId must be a non-negative integer, got ${classId}`);
    this.classId = classId;
    this.truePositives = this.addVariable([this.thresholds.length], 'true_positives');
  }

  /** tp / (tp + other) per threshold; a scalar for a single threshold. */
  protected ratio(other: Variable): Tensor {
    const tp = toTensor(this.truePositives);
    const r = divideNoNan(tp, add(tp, toTensor(other)));
    return this.thresholds.length === 1 ? reshape(r, []) : r;
  }

  override getConfig(): Config {
    return { ...super.getConfig(), thresholds: this.initThresholds, classId: this.classId };
  }
}

/** tp / (tp + fp): how many predicted positives are positive. */
export class Precision extends ThresholdMetric {
  readonly falsePositives: Variable;
  constructor(options: PrecisionRecallOptions = {}) {
    super(options, 'Precision');
    this.falsePositives = this.addVariable([this.thresholds.length], 'false_positives');
  }
  /** Accumulates true and false positives (labels are true where nonzero). */
  updateState(yTrue: MetricArg, yPred: MetricArg, sampleWeight: MetricArg = null): void {
    updateConfusion(this.name, { tp: this.truePositives, fp: this.falsePositives }, yTrue, yPred, this.thresholds,
      sampleWeight, this.classId);
  }
  result(): Tensor {
    return this.ratio(this.falsePositives);
  }
}

/** tp / (tp + fn): how many positives are predicted positive. */
export class Recall extends ThresholdMetric {
  readonly falseNegatives: Variable;
  constructor(options: PrecisionRecallOptions = {}) {
    super(options, 'Recall');
    this.falseNegatives = this.addVariable([this.thresholds.length], 'false_negatives');
  }
  /** Accumulates true positives and false negatives (labels are true where nonzero). */
  updateState(yTrue: MetricArg, yPred: MetricArg, sampleWeight: MetricArg = null): void {
    updateConfusion(this.name, { tp: this.truePositives, fn: this.falseNegatives }, yTrue, yPred, this.thresholds,
      sampleWeight, this.classId);
  }
  result(): Tensor {
    return this.ratio(this.falseNegatives);
  }
}

/** Options of AUC. */
export interface AUCOptions extends MetricOptions {
  /** Number of evenly spaced thresholds, endpoints included (default 200, > 1). */
  numThresholds?: number;
  /** 'ROC' (default) or 'PR'. */
  curve?: 'ROC' | 'PR';
  /** Riemann sum: 'interpolation' (default), 'minoring' or 'majoring'. */
  summationMethod?: 'interpolation' | 'minoring' | 'majoring';
  /** Explicit thresholds in [0, 1] instead of numThresholds (endpoints -ε and 1+ε are added). */
  thresholds?: number[] | null;
  /** yPred holds logits (sigmoid is applied first; default false). */
  fromLogits?: boolean;
}

/** Area under the ROC or precision-recall curve, from confusion counts at fixed thresholds (Keras' AUC). */
export class AUC extends Metric {
  readonly numThresholds: number;
  readonly curve: 'ROC' | 'PR';
  readonly summationMethod: 'interpolation' | 'minoring' | 'majoring';
  readonly fromLogits: boolean;
  /** The thresholds used, endpoints included. */
  readonly thresholds: number[];
  readonly truePositives: Variable;
  readonly falsePositives: Variable;
  readonly trueNegatives: Variable;
  readonly falseNegatives: Variable;
  private readonly initThresholds: number[] | null;

  constructor({ numThresholds = 200, curve = 'ROC', summationMethod = 'interpolation', thresholds = null,
    fromLogits = false, ...options }: AUCOptions = {}) {
    super(options);
    const c = String(curve).toUpperCase();
    if (c !== 'ROC' && c !== 'PR') throw new ValueError(`AUC: curve must be "ROC" or "PR", got ${JSON.stringify(curve)}`);
    const s = String(summationMethod).toLowerCase();
    if (s !== 'interpolation' && s !== 'minoring' && s !== 'majoring')
      throw new ValueError(`AUC: summationMethod must be "interpolation", "minoring" or "majoring", ` +
        `got ${JSON.stringify(summationMethod)}`);
    let inner: number[];
    if (thresholds !== null) {
      inner = [...parseThresholds('AUC', thresholds)].sort((a, b) => a - b);
    } else {
      if (!Number.isInteger(numThresholds) || numThresholds <= 1)
        throw new ValueError(`AUC: numThresholds must be an integer > 1, got ${numThresholds}`);
      inner = Array.from({ length: numThresholds - 2 }, (_, i) => (i + 1) / (numThresholds - 1));
    }
    this.thresholds = [0 - EPSILON, ...inner, 1 + EPSILON];
    this.numThresholds = this.thresholds.length;
    this.curve = c;
    this.summationMethod = s;
    this.fromLogits = fromLogits;
    this.initThresholds = thresholds;
    const n = [this.numThresholds];
    this.truePositives = this.addVariable(n, 'true_positives');
    this.falsePositives = this.addVariable(n, 'false_positives');
    this.trueNegatives = this.addVariable(n, 'true_negatives');
    this.falseNegatives = this.addVariable(n, 'false_negatives');
  }

  /** Accumulates the confusion counts at every threshold. */
  updateState(yTrue: MetricArg, yPred: MetricArg, sampleWeight: MetricArg = null): void {
    const p = this.fromLogits ? sigmoid(toTensor(required(this.name, 'yPred', yPred))) : yPred;
    updateConfusion(this.name, { tp: this.truePositives, fp: this.falsePositives, tn: this.trueNegatives,
      fn: this.falseNegatives }, yTrue, p, this.thresholds, sampleWeight, null);
  }

  result(): Tensor {
    const [tp, fp, tn, fn] = [this.truePositives, this.falsePositives, this.trueNegatives, this.falseNegatives]
      .map((v) => toTensor(v));
    if (this.curve === 'PR' && this.summationMethod === 'interpolation') return this.interpolatePrAuc(tp, fp, fn);
    const recall = divideNoNan(tp, add(tp, fn));
    const [x, y] = this.curve === 'ROC' ? [divideNoNan(fp, add(fp, tn)), recall] : [recall, divideNoNan(tp, add(tp, fp))];
    const [y0, y1] = [this.head(y), this.tail(y)];
    const heights = this.summationMethod === 'interpolation' ? div(add(y0, y1), 2)
      : this.summationMethod === 'minoring' ? minimum(y0, y1) : maximum(y0, y1);
    return sum(mul(sub(this.head(x), this.tail(x)), heights));
  }

  /** Keras `interpolate_pr_auc` (Davis & Goadrich 2006): tp and p = tp + fp vary linearly between thresholds. */
  private interpolatePrAuc(tp: Tensor, fp: Tensor, fn: Tensor): Tensor {
    const p = add(tp, fp);
    const dtp = sub(this.head(tp), this.tail(tp));
    const [pA, pB] = [this.head(p), this.tail(p)];
    const precSlope = divideNoNan(dtp, maximum(sub(pA, pB), 0));
    const intercept = sub(this.tail(tp), mul(precSlope, pB));
    const bothPositive = logicalAnd(greater(pA, 0), greater(pB, 0));
    const safePRatio = select(bothPositive, divideNoNan(pA, maximum(pB, 0)), 1);
    const increments = divideNoNan(mul(precSlope, add(dtp, mul(intercept, log(safePRatio)))),
      maximum(add(this.tail(tp), this.tail(fn)), 0));
    return sum(increments);
  }

  private head(x: Tensor): Tensor {
    return slice(x, [0], [this.numThresholds - 1]);
  }

  private tail(x: Tensor): Tensor {
    return slice(x, [1], [this.numThresholds - 1]);
  }

  override getConfig(): Config {
    return {
      ...super.getConfig(), numThresholds: this.numThresholds, curve: this.curve,
      summationMethod: this.summationMethod, fromLogits: this.fromLogits,
      ...(this.initThresholds ? { thresholds: this.initThresholds } : {}),
    };
  }
}
