#!/usr/bin/env bash
# Runs the sdj-vs-libtorch benchmarks: ./benchmarks/run.sh smoke|full [--append benchmarks/RESULTS.md]
# or another main of the module: ./benchmarks/run.sh --main org.sdj.bench.Txt2ImgRss generate DIR
# Build first (from the repository root): mvn -B -ntp -q -pl sd-core,sd-cpu,benchmarks compile
# sd-core and sd-cpu come from this checkout's target/classes, not from the local Maven repository.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cp_file="$here/target/classpath.txt"
if [[ ! -s "$cp_file" ]]; then
  (cd "$here/.." && mvn -B -ntp -q -pl benchmarks dependency:build-classpath -DexcludeGroupIds=org.sdj -Dmdep.outputFile="$cp_file" >/dev/null)
fi
threads="${SDJ_BENCH_THREADS:-$(nproc)}"
# libtorch's BLAS and OpenMP pools get the same thread count as sdj's pool.
export OPENBLAS_NUM_THREADS="$threads" OMP_NUM_THREADS="$threads" MKL_NUM_THREADS="$threads"
main=org.sdj.bench.Report
if [[ "${1:-}" == "--main" ]]; then
  main="$2"
  shift 2
fi
exec java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED ${SDJ_BENCH_JAVA_OPTS:-} \
  -Dsdj.bench.threads="$threads" -cp "$here/target/classes:$here/../sd-cpu/target/classes:$here/../sd-core/target/classes:$(cat "$cp_file")" "$main" "$@"
