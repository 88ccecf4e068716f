// What compile() leaves on a model: the optimizer, the per-output losses and metrics, the loss tracker, and the
// train and test steps (made on first use, once per count of inputs, targets and sample weights; traced once per
// input signature). Sample weights reach the losses and the weightedMetrics; sequence masks reach the losses
// through the predictions (Loss.apply merges them into the weights).
import { ValueError } from '../../core/errors.js';
import { Tensor } from '../../core/tensor.js';
import { tidy } from '../../core/tidy.js';
import { valueAndGrad } from '../../../compiler/autodiff/value-and-grad.js';
import { scalar } from '../../ops/creation.js';
import { add, mul } from '../../ops/prims/binary.js';
import { Mean } from '../../metrics/reduction.js';
import type { Optimizer } from '../../optimizers/optimizer.js';
import { flattenOutputs, type LayerIO, type LayerOutput } from '../layer.js';
import type { Model } from '../model.js';
import type { Logs } from '../../callbacks/callback.js';
import { checkCompileOptions, planOutputs, type CheckedCompileOptions, type CompileOptions,
  type OutputPlan } from './compile-options.js';
import { makeStepRunner, type StepFn, type StepRunner } from './step-runner.js';
import { makeMultiStepRunner, type MultiStepRunner } from './multi-step.js';
import { sliceRows } from './data.js';
import type { Batch } from './batches.js';

/** Named scalar results of a step, as tensors. */
export type StepLogs = Record<string, Tensor>;

/** The logs as numbers (one host read per value). */
export function logsToNumbers(logs: StepLogs): Logs {
  return Object.fromEntries(Object.entries(logs).map(([k, t]) => [k, t.dataSync()[0]]));
}

type AnyModel = Model<LayerIO, LayerIO>;

// A step's runner for one batch, and for K batches at once (stepsPerExecution).
interface Runners {
  readonly single: StepRunner<StepLogs>;
  readonly multi: MultiStepRunner<StepLogs>;
}

/** The output names of a model: Functional's own, else output_0, output_1, ... */
function outputNames(model: AnyModel, count: number): string[] {
  const names = (model as unknown as { outputNames?: unknown }).outputNames;
  if (Array.isArray(names) && names.length === count && names.every((n) => typeof n === 'string')) return names;
  return count === 1 ? ['output'] : Array.from({ length: count }, (_, i) => `output_${i}`);
}

// A record of outputs (functional models with dict outputs) comes in outputNames order.
const asList = (y: LayerOutput): Tensor[] => flattenOutputs(y);

/** The compiled state of a model and its train / test steps. */
export class Trainer {
  /** The checked compile options. */
  readonly options: CheckedCompileOptions;
  /** The running mean of the batch losses (weighted by batch size), logged as 'loss'. */
  readonly lossTracker = new Mean({ name: 'loss' });
  private plan: OutputPlan | null = null;
  // One runner per count of inputs, targets and sample weights (each traces once per input signature).
  private readonly trainRunners = new Map<string, Runners>();
  private readonly testRunners = new Map<string, Runners>();

  constructor(private readonly model: AnyModel, options: CompileOptions) {
    this.options = checkCompileOptions(`${model.constructor.name} "${model.name}"`, options);
  }

  private get owner(): string {
    return `${this.model.constructor.name} "${this.model.name}"`;
  }

  /** The optimizer. */
  get optimizer(): Optimizer {
    return this.options.optimizer;
  }

  /** The stateful metrics behind the logs: the loss tracker, the compile metrics (after the first step), addMetric ones. */
  get metrics(): { name: string; reset: () => void }[] {
    return [
      { name: 'loss', reset: () => this.lossTracker.resetState() },
      ...(this.plan?.metrics ?? []).map((m) => ({ name: m.name, reset: () => m.metric.resetState() })),
      ...this.model.metrics.map((m) => ({ name: m.name, reset: () => m.resetState() })),
    ];
  }

  /** Clears every metric's state (at each epoch and evaluate start). */
  resetMetrics(): void {
    for (const m of this.metrics) m.reset();
  }

  /** Builds the model from one sample if it has not been called yet, so that its weights exist before tracing. */
  ensureBuilt(xs: readonly Tensor[]): void {
    if (this.model.built) return;
    if (xs.length === 0 || xs[0].shape[0] === 0) return;
    tidy(() => {
      this.model.apply(this.packInputs(sliceRows(xs, 0, 1)), { training: false });
    });
  }

  private packInputs(xs: readonly Tensor[]): LayerIO {
    return xs.length === 1 ? xs[0] : [...xs];
  }

  private ensurePlan(ys: readonly Tensor[], preds: readonly Tensor[]): OutputPlan {
    if (this.plan) return this.plan;
    const names = outputNames(this.model, preds.length);
    if (ys.length > 0 && ys.length !== preds.length)
      throw new ValueError(`${this.owner}: got ${ys.length} target arrays for ${preds.length} model outputs ` +
        `(${names.join(', ')})`);
    const shapes = preds.map((p, i) => ({ yTrueShape: ys[i]?.shape ?? p.shape, yPredShape: p.shape }));
    const plan = planOutputs(this.owner, this.options, names, shapes);
    if (ys.length === 0 && (plan.losses.some((l) => l) || plan.metrics.length > 0))
      throw new ValueError(`${this.owner}: compile() was given a loss or metrics, but no targets (y) were passed`);
    this.plan = plan;
    return plan;
  }

  /** The sample weight of output `i`: none, the one given for every output, or its own. */
  private weightOf(sws: readonly Tensor[], i: number): Tensor | null {
    return sws.length === 0 ? null : sws.length === 1 ? sws[0] : sws[i];
  }

  /** Σ weight · loss over the outputs with a loss, plus the model's added losses (0 when there are none). */
  private totalLoss(plan: OutputPlan, ys: readonly Tensor[], preds: readonly Tensor[], sws: readonly Tensor[],
                    required: boolean): Tensor {
    if (sws.length > 1 && sws.length !== preds.length)
      throw new ValueError(`${this.owner}: got ${sws.length} sample weight arrays for ${preds.length} model outputs`);
    const terms: Tensor[] = [];
    plan.losses.forEach((loss, i) => {
      if (!loss) return;
      const value = loss.apply(ys[i], preds[i], this.weightOf(sws, i));
      terms.push(plan.weights[i] === 1 ? value : mul(value, plan.weights[i]));
    });
    terms.push(...this.model.losses);
    if (terms.length === 0) {
      if (required)
        throw new ValueError(`${this.owner}: no loss to optimize; pass a loss to compile() or add losses with addLoss()`);
      return scalar(0, 'float32');
    }
    return terms.reduce((a, b) => add(a, b));
  }

  private updateMetrics(plan: OutputPlan, loss: Tensor, ys: readonly Tensor[], preds: readonly Tensor[],
                        sws: readonly Tensor[], batchSize: number): StepLogs {
    this.lossTracker.updateState(loss, batchSize);
    for (const m of plan.metrics)
      m.metric.updateState(ys[m.output], preds[m.output], m.weighted ? this.weightOf(sws, m.output) : null);
    const logs: StepLogs = { loss: this.lossTracker.result() };
    for (const m of plan.metrics) logs[m.name] = m.metric.result();
    for (const m of this.model.metrics) if (!(m.name in logs)) logs[m.name] = m.result();
    return logs;
  }

  private forward(xs: readonly Tensor[], training: boolean): Tensor[] {
    return asList(this.model.apply(this.packInputs(xs), { training }));
  }

  // The step's arguments: inputs, targets, sample weights, in one flat list (what jit traces over).
  private static args(b: Batch): Tensor[] {
    return [...b.xs, ...b.ys, ...b.sws];
  }

  private static key(b: Batch): string {
    return `${b.xs.length},${b.ys.length},${b.sws.length}`;
  }

  // One training step over the flat arguments of a batch with `nx` inputs and `ny` targets.
  private trainStepFn(nx: number, ny: number): StepFn<StepLogs> {
    const weights = this.model.trainableWeights;
    return (...args: Tensor[]): StepLogs => {
      const [bx, by, bw] = [args.slice(0, nx), args.slice(nx, nx + ny), args.slice(nx + ny)];
      let preds: Tensor[] = [];
      const { value, grads } = valueAndGrad(() => {
        preds = this.forward(bx, true);
        return this.totalLoss(this.ensurePlan(by, preds), by, preds, bw, true);
      }, weights);
      if (weights.length > 0) this.optimizer.applyGradients(grads.map((g, i) => [g, weights[i]] as const));
      return this.updateMetrics(this.plan!, value, by, preds, bw, bx[0].shape[0]);
    };
  }

  // One test step over the flat arguments of a batch with `nx` inputs and `ny` targets.
  private testStepFn(nx: number, ny: number): StepFn<StepLogs> {
    return (...args: Tensor[]): StepLogs => {
      const [bx, by, bw] = [args.slice(0, nx), args.slice(nx, nx + ny), args.slice(nx + ny)];
      const preds = this.forward(bx, false);
      const plan = this.ensurePlan(by, preds);
      return this.updateMetrics(plan, this.totalLoss(plan, by, preds, bw, false), by, preds, bw, bx[0].shape[0]);
    };
  }

  private runner(kind: 'train' | 'test', b: Batch): Runners {
    const runners = kind === 'train' ? this.trainRunners : this.testRunners;
    const key = Trainer.key(b);
    let runner = runners.get(key);
    if (!runner) {
      const fn = (kind === 'train' ? this.trainStepFn : this.testStepFn).call(this, b.xs.length, b.ys.length);
      const { runEagerly, jitCompile } = this.options;
      const single = makeStepRunner(`${kind}_step`, fn, runEagerly, jitCompile);
      runner = { single, multi: makeMultiStepRunner(`${kind}_step`, fn, single, jitCompile && !runEagerly) };
      runners.set(key, runner);
    }
    return runner;
  }

  // Steps on several batches: stacked into one native call when they share a signature, else one by one.
  private steps(kind: 'train' | 'test', batches: readonly Batch[]): StepLogs {
    const key = Trainer.key(batches[0]);
    if (batches.length === 1 || batches.some((b) => Trainer.key(b) !== key)) {
      let logs: StepLogs = {};
      for (const b of batches) logs = this.runner(kind, b).single(Trainer.args(b));
      return logs;
    }
    return this.runner(kind, batches[0]).multi(batches.map(Trainer.args));
  }

  /** One training step on a batch: forward, loss, gradients, optimizer update, metric updates; returns the logs. */
  trainStep(batch: Batch): StepLogs {
    return this.steps('train', [batch]);
  }

  /** Training steps on several batches (stacked into one native call when they can be); the last step's logs. */
  trainSteps(batches: readonly Batch[]): StepLogs {
    return this.steps('train', batches);
  }

  /** One test step on a batch: forward (training=false), loss, metric updates; returns the logs. */
  testStep(batch: Batch): StepLogs {
    return this.steps('test', [batch]);
  }

  /** Test steps on several batches (stacked into one native call when they can be); the last step's logs. */
  testSteps(batches: readonly Batch[]): StepLogs {
    return this.steps('test', batches);
  }
}
