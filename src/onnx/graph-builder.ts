// Builds an ONNX GraphProto node by node: unique value names, constant initializers (weights as raw float32 bytes,
// shapes and axes as int64) and attributes typed the way AttributeProto wants them.
import { AttributeType, DataType, type AttributeProto, type NodeProto, type TensorProto } from './proto.js';

/** Attribute values as a node is written with them: int, string, int list, float, float list, or string list. */
export type AttrValue = number | string | { ints: readonly number[] } | { float: number } | { floats: readonly number[] }
  | { strings: readonly string[] };

function attribute(name: string, v: AttrValue): AttributeProto {
  if (typeof v === 'number') return { name, type: AttributeType.INT, i: v };
  if (typeof v === 'string') return { name, type: AttributeType.STRING, s: new TextEncoder().encode(v) };
  if ('ints' in v) return { name, type: AttributeType.INTS, ints: [...v.ints] };
  if ('floats' in v) return { name, type: AttributeType.FLOATS, floats: [...v.floats] };
  if ('strings' in v)
    return { name, type: AttributeType.STRINGS, strings: v.strings.map((x) => new TextEncoder().encode(x)) };
  return { name, type: AttributeType.FLOAT, f: v.float };
}

function littleEndianBytes(data: Float32Array | BigInt64Array): Uint8Array {
  const view = new DataView(new ArrayBuffer(data.length * data.BYTES_PER_ELEMENT));
  data.forEach((x: number | bigint, i: number) => {
    if (typeof x === 'bigint') view.setBigInt64(i * 8, x, true);
    else view.setFloat32(i * 4, x, true);
  });
  return new Uint8Array(view.buffer);
}

/** The nodes and initializers of one ONNX graph under construction. */
export class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  readonly #used = new Set<string>();

  /** A value name not used before, made from `base` (characters other than [A-Za-z0-9_./:-] become _). */
  fresh(base: string): string {
    const clean = base.replace(/[^A-Za-z0-9_./:-]/g, '_') || 'value';
    let name = clean;
    for (let k = 1; this.#used.has(name); k++) name = `${clean}_${k}`;
    this.#used.add(name);
    return name;
  }

  /** Adds a node and returns the names of its outputs (`outputs` of them, named after `base`). */
  node(opType: string, inputs: readonly string[], base: string, attrs: Record<string, AttrValue> = {},
       outputs = 1): string[] {
    const outs = Array.from({ length: outputs }, (_, i) => this.fresh(outputs === 1 ? base : `${base}_${i}`));
    this.nodes.push({
      input: [...inputs], output: outs, name: this.fresh(`${base}/${opType}`), opType,
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return outs;
  }

  /** Adds a node with one output and returns its name. */
  op(opType: string, inputs: readonly string[], base: string, attrs: Record<string, AttrValue> = {}): string {
    return this.node(opType, inputs, base, attrs)[0];
  }

  /** A float32 constant (weights) of shape `dims`. */
  floats(base: string, data: Float32Array, dims: readonly number[]): string {
    const name = this.fresh(base);
    this.initializers.push({ name, dims: [...dims], dataType: DataType.FLOAT, rawData: littleEndianBytes(data) });
    return name;
  }

  /** An int64 1-D constant (shapes, axes). */
  int64s(base: string, values: readonly number[]): string {
    const name = this.fresh(base);
    this.initializers.push({
      name, dims: [values.length], dataType: DataType.INT64,
      rawData: littleEndianBytes(BigInt64Array.from(values.map((v) => BigInt(v)))),
    });
    return name;
  }
}
