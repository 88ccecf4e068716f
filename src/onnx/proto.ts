// The ONNX protobuf messages the exporter builds, as plain objects, and their encoding with protobufjs (from the
// descriptor generated out of onnx.proto). Field names are protobufjs's camelCase forms of the .proto names.
import protobuf from 'protobufjs';
import { onnxDescriptor } from './onnx-schema.js';

/** TensorProto.DataType values used by the exporter. */
export const DataType = { FLOAT: 1, INT64: 7 } as const;

/** AttributeProto.AttributeType values used by the exporter. */
export const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

/** onnx.AttributeProto (the kinds the exporter writes). */
export interface AttributeProto {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
}

/** onnx.NodeProto. */
export interface NodeProto {
  input: string[];
  output: string[];
  name: string;
  opType: string;
  attribute: AttributeProto[];
}

/** onnx.TensorProto, data as little-endian raw bytes. */
export interface TensorProto {
  name: string;
  dims: number[];
  dataType: number;
  rawData: Uint8Array;
}

/** A dimension of a TensorShapeProto: a size, or a symbolic name (dynamic). */
export type DimensionProto = { dimValue: number } | { dimParam: string };

/** onnx.ValueInfoProto of a tensor. */
export interface ValueInfoProto {
  name: string;
  type: { tensorType: { elemType: number; shape: { dim: DimensionProto[] } } };
}

/** onnx.GraphProto. */
export interface GraphProto {
  name: string;
  node: NodeProto[];
  initializer: TensorProto[];
  input: ValueInfoProto[];
  output: ValueInfoProto[];
}

/** onnx.ModelProto. */
export interface ModelProto {
  irVersion: number;
  opsetImport: { domain: string; version: number }[];
  producerName: string;
  producerVersion: string;
  graph: GraphProto;
  docString?: string;
}

let modelType: protobuf.Type | null = null;

function modelProtoType(): protobuf.Type {
  modelType ??= protobuf.Root.fromJSON(onnxDescriptor).lookupType('onnx.ModelProto');
  return modelType;
}

/** The binary protobuf encoding of a ModelProto (what a .onnx file holds). */
export function encodeModel(model: ModelProto): Uint8Array {
  const type = modelProtoType();
  return type.encode(type.fromObject(model as unknown as Record<string, unknown>)).finish();
}

/** Decodes a .onnx file's bytes (for tests and tools). */
export function decodeModel(bytes: Uint8Array): ModelProto {
  const type = modelProtoType();
  return type.toObject(type.decode(bytes), { longs: Number }) as ModelProto;
}
