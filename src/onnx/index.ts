// kiln.onnx: export to the ONNX format (importing it registers the 'onnx' format of Model.export).
export { exportModel, modelToOnnx, type OnnxExportOptions } from './export.js';
export { encodeModel, decodeModel, type ModelProto } from './proto.js';
