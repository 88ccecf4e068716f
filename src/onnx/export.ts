// ONNX export (Keras 3 `model.export(path, format='onnx')`): walks a Functional or Sequential model's layer graph
// in topological order, writes each layer's inference nodes, and encodes the standard ONNX ModelProto. Inputs and
// outputs keep Kiln's channels-last layout and a dynamic batch dimension.
import { ValueError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { Functional } from '../engine/functional.js';
import type { AnyLayer, LayerIO, LayerOutput } from '../engine/layer.js';
import { InputLayer, inputLayerOf } from '../engine/input.js';
import { registerExportFormat, type Model } from '../engine/model.js';
import { inboundNodes, kerasHistory, kerasShape, type Node } from '../engine/node.js';
import { Sequential } from '../engine/sequential.js';
import { writeFileAtomic } from '../saving/atomic-write.js';
import { GraphBuilder } from './graph-builder.js';
import { converterOf, supportedLayerNames } from './layers.js';
import { DataType, encodeModel, type DimensionProto, type ModelProto, type ValueInfoProto } from './proto.js';
import { LayerContext, type OnnxValue } from './values.js';

/** Options of exportModel. */
export interface OnnxExportOptions {
  /** ONNX opset version of the default domain, 13 to 17 (default 17). */
  opset?: number;
}

/** Any model, whatever its input and output types. */
type AnyModel = Model<LayerIO, LayerOutput>;

const MIN_OPSET = 13;
const MAX_OPSET = 17;
// IR version 8 is the one of opsets 15 to 17; ONNX Runtime reads it with any of the opsets above.
const IR_VERSION = 8;

/** One call of a layer in the graph: its symbolic inputs and outputs. */
interface Step {
  layer: AnyLayer;
  inputs: readonly Tensor[];
  outputs: readonly Tensor[];
}

interface LayerGraph {
  inputs: readonly Tensor[];
  outputs: readonly Tensor[];
  steps: Step[];
}

function labelOf(model: AnyLayer): string {
  return `${model.constructor.name} "${model.name}"`;
}

// Depth-first from the outputs, as Functional orders its nodes.
function functionalGraph(model: Functional): LayerGraph {
  const steps: Step[] = [];
  const done = new Set<Node>();
  const visit = (t: Tensor): void => {
    if (model.inputs.includes(t)) return;
    const node = kerasHistory(t).node;
    if (done.has(node)) return;
    done.add(node);
    node.inputs.forEach(visit);
    steps.push({ layer: node.layer, inputs: node.inputs, outputs: node.outputs });
  };
  model.outputs.forEach(visit);
  return { inputs: model.inputs, outputs: model.outputs, steps };
}

// A Sequential given an input records one node per layer each time it is (re)built: follow the latest chain.
function sequentialGraph(model: Sequential): LayerGraph {
  const layers = model.layers;
  const first = layers.length > 0 ? inboundNodes(layers[0]).filter((n) => n.inputs.length === 1 &&
    inputLayerOf(n.inputs[0]) !== null).at(-1) : undefined;
  if (!first)
    throw new ValueError(`${labelOf(model)}: ONNX export needs the input shape; create the Sequential with ` +
      `kiln.input({shape}) as its first entry`);
  const steps: Step[] = [];
  let t = first.inputs[0];
  for (const [i, layer] of layers.entries()) {
    const node = i === 0 ? first : inboundNodes(layer).find((n) => n.inputs.length === 1 && n.inputs[0] === t);
    if (!node) throw new ValueError(`${labelOf(model)}: layer "${layer.name}" was not called on the output of the ` +
      `layer before it; rebuild the model`);
    steps.push({ layer, inputs: node.inputs, outputs: node.outputs });
    t = node.outputs[0];
  }
  return { inputs: [first.inputs[0]], outputs: [t], steps };
}

function layerGraph(model: AnyLayer): LayerGraph {
  if (model instanceof Functional) return functionalGraph(model);
  if (model instanceof Sequential) return sequentialGraph(model);
  throw new ValueError(`${labelOf(model)}: ONNX export needs a Functional or Sequential model (a subclassed model ` +
    `has no layer graph to walk)`);
}

// Writes the nodes of `model` for input values `inputs`; nested models are written inline.
function convertModel(g: GraphBuilder, model: AnyLayer, inputs: OnnxValue[]): OnnxValue[] {
  const graph = layerGraph(model);
  const values = new Map<Tensor, OnnxValue>();
  graph.inputs.forEach((t, i) => values.set(t, inputs[i]));
  for (const step of graph.steps) {
    const ins = step.inputs.map((t) => values.get(t)!);
    const shapes = step.outputs.map(kerasShape);
    let outs: Pick<OnnxValue, 'name' | 'perm'>[];
    if (step.layer instanceof Functional || step.layer instanceof Sequential) {
      outs = convertModel(g, step.layer, ins);
    } else if (step.layer instanceof InputLayer) {
      outs = ins;
    } else {
      const convert = converterOf(step.layer);
      if (!convert)
        throw new ValueError(`${labelOf(model)}: layer "${step.layer.name}" (${step.layer.constructor.name}) has no ` +
          `ONNX export; supported layers: ${supportedLayerNames().join(', ')}`);
      outs = convert(new LayerContext(g, step.layer), ins, shapes);
    }
    step.outputs.forEach((t, i) => values.set(t, { ...outs[i], shape: shapes[i] }));
  }
  return graph.outputs.map((t) => values.get(t)!);
}

function valueInfo(name: string, t: Tensor): ValueInfoProto {
  const dim: DimensionProto[] = kerasShape(t).map((d, i) =>
    d !== null ? { dimValue: d } : { dimParam: i === 0 ? 'batch' : `${name}_dim${i}` });
  return { name, type: { tensorType: { elemType: DataType.FLOAT, shape: { dim } } } };
}

function checkOpset(model: AnyLayer, opset: unknown): number {
  if (!Number.isInteger(opset) || (opset as number) < MIN_OPSET || (opset as number) > MAX_OPSET)
    throw new ValueError(`${labelOf(model)}: ONNX opset must be an integer from ${MIN_OPSET} to ${MAX_OPSET}, got ` +
      `${JSON.stringify(opset)}`);
  return opset as number;
}

/** The model as an ONNX ModelProto (inference graph: Dropout is the identity, BatchNormalization uses moving stats). */
export function modelToOnnx(model: AnyModel, options: OnnxExportOptions = {}): ModelProto {
  const opset = checkOpset(model, options.opset ?? MAX_OPSET);
  const graph = layerGraph(model);
  graph.inputs.forEach((t, i) => {
    if (t.dtype !== 'float32')
      throw new ValueError(`${labelOf(model)}: ONNX export supports float32 inputs, got input ${i} of dtype ${t.dtype}`);
  });
  const g = new GraphBuilder();
  // A Functional's input and output names (its record keys, else its layers' names) name the graph's.
  const named = (names: readonly string[] | null, ts: readonly Tensor[]): string[] =>
    ts.map((t, i) => g.fresh(names?.[i] ?? kerasHistory(t).layer.name));
  const functional = model instanceof Functional ? model : null;
  const inputNames = named(functional?.inputNames ?? null, graph.inputs);
  const outputNames = named(functional?.outputNames ?? null, graph.outputs);
  const ins = graph.inputs.map((t, i): OnnxValue => ({ name: inputNames[i], shape: kerasShape(t), perm: null }));
  const outs = convertModel(g, model, ins);
  outs.forEach((v, i) => {
    const ctx = new LayerContext(g, kerasHistory(graph.outputs[i]).layer);
    g.nodes.push({ input: [ctx.asKiln(v).name], output: [outputNames[i]], name: g.fresh(`${outputNames[i]}/Identity`),
      opType: 'Identity', attribute: [] });
  });
  return {
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: opset }],
    producerName: 'kiln',
    producerVersion: '0.1.0',
    graph: {
      name: model.name, node: g.nodes, initializer: g.initializers,
      input: graph.inputs.map((t, i) => valueInfo(inputNames[i], t)),
      output: graph.outputs.map((t, i) => valueInfo(outputNames[i], t)),
    },
  };
}

/**
 * Writes the model as an ONNX file (the standard ModelProto protobuf) at `path`, atomically (a temporary file
 * renamed into place; a SavingError if the write fails). Supports Functional and Sequential models made of Dense,
 * Conv1D/2D, pooling, global pooling, BatchNormalization, Dropout, Flatten, Reshape, Activation, merge layers,
 * Concatenate, Embedding, and SimpleRNN/GRU/LSTM (also in Bidirectional) without masks or stateful: true; any other
 * layer is a ValueError naming it. The batch dimension is dynamic.
 */
export function exportModel(model: AnyModel, path: string, options: OnnxExportOptions = {}): void {
  writeFileAtomic(path, [encodeModel(modelToOnnx(model, options))]);
}

registerExportFormat('onnx', (model, path, options) => exportModel(model, path, { opset: options.opset }));
