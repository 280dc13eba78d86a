#!/usr/bin/env bash
# Builds the attention tuning image: OUT_DIR/attention_tune.cubin (sm_90a), attention_tune.cu's kernels of
# wgmma_kernel.cuh's template in shapes sdj's table does not have, for AttentionTune to time on a GPU against the
# table's; OUT_DIR/attention_tune.list, those kernels that ptxas neither spilled nor serialized the wgmma of, one per
# line, grouped by head size (the others are left out, and named on stderr); OUT_DIR/attention_tune-ptxas.txt, ptxas's
# report. scripts/gpu-check.sh bundle runs it; gpu-check.sh tune runs it on the GPU machine with SDJ_TUNE_ROWS, rows in
# place of the file's own: "DP,BC,STAGES,CONSUMERS,W,SOFTMAX,FLAGS" tuples separated by ';' (attention_tune.cu says
# what each means).
# Usage: build-tune.sh OUT_DIR [NVCC]
set -euo pipefail
out=$1
nvcc=${2:-nvcc}
here=$(cd "$(dirname "$0")" && pwd)
kernels=$(cd "$here/../../main/cuda" && pwd)
mkdir -p "$out"
report="$out/attention_tune-ptxas.txt"
rows=()
if [ -n "${SDJ_TUNE_ROWS:-}" ]; then
  : >"$out/rows.inc"
  IFS=';' read -r -a tuples <<<"$SDJ_TUNE_ROWS"
  for t in "${tuples[@]}"; do
    t=${t//[[:space:]]/}
    [ -z "$t" ] && continue
    [[ "$t" =~ ^[0-9]+(,[0-9]+){6}$ ]] || { echo "SDJ_TUNE_ROWS: '$t' is not 7 comma-separated integers" >&2; exit 2; }
    echo "SDJ_TUNE(${t//,/, })" >>"$out/rows.inc"
  done
  rows=(-DSDJ_TUNE_ROWS_FILE="\"$(cd "$out" && pwd)/rows.inc\"")
fi
"$nvcc" -O3 -std=c++17 -lineinfo -gencode arch=compute_90a,code=sm_90a -Xptxas -v -cubin -I"$kernels" "${rows[@]}" \
  -o "$out/attention_tune.cubin" "$here/attention_tune.cu" >"$report" 2>&1 || { cat "$report" >&2; exit 1; }
# A kernel's lines follow its "Compiling entry function" line; ptxas's serialization warnings name the function.
awk '
  /Compiling entry function/ { match($0, /\x27[A-Za-z0-9_]+\x27/); name = substr($0, RSTART + 1, RLENGTH - 2);
                               names[++n] = name; next }
  /spill (stores|loads)/ { if ($0 !~ /0 bytes spill stores, 0 bytes spill loads/) bad[name] = "spills" }
  /wgmma.mma_async instructions are serialized/ {
    if (match($0, /function \x27[A-Za-z0-9_]+\x27/)) bad[substr($0, RSTART + 10, RLENGTH - 11)] = "serialized";
    else bad[name] = "serialized" }
  END { for (i = 1; i <= n; i++) if (names[i] in bad) printf "%s %s\n", names[i], bad[names[i]] > "/dev/stderr";
                                  else print names[i] }
' "$report" | sort -s -t_ -k4,4 >"$out/attention_tune.list"
echo "attention tuning image: $(wc -l <"$out/attention_tune.list") kernels in $out/attention_tune.cubin"
