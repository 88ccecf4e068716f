// Bidirectional (Keras 3): runs a recurrent layer forwards and a copy of it backwards over the same sequence and
// merges their outputs (concat, sum, mul, ave, or null: both as a list). The backward output sequence is flipped
// back into time order before merging.
import { ValueError } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import { add, mul } from '../ops/prims/binary.js';
import { concat, reverse } from '../ops/prims/shape-ops.js';
import { assertInputCompatibility, type Shape } from '../engine/input-spec.js';
import { Layer, type AnyLayer, type CallArgs, type LayerIO, type LayerOptions, type Mask } from '../engine/layer.js';
import {
  deserializeLayer, isSerialized, registerLayer, serializeLayer, type Config, type Serialized,
} from '../engine/registry.js';
import { BaseRNN, type RecurrentApplyOptions } from './rnn-common.js';

/** How the forward and backward outputs are combined; null returns both. */
export type MergeMode = 'concat' | 'sum' | 'mul' | 'ave' | null;

const MERGE_MODES: readonly MergeMode[] = ['concat', 'sum', 'mul', 'ave', null];

/** Options of Bidirectional. */
export interface BidirectionalOptions extends LayerOptions {
  /** Default 'concat' (along the last axis). */
  mergeMode?: MergeMode;
  /** The layer run backwards (default: a copy of `layer` with goBackwards flipped). */
  backwardLayer?: BaseRNN<boolean> | null;
}

// A fresh layer from `layer`'s config with some fields replaced (Keras recreates the wrapped layers this way, so
// they share no state with the layer passed in).
function recreate(layer: BaseRNN<boolean>, patch: Config): BaseRNN<boolean> {
  const s = serializeLayer(layer);
  return deserializeLayer({ className: s.className, config: { ...s.config, ...patch } }) as BaseRNN<boolean>;
}

const withPrefix = (prefix: string, name: string): string => prefix + (name.startsWith(prefix) ? name.slice(prefix.length) : name);

/**
 * Bidirectional wrapper for recurrent layers. The output is one tensor unless mergeMode is null or the wrapped
 * layer returns its states: then [output(s)..., forward states..., backward states...].
 */
export class Bidirectional<Out extends LayerIO = Tensor> extends Layer<Tensor | Tensor[], Out> {
  readonly forwardLayer: BaseRNN<boolean>;
  readonly backwardLayer: BaseRNN<boolean>;
  readonly mergeMode: MergeMode;
  readonly returnSequences: boolean;
  readonly returnState: boolean;

  constructor(layer: BaseRNN<boolean>, options: BidirectionalOptions = {}) {
    super(options);
    const { mergeMode = 'concat', backwardLayer = null } = options;
    if (!(layer instanceof BaseRNN))
      throw new ValueError(`${this.label}: expected a recurrent layer (SimpleRNN, LSTM, GRU), got ${String(layer)}`);
    if (!MERGE_MODES.includes(mergeMode))
      throw new ValueError(`${this.label}: mergeMode must be one of "concat", "sum", "mul", "ave" or null, got ` +
        `${JSON.stringify(mergeMode)}`);
    this.forwardLayer = recreate(layer, { name: withPrefix('forward_', layer.name) });
    this.backwardLayer = backwardLayer
      ?? recreate(layer, { name: withPrefix('backward_', layer.name), goBackwards: !layer.goBackwards });
    const f = this.forwardLayer, b = this.backwardLayer;
    if (f.goBackwards === b.goBackwards)
      throw new ValueError(`${this.label}: the forward and backward layers must have different goBackwards values, ` +
        `got ${f.goBackwards} for both`);
    for (const key of ['returnSequences', 'returnState'] as const)
      if (f[key] !== b[key])
        throw new ValueError(`${this.label}: the forward and backward layers must have the same ${key}, got ` +
          `${f[key]} and ${b[key]}`);
    // As Keras: with returned sequences, masked steps output zeros in both directions.
    f.zeroOutputForMask = f.returnSequences;
    b.zeroOutputForMask = b.returnSequences;
    this.mergeMode = mergeMode;
    this.returnSequences = f.returnSequences;
    this.returnState = f.returnState;
    this.inputSpec = layer.inputSpec;
    this.supportsMasking = true;
  }

  /**
   * Runs both directions; `initialState` (or states after the sequence in a list input) holds the forward
   * layer's initial states, then the backward layer's, as in Keras.
   */
  override apply(inputs: Tensor | Tensor[], options: RecurrentApplyOptions = {}): Out {
    const { initialState, ...rest } = options;
    const given = initialState === undefined ? [] : initialState instanceof Tensor ? [initialState] : initialState;
    const list = [...(Array.isArray(inputs) ? inputs : [inputs]), ...given];
    return super.apply(list.length === 1 ? list[0] : list, rest);
  }

  // The sequence is checked against inputSpec; each wrapped layer checks its own initial states.
  protected override checkInputs(inputs: readonly Tensor[]): void {
    assertInputCompatibility(this.label, this.inputSpec, inputs.slice(0, 1));
    const want = this.forwardLayer.stateCount + this.backwardLayer.stateCount;
    if (inputs.length > 1 && inputs.length - 1 !== want)
      throw new ValueError(`${this.label}: expected ${want} initial states (forward then backward), got ` +
        `${inputs.length - 1}`);
  }

  /** Resets the kept states of both (stateful) wrapped layers. */
  resetStates(): void {
    this.forwardLayer.resetStates();
    this.backwardLayer.resetStates();
  }

  override build(shapes: Shape | Shape[]): void {
    const inputShape = (Array.isArray(shapes[0]) ? shapes[0] : shapes) as Shape;
    for (const l of [this.forwardLayer, this.backwardLayer])
      if (!l.built) {
        l.build(inputShape);
        l.built = true;
      }
  }

  override call(sequenceAndStates: Tensor | Tensor[], { training, mask }: CallArgs): Out {
    const [inputs, ...initial] = Array.isArray(sequenceAndStates) ? sequenceAndStates : [sequenceAndStates];
    const m = Array.isArray(mask) ? mask[0] ?? null : mask;
    const nf = this.forwardLayer.stateCount;
    const fw = this.forwardLayer.apply(inputs,
      { training, mask: m, initialState: initial.length > 0 ? initial.slice(0, nf) : undefined });
    const bw = this.backwardLayer.apply(inputs,
      { training, mask: m, initialState: initial.length > 0 ? initial.slice(nf) : undefined });
    const [y, ...fStates] = Array.isArray(fw) ? fw : [fw];
    const [yb, ...bStates] = Array.isArray(bw) ? bw : [bw];
    const yRev = this.returnSequences ? reverse(yb, 1) : yb;
    const states = [...fStates, ...bStates];
    let outs: Tensor[];
    switch (this.mergeMode) {
      case 'concat': outs = [concat([y, yRev], -1)]; break;
      case 'sum': outs = [add(y, yRev)]; break;
      case 'ave': outs = [mul(add(y, yRev), 0.5)]; break;
      case 'mul': outs = [mul(y, yRev)]; break;
      default: outs = [y, yRev];
    }
    const all = [...outs, ...states];
    return (all.length === 1 ? all[0] : all) as Out;
  }

  /** The input mask for each returned sequence; none for last outputs and states. */
  override computeMask(_inputs: Tensor | Tensor[], mask: Mask): Mask {
    const m = Array.isArray(mask) ? mask[0] ?? null : mask;
    const outputMask = this.returnSequences ? m : null;
    const masks: (Tensor | null)[] = this.mergeMode === null ? [outputMask, outputMask] : [outputMask];
    if (this.returnState)
      masks.push(...new Array<null>(this.forwardLayer.stateCount + this.backwardLayer.stateCount).fill(null));
    return masks.length === 1 ? masks[0] : masks;
  }

  override getConfig(): Config {
    return {
      ...super.getConfig(),
      mergeMode: this.mergeMode,
      layer: serializeLayer(this.forwardLayer),
      backwardLayer: serializeLayer(this.backwardLayer),
    };
  }

  /** A new Bidirectional from getConfig()'s output: the wrapped layers are deserialized. */
  static override fromConfig<T extends AnyLayer>(this: new (config: never) => T, config: Config): T {
    const { layer, backwardLayer, ...rest } = config;
    if (!isSerialized(layer))
      throw new ValueError(`Bidirectional.fromConfig: expected config.layer as {className, config}, got ${JSON.stringify(layer)}`);
    const backward = isSerialized(backwardLayer) ? deserializeLayer(backwardLayer as Serialized) as BaseRNN<boolean> : null;
    return new Bidirectional(deserializeLayer(layer) as BaseRNN<boolean>,
      { ...(rest as BidirectionalOptions), backwardLayer: backward }) as AnyLayer as T;
  }
}

registerLayer(Bidirectional);
