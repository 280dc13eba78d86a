#!/usr/bin/env bash
# Compiles every .cu file beside this script into a fatbin under OUT_DIR: sm_80, sm_86, sm_89, sm_90 machine code
# plus compute_90 PTX for newer GPUs; a *_wgmma.cu file, which uses Hopper's arch-specific wgmma, as sm_90a machine
# code only, which loads on compute capability 9.0 alone; a *_sm90.cu file, which uses sm_90's thread block clusters,
# as sm_90 machine code and compute_90 PTX, which load on 9.0 and newer (KernelModule skips both kinds elsewhere).
# Lists them in OUT_DIR/kernels.list for the runtime loader, and saves ptxas's resource report (registers, spills,
# shared memory per kernel) to REPORT. Maven runs it when nvcc exists; it recompiles only when a source is newer than
# the last build.
# Usage: build-kernels.sh NVCC OUT_DIR REPORT
set -euo pipefail
nvcc=$1
out=$2
report=$3
src=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out" "$(dirname "$report")"
newest_src=$(ls -t "$src"/*.cu "$src"/*.cuh "$0" | head -1)
# Up to date: built after the newest source, from the same set of .cu files (a deleted one changes no mtime).
listed=$(for cu in "$src"/*.cu; do echo "$(basename "$cu" .cu).fatbin"; done)
if [ -f "$out/kernels.list" ] && [ -f "$report" ] && [ "$out/kernels.list" -nt "$newest_src" ] &&
    [ "$listed" = "$(cat "$out/kernels.list")" ]; then
  echo "CUDA kernels up to date in $out"
  exit 0
fi
arch=(-gencode arch=compute_80,code=sm_80 -gencode arch=compute_86,code=sm_86
      -gencode arch=compute_89,code=sm_89 -gencode arch=compute_90,code=sm_90
      -gencode arch=compute_90,code=compute_90)
arch_90a=(-gencode arch=compute_90a,code=sm_90a)
arch_90=(-gencode arch=compute_90,code=sm_90 -gencode arch=compute_90,code=compute_90)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pids=()
names=()
for cu in "$src"/*.cu; do
  name=$(basename "$cu" .cu)
  names+=("$name")
  targets=("${arch[@]}")
  case "$name" in
    *_wgmma) targets=("${arch_90a[@]}") ;;
    *_sm90) targets=("${arch_90[@]}") ;;
  esac
  "$nvcc" -O3 -std=c++17 -lineinfo "${targets[@]}" -Xptxas -v -fatbin -o "$tmp/$name.fatbin" "$cu" \
    >"$tmp/$name.log" 2>&1 &
  pids+=($!)
done
failed=0
for i in "${!pids[@]}"; do
  if ! wait "${pids[$i]}"; then
    echo "nvcc failed on ${names[$i]}.cu:" >&2
    cat "$tmp/${names[$i]}.log" >&2
    failed=1
  fi
done
[ "$failed" = 0 ] || exit 1
: >"$report"
# Images of sources since deleted or renamed would otherwise ride along in the jar (unlisted, never loaded).
rm -f "$out"/*.fatbin
for name in "${names[@]}"; do
  cat "$tmp/$name.log" >>"$report"
  cp "$tmp/$name.fatbin" "$out/$name.fatbin"
done
printf '%s.fatbin\n' "${names[@]}" >"$out/kernels.list"
echo "CUDA kernels: ${names[*]} -> $out (ptxas report $report)"
