// The compiled-code cache: LLVM work is done once per distinct module. The key is a SHA-256 of the linked IR
// text, the host's target (triple, CPU, features), the optimization level and the Kiln version. In process, a key
// maps to its JIT module (kept alive, most recently used last). On disk, under KILN_CACHE_DIR (default
// ~/.cache/kiln), `<key>.kobj` holds the emitted object so that a second process links it without compiling:
//   "KILNOBJ1" (8 bytes) | key (32) | object bytes n (u64 LE) | SHA-256 of the object (32) | the ELF object (n)
// Files are written to a temporary name and renamed, so readers never see half a file; a file that fails any check
// (size, key, content hash, ELF magic) or does not link is deleted and the module compiled again.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileObject, hostInfo, JitModule, type OptLevel } from '../../src/core/jit-native.js';

/** Where a module's code came from: the in-process cache, the disk cache, or LLVM. */
export type CodeSource = 'memory' | 'disk' | 'compiled';

/** A cached JIT module. */
export interface CachedCode {
  readonly module: JitModule;
  readonly source: CodeSource;
  /** The cache key (64 hex digits), also the disk file's name. */
  readonly key: string;
}

/** Counters since the process started (or since clearCodeCache). */
export interface CodeCacheStats {
  memoryHits: number;
  diskHits: number;
  compiles: number;
  /** Disk files that failed a check or did not link (deleted, then compiled again). */
  rejectedFiles: number;
  /** Disk writes that failed (the cache is best effort: compiling still succeeds). */
  failedWrites: number;
}

const MAGIC = 'KILNOBJ1';
const HEADER_BYTES = 8 + 32 + 8 + 32;
const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46];
// In-process entries beyond this are dropped oldest first (executors built from them keep their code alive).
const MAX_MODULES = 128;

const modules = new Map<string, JitModule>();
const stats: CodeCacheStats = { memoryHits: 0, diskHits: 0, compiles: 0, rejectedFiles: 0, failedWrites: 0 };

/** Kiln's version from its package.json (found above this file both in the sources and in dist/); also stamped into
 * compiled artifacts' manifests. */
export function kilnVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++, dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'kiln') return String(pkg.version);
  }
  return 'unknown';
}

let keyPrefix: string | undefined;

/** What every key starts with: this Kiln and this host's target. */
function hostPrefix(): string {
  if (keyPrefix === undefined) {
    const h = hostInfo();
    keyPrefix = ['kiln', kilnVersion(), MAGIC, h.triple, h.targetCpu, h.targetFeatures].join('\0');
  }
  return keyPrefix;
}

/** The cache key of `ir` compiled at `optLevel` for this host by this Kiln. */
export function codeCacheKey(ir: string, optLevel: OptLevel = 3): string {
  return createHash('sha256').update(hostPrefix()).update(`\0O${optLevel}\0`).update(ir).digest('hex');
}

/** The key of a traced graph's canonical text (graph-fingerprint.ts) for this host by this Kiln. */
export function graphCacheKey(fingerprint: string): string {
  return createHash('sha256').update(hostPrefix()).update('\0graph\0').update(fingerprint).digest('hex');
}

/** The disk cache's directory: KILN_CACHE_DIR, else ~/.cache/kiln (read on every use). */
export function codeCacheDir(): string {
  return process.env.KILN_CACHE_DIR || join(homedir(), '.cache', 'kiln');
}

/** The disk file of `key`. */
export function codeCacheFile(key: string): string {
  return join(codeCacheDir(), `${key}.kobj`);
}

const sha256 = (bytes: Uint8Array): Buffer => createHash('sha256').update(bytes).digest();

/** The object stored in `file` for `key`, or null when the file is absent or fails a check. */
function readObject(file: string, key: string): Uint8Array | null {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    return null;
  }
  const object = bytes.subarray(HEADER_BYTES);
  const valid = bytes.length >= HEADER_BYTES + ELF_MAGIC.length &&
    bytes.toString('latin1', 0, 8) === MAGIC &&
    bytes.subarray(8, 40).equals(Buffer.from(key, 'hex')) &&
    bytes.readBigUInt64LE(40) === BigInt(object.length) &&
    bytes.subarray(48, 80).equals(sha256(object)) &&
    ELF_MAGIC.every((b, i) => object[i] === b);
  if (valid) return object;
  rejectCacheFile(file);
  return null;
}

/** Counts `file` as rejected and deletes it (a cache file that failed a check). */
export function rejectCacheFile(file: string): void {
  stats.rejectedFiles++;
  removeQuietly(file);
}

// Best effort, like every disk operation here: a cache that cannot be cleaned up is still a cache.
function removeQuietly(file: string): void {
  try {
    rmSync(file, { force: true });
  } catch {
    // Nothing to do: the next writer renames over it.
  }
}

/**
 * Writes `data` to the cache file `file`: a temporary file renamed into place, so readers see all of it or
 * nothing. Best effort: a failure is counted (failedWrites), not thrown.
 */
export function writeCacheFile(file: string, data: Uint8Array | string): void {
  const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(temp, data);
    renameSync(temp, file);
  } catch {
    stats.failedWrites++;
    removeQuietly(temp);
  }
}

function writeObject(file: string, key: string, object: Uint8Array): void {
  const header = Buffer.alloc(HEADER_BYTES);
  header.write(MAGIC, 0, 'latin1');
  Buffer.from(key, 'hex').copy(header, 8);
  header.writeBigUInt64LE(BigInt(object.length), 40);
  sha256(object).copy(header, 48);
  writeCacheFile(file, Buffer.concat([header, object]));
}

function remember(key: string, module: JitModule): void {
  modules.delete(key);
  modules.set(key, module);
  if (modules.size > MAX_MODULES) modules.delete(modules.keys().next().value!);
}

/**
 * The module stored under `key`, from the in-process cache, else linked from the disk cache; null when neither
 * has it. `check` resolves the kernels the caller needs; a module from disk that fails it is discarded.
 */
export function loadCached(key: string, check: (module: JitModule) => void): CachedCode | null {
  const known = modules.get(key);
  if (known) {
    stats.memoryHits++;
    remember(key, known);
    return { module: known, source: 'memory', key };
  }
  const file = codeCacheFile(key);
  const stored = readObject(file, key);
  if (!stored) return null;
  let module: JitModule | undefined;
  try {
    module = JitModule.load(stored);
    check(module);
  } catch {
    module?.dispose();
    rejectCacheFile(file);
    return null;
  }
  stats.diskHits++;
  remember(key, module);
  return { module, source: 'disk', key };
}

/**
 * The JIT module of `ir` at `optLevel`: from the in-process cache, else linked from the disk cache, else compiled
 * by LLVM (and saved). `check` resolves the kernels the caller needs (JitModule.kernel); a module from disk that
 * fails it is discarded and compiled instead. Compile errors propagate as CompileError.
 */
export function compileCached(ir: string, check: (module: JitModule) => void, optLevel: OptLevel = 3): CachedCode {
  const key = codeCacheKey(ir, optLevel);
  const cached = loadCached(key, check);
  if (cached) return cached;
  const object = compileObject(ir, { optLevel });
  const module = JitModule.load(object);
  check(module);
  stats.compiles++;
  writeObject(codeCacheFile(key), key, object);
  remember(key, module);
  return { module, source: 'compiled', key };
}

/** A copy of the cache's counters. */
export function codeCacheStats(): CodeCacheStats {
  return { ...stats };
}

/** Forgets the in-process modules (not the disk files) and zeroes the counters. */
export function clearCodeCache(): void {
  modules.clear();
  for (const k of Object.keys(stats) as (keyof CodeCacheStats)[]) stats[k] = 0;
}
