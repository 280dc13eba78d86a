#!/usr/bin/env bash
# GPU checks of sd-cuda, in two halves.
#
#   scripts/gpu-check.sh bundle   (on a build machine with JDK 25 and Maven; no GPU needed)
#     Builds gpu-bundle/ (git-ignored, < 60 MB): a jlink'd Java 25 runtime (xz-packed), the jars (sd-core, sd-cuda with its
#     kernels, JavaCPP's cuda + javacpp linux-x86_64, jackson, junit-platform-console-standalone; xz-packed), sd-cuda's test
#     classes, the ptxas report, the tiny-sd1 fixtures and the scheduler loops (run there on fp16 latents), and the
#     attention tuning image (sd-cuda/src/test/tune, build-tune.sh; SDJ_BUNDLE_TUNE=0 leaves it out, for 'check'; left
#     out by itself where bundle and tree would not fit the device tool's 64 MiB, unless SDJ_BUNDLE_TUNE is set).
#
#   scripts/gpu-check.sh run      (on the GPU machine, from the repository root; needs no Java, Maven or network)
#     Finds cuBLAS/cuDNN/NVRTC in the PyTorch wheels (nvidia.* packages) and the driver, runs every test of org.sdj.cuda
#     (the GPU ones included), one SD 1.5 UNet step (with an op-by-op device-time profile) against PyTorch eager
#     (benchmarks/torch/unet_step.py), the attention benchmark (mma.sync and wgmma kernels) and PyTorch's SDPA at the
#     same shapes, how much of the wgmma kernels' softmax runs under O += P V as the machine's cuobjdump reads their
#     SASS (overlap.txt), the attention tuning image's kernels against sdj's (AttentionTune: other tile lengths, stages,
#     consumers, swizzles, softmax forms, turns, fences, clusters of two blocks, stages given back by warp, persistent
#     blocks), then as the deadline leaves room: a second sweep of what the first measured, combined (TuneCombinations;
#     its image built there by the toolkit's nvcc); the sweeps' winners in place of the table's kernels (TuneWinners,
#     -Dsdj.cuda.wgmmaTuned) for the wgmma rule test, the attention benchmark and the UNet step; Nsight Compute's
#     sections of the fastest tuning kernels at head sizes 80 and 160 (the missed targets) beside sdj's (where ncu is
#     there and can read the counters); a whole 512x512 txt2img with its peak device memory; the VAE decode with its op
#     profile against PyTorch eager (benchmarks/torch/vae_decode.py), again with NCHW images and with its wide attention
#     head on the CUDA-core kernel instead of cuBLASLt products (-Dsdj.cuda.wideProducts=false); the channels-last group
#     norm's three kernels timed apart at the UNet's shapes, and its one-kernel form (GroupNormBench); and the UNet step
#     again with the wgmma kernels on plain grids, not row plans (-Dsdj.cuda.wgmmaRowPlan=false, RowPlan; the attention benchmark too,
#     after SDPA), with no group norm in one kernel and with those of up to 256 pixels a sample (the default: 1024;
#     -Dsdj.cuda.groupNormCluster=false, =256), with the wgmma kernel's K and V tiles copied by one bulk copy each
#     (-Dsdj.cuda.wgmmaTmaTile=true), with
#     group norms cut into fewer, longer chunks (-Dsdj.cuda.groupNormBlocks=256 and 128 in place of 1024), with
#     attention on the mma.sync kernel (-Dsdj.cuda.attention=mma), with cp.async in place of the wgmma kernel's bulk
#     tensor copies (-Dsdj.cuda.wgmmaTma=false), with NCHW images (-Dsdj.cuda.channelsLast=false) and with q, k and v
#     projected apart (-Dsdj.cuda.fusedProjections=false). Writes the results under $OUT (or gpu-out/ when OUT is
#     unset): a summary (summary.txt, also printed) and every log in one archive (logs.tar.gz; the device tool brings
#     back only so many files). Budget: under 6 minutes, held by one deadline (each part gets its own limit or what is
#     left of 340 s).
#
#   scripts/gpu-check.sh check    (on the GPU machine; about 4 minutes, 7 with the stalls and variants)
#     The tests of org.sdj.cuda (SDJ_TESTS_SECONDS, default 120; SDJ_TEST_CLASSES, simple names, for a few alone), SDXL
#     base's UNet step beside PyTorch eager's and its whole 1024x1024 txt2img, then as the deadline leaves room the
#     attention benchmark beside PyTorch's SDPA, SD 1.5's UNet step beside PyTorch eager, its whole txt2img and
#     GroupNormBench: the short confirmation of a change (a tuning winner adopted) in a device session's last minutes;
#     ncu's stall reasons of the table's kernels at padded head sizes 80 and 160 (stalls.txt, as 'run' takes them too)
#     and the instructions they wait at (sites-d80.txt, sites-d160.txt; SDJ_CHECK_STALLS=0 leaves both out); the
#     attention benchmark and the UNet step with each of SDJ_CHECK_VARIANTS (default "wgmmaRowPlan=false
#     groupNormCluster=false"), each followed by the defaults again, the first before the stalls, the others after.
#
#   scripts/gpu-check.sh tests    (on the GPU machine; about a minute)
#     The tests of org.sdj.cuda alone (SDJ_TEST_CLASSES, simple names, for a few), e.g. after a change to the
#     pipelines that no kernel change comes with.
#
#   scripts/gpu-check.sh sweep    (on the GPU machine; a minute or two)
#     The bundle's tuning image alone, timed against sdj's kernels: with a bundle built with SDJ_TUNE_ROWS (as
#     build-tune.sh takes them), a few rows tried in a session's last minutes of device time.
#
#   scripts/gpu-check.sh tune     (on the GPU machine, after 'run' in the same session, or on its own)
#     The tuning sweep alone (tune_checks), its image built there from this tree, SDJ_TUNE_ROWS choosing the rows
#     ('auto': TuneCombinations of the sweeps the last run on this machine made), then the winners of every sweep on
#     the machine in place of the table's kernels (as in 'run') and ncu.
#
# Through the device tool: run(command="scripts/gpu-check.sh run", carry=["gpu-bundle"], timeout_s=480); a second look
# at other shapes: run(command="SDJ_TUNE_ROWS='128,176,2,2,128,0,7;...' scripts/gpu-check.sh tune",
# carry=["gpu-bundle"], timeout_s=300), or SDJ_TUNE_ROWS=auto at once after 'run' on the same warm machine.
# After a run, AttentionTune's `speed` column ranks the tuning shapes per head size (over sdj's kernel), and the
# summary's "winners in place of the table's kernels" part says what they do to the rule test, the attention benchmark
# and the UNet step; a winner joins sdj by its row in sd-cuda/src/main/cuda/flash_attention_wgmma.cu and
# WgmmaKernel.TABLE (FlashAttentionWgmmaLaunchTest keeps the two equal), in float16 and bfloat16.
# SDJ_TUNE_HEADS (padded head sizes, "48 80 160") keeps a sweep to those head sizes' kernels of the image.
# SDJ_GPU_SECONDS sets the deadline of 'run', 'check' or 'tune' in place of its own (for the last minutes of a session's
# device time). Every 15 s the logs so far go to $OUT as logs.tar.gz, whether or not the run gets to its summary.
# SDJ_GPU_JAVA_OPTS adds JVM options to every Java part (CUDA graphs off, the convolution workspace, which
# convolutions run on cuBLASLt: see CudaOptions), so that a second run on the device can try them without a rebuild.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
bundle=$root/gpu-bundle
mode=${1:-}
if [ -z "$mode" ]; then
  if command -v nvidia-smi >/dev/null 2>&1 && [ -d "$bundle" ]; then mode=run; else mode=bundle; fi
fi

make_bundle() {
  set -e
  if [ -d /usr/lib/jvm/temurin-25-jdk-amd64 ]; then
    export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 PATH=/usr/lib/jvm/temurin-25-jdk-amd64/bin:$PATH
  fi
  local fixtures=${SDJ_FIXTURES:-$root/../shared/fixtures}
  [ -d "$fixtures/tiny-sd1" ] || { echo "fixtures not found at $fixtures (set SDJ_FIXTURES)" >&2; exit 1; }
  mvn -B -ntp -q install -pl sd-core -DskipTests
  mvn -B -ntp -q package -pl sd-cuda -DskipTests
  [ -f sd-cuda/target/classes/org/sdj/cuda/kernels/kernels.list ] || {
    echo "sd-cuda was built without kernels: nvcc is needed for the bundle" >&2; exit 1; }
  rm -rf "$bundle"
  mkdir -p "$bundle/lib" "$bundle/fixtures-tmp/fixtures"
  (cd sd-cuda && mvn -B -ntp -q dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile="$bundle/classpath.txt")
  tr ':' '\n' <"$bundle/classpath.txt" | grep -v -E '/(junit|opentest4j|apiguardian)' | while read -r jar; do
    cp "$jar" "$bundle/lib/"
  done
  rm "$bundle/classpath.txt"
  local platform=1.14.4
  mvn -B -ntp -q dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:$platform \
    -DoutputDirectory="$bundle"
  mv "$bundle/junit-platform-console-standalone-$platform.jar" "$bundle/junit-console.jar"
  cp sd-cuda/target/sd-cuda-*-SNAPSHOT.jar "$bundle/lib/"
  # The SD 2, LoRA, VAE tiling, single-file SDXL (base and refiner), SDXL LoRA, image encoder and most IP-Adapter
  # fixtures in sd-core's test jar serve only sd-core's own tests (sd-cuda's take tiny-sd1, the inpainting and the SDXL
  # folder ones, IP-Adapter Plus with its image encoder, and the tiny 4x ESRGAN); the device tool carries 64 MiB.
  zip -q -d "$bundle"/lib/sd-core-*-tests.jar 'fixtures-sd2/*' 'lora/*' 'vae-tiling/*' 'sdxl/tiny-sdxl-single-file.json' \
    'sdxl/tiny-sdxl-refiner-single-file.json' 'sdxl/kohya-lora.safetensors' 'clip-vision/*' 'ip-adapter/*.bin' \
    'ip-adapter/*expected.safetensors' 'ip-adapter/sdxl-ip-adapter.safetensors' 'tiling/*' 'mask-crop/*' \
    'brownian/*' 'dpmpp-sde/*' 'sdxl/tiling-masked-expected.safetensors' 'masked-content/*' 'esrgan/*expected*' \
    'esrgan/tiny-x2*' 'esrgan/tiny-x4-old*' 'sd-upscale/*' 'philox/*' 'a1111-noise/*' 'freeu/*' 'pag/*' 'nearest/*' 'img2img-steps/*' 'taesd/expected*' 'taesd/*.png'
  cp -r sd-cuda/target/test-classes "$bundle/test-classes"
  cp sd-cuda/target/cuda/ptxas-report.txt "$bundle/ptxas-report.txt"
  # The attention tuning image (AttentionTune): 22 MB of cubin in parts, 3 MB xz-packed; 'run' unpacks it into /tmp.
  # SDJ_BUNDLE_TUNE=0 leaves it out (a bundle for 'check' alone, which never uses it) when the tree has grown.
  if [ "${SDJ_BUNDLE_TUNE:-1}" != 0 ]; then
    bash sd-cuda/src/test/tune/build-tune.sh "$bundle/tune-tmp/tune"
    tar -C "$bundle/tune-tmp" -cf - tune | xz -9 -T2 >"$bundle/tune.tar.xz"
    rm -rf "$bundle/tune-tmp"
  fi
  cp -r "$fixtures/tiny-sd1" "$fixtures/tiny-sd1-expected" "$fixtures/diffusers-scheduler-loops" \
    "$bundle/fixtures-tmp/fixtures/"
  # xz saves ~3 MB of the fixtures (the tokenizer's text most): the device tool carries the tree and the bundle in
  # 64 MiB, and the tree is 8 MB. 'run' unpacks them into /tmp.
  tar -C "$bundle/fixtures-tmp" -cf - fixtures | xz -9 -T2 >"$bundle/fixtures.tar.xz"
  rm -rf "$bundle/fixtures-tmp"
  # Only what the GPU tests load: JavaCPP needs jdk.unsupported, JUnit's console java.xml, the inpainting, ControlNet
  # and IP-Adapter tests' images java.desktop, the SDXL tests' fixtures read inside sd-core's test jar jdk.zipfs (all
  # four failed without them on 2026-11-28); sd-core's hub client (java.net.http) is never loaded there.
  # The modules image stays uncompressed (zip-0) for xz to pack: 13.8 MB in all against 22.2 MB with jlink's zip-9,
  # whose compressed image xz cannot shrink (2026-11-28).
  jlink --add-modules java.base,java.desktop,java.logging,java.xml,jdk.unsupported,jdk.zipfs \
    --strip-debug --no-header-files --no-man-pages --compress zip-0 --output "$bundle/jre"
  strip --strip-unneeded "$bundle/jre/lib/server/libjvm.so"
  # xz packs the runtime (libjvm.so and the modules image are most of it) and keeps the bundle under 60 MB; 'run'
  # unpacks it into /tmp.
  tar -C "$bundle" -cf - jre | xz -9 -T2 >"$bundle/jre.tar.xz"
  rm -rf "$bundle/jre"
  # JavaCPP's cuda jar carries JNI wrappers for every CUDA library; sdj loads four of them.
  local cudajar
  cudajar=$(ls "$bundle"/lib/cuda-*-linux-x86_64.jar)
  zip -q -d "$cudajar" $(unzip -Z1 "$cudajar" | grep -E '\.so$' |
    grep -v -E '/libjni(cudart|cublas|cudnn|nvrtc)\.so$')
  # The jars stored uncompressed and xz-packed together (15 MB of deflated jars in 10 MB): with java.desktop and
  # jdk.zipfs in the runtime the bundle and the tree had reached the device tool's 64 MiB. 'run' unpacks them into /tmp.
  local jar stage=$bundle/jars-tmp
  mkdir -p "$stage/jars/lib"
  for jar in "$bundle"/lib/*.jar "$bundle/junit-console.jar"; do
    store_jar "$jar" "$stage/jars/${jar#"$bundle"/}"
  done
  tar -C "$stage" -cf - jars | xz -9 -T2 >"$bundle/jars.tar.xz"
  rm -rf "$stage" "$bundle/lib" "$bundle/junit-console.jar"
  local bytes
  bytes=$(du -sb "$bundle" | cut -f1)
  echo "gpu-bundle: $((bytes / 1024 / 1024)) MiB in $bundle"
  du -sh "$bundle"/* | sort -h
  if [ "$bytes" -gt $((60 * 1024 * 1024)) ]; then
    echo "gpu-bundle is over 60 MB" >&2
    exit 1
  fi
  # The device tool carries the working tree (tracked and untracked files git does not ignore) and the bundle in
  # 64 MiB: say so here, not on the device's time.
  local tree
  tree=$(git ls-files -z -c -o --exclude-standard | du -cb --files0-from=- 2>/dev/null | tail -1 | cut -f1)
  echo "with the working tree ($((tree / 1024 / 1024)) MiB):" \
    "$(((bytes + tree) / 1024 / 1024)) MiB of the device tool's 64"
  if [ $((bytes + tree)) -gt $((63 * 1024 * 1024)) ] && [ -z "${SDJ_BUNDLE_TUNE:-}" ] \
    && [ -f "$bundle/tune.tar.xz" ]; then
    # 'check' and 'tests' never use the tuning image: without it the bundle fits (2026-11-29: 63.5 MiB with it).
    rm -f "$bundle/tune.tar.xz"
    bytes=$(du -sb "$bundle" | cut -f1)
    echo "left the attention tuning image out (SDJ_BUNDLE_TUNE=1 keeps it, for 'run' and 'sweep'):" \
      "$(((bytes + tree) / 1024 / 1024)) MiB of the device tool's 64"
  fi
  if [ $((bytes + tree)) -gt $((63 * 1024 * 1024)) ]; then
    echo "gpu-bundle and the working tree are over 63 MiB: the device tool carries 64 MiB in all" >&2
    exit 1
  fi
}

# Jar $1 again as $2 with its entries stored, not deflated (the manifest first), for xz to pack.
store_jar() {
  local tmp
  tmp=$(mktemp -d)
  (cd "$tmp" && unzip -q "$1" && rm -f "$2" &&
    { [ ! -f META-INF/MANIFEST.MF ] || zip -q -0 -X "$2" META-INF/MANIFEST.MF; } &&
    zip -q -0 -X -r "$2" . -x META-INF/MANIFEST.MF)
  rm -rf "$tmp"
}

# Directories that hold the CUDA libraries: the nvidia.* wheels of PyTorch, the toolkit, the driver.
library_path() {
  local dirs=()
  if command -v python3 >/dev/null 2>&1; then
    while read -r d; do dirs+=("$d"); done < <(python3 - <<'PY' 2>/dev/null
import glob, os
try:
    import nvidia
except ImportError:
    raise SystemExit
seen = set()
for base in nvidia.__path__:
    for lib in glob.glob(os.path.join(base, "**", "lib*.so*"), recursive=True):
        d = os.path.dirname(lib)
        if d not in seen:
            seen.add(d)
            print(d)
PY
)
  fi
  for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib /usr/lib/x86_64-linux-gnu /usr/local/cuda/lib64; do
    [ -d "$d" ] && dirs+=("$d")
  done
  (IFS=:; echo "${dirs[*]}")
}

# The bundle unpacked (runtime, fixtures), the CUDA libraries found, the java command line and class path, and one
# deadline $1 seconds on (globals: dest, out, jars, java, cp, deadline).
prepare() {
  dest=${OUT:-$root/gpu-out}
  out=/tmp/sdj-gpu-logs
  rm -rf "$out"
  mkdir -p "$out" "$dest"
  [ -f "$bundle/jre.tar.xz" ] || { echo "no bundle at $bundle: run 'scripts/gpu-check.sh bundle' first and carry gpu-bundle" >&2; exit 1; }
  local jre=/tmp/sdj-jre
  [ -x "$jre/jre/bin/java" ] || unpack "$bundle/jre.tar.xz" "$jre"
  local data=/tmp/sdj-fixtures
  rm -rf "$data"
  unpack "$bundle/fixtures.tar.xz" "$data"
  jars=/tmp/sdj-jars/jars
  rm -rf /tmp/sdj-jars
  unpack "$bundle/jars.tar.xz" /tmp/sdj-jars
  nvidia-smi >"$out/nvidia-smi.txt" 2>&1
  export LD_LIBRARY_PATH="$(library_path)${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH" >>"$out/nvidia-smi.txt"
  for lib in libcuda.so.1 libcudart.so.13 libcublasLt.so.13 libcudnn.so.9 libnvrtc.so.13; do
    found=$(for d in ${LD_LIBRARY_PATH//:/ }; do [ -e "$d/$lib" ] && echo "$d/$lib" && break; done)
    echo "$lib: ${found:-NOT FOUND}" | tee -a "$out/nvidia-smi.txt"
  done
  java=("$jre/jre/bin/java" --enable-native-access=ALL-UNNAMED
    -Dsdj.fixtures="$data/fixtures" -Dsdj.cuda.ptxasReport="$bundle/ptxas-report.txt"
    -Dorg.bytedeco.javacpp.pathsFirst=true -Djava.library.path="$LD_LIBRARY_PATH")
  # Extra JVM options for every Java part, e.g. SDJ_GPU_JAVA_OPTS="-Dsdj.cuda.graphs=false -Dsdj.cuda.convWorkspaceMiB=64"
  # or -Dsdj.cuda.gemmConvPixels=0 (all CudaOptions): what a run on the device can change without a rebuild.
  if [ -n "${SDJ_GPU_JAVA_OPTS:-}" ]; then
    read -r -a extra <<<"$SDJ_GPU_JAVA_OPTS"
    java+=("${extra[@]}")
  fi
  cp="$bundle/test-classes:$(ls "$jars"/lib/*.jar | tr '\n' ':')"
  # One deadline for the whole run (the device session is short): each part gets its own limit or what is left.
  deadline=$((SECONDS + ${SDJ_GPU_SECONDS:-$1}))
  # The logs so far into $dest every 15 s, so that a run the device tool cuts off (a hung kernel whose process the
  # driver takes minutes to end, say) still brings back what it measured; deliver stops it.
  (while sleep 15; do tar -C "$out" -czf "$dest/.logs.tmp" . 2>/dev/null && mv "$dest/.logs.tmp" "$dest/logs.tar.gz"
  done) >/dev/null 2>&1 &
  checkpoints=$!
  trap 'kill "$checkpoints" 2>/dev/null' EXIT
}

# Archive $1 (tar.xz) unpacked into directory $2.
unpack() {
  mkdir -p "$2"
  tar -C "$2" -xJf "$1" 2>/dev/null ||
    python3 -c "import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])" "$1" "$2"
}

# Seconds for a part that wants $1: that, or what is left before the deadline (at least 5).
left() { local l=$((deadline - SECONDS)); if [ "$l" -lt "$1" ]; then echo $((l > 5 ? l : 5)); else echo "$1"; fi; }
# Command $2... within $1 seconds or what is left before the deadline (left), then killed: a JVM that a hung kernel
# keeps from ending ignores the first signal.
limit() { local seconds; seconds=$(left "$1"); shift; timeout -k 5 "$seconds" "$@"; }

# The attention tuning image in directory $1 (attention_tune_N.cubin and .list): its kernels against sdj's at each head
# size, into $out/$2.txt (tune by default).
tune_part() {
  local tune=$1 log="$out/${2:-tune}.txt"
  echo "== attention tuning (sdj, AttentionTune, $(basename "$log")) =="
  : >"$log"
  # SDJ_TUNE_HEADS (padded head sizes, e.g. "48 80 160"): only those kernels of the image, to spend a short session's
  # device time where a target is missed.
  if [ -n "${SDJ_TUNE_HEADS:-}" ]; then
    local heads
    heads=$(echo "$SDJ_TUNE_HEADS" | tr -s ' ,' '||' | sed 's/^|//; s/|$//')
    grep -E "_d($heads)_" "$tune/attention_tune.list" >"$tune/attention_tune.list.tmp" || true
    mv "$tune/attention_tune.list.tmp" "$tune/attention_tune.list"
    echo "SDJ_TUNE_HEADS=$SDJ_TUNE_HEADS: $(wc -l <"$tune/attention_tune.list") kernels" >>"$log"
  fi
  # A hung or failing kernel ends its JVM with the index to go on from. Where it ran in clusters (FLAG_CLUSTER, whose
  # instructions no GPU had run before), the other cluster kernels are left out too: a hang costs 10 s each.
  local from=0 next rc bad skip=()
  while :; do
    limit 60 "${java[@]}" -cp "$cp" org.sdj.cuda.AttentionTune "$tune" --from=$from \
      ${skip[@]+"${skip[@]}"} >>"$log" 2>&1
    rc=$?
    next=$(grep -o 'resume-from: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$')
    bad=$(grep -oE '^(hung|failed): sdj_tune_[a-z0-9_]+' "$log" | tail -1 | sed 's/.* //')
    if [ -n "$bad" ] && (( ${bad##*_f} & 8 )) && [ ${#skip[@]} = 0 ]; then
      skip=(--no-clusters)
      echo "cluster kernels left out after $bad" >>"$log"
    fi
    if { [ "$rc" = 3 ] || [ "$rc" = 4 ]; } && [ -n "$next" ] && [ "$next" -gt "$from" ]; then from=$next; else break; fi
  done
}

# Nsight Compute's sections of sdj's kernel and the fastest tuning kernel (of the image in directory $1, as the sweep
# in $out/tune.txt timed it) at the padded head sizes matching $2 (a regex), one launch each (the clocks as they are:
# METHOD.md), into $out/ncu.txt. Where ncu cannot read the counters, its log says why.
ncu_part() {
  local tune=$1 dps=$2
  if command -v ncu >/dev/null 2>&1 && [ $((deadline - SECONDS)) -ge 60 ]; then
    local best
    best=$(awk -v dps="$dps" '{ f = $1; sub(/.*_f/, "", f) }
      $1 ~ "^sdj_tune_f16_d(" dps ")_" && $6 + 0 > 0 && int(f / 64) % 4 == 0 {
        dp = $1; sub(/_k.*/, "", dp); if ($6 + 0 > b[dp]) { b[dp] = $6 + 0; n[dp] = $1 } }
      END { s = ""; for (dp in n) s = s (s == "" ? "" : "|") n[dp]; print s }' "$out/tune.txt")
    if [ -n "$best" ]; then
      echo "== ncu: sdj's kernel and the fastest tuning kernel at padded head sizes $dps ($best) =="
      # The sections this ncu has, of those wanted (an unknown one would fail the whole run).
      local sections=() known
      known=$(ncu --list-sections 2>/dev/null)
      for sec in SpeedOfLight MemoryWorkloadAnalysis MemoryWorkloadAnalysis_Tables ComputeWorkloadAnalysis \
          WarpStateStats SchedulerStats LaunchStats; do
        grep -qw -- "$sec" <<<"$known" && sections+=(--section "$sec")
      done
      limit 90 ncu --clock-control none --kernel-name-base function \
        --kernel-name "regex:^(sdj_flash_attention_wgmma_f16_d($dps)|$best)\$" "${sections[@]}" \
        "${java[@]}" -cp "$cp" org.sdj.cuda.AttentionTune "$tune" "--only=$best" --once >"$out/ncu.txt" 2>&1
    fi
  fi
}

# Where the table's attention kernels wait, at each padded head size of $1 (e.g. "80 160"): ncu's stall reasons (the
# cycles a warp spends stalled per instruction issued, by reason: turns and named barriers show as barrier, mbarrier
# waits as long scoreboard or branch resolving, wgmma waits as wait, the special-function units as math pipe
# throttle) and the pipes' activity, of one launch under AttentionBench after its warm-up, into $out/stalls.txt. Only
# the metrics this ncu knows (an unknown one would fail the whole command).
stalls_part() {
  command -v ncu >/dev/null 2>&1 || return 0
  local known wanted=() m dp
  known=$(ncu --query-metrics 2>/dev/null)
  for m in barrier long_scoreboard short_scoreboard wait math_pipe_throttle mio_throttle not_selected selected \
      dispatch_stall sleeping branch_resolving membar no_instruction drain misc lg_throttle; do
    grep -qw "smsp__average_warps_issue_stalled_${m}_per_issue_active" <<<"$known" &&
      wanted+=("smsp__average_warps_issue_stalled_${m}_per_issue_active.ratio")
  done
  for m in sm__pipe_tensor_op_gmma_cycles_active sm__pipe_tensor_op_hmma_cycles_active sm__inst_executed_pipe_xu \
      smsp__issue_active; do
    grep -qw "$m" <<<"$known" && wanted+=("$m.avg.pct_of_peak_sustained_active")
  done
  [ ${#wanted[@]} -gt 0 ] || { echo "ncu knows none of the stall metrics" >"$out/stalls.txt"; return 0; }
  : >"$out/stalls.txt"
  for dp in $1; do
    [ $((deadline - SECONDS)) -ge 40 ] || break
    echo "== ncu stall reasons: sdj_flash_attention_wgmma_f16_d$dp ==" | tee -a "$out/stalls.txt"
    ncu_table "$dp" --metrics "$(IFS=,; echo "${wanted[*]}")" >>"$out/stalls.txt" 2>&1
  done
}

# ncu with options $2... on one launch of the table's float16 kernel at padded head size $1 under AttentionBench,
# after its warm-up, within 60 s.
ncu_table() {
  local dp=$1
  shift
  limit 60 ncu --clock-control none --kernel-name-base function --kernel-name "sdj_flash_attention_wgmma_f16_d$dp" \
    --launch-skip 3 --launch-count 1 "$@" "${java[@]}" -cp "$cp" org.sdj.cuda.AttentionBench
}

# Where the warps of the table's kernels at padded head sizes $1 wait, instruction by instruction: ncu's warp-state
# sampling (SourceCounters) of one launch, its source page as CSV, summed by scripts/stall_sites.py into
# $out/sites-dDP.txt (the instructions with the most samples, and the samples by kind: the waits for wgmma, the
# mbarriers, the turns' named barriers, the special-function units). stalls_part says how long the warps wait;
# this says at which instruction.
sites_part() {
  command -v ncu >/dev/null 2>&1 || return 0
  local dp rep
  for dp in $1; do
    [ $((deadline - SECONDS)) -ge 60 ] || break
    echo "== ncu stall sites: sdj_flash_attention_wgmma_f16_d$dp =="
    rep=/tmp/sdj-sites-d$dp
    ncu_table "$dp" --section SourceCounters --section WarpStateStats -f -o "$rep" >"$out/sites-d$dp-ncu.txt" 2>&1
    limit 30 ncu -i "$rep.ncu-rep" --page source --print-source sass --csv >"$rep.csv" 2>>"$out/sites-d$dp-ncu.txt"
    # Where that option is unknown (an older ncu), the source page in its default view.
    [ -s "$rep.csv" ] || limit 30 ncu -i "$rep.ncu-rep" --page source --csv >"$rep.csv" 2>>"$out/sites-d$dp-ncu.txt"
    python3 "$root/scripts/stall_sites.py" "$rep.csv" >"$out/sites-d$dp.txt" 2>&1
    cp "$rep.csv" "$out/sites-d$dp.csv" 2>/dev/null
  done
}

# The GPU machine's nvcc (the toolkit's), which builds tuning images there.
device_nvcc() { command -v nvcc || echo /usr/local/cuda/bin/nvcc; }

# The softmax under O += P V, as the GPU machine's own cuobjdump reads the SASS (scripts/sass.sh --overlap, which on
# the build machine reads it through an older nvdisasm): per wgmma kernel of the table (the sd-cuda jar's fatbin) and
# of the tuning image in directory $1, the exponentials between its loop's wait for S and its wait for O += P V (flag
# 512: all of a tile's; without it 0). Into $out/overlap.txt, a few seconds.
overlap_part() {
  local cuobjdump jar
  cuobjdump=$(command -v cuobjdump || echo "$(dirname "$(device_nvcc)")/cuobjdump")
  jar=$(ls "$jars"/lib/sd-cuda-*-SNAPSHOT.jar | head -1)
  {
    echo "-- the softmax under O += P V (exponentials per tile between the loop's two waits; flag 512) --"
    if [ ! -x "$cuobjdump" ]; then
      echo "no cuobjdump here"
    else
      python3 -c "import sys, zipfile; open(sys.argv[2], 'wb').write(zipfile.ZipFile(sys.argv[1]).read(
        'org/sdj/cuda/kernels/flash_attention_wgmma.fatbin'))" "$jar" /tmp/sdj-table.fatbin
      # One file per cuobjdump: given several, it prints its usage to standard output (run 11's empty overlap.txt).
      local f
      for f in /tmp/sdj-table.fatbin "$1"/attention_tune_*.cubin; do
        limit 30 "$cuobjdump" -sass "$f"
      done | bash "$root/scripts/sass.sh" --overlap - | grep -v "_bf16_"  # the table's bfloat16 kernels: twins
    fi
  } >"$out/overlap.txt" 2>&1
}

# The rows of a second sweep (TuneCombinations: per head size the fastest kernel with the flags that won alone, each
# flag switched, on the next fastest shapes) from the AttentionTune lines in $1; empty where nothing combines.
combined_rows() { "${java[@]}" -cp "$cp" org.sdj.cuda.TuneCombinations "$1"; }

# A second sweep of what the first (its lines in $1) measured, combined, its image built here, into $out/tune2.txt.
# Returns 1 where there is nothing to combine or build.
combine_part() {
  local rows
  rows=$(combined_rows "$1" 2>>"$out/tune2-build.txt")
  echo "== attention tuning, second sweep: rows ${rows:-none} ==" | tee -a "$out/tune2-build.txt"
  [ -n "$rows" ] || return 1
  rm -rf /tmp/sdj-tune2
  SDJ_TUNE_ROWS=$rows bash "$root/sd-cuda/src/test/tune/build-tune.sh" /tmp/sdj-tune2 "$(device_nvcc)" \
    >>"$out/tune2-build.txt" 2>&1 || { tail -5 "$out/tune2-build.txt"; return 1; }
  tune_part /tmp/sdj-tune2 tune2
}

# The sweeps' winners (TuneWinners: per head size the fastest tuning kernel over sdj's, within 1e-2 of its output) in
# place of the table's kernels (-Dsdj.cuda.wgmmaTuned, TunedKernels) for the wgmma FlashAttention rule test, the
# attention benchmark and the UNet step, so that the run says what adopting them would do before they join the
# table. $1: the sweeps' AttentionTune lines (files, space-separated; absent ones ignored); the others: the
# directories of their images. Into $out/adopt*.txt; returns 1 where nothing won.
adopt_part() {
  local lines=$1 dir=/tmp/sdj-adopt n=0
  shift
  rm -rf "$dir"
  mkdir -p "$dir"
  # shellcheck disable=SC2086
  "${java[@]}" -cp "$cp" org.sdj.cuda.TuneWinners $lines >"$dir/tuned.list" 2>"$out/adopt.txt"
  echo "== the sweeps' winners in place of the table's kernels: $(tr '\n' ' ' <"$dir/tuned.list")==" |
    tee -a "$out/adopt.txt"
  [ -s "$dir/tuned.list" ] || return 1
  for images in "$@"; do
    for c in "$images"/attention_tune_*.cubin; do
      [ -f "$c" ] && cp "$c" "$dir/sweep${n}_$(basename "$c")"
    done
    n=$((n + 1))
  done
  local tuned=("-D$TUNED_PROPERTY=$dir")
  limit 60 "${java[@]}" "${tuned[@]}" -jar "$jars/junit-console.jar" execute --class-path "$cp" \
    --select-class org.sdj.cuda.FlashAttentionWgmmaRuleTest --details=tree --disable-banner --disable-ansi-colors \
    >"$out/adopt-tests.txt" 2>&1
  limit 45 "${java[@]}" "${tuned[@]}" -cp "$cp" org.sdj.cuda.AttentionBench >"$out/adopt-bench.txt" 2>&1
  limit 60 "${java[@]}" "${tuned[@]}" -cp "$cp" org.sdj.cuda.UNetStepBench >"$out/adopt-unet.txt" 2>&1
}
# TunedKernels.PROPERTY.
TUNED_PROPERTY=sdj.cuda.wgmmaTuned

# What adopt_part measured, for the summaries.
adopt_summary() {
  [ -f "$out/adopt.txt" ] || return 0
  echo "-- with the sweeps' winners in place of the table's kernels (-D$TUNED_PROPERTY) --"
  cat "$out/adopt.txt"
  [ -f "$out/adopt-tests.txt" ] || return 0
  grep -E "tests (successful|failed|aborted)" "$out/adopt-tests.txt" || tail -5 "$out/adopt-tests.txt"
  grep -E "✘|\[X\]" "$out/adopt-tests.txt" | head -10
  echo "- attention benchmark -"; grep -v "^cuda:" "$out/adopt-bench.txt" 2>/dev/null
  echo "- UNet step -"; head -32 "$out/adopt-unet.txt" 2>/dev/null
}

# The summary printed, and with every log (one archive: the device tool brings back only so many files) under $dest.
deliver() {
  kill "$checkpoints" 2>/dev/null
  wait "$checkpoints" 2>/dev/null
  rm -f "$dest/.logs.tmp"
  cat "$out/summary.txt"
  cp "$out/summary.txt" "$dest/"
  tar -C "$out" -czf "$dest/logs.tar.gz" .
}

# Every test of org.sdj.cuda but the emulator's (the GPU ones included), within $1 seconds, into $out/tests.txt and
# $out/junit; its exit code.
tests_part() {
  echo "== tests (org.sdj.cuda) =="
  # SDJ_TEST_CLASSES (simple names, space-separated): those classes alone, to rerun a few in a session's last minutes.
  local select=(--select-package org.sdj.cuda) name
  if [ -n "${SDJ_TEST_CLASSES:-}" ]; then
    select=()
    for name in $SDJ_TEST_CLASSES; do select+=(--select-class "org.sdj.cuda.$name"); done
  fi
  limit "$1" "${java[@]}" -jar "$jars/junit-console.jar" execute --class-path "$cp" \
    "${select[@]}" --exclude-classname '.*\.Emulated.*' --exclude-classname '.*\.HostDeviceTest' \
    --details=tree --disable-banner --disable-ansi-colors --reports-dir "$out/junit" >"$out/tests.txt" 2>&1
}

# The tests' counts and failures, from $out/tests.txt.
tests_summary() {
  grep -E "tests (successful|failed|aborted|skipped)|containers (failed|aborted)" "$out/tests.txt" || tail -20 "$out/tests.txt"
  grep -E "✘|\[X\]" "$out/tests.txt" | head -30
}

# The attention benchmark's figures, sdj's and PyTorch SDPA's.
attention_summary() {
  echo "-- sdj --"; cat "$out/bench-sdj.txt"
  echo "-- torch --"; cat "$out/bench-torch.txt"
  [ -s "$out/stalls.txt" ] && {
    echo "-- where the table's kernels wait (ncu; cycles stalled per issued instruction, pipes' activity) --"
    grep -E "^== |stalled|pct_of_peak|ERR|knows none" "$out/stalls.txt" | sed -E 's/smsp__average_warps_issue_//'; }
  [ -f "$out/bench-sdj-wgmmaRowPlan-false.txt" ] && {
    echo "-- sdj, -Dsdj.cuda.wgmmaRowPlan=false --"; grep -E "^wgmma " "$out/bench-sdj-wgmmaRowPlan-false.txt"; }
  return 0
}

# The UNet step's figures, sdj's and PyTorch eager's, and the whole txt2img's.
step_summary() {
  echo "-- UNet step, sdj --"; head -32 "$out/unet-sdj.txt"
  echo "-- UNet step, torch --"; tail -8 "$out/unet-torch.txt"
  echo "-- txt2img, sdj --"; tail -8 "$out/txt2img-sdj.txt"
}

# The group norm's kernels timed apart, and the one-kernel group norm (GroupNormBench).
group_norm_summary() {
  echo "-- group norm kernels, sdj (per call; chunkings of -Dsdj.cuda.groupNormBlocks, then the one-kernel cluster) --"
  grep -v "^cuda:" "$out/groupnorm-sdj.txt" 2>/dev/null | head -32
}

run_checks() {
  prepare 340
  tests_part 200
  local tests_rc=$?
  echo "== UNet step (sdj) =="
  limit 75 "${java[@]}" -cp "$cp" org.sdj.cuda.UNetStepBench >"$out/unet-sdj.txt" 2>&1
  echo "== UNet step (torch eager) =="
  limit 60 python3 "$root/benchmarks/torch/unet_step.py" >"$out/unet-torch.txt" 2>&1
  echo "== attention benchmark (sdj) =="
  limit 45 "${java[@]}" -cp "$cp" org.sdj.cuda.AttentionBench >"$out/bench-sdj.txt" 2>&1
  echo "== attention benchmark (torch SDPA) =="
  limit 30 python3 "$root/benchmarks/torch/attention_sdpa.py" >"$out/bench-torch.txt" 2>&1
  echo "== attention benchmark (sdj, -Dsdj.cuda.wgmmaRowPlan=false) =="
  limit 30 "${java[@]}" -Dsdj.cuda.wgmmaRowPlan=false -cp "$cp" org.sdj.cuda.AttentionBench \
    >"$out/bench-sdj-wgmmaRowPlan-false.txt" 2>&1
  rm -rf /tmp/sdj-tune
  if [ -f "$bundle/tune.tar.xz" ]; then
    unpack "$bundle/tune.tar.xz" /tmp/sdj-tune
    overlap_part /tmp/sdj-tune/tune
    tune_part /tmp/sdj-tune/tune
  else
    echo "== no attention tuning image in the bundle (built without it): the sweep is skipped =="
  fi
  # What the sweep measured, combined, where the deadline leaves room for a build and a second sweep; then the
  # winners in place of the table's kernels ('tune' does that otherwise); then ncu.
  if [ -d /tmp/sdj-tune/tune ]; then
    [ $((deadline - SECONDS)) -ge 150 ] && combine_part "$out/tune.txt"
    [ $((deadline - SECONDS)) -ge 100 ] && adopt_part "$out/tune.txt $out/tune2.txt" /tmp/sdj-tune/tune \
      /tmp/sdj-tune2
    ncu_part /tmp/sdj-tune/tune "80|160"
  fi
  stalls_part "80 160"
  sites_part "80"
  echo "== txt2img 512x512, 20 steps (sdj) =="
  limit 120 "${java[@]}" -cp "$cp" org.sdj.cuda.Txt2ImgBench >"$out/txt2img-sdj.txt" 2>&1
  echo "== VAE decode 512x512 (sdj) =="
  limit 40 "${java[@]}" -cp "$cp" org.sdj.cuda.VaeDecodeBench >"$out/vae-sdj.txt" 2>&1
  echo "== TAESD decode 512x512 (sdj) =="
  limit 30 "${java[@]}" -cp "$cp" org.sdj.cuda.VaeDecodeBench taesd >"$out/taesd-sdj.txt" 2>&1
  echo "== VAE decode 512x512 (torch eager) =="
  limit 30 python3 "$root/benchmarks/torch/vae_decode.py" >"$out/vae-torch.txt" 2>&1
  echo "== VAE decode 512x512 (sdj, -Dsdj.cuda.channelsLast=false) =="
  limit 40 "${java[@]}" -Dsdj.cuda.channelsLast=false -cp "$cp" org.sdj.cuda.VaeDecodeBench \
    >"$out/vae-sdj-nchw.txt" 2>&1
  echo "== VAE decode 512x512 (sdj, -Dsdj.cuda.wideProducts=false) =="
  limit 40 "${java[@]}" -Dsdj.cuda.wideProducts=false -cp "$cp" org.sdj.cuda.VaeDecodeBench \
    >"$out/vae-sdj-wide-kernel.txt" 2>&1
  echo "== group norm kernels (sdj) =="
  limit 30 "${java[@]}" -cp "$cp" org.sdj.cuda.GroupNormBench >"$out/groupnorm-sdj.txt" 2>&1
  # The UNet step again with each alternative, where the deadline leaves room.
  local variants="wgmmaRowPlan=false groupNormCluster=false groupNormCluster=256 wgmmaTmaTile=true groupNormBlocks=256
    groupNormBlocks=128 attention=mma wgmmaTma=false channelsLast=false fusedProjections=false"
  for variant in $variants; do
    if [ $((deadline - SECONDS)) -ge 40 ]; then
      echo "== UNet step (sdj, -Dsdj.cuda.$variant) =="
      limit 60 "${java[@]}" -Dsdj.cuda.$variant -cp "$cp" org.sdj.cuda.UNetStepBench \
        >"$out/unet-sdj-${variant//=/-}.txt" 2>&1
    fi
  done
  summary >"$out/summary.txt" 2>&1
  deliver
  return $tests_rc
}

# The attention benchmark and the UNet step with -Dsdj.cuda.$1, then with the defaults again, where the deadline leaves
# room.
check_variant() {
  [ $((deadline - SECONDS)) -ge 40 ] || return 0
  limit 30 "${java[@]}" -Dsdj.cuda.$1 -cp "$cp" org.sdj.cuda.AttentionBench >"$out/bench-sdj-${1//=/-}.txt" 2>&1
  limit 30 "${java[@]}" -cp "$cp" org.sdj.cuda.AttentionBench >"$out/bench-sdj-again-${1//=/-}.txt" 2>&1
  limit 45 "${java[@]}" -Dsdj.cuda.$1 -cp "$cp" org.sdj.cuda.UNetStepBench >"$out/unet-sdj-${1//=/-}.txt" 2>&1
  limit 45 "${java[@]}" -cp "$cp" org.sdj.cuda.UNetStepBench >"$out/unet-sdj-again-${1//=/-}.txt" 2>&1
}

# 'tests' on the GPU machine: the tests of org.sdj.cuda alone (SDJ_TEST_CLASSES for a few), within SDJ_GPU_SECONDS.
tests_checks() {
  prepare 120
  tests_part "${SDJ_TESTS_SECONDS:-120}"
  local tests_rc=$?
  { tests_summary; echo "(tests exit code $tests_rc; every log in logs.tar.gz)"; } >"$out/summary.txt"
  deliver
}

# 'check' on the GPU machine: the short confirmation of a change to the kernels (a table row adopted, say): the tests,
# the attention benchmark beside PyTorch's SDPA, the UNet step against PyTorch eager and the whole txt2img.
check_checks() {
  prepare 200
  tests_part "${SDJ_TESTS_SECONDS:-120}"
  local tests_rc=$?
  # SDXL first (never measured on a GPU before 2026-11-28 18:30): base's UNet step (128x128 latent; 2.6 G random
  # weights drawn on the host first) beside PyTorch eager's, then its whole 1024x1024 txt2img and peak device memory
  # (its random 6.9 GB folder written first); SD 1.5's figures, which run 12 measured, after them as the deadline
  # leaves room.
  limit 120 "${java[@]}" -cp "$cp" org.sdj.cuda.UNetStepBench 10 sdxl >"$out/unet-sdxl-sdj.txt" 2>&1
  limit 60 python3 "$root/benchmarks/torch/unet_step.py" 10 --model sdxl >"$out/unet-sdxl-torch.txt" 2>&1
  limit 180 "${java[@]}" -cp "$cp" org.sdj.cuda.Txt2ImgBench sdxl >"$out/txt2img-sdxl-sdj.txt" 2>&1
  limit 40 "${java[@]}" -cp "$cp" org.sdj.cuda.AttentionBench >"$out/bench-sdj.txt" 2>&1
  limit 30 python3 "$root/benchmarks/torch/attention_sdpa.py" >"$out/bench-torch.txt" 2>&1
  limit 60 "${java[@]}" -cp "$cp" org.sdj.cuda.UNetStepBench >"$out/unet-sdj.txt" 2>&1
  limit 50 python3 "$root/benchmarks/torch/unet_step.py" >"$out/unet-torch.txt" 2>&1
  limit 60 "${java[@]}" -cp "$cp" org.sdj.cuda.Txt2ImgBench >"$out/txt2img-sdj.txt" 2>&1
  limit 30 "${java[@]}" -cp "$cp" org.sdj.cuda.GroupNormBench >"$out/groupnorm-sdj.txt" 2>&1
  # Seamless tiling's step (each wrapped convolution padded by one kernel in its layout), never timed on a GPU.
  limit 45 "${java[@]}" -cp "$cp" org.sdj.cuda.UNetStepBench 10 sd1 tiling >"$out/unet-sdj-tiling.txt" 2>&1
  # The attention benchmark and the UNet step with each of SDJ_CHECK_VARIANTS (properties of org.sdj.cuda, without
  # the prefix), each followed by the defaults again, so that an order effect shows; the first variant before the
  # stall reasons and sites, the others after them, as the deadline leaves room.
  local variants=${SDJ_CHECK_VARIANTS-wgmmaRowPlan=false groupNormCluster=false} variant
  local first=${variants%% *}
  [ -n "$first" ] && check_variant "$first"
  if [ "${SDJ_CHECK_STALLS:-1}" != 0 ]; then
    stalls_part "80 160"
    sites_part "80 160"
  fi
  for variant in ${variants#"$first"}; do check_variant "$variant"; done
  {
    tests_summary
    attention_summary
    step_summary
    group_norm_summary
    echo "-- UNet step, SDXL, sdj --"; grep -E "unet step|weights generated|device memory|non-finite" \
      "$out/unet-sdxl-sdj.txt" | head -8
    echo "-- UNet step, SDXL, torch --"; tail -4 "$out/unet-sdxl-torch.txt"
    echo "-- txt2img, SDXL, sdj --"; tail -6 "$out/txt2img-sdxl-sdj.txt"
    echo "-- UNet step, SD 1.5 seamless, sdj --"; grep -E "unet step|non-finite" "$out/unet-sdj-tiling.txt" | head -3
    for variant in $variants; do
      for f in "bench-sdj-${variant//=/-}" "bench-sdj-again-${variant//=/-}" "unet-sdj-${variant//=/-}" \
        "unet-sdj-again-${variant//=/-}"; do
        [ -f "$out/$f.txt" ] || continue
        echo "-- $f --"
        grep -E "^(wgmma|mma) |unet step|selfAttention|crossAttention" "$out/$f.txt" | head -24
      done
    done
    for f in stalls sites-d80 sites-d160; do
      [ -f "$out/$f.txt" ] && { echo "-- $f --"; head -45 "$out/$f.txt"; }
    done
    echo "(tests exit code $tests_rc; every log in logs.tar.gz)"
  } >"$out/summary.txt" 2>&1
  deliver
  return $tests_rc
}

# 'tune' on the GPU machine: the attention tuning image built there by the toolkit's nvcc from this tree's sources
# (SDJ_TUNE_ROWS, as build-tune.sh takes it, in place of attention_tune.cu's rows where set), timed against sdj's
# kernels, with PyTorch's SDPA at the same shapes and ncu: a second, shorter look within one device session, since a
# rebuild here outlasts the machine's idle time. Writes summary.txt and logs.tar.gz as 'run' does.
tune_checks() {
  # SDJ_TUNE_ROWS=auto: the combinations of the last sweep on this machine ('run' just before, whose logs prepare
  # clears).
  local previous=/tmp/sdj-previous-tune.txt
  rm -f "$previous"
  if [ "${SDJ_TUNE_ROWS:-}" = auto ]; then
    for f in /tmp/sdj-gpu-logs/tune2.txt /tmp/sdj-gpu-logs/tune.txt; do
      [ -s "$f" ] && { cat "$f" >>"$previous"; }
    done
  fi
  prepare 270
  if [ "${SDJ_TUNE_ROWS:-}" = auto ]; then
    [ -s "$previous" ] || { echo "SDJ_TUNE_ROWS=auto: no earlier sweep on this machine" >&2; return 1; }
    SDJ_TUNE_ROWS=$(combined_rows "$previous")
    [ -n "$SDJ_TUNE_ROWS" ] || { echo "SDJ_TUNE_ROWS=auto: nothing to combine in $previous" >&2; return 1; }
    echo "SDJ_TUNE_ROWS=$SDJ_TUNE_ROWS"
    export SDJ_TUNE_ROWS
  fi
  local nvcc
  nvcc=$(device_nvcc)
  echo "== attention tuning image, built here by $nvcc =="
  rm -rf /tmp/sdj-tune-here
  if ! bash "$root/sd-cuda/src/test/tune/build-tune.sh" /tmp/sdj-tune-here "$nvcc" >"$out/tune-build.txt" 2>&1; then
    cat "$out/tune-build.txt"
    return 1
  fi
  echo "== attention benchmark (torch SDPA) =="
  limit 30 python3 "$root/benchmarks/torch/attention_sdpa.py" >"$out/bench-torch.txt" 2>&1
  overlap_part /tmp/sdj-tune-here
  tune_part /tmp/sdj-tune-here
  # The winners of every sweep on this machine in place of the table's kernels (the images of 'run' before, if any),
  # then ncu where time is left.
  adopt_part "$previous $out/tune.txt" /tmp/sdj-tune/tune /tmp/sdj-tune2 /tmp/sdj-tune-here
  ncu_part /tmp/sdj-tune-here "[0-9]+"
  {
    echo; tail -3 "$out/tune-build.txt"
    echo "-- torch --"; cat "$out/bench-torch.txt"
    tune_summary
    adopt_summary
  } >"$out/summary.txt" 2>&1
  deliver
}

# The tuning part's figures, from its logs in $out.
tune_summary() {
  echo "-- attention tuning (speed: over sdj's kernel in the same run) --"; grep -v "^cuda:" "$out/tune.txt"
  if [ -f "$out/tune2.txt" ]; then
    echo "-- second sweep (combinations) --"; grep -v "^cuda:" "$out/tune2.txt"
  fi
  echo "-- the fastest tuning kernel per head size, of those within 1e-2 of sdj's output --"
  # (Not the diagnostics, flags 64 and 128, whose output is NaN; flag 256, two blocks per SM, is attention.)
  cat "$out/tune.txt" "$out/tune2.txt" 2>/dev/null |
    awk '{ f = $1; sub(/.*_f/, "", f) }
      $1 ~ /^sdj_tune_/ && int(f / 64) % 4 == 0 && $6 + 0 > 0 && $7 + 0 < 1e-2 && $6 + 0 > b[$2] {
        b[$2] = $6 + 0; n[$2] = $1; t[$2] = $3 }
      END { for (d in n) printf "d %s: %s, %s ms, %.2fx over the table kernel\n", d, n[d], t[d], b[d] }' |
    sort -n -k2
  echo "-- diagnostics: the shape's copies alone (_f65), its products and softmax alone (_f129; _f643-647 with the"
  echo "   softmax under the products), its products alone (_f8321-8327, _f8833-8839), beside the table's --"
  grep -E "^table |_f(6[4-9]|7[01]|12[89]|13[0-5]|64[0-7]|832[0-7]|883[2-9]) " "$out/tune.txt" 2>/dev/null
  [ -f "$out/overlap.txt" ] && cat "$out/overlap.txt"
  if [ -f "$out/ncu.txt" ]; then
    echo "-- ncu (whole report in logs.tar.gz) --"
    grep -E "^  [a-z_0-9]+ \(|==ERROR==|==WARNING==|Duration|Throughput|Busy|Ipc|Hit Rate|Bank|Warp Cycles|Eligible|Issued Warp|No Eligible|Registers Per|Shared Memory Configuration|Stall" \
      "$out/ncu.txt" | head -150
  fi
}

# 'sweep' on the GPU machine: the bundle's tuning image alone against sdj's kernels (a bundle built with SDJ_TUNE_ROWS,
# a few rows, for the last minutes of a session's device time: no build there, no tests).
sweep_checks() {
  prepare 150
  if [ ! -f "$bundle/tune.tar.xz" ]; then
    echo "the bundle has no attention tuning image: build it with SDJ_BUNDLE_TUNE=1 for 'sweep'" >&2
    exit 2
  fi
  rm -rf /tmp/sdj-tune
  unpack "$bundle/tune.tar.xz" /tmp/sdj-tune
  overlap_part /tmp/sdj-tune/tune
  tune_part /tmp/sdj-tune/tune
  tune_summary >"$out/summary.txt" 2>&1
  deliver
}

# What run_checks prints at the end: the figures of every part, from its logs in $out.
summary() {
  echo
  tests_summary
  attention_summary
  tune_summary
  adopt_summary
  step_summary
  echo "-- VAE decode, sdj --"; grep -v "^cuda:" "$out/vae-sdj.txt" | head -20
  echo "-- VAE decode, torch --"; tail -3 "$out/vae-torch.txt"
  echo "-- TAESD decode, sdj --"; grep -v "^cuda:" "$out/taesd-sdj.txt" | head -6
  echo "-- VAE decode, sdj, NCHW --"; grep -v "^cuda:" "$out/vae-sdj-nchw.txt" | head -6
  echo "-- VAE decode, sdj, wide attention on the CUDA-core kernel --"
  grep -v "^cuda:" "$out/vae-sdj-wide-kernel.txt" | head -6
  group_norm_summary
  [ -f "$out/sites-d80.txt" ] && { echo "-- stall sites, d 80 --"; head -30 "$out/sites-d80.txt"; }
  for variant in $variants; do
    [ -f "$out/unet-sdj-${variant//=/-}.txt" ] && { echo "-- UNet step, sdj, -Dsdj.cuda.$variant --"
      grep -E "unet step|relative L2|conv2d |linear |attention|groupNorm" "$out/unet-sdj-${variant//=/-}.txt" | head -8; }
  done
  echo "(tests exit code $tests_rc; every log in logs.tar.gz)"
}

case "$mode" in
  bundle) make_bundle ;;
  run) run_checks ;;
  tune) tune_checks ;;
  check) check_checks ;;
  tests) tests_checks ;;
  sweep) sweep_checks ;;
  *) echo "usage: scripts/gpu-check.sh [bundle|run|tune|check|sweep]" >&2; exit 2 ;;
esac
