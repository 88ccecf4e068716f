#!/usr/bin/env node
// The `kiln` command line. `kiln compile` turns a saved model into a standalone artifact directory (see
// compiler/aot/compile-model.ts); more commands can be added as subcommands of the same program.
import { Command, InvalidArgumentError, Option } from 'commander';
import { KilnError } from '../core/errors.js';
import { kilnVersion } from '../../runtime/executable/code-cache.js';
// Through the package entry, so that every layer class is registered before a saved model is rebuilt.
import { compileModel, loadModel } from '../index.js';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1)
    throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  return n;
}

function shape(value: string, previous: number[][] | undefined): number[][] {
  const dims = value.split(/[x,]/).map((d) => positiveInt(d.trim()));
  return [...(previous ?? []), dims];
}

interface CompileFlags {
  out: string;
  target: 'cpu';
  batch?: number;
  maxBatch?: number;
  name?: string;
  inputShape?: number[][];
}

/** The `kiln` program (exported for tests; the bottom of this file runs it on process.argv). */
export function program(): Command {
  const cli = new Command('kiln').description('Kiln: Keras-style deep learning for TypeScript, built as a graph compiler')
    .version(kilnVersion());
  cli.command('compile')
    .description('Compile a saved model (model.save / kiln.loadModel file) into a standalone artifact directory: ' +
      'lib<name>.so with a C API, <name>.h, weights.bin and manifest.json. It runs with no Node and no compiler: ' +
      'from C against the header, or from Node with kiln.loadPredictor(DIR).')
    .argument('<saved-model>', 'the saved model file (written by model.save)')
    .requiredOption('--out <dir>', 'the artifact directory to write (created if missing; its artifact files are replaced)')
    .addOption(new Option('--target <target>', 'the code target: "cpu" is this machine\'s CPU (the code uses its ' +
      'vector extensions, so run the artifact on the same kind of CPU)').choices(['cpu']).default('cpu'))
    .addOption(new Option('--batch <n>', 'compile for exactly N rows per run (one plan)').argParser(positiveInt)
      .conflicts('maxBatch'))
    .addOption(new Option('--max-batch <n>', 'compile for runs of 1..N rows (default 32): plans for N and every ' +
      'power of two below it; a run of b rows is split into runs of those sizes over consecutive rows (no padding)')
      .argParser(positiveInt))
    .option('--name <name>', 'the library and C symbol prefix (lib<name>.so, <name>_create, ...); default: the ' +
      'model\'s name made a C identifier')
    .option('--input-shape <dims>', 'per-row input shape such as 28x28x1, for a model saved without an input ' +
      'declaration (repeat for several inputs)', shape)
    .action((file: string, flags: CompileFlags) => {
      const model = loadModel(file, { compile: false });
      const started = performance.now();
      const artifact = compileModel(model, {
        outDir: flags.out, target: flags.target, name: flags.name, inputShapes: flags.inputShape,
        ...(flags.batch !== undefined ? { batch: flags.batch } : { maxBatch: flags.maxBatch ?? 32 }),
      });
      const m = artifact.manifest;
      console.log(`kiln compile: wrote ${artifact.dir} (${m.library.file} ${m.library.bytes} bytes, ` +
        `weights ${m.weights.bytes} bytes, batch ${m.batch.fixed ? m.batch.max : `1..${m.batch.max}`}) ` +
        `in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    });
  return cli;
}

// Kiln's own errors are reported as one line; anything else keeps its stack.
try {
  program().parse(process.argv);
} catch (e) {
  if (!(e instanceof KilnError)) throw e;
  console.error(`kiln: ${e.name}: ${e.message}`);
  process.exitCode = 1;
}
