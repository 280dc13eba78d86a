#!/usr/bin/env bash
# Builds the attention tuning image: OUT_DIR/attention_tune_N.cubin (sm_90a, N = 0, 1, ...), attention_tune.cu's
# kernels of wgmma_kernel.cuh's template in shapes sdj's table does not have, for AttentionTune to time on a GPU against
# the table's; OUT_DIR/attention_tune.list, those kernels that ptxas neither spilled nor serialized the wgmma of, one
# per line, grouped by head size (the others are left out, and named on stderr); OUT_DIR/attention_tune-ptxas.txt,
# ptxas's report. The rows are compiled in parts, one nvcc per part and as many parts at once as there are processors
# (SDJ_TUNE_JOBS to say otherwise): ptxas takes about a second a kernel, one kernel at a time. scripts/gpu-check.sh
# bundle runs it; gpu-check.sh tune runs it on the GPU machine with SDJ_TUNE_ROWS, rows in place of the file's own:
# "DP,BC,STAGES,CONSUMERS,W,SOFTMAX,FLAGS" tuples separated by ';' (attention_tune.cu says what each means).
# Usage: build-tune.sh OUT_DIR [NVCC]
set -euo pipefail
out=$1
nvcc=${2:-nvcc}
here=$(cd "$(dirname "$0")" && pwd)
kernels=$(cd "$here/../../main/cuda" && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -f "$out"/attention_tune*.cubin "$out"/rows_*.inc "$out"/ptxas_*.txt
report="$out/attention_tune-ptxas.txt"

# The rows, one "SDJ_TUNE(...)" line each: SDJ_TUNE_ROWS's, or the file's own.
rows=()
if [ -n "${SDJ_TUNE_ROWS:-}" ]; then
  IFS=';' read -r -a tuples <<<"$SDJ_TUNE_ROWS"
  for t in "${tuples[@]}"; do
    t=${t//[[:space:]]/}
    [ -z "$t" ] && continue
    [[ "$t" =~ ^[0-9]+(,[0-9]+){6}$ ]] || { echo "SDJ_TUNE_ROWS: '$t' is not 7 comma-separated integers" >&2; exit 2; }
    rows+=("SDJ_TUNE(${t//,/, })")
  done
else
  while read -r line; do rows+=("$line"); done < <(grep -E '^SDJ_TUNE\(' "$here/attention_tune.cu")
fi
[ "${#rows[@]}" -gt 0 ] || { echo "no tuning rows" >&2; exit 2; }

jobs=${SDJ_TUNE_JOBS:-$(nproc 2>/dev/null || echo 1)}
[ "$jobs" -gt "${#rows[@]}" ] && jobs=${#rows[@]}
for ((p = 0; p < jobs; p++)); do : >"$out/rows_$p.inc"; done
# Each row as SDJ_TUNE_IN with its cluster dimensions: pairs where its flags have 8 (FLAG_CLUSTER).
for i in "${!rows[@]}"; do
  args=$(sed -E 's/^SDJ_TUNE\(([^)]*)\).*/\1/' <<<"${rows[$i]}")
  dims=""
  (( ${args##*,} & 8 )) && dims=SDJ_CLUSTER_PAIR
  echo "SDJ_TUNE_IN($dims, $args)" >>"$out/rows_$((i % jobs)).inc"
done

pids=()
for ((p = 0; p < jobs; p++)); do
  "$nvcc" -O3 -std=c++17 -lineinfo -gencode arch=compute_90a,code=sm_90a -Xptxas -v -cubin -I"$kernels" \
    -DSDJ_TUNE_ROWS_FILE="\"$out/rows_$p.inc\"" -o "$out/attention_tune_$p.cubin" "$here/attention_tune.cu" \
    >"$out/ptxas_$p.txt" 2>&1 &
  pids+=($!)
done
failed=0
for p in "${!pids[@]}"; do wait "${pids[$p]}" || { cat "$out/ptxas_$p.txt" >&2; failed=1; }; done
cat "$out"/ptxas_*.txt >"$report"
rm -f "$out"/ptxas_*.txt "$out"/rows_*.inc
[ "$failed" = 0 ] || exit 1
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
' "$report" >"$out/built.txt"
# In the rows' order (the parts interleave them), grouped by head size.
for r in "${rows[@]}"; do
  IFS=', ' read -r -a v <<<"$(sed -E 's/^SDJ_TUNE\(([^)]*)\).*/\1/' <<<"$r")"
  name="sdj_tune_f16_d${v[0]}_k${v[1]}_s${v[2]}_c${v[3]}_w${v[4]}_x${v[5]}_f${v[6]}"
  grep -qx "$name" "$out/built.txt" && echo "$name"
done | sort -s -t_ -k4,4 >"$out/attention_tune.list"
rm -f "$out/built.txt"
echo "attention tuning image: $(wc -l <"$out/attention_tune.list") kernels in $jobs parts, $out/attention_tune_*.cubin"
