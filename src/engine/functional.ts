// Functional models (Keras `Functional`): the graph of layer calls recorded from symbolic inputs to symbolic
// outputs, sorted topologically once; calling the model walks the nodes in that order on concrete (or traced)
// tensors, passing masks along. Multi-input/output (lists or dicts keyed by name), shared layers (one layer, several
// nodes) and nested models (a model is a layer) come from the same node bookkeeping.
import { ShapeError, ValueError } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import { InputLayer, inputLayerOf } from './input.js';
import { flattenOutputs, type AnyLayer, type ApplyOptions, type CallArgs, type LayerIO, type LayerOutput, type Mask } from './layer.js';
import { getMask } from './mask.js';
import { Model, tupleOf } from './model.js';
import { isKerasTensor, kerasHistory, kerasShape, nodeOutputs, type Node } from './node.js';
import { deserializeLayer, registerLayer, serializeLayer, type Config, type ConfigValue } from './registry.js';
import type { SummaryRow } from './summary.js';

/** Tensors as a model takes or gives them: one, a list, or a record keyed by name. */
export type TensorStructure = Tensor | Tensor[] | Record<string, Tensor>;

/** Arguments of kiln.model(). */
export interface FunctionalArgs {
  /** Symbolic inputs from kiln.input(): one, a list, or a record keyed by name. */
  inputs: TensorStructure;
  /** Symbolic outputs of layers applied to the inputs: one, a list, or a record keyed by name. */
  outputs: TensorStructure;
  /** Model name (default functional, functional_1, ...). */
  name?: string;
  /** Whether the model's weights are trained (default true). */
  trainable?: boolean;
}

/** A reference to a symbolic tensor in a config: [layer name, node index in the model, tensor index]. */
type TensorRef = [string, number, number];

type RefStructure = TensorRef | TensorRef[] | { [key: string]: TensorRef };

function flatStructure(label: string, what: string, s: TensorStructure): { tensors: Tensor[]; keys: string[] | null } {
  const tensors = s instanceof Tensor ? [s] : Array.isArray(s) ? s : s !== null && typeof s === 'object' ?
    Object.values(s) : null;
  if (!tensors || tensors.length === 0 || !tensors.every(isKerasTensor))
    throw new ValueError(`${label}: ${what} must be symbolic tensors (from kiln.input() and layers applied to ` +
      `them): one, a list or a record, got ${s instanceof Tensor ? s.toString() : JSON.stringify(s)}`);
  return { tensors, keys: s instanceof Tensor || Array.isArray(s) ? null : Object.keys(s) };
}

/**
 * A model defined by the graph of layer calls from its inputs to its outputs (Keras `Functional`). It gives its
 * outputs as they were given: one tensor, a list, or a record keyed by outputNames (Keras 3 dict outputs).
 */
export class Functional extends Model<LayerIO, LayerOutput> {
  /** The symbolic inputs, in order. */
  readonly inputs: Tensor[];
  /** The symbolic outputs, in order. */
  readonly outputs: Tensor[];
  /** Input names: the record's keys, else the input layers' names (dict inputs are keyed by them). */
  readonly inputNames: string[];
  /** Output names: the record's keys, else the names of the layers that produce them (outputs come in this order). */
  readonly outputNames: string[];
  // The layers of the graph, input layers first: a plain property, so weights are tracked through it.
  protected readonly graphLayers: AnyLayer[];
  readonly #singleInput: boolean;
  readonly #singleOutput: boolean;
  readonly #inputKeys: string[] | null;
  readonly #outputKeys: string[] | null;
  /** The nodes to run, in topological order (input layers' nodes left out). */
  readonly #nodes: Node[];

  constructor(args: FunctionalArgs) {
    super({ name: args.name });
    const ins = flatStructure(this.label, 'inputs', args.inputs);
    const outs = flatStructure(this.label, 'outputs', args.outputs);
    this.inputs = ins.tensors;
    this.outputs = outs.tensors;
    this.#inputKeys = ins.keys;
    this.#outputKeys = outs.keys;
    this.#singleInput = args.inputs instanceof Tensor;
    this.#singleOutput = args.outputs instanceof Tensor;
    this.inputs.forEach((t, i) => {
      if (!inputLayerOf(t))
        throw new ValueError(`${this.label}: input ${i} must come from kiln.input(), got the ` +
          `${kerasHistory(t).describe()}`);
      if (this.inputs.indexOf(t) !== i) throw new ValueError(`${this.label}: input ${i} is given twice`);
    });
    this.#nodes = this.sortNodes();
    const layers: AnyLayer[] = [];
    for (const l of [...this.inputs.map((t) => kerasHistory(t).layer), ...this.#nodes.map((n) => n.layer)])
      if (!layers.includes(l)) layers.push(l);
    const names = new Set<string>();
    for (const l of layers) {
      if (names.has(l.name))
        throw new ValueError(`${this.label}: the name "${l.name}" is used by 2 layers; layer names must be unique`);
      names.add(l.name);
    }
    this.graphLayers = layers;
    this.inputNames = this.#inputKeys ?? this.inputs.map((t) => kerasHistory(t).layer.name);
    this.outputNames = this.#outputKeys ?? this.outputs.map((t) => kerasHistory(t).layer.name);
    this.supportsMasking = true;
    this.built = true;
    // Through the setter, so that every layer inside is frozen too.
    if (args.trainable === false) this.trainable = false;
  }

  // Depth-first from the outputs back to the inputs; a node comes after the nodes it depends on.
  private sortNodes(): Node[] {
    const order: Node[] = [];
    const done = new Set<Node>();
    const visit = (t: Tensor, user: string): void => {
      if (this.inputs.includes(t)) return;
      const node = kerasHistory(t).node;
      if (node.layer instanceof InputLayer)
        throw new ValueError(`${this.label}: graph disconnected: ${user} needs input "${node.layer.name}" ` +
          `${tupleOf(kerasShape(t))}, which is not among the model's inputs ` +
          `(${this.inputs.map((x) => kerasHistory(x).layer.name).join(', ')})`);
      if (done.has(node)) return;
      done.add(node);
      for (const x of node.inputs) visit(x, `layer "${node.layer.name}"`);
      order.push(node);
    };
    this.outputs.forEach((t, i) => visit(t, `output ${i}`));
    return order;
  }

  /** The layers of the graph: input layers first, then in the order they run. */
  override get layers(): AnyLayer[] {
    return [...this.graphLayers];
  }

  /** Calls the model; inputs may also be a record keyed by inputNames. Record outputs come as a record. */
  override apply(inputs: LayerIO | Record<string, Tensor>, options: ApplyOptions = {}): LayerOutput {
    if (inputs instanceof Tensor || Array.isArray(inputs)) return super.apply(inputs, options);
    if (inputs === null || typeof inputs !== 'object')
      throw new ValueError(`${this.label}: inputs must be tensors, got ${inputs === null ? 'null' : typeof inputs}`);
    const list = this.inputNames.map((name) => {
      const t = inputs[name];
      if (t === undefined)
        throw new ValueError(`${this.label}: missing input "${name}"; got keys ${Object.keys(inputs).join(', ')}`);
      return t;
    });
    return super.apply(this.#singleInput ? list[0] : list, options);
  }

  override call(inputs: LayerIO, { training, mask }: CallArgs): LayerOutput {
    const xs = Array.isArray(inputs) ? inputs : [inputs];
    if (xs.length !== this.inputs.length)
      throw new ValueError(`${this.label}: expects ${this.inputs.length} input(s), got ${xs.length}`);
    const masks = Array.isArray(mask) ? mask : [mask];
    const values = new Map<Tensor, Tensor>();
    const maskOf = new Map<Tensor, Tensor | null>();
    this.inputs.forEach((k, i) => {
      const x = xs[i], want = kerasShape(k);
      if (x.rank !== want.length || want.some((d, a) => d !== null && d !== x.shape[a]))
        throw new ShapeError(`${this.label}: input "${this.inputNames[i]}" expects shape ${tupleOf(want)}, got ` +
          `${tupleOf(x.shape)}`);
      values.set(k, x);
      maskOf.set(k, masks[i] ?? null);
    });
    for (const node of this.#nodes) {
      const ins = node.inputs.map((k) => values.get(k)!);
      const ms = node.inputs.map((k) => maskOf.get(k) ?? null);
      const out = node.layer.apply(node.listInput ? ins : ins[0],
        { training: node.training ?? training, mask: (node.listInput ? ms : ms[0]) as Mask });
      nodeOutputs(node, out).forEach((o, i) => {
        values.set(node.outputs[i], o);
        maskOf.set(node.outputs[i], getMask(o));
      });
    }
    const outs = this.outputs.map((k) => values.get(k)!);
    if (this.#outputKeys) return Object.fromEntries(this.#outputKeys.map((key, i) => [key, outs[i]]));
    return this.#singleOutput ? outs[0] : outs;
  }

  /** The connections of the layer graph: [producing layer, consuming layer] name pairs, each once. */
  layerEdges(): [string, string][] {
    const edges = new Map<string, [string, string]>();
    for (const n of this.#nodes)
      for (const t of n.inputs) {
        const from = kerasHistory(t).layer.name;
        edges.set(JSON.stringify([from, n.layer.name]), [from, n.layer.name]);
      }
    return [...edges.values()];
  }

  /** The outputs already carry the masks their layers computed. */
  override computeMask(): Mask {
    return null;
  }

  /** The model's nodes of `layer` (input layers included), in call order. */
  private nodesOf(layer: AnyLayer): Node[] {
    const input = this.inputs.find((t) => kerasHistory(t).layer === layer);
    if (input) return [kerasHistory(input).node];
    return this.#nodes.filter((n) => n.layer === layer).sort((a, b) => a.index - b.index);
  }

  // Node indices in configs and summaries count only this model's nodes of a layer (Keras's node conversion map).
  private refOf(t: Tensor): TensorRef {
    const h = kerasHistory(t);
    return [h.layer.name, this.nodesOf(h.layer).indexOf(h.node), h.tensorIndex];
  }

  protected override summaryRows(): SummaryRow[] {
    return this.graphLayers.map((l) => {
      const nodes = this.nodesOf(l);
      const shapes = new Set(nodes.map((n) => {
        const s = n.outputs.map((o) => tupleOf(kerasShape(o)));
        return s.length === 1 && !n.listOutput ? s[0] : `[${s.join(', ')}]`;
      }));
      const refs = nodes.flatMap((n) => n.inputs.map((t) => this.refOf(t)));
      return {
        layer: `${l.name} (${l.constructor.name})`,
        outputShape: shapes.size === 1 ? [...shapes][0] : 'multiple',
        params: l.countParams(),
        connectedTo: refs.length ? refs.map(([n, k, i]) => `${n}[${k}][${i}]`).join(', ') : '-',
      };
    });
  }

  private refsOf(tensors: Tensor[], keys: string[] | null, single: boolean): RefStructure {
    const refs = tensors.map((t) => this.refOf(t));
    if (single) return refs[0];
    return keys ? Object.fromEntries(keys.map((k, i) => [k, refs[i]])) : refs;
  }

  /** The whole graph: every layer's config with the nodes that call it, and the input and output references. */
  override getConfig(): Config {
    const layers = this.graphLayers.map((l) => {
      const inboundNodes = l instanceof InputLayer ? [] : this.nodesOf(l).map((n) => {
        const node: Config = { args: n.inputs.map((t) => this.refOf(t)), list: n.listInput };
        if (n.training !== undefined) node.training = n.training;
        return node;
      });
      return { ...serializeLayer(l), name: l.name, inboundNodes } as Config;
    });
    return {
      name: this.name, trainable: this.trainable, layers,
      inputLayers: this.refsOf(this.inputs, this.#inputKeys, this.#singleInput) as ConfigValue,
      outputLayers: this.refsOf(this.outputs, this.#outputKeys, this.#singleOutput) as ConfigValue,
    };
  }

  /** Rebuilds the graph from getConfig()'s output: layers are deserialized and called again on symbolic inputs. */
  static override fromConfig<T extends AnyLayer>(this: new (config: never) => T, config: Config): T {
    return functionalFromConfig(config) as AnyLayer as T;
  }
}

interface PendingNode {
  layer: AnyLayer;
  args: TensorRef[];
  list: boolean;
  training: boolean | undefined;
}

function functionalFromConfig(config: Config): Functional {
  const caller = `Functional "${String(config.name)}"`;
  const entries = config.layers;
  if (!Array.isArray(entries)) throw new ValueError(`${caller}: config has no layers list`);
  const outputsOf = new Map<string, Tensor[]>();
  const count = new Map<string, number>();
  let pending: PendingNode[] = [];
  for (const entry of entries as Config[]) {
    const layer = deserializeLayer({ className: String(entry.className), config: entry.config as Config });
    if (layer instanceof InputLayer) outputsOf.set(`${layer.name}#0`, [layer.output]);
    for (const n of (entry.inboundNodes ?? []) as Config[])
      pending.push({ layer, args: n.args as TensorRef[], list: n.list === true,
        training: typeof n.training === 'boolean' ? n.training : undefined });
  }
  // A shared layer's later call may need a layer listed after it: retry until no node is left.
  while (pending.length > 0) {
    const later: PendingNode[] = [];
    for (const p of pending) {
      const ins = p.args.map(([name, node, index]) => outputsOf.get(`${name}#${node}`)?.[index]);
      if (later.some((q) => q.layer === p.layer) || ins.some((t) => t === undefined)) {
        later.push(p);
        continue;
      }
      const tensors = ins as Tensor[];
      const out = p.layer.apply(p.list ? tensors : tensors[0], p.training === undefined ? {} : { training: p.training });
      const k = count.get(p.layer.name) ?? 0;
      outputsOf.set(`${p.layer.name}#${k}`, flattenOutputs(out));
      count.set(p.layer.name, k + 1);
    }
    if (later.length === pending.length)
      throw new ValueError(`${caller}: cannot rebuild the graph: the inputs of layer "${later[0].layer.name}" ` +
        `(${JSON.stringify(later[0].args)}) are never produced`);
    pending = later;
  }
  const resolve = (s: ConfigValue | undefined, what: string): TensorStructure => {
    const one = (r: ConfigValue): Tensor => {
      const [name, node, index] = r as TensorRef;
      const t = outputsOf.get(`${name}#${node}`)?.[index];
      if (!t) throw new ValueError(`${caller}: ${what} refers to ${JSON.stringify(r)}, which no layer produces`);
      return t;
    };
    if (Array.isArray(s) && typeof s[0] === 'string') return one(s);
    if (Array.isArray(s)) return s.map(one);
    if (s !== null && typeof s === 'object') return Object.fromEntries(Object.entries(s).map(([k, r]) => [k, one(r)]));
    throw new ValueError(`${caller}: config has no ${what}`);
  };
  return new Functional({
    inputs: resolve(config.inputLayers, 'inputLayers'), outputs: resolve(config.outputLayers, 'outputLayers'),
    name: typeof config.name === 'string' ? config.name : undefined,
    trainable: typeof config.trainable === 'boolean' ? config.trainable : undefined,
  });
}

registerLayer(Functional);

/** A functional model from symbolic inputs to symbolic outputs (Keras `keras.Model(inputs, outputs)`). */
export function model(args: FunctionalArgs): Functional {
  if (args === null || typeof args !== 'object')
    throw new ValueError(`model: expected {inputs, outputs, name}, got ${JSON.stringify(args)}`);
  return new Functional(args);
}
