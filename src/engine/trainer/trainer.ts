// What compile() leaves on a model: the optimizer, the per-output losses and metrics, the loss tracker, and the
// train and test steps (made on first use, once per model input arity, traced once per input signature).
import { ValueError } from '../../core/errors.js';
import { Tensor } from '../../core/tensor.js';
import { tidy } from '../../core/tidy.js';
import { valueAndGrad } from '../../../compiler/autodiff/value-and-grad.js';
import { scalar } from '../../ops/creation.js';
import { add, mul } from '../../ops/prims/binary.js';
import { Mean } from '../../metrics/reduction.js';
import type { Optimizer } from '../../optimizers/optimizer.js';
import type { LayerIO } from '../layer.js';
import type { Model } from '../model.js';
import type { Logs } from '../../callbacks/callback.js';
import { checkCompileOptions, planOutputs, type CheckedCompileOptions, type CompileOptions,
  type OutputPlan } from './compile-options.js';
import { makeStepRunner, type StepRunner } from './step-runner.js';
import { sliceRows } from './data.js';

/** Named scalar results of a step, as tensors. */
export type StepLogs = Record<string, Tensor>;

/** The logs as numbers (one host read per value). */
export function logsToNumbers(logs: StepLogs): Logs {
  return Object.fromEntries(Object.entries(logs).map(([k, t]) => [k, t.dataSync()[0]]));
}

type AnyModel = Model<LayerIO, LayerIO>;

/** The output names of a model: Functional's own, else output_0, output_1, ... */
function outputNames(model: AnyModel, count: number): string[] {
  const names = (model as unknown as { outputNames?: unknown }).outputNames;
  if (Array.isArray(names) && names.length === count && names.every((n) => typeof n === 'string')) return names;
  return count === 1 ? ['output'] : Array.from({ length: count }, (_, i) => `output_${i}`);
}

const asList = (y: LayerIO): Tensor[] => (Array.isArray(y) ? y : [y]);

/** The compiled state of a model and its train / test steps. */
export class Trainer {
  /** The checked compile options. */
  readonly options: CheckedCompileOptions;
  /** The running mean of the batch losses (weighted by batch size), logged as 'loss'. */
  readonly lossTracker = new Mean({ name: 'loss' });
  private plan: OutputPlan | null = null;
  // One runner per number of model inputs (each traces once per input signature).
  private readonly trainRunners = new Map<number, StepRunner<StepLogs>>();
  private readonly testRunners = new Map<number, StepRunner<StepLogs>>();

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

  /** Σ weight · loss over the outputs with a loss, plus the model's added losses (0 when there are none). */
  private totalLoss(plan: OutputPlan, ys: readonly Tensor[], preds: readonly Tensor[], required: boolean): Tensor {
    const terms: Tensor[] = [];
    plan.losses.forEach((loss, i) => {
      if (loss) terms.push(plan.weights[i] === 1 ? loss.apply(ys[i], preds[i]) : mul(loss.apply(ys[i], preds[i]), plan.weights[i]));
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
                        batchSize: number): StepLogs {
    this.lossTracker.updateState(loss, batchSize);
    for (const m of plan.metrics) m.metric.updateState(ys[m.output], preds[m.output]);
    const logs: StepLogs = { loss: this.lossTracker.result() };
    for (const m of plan.metrics) logs[m.name] = m.metric.result();
    for (const m of this.model.metrics) if (!(m.name in logs)) logs[m.name] = m.result();
    return logs;
  }

  private forward(xs: readonly Tensor[], training: boolean): Tensor[] {
    return asList(this.model.apply(this.packInputs(xs), { training }));
  }

  /** One training step on a batch: forward, loss, gradients, optimizer update, metric updates; returns the logs. */
  trainStep(xs: readonly Tensor[], ys: readonly Tensor[]): StepLogs {
    let runner = this.trainRunners.get(xs.length);
    if (!runner) {
      const nx = xs.length;
      const weights = this.model.trainableWeights;
      const step = (...args: Tensor[]): StepLogs => {
        const [bx, by] = [args.slice(0, nx), args.slice(nx)];
        let preds: Tensor[] = [];
        const { value, grads } = valueAndGrad(() => {
          preds = this.forward(bx, true);
          return this.totalLoss(this.ensurePlan(by, preds), by, preds, true);
        }, weights);
        if (weights.length > 0) this.optimizer.applyGradients(grads.map((g, i) => [g, weights[i]] as const));
        return this.updateMetrics(this.plan!, value, by, preds, bx[0].shape[0]);
      };
      runner = makeStepRunner('train_step', step, this.options.runEagerly, this.options.jitCompile);
      this.trainRunners.set(nx, runner);
    }
    return runner([...xs, ...ys]);
  }

  /** One test step on a batch: forward (training=false), loss, metric updates; returns the logs. */
  testStep(xs: readonly Tensor[], ys: readonly Tensor[]): StepLogs {
    let runner = this.testRunners.get(xs.length);
    if (!runner) {
      const nx = xs.length;
      const step = (...args: Tensor[]): StepLogs => {
        const [bx, by] = [args.slice(0, nx), args.slice(nx)];
        const preds = this.forward(bx, false);
        const plan = this.ensurePlan(by, preds);
        return this.updateMetrics(plan, this.totalLoss(plan, by, preds, false), by, preds, bx[0].shape[0]);
      };
      runner = makeStepRunner('test_step', step, this.options.runEagerly, this.options.jitCompile);
      this.testRunners.set(nx, runner);
    }
    return runner([...xs, ...ys]);
  }

}
