import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { describe, expect, test } from 'vitest';
import { onnxDescriptor } from '../../src/onnx/onnx-schema.js';

describe('ONNX schema', () => {
  test('the committed protobufjs descriptor is the one generated from src/onnx/onnx.proto', () => {
    const proto = readFileSync(fileURLToPath(new URL('../../src/onnx/onnx.proto', import.meta.url)), 'utf8');
    expect(JSON.parse(JSON.stringify(onnxDescriptor))).toEqual(protobuf.parse(proto).root.toJSON());
  });

  test('field numbers are those of the official onnx.proto for the fields a model file needs', () => {
    const root = protobuf.Root.fromJSON(onnxDescriptor);
    const ids = (type: string) => Object.fromEntries(Object.values(root.lookupType(`onnx.${type}`).fields)
      .map((f) => [f.name, f.id]));
    expect(ids('ModelProto')).toMatchObject({ irVersion: 1, producerName: 2, graph: 7, opsetImport: 8 });
    expect(ids('GraphProto')).toMatchObject({ node: 1, name: 2, initializer: 5, input: 11, output: 12 });
    expect(ids('NodeProto')).toMatchObject({ input: 1, output: 2, name: 3, opType: 4, attribute: 5 });
    expect(ids('TensorProto')).toMatchObject({ dims: 1, dataType: 2, name: 8, rawData: 9 });
    expect(ids('AttributeProto')).toMatchObject({ name: 1, f: 2, i: 3, s: 4, ints: 8, type: 20 });
  });
});
