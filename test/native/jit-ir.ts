// Hand-written LLVM 14 IR kernels (typed pointers) in the kernel calling convention of native/jit/jit.h:
// void kernel(void** buffers, const int64_t* sizes, int64_t n).

/** Loads buffer `index` as `type*` into `%name` (emits three instructions). */
function loadBuffer(name: string, index: number, type: string): string {
  return `  %${name}.slot = getelementptr i8*, i8** %buffers, i64 ${index}
  %${name}.raw = load i8*, i8** %${name}.slot
  %${name} = bitcast i8* %${name}.raw to ${type}*`;
}

/** out[i] = max(a[i] * b[i] + c[0], 0) over float32 buffers [a, b, c, out], for i < sizes[3]. */
export function fmaReluIR(symbol = 'fma_relu'): string {
  return `
define void @${symbol}(i8** %buffers, i64* %sizes, i64 %n) {
entry:
${loadBuffer('a', 0, 'float')}
${loadBuffer('b', 1, 'float')}
${loadBuffer('c', 2, 'float')}
${loadBuffer('out', 3, 'float')}
  %cval = load float, float* %c
  %count.slot = getelementptr i64, i64* %sizes, i64 3
  %count = load i64, i64* %count.slot
  %empty = icmp sle i64 %count, 0
  br i1 %empty, label %exit, label %loop
loop:
  %i = phi i64 [ 0, %entry ], [ %next, %loop ]
  %a.i = getelementptr float, float* %a, i64 %i
  %av = load float, float* %a.i
  %b.i = getelementptr float, float* %b, i64 %i
  %bv = load float, float* %b.i
  %prod = fmul float %av, %bv
  %sum = fadd float %prod, %cval
  %positive = fcmp ogt float %sum, 0.0
  %r = select i1 %positive, float %sum, float 0.0
  %out.i = getelementptr float, float* %out, i64 %i
  store float %r, float* %out.i
  %next = add nuw nsw i64 %i, 1
  %done = icmp eq i64 %next, %count
  br i1 %done, label %exit, label %loop
exit:
  ret void
}
`;
}

/** out (float64, buffer 0) = [n, sizes[0], sizes[1], ...]: as many entries as out has elements. */
export const echoSizesIR = `
define void @echo_sizes(i8** %buffers, i64* %sizes, i64 %n) {
entry:
${loadBuffer('out', 0, 'double')}
  %count = load i64, i64* %sizes
  %nf = sitofp i64 %n to double
  store double %nf, double* %out
  %more = icmp sgt i64 %count, 1
  br i1 %more, label %loop, label %exit
loop:
  %i = phi i64 [ 1, %entry ], [ %next, %loop ]
  %prev = sub i64 %i, 1
  %s.i = getelementptr i64, i64* %sizes, i64 %prev
  %s = load i64, i64* %s.i
  %sf = sitofp i64 %s to double
  %out.i = getelementptr double, double* %out, i64 %i
  store double %sf, double* %out.i
  %next = add nuw nsw i64 %i, 1
  %done = icmp eq i64 %next, %count
  br i1 %done, label %exit, label %loop
exit:
  ret void
}
`;

/** out[i] = exp(a[i]) over float32 buffers [a, out]: the scalar llvm.exp.f32 becomes a call to the C library. */
export const expIR = `
declare float @llvm.exp.f32(float)

define void @exp_kernel(i8** %buffers, i64* %sizes, i64 %n) {
entry:
${loadBuffer('a', 0, 'float')}
${loadBuffer('out', 1, 'float')}
  %count.slot = getelementptr i64, i64* %sizes, i64 1
  %count = load i64, i64* %count.slot
  %empty = icmp sle i64 %count, 0
  br i1 %empty, label %exit, label %loop
loop:
  %i = phi i64 [ 0, %entry ], [ %next, %loop ]
  %a.i = getelementptr float, float* %a, i64 %i
  %av = load float, float* %a.i
  %e = call float @llvm.exp.f32(float %av)
  %out.i = getelementptr float, float* %out, i64 %i
  store float %e, float* %out.i
  %next = add nuw nsw i64 %i, 1
  %done = icmp eq i64 %next, %count
  br i1 %done, label %exit, label %loop
exit:
  ret void
}
`;

/** Parses, but the verifier rejects it: %x is used where it does not dominate. */
export const nonDominatingIR = `
define i32 @bad(i1 %c) {
entry:
  br i1 %c, label %then, label %join
then:
  %x = add i32 1, 2
  br label %join
join:
  ret i32 %x
}
`;

/** Valid IR that calls a function no library defines: the JIT fails when it links the kernel. */
export const unresolvedCallIR = `
declare void @kiln_test_function_that_does_not_exist()

define void @calls_missing(i8** %buffers, i64* %sizes, i64 %n) {
  call void @kiln_test_function_that_does_not_exist()
  ret void
}
`;
