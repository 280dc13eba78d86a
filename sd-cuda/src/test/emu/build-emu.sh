#!/usr/bin/env bash
# Builds the CPU emulator library OUT_DIR/libsdjemu.so: sdj's kernels (the .cu files listed below: the plain ones, and
# the tensor-core attention kernels, whose inline PTX has an SDJ_EMU branch that calls emu.h's models of the
# instructions) and selftest.cu's rule-breaking ones compiled by g++ against emu.h, with a registry of their extern "C"
# names, and the emulator's runtime (emu_runtime.cpp, emu_barriers.cpp, emu_wgmma.cpp; emu_state.h their shared state).
# The sd-cuda tests run it (EmulatedKernels) and skip when it fails. The attention tuning image
# (src/test/tune/attention_tune.cu) is built in too, for EmulatedAttentionTuneTest.
# Exit status: 0 built or up to date; 2 no g++; 3 no CUDA headers; 1 a compile error (the log says which).
# Usage: build-emu.sh OUT_DIR
set -euo pipefail
out=$1
here=$(cd "$(dirname "$0")" && pwd)
kernels=$(cd "$here/../../main/cuda" && pwd)
files=(layout norms group_norm_cluster_sm90 pointwise attention_wide flash_attention flash_attention_wgmma)
units=()
for f in "${files[@]}"; do units+=("$kernels/$f.cu"); done
units+=("$here/selftest.cu" "$(cd "$here/../tune" && pwd)/attention_tune.cu")
cxx=${CXX:-g++}

command -v "$cxx" >/dev/null || { echo "no C++ compiler ($cxx) on PATH"; exit 2; }

# cuda_fp16.h and cuda_bf16.h, which a host compiler can include: $CUDA_HOME, /usr/local/cuda, beside nvcc, /usr/include.
include=""
candidates=()
[ -n "${CUDA_HOME:-}" ] && candidates+=("$CUDA_HOME/include")
candidates+=(/usr/local/cuda/include)
if nvcc_path=$(command -v nvcc 2>/dev/null); then
  candidates+=("$(dirname "$(readlink -f "$nvcc_path")")/../include")
fi
candidates+=(/usr/include)
for dir in "${candidates[@]}"; do
  if [ -f "$dir/cuda_fp16.h" ] && [ -f "$dir/cuda_bf16.h" ]; then
    include=$(cd "$dir" && pwd)
    break
  fi
done
[ -n "$include" ] || { echo "no CUDA headers (cuda_fp16.h) in: ${candidates[*]}"; exit 3; }

lib="$out/libsdjemu.so"
inputs=("$here"/emu.h "$here"/emu_state.h "$here"/emu_runtime.cpp "$here"/emu_barriers.cpp "$here"/emu_wgmma.cpp
  "$0" "$kernels"/*.cuh "${units[@]}")
if [ -f "$lib" ]; then
  fresh=1
  for f in "${inputs[@]}"; do [ "$f" -nt "$lib" ] && fresh=0; done
  if [ "$fresh" = 1 ]; then
    echo "emulator up to date: $lib"
    exit 0
  fi
fi

mkdir -p "$out/src"
flags=(-std=c++20 -O1 -fPIC -pthread -Wno-unknown-pragmas -Wno-psabi -I"$include" -I"$kernels" -I"$here")

# Dynamic shared memory, `extern __shared__ [__align__(N)] [unsigned] T name[];`, becomes a pointer to the launch's
# buffer: a static cannot be extern. Everything else compiles as written.
rewrite() {
  {
    echo "#line 1 \"$1\""
    sed -E 's/extern[[:space:]]+__shared__[[:space:]]+(__align__\([0-9]+\)[[:space:]]+)?((unsigned[[:space:]]+)?[A-Za-z_][A-Za-z0-9_:]*)[[:space:]]+([A-Za-z_][A-Za-z0-9_]*)\[\][[:space:]]*;/\2* const \4 = reinterpret_cast<\2*>(::emu::dynamic_shared());/' "$1"
  } >"$2"
  if grep -q 'extern[[:space:]]*__shared__' "$2"; then
    echo "$1: an extern __shared__ declaration build-emu.sh cannot rewrite (one plain or unsigned type, one array)"
    exit 1
  fi
}

# The headers too, beside the units: a unit's #include "x.cuh" finds the rewritten one in its own directory first.
for h in "$kernels"/*.cuh; do rewrite "$h" "$out/src/$(basename "$h")"; done
objects=()
sources=()
for cu in "${units[@]}"; do
  f=$(basename "$cu" .cu)
  unit="$out/src/$f.cpp"
  rewrite "$cu" "$unit.tmp"
  # The kernels are defined through macros: their names come from the preprocessed text, joined into one line so that
  # a parameter list may span several.
  names=$("$cxx" "${flags[@]}" -x c++ -include emu.h -E "$unit.tmp" | tr '\n' ' ' |
    grep -oE 'extern "C"[[:space:]]+void[[:space:]]+[A-Za-z_][A-Za-z0-9_]*[[:space:]]*\([^()]*\)[[:space:]]*\{' |
    sed -E 's/extern "C"[[:space:]]+void[[:space:]]+([A-Za-z_][A-Za-z0-9_]*).*/\1/' | sort -u)
  [ -n "$names" ] || { echo "$cu: no extern \"C\" kernels found"; exit 1; }
  {
    cat "$unit.tmp"
    echo "#line 1 \"$f.registry\""
    for n in $names; do echo "SDJ_EMU_KERNEL($n)"; done
  } >"$unit"
  rm -f "$unit.tmp"
  sources+=("$unit")
  objects+=("$out/src/$f.o")
done

# Two at a time: the kernels' templates make each file a few seconds of g++.
pids=()
for f in emu_runtime emu_barriers emu_wgmma; do
  sources+=("$here/$f.cpp")
  objects+=("$out/src/$f.o")
done
failed=0
for i in "${!sources[@]}"; do
  if [ "${#pids[@]}" -ge 2 ]; then
    wait "${pids[0]}" || failed=1
    pids=("${pids[@]:1}")
  fi
  "$cxx" "${flags[@]}" -x c++ -include emu.h -c "${sources[$i]}" -o "${objects[$i]}" &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || failed=1; done
[ "$failed" = 0 ] || { echo "g++ failed (above)"; exit 1; }
"$cxx" -shared -pthread -o "$lib.tmp" "${objects[@]}"
mv -f "$lib.tmp" "$lib"
echo "emulator built: $lib ($(for u in "${units[@]}"; do basename "$u" .cu; done | xargs), headers from $include)"
