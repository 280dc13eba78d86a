#!/usr/bin/env bash
# The SASS of sd-cuda's kernels on a machine without a GPU or a disassembler: what ptxas made of a kernel (instruction
# order, registers), which no test here can see.
#
#   scripts/sass.sh --install              puts Debian's nvdisasm under ~/.cache/sdj (root, apt; once per machine)
#   scripts/sass.sh FILE.cu [NVCC_ARGS]    compiles FILE for sm_90a with this machine's nvcc and prints its SASS
#   scripts/sass.sh FILE.cubin             prints a cubin's SASS
#   scripts/sass.sh --overlap FILE [NVCC_ARGS]
#                                          per wgmma attention kernel of FILE (.cu or .cubin): the exponentials
#                                          (MUFU.EX2) between its loop's wait for S (DEPBAR.LE gsb0, 0x1) and its wait
#                                          for O += P V (gsb0, 0x0), i.e. how much of the softmax runs under that
#                                          product (FLAG_OVERLAP in wgmma_kernel.cuh; 0 without it), those by
#                                          polynomial (FLAG_POLY_EXP: ex2_fma's 1.5 * 2^23 shift) included
#   scripts/sass.sh --overlap -            the same of SASS on standard input (nvdisasm's or cuobjdump -sass's: the GPU
#                                          machine's toolkit has cuobjdump, gpu-check.sh uses it there)
#
# The CUDA 13 toolkit here has nvcc and ptxas only. Debian's nvidia-cuda-toolkit (11.8, in non-free) has nvdisasm,
# which knows sm_90's instructions but not a CUDA 13 cubin's ELF header (OS ABI 0x41, ABI version 8, the architecture
# in e_flags' second byte); it reads a copy with the older header (0x33, version 7, e_flags 0x5a055a: sm_90).
# Example: scripts/sass.sh --overlap sd-cuda/src/test/tune/attention_tune.cu -Isd-cuda/src/main/cuda
set -euo pipefail
cache=${SDJ_SASS_CACHE:-$HOME/.cache/sdj/cuda-11.8}
nvdisasm=$cache/usr/bin/nvdisasm

install() {
  if [ ! -f /etc/apt/sources.list.d/sdj-non-free.sources ]; then
    printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: %s\nComponents: non-free\n%s\n' \
      "$(. /etc/os-release && echo "$VERSION_CODENAME")" \
      'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' >/etc/apt/sources.list.d/sdj-non-free.sources
  fi
  apt-get update -qq
  local tmp
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get download -qq nvidia-cuda-toolkit)
  mkdir -p "$cache"
  dpkg -x "$tmp"/nvidia-cuda-toolkit_*.deb "$cache"
  rm -rf "$tmp"
  "$nvdisasm" --version | tail -1
}

# The cubin of $1 (compiled for sm_90a when a .cu, with the remaining arguments), its header rewritten, to $2.
cubin() {
  local src=$1 out=$2
  shift 2
  case "$src" in
    *.cu) nvcc -cubin -O3 -std=c++17 -gencode arch=compute_90a,code=sm_90a "$@" -o "$out.new" "$src" ;;
    *.cubin) cp "$src" "$out.new" ;;
    *) echo "not a .cu or .cubin: $src" >&2; exit 2 ;;
  esac
  # e_ident[EI_OSABI] and [EI_ABIVERSION] at bytes 7 and 8; e_flags at byte 48 (64-bit ELF), little-endian.
  cp "$out.new" "$out"
  printf '\x33\x07' | dd of="$out" bs=1 seek=7 conv=notrunc status=none
  printf '\x5a\x05\x5a\x00' | dd of="$out" bs=1 seek=48 conv=notrunc status=none
  rm -f "$out.new"
}

overlap() {
  awk '
    /^\/\/-+ \.text\./ { name = $2; sub(/^\.text\./, "", name); inside = 0; next }
    /Function : / { name = $NF; inside = 0; next }
    /DEPBAR\.LE gsb0, 0x1/ && !(name in seen) { inside = 1; ex2 = 0; poly = 0; next }
    inside && /DEPBAR\.LE gsb0, 0x0/ {
      seen[name] = 1; inside = 0
      printf "%-56s %3d exponentials under O += P V", name, ex2 + poly
      if (poly > 0) printf " (%d by polynomial)", poly
      printf "\n"; next
    }
    inside && /MUFU\.EX2/ { ex2++ }
    inside && /FADD .*, 12582912 ;/ { poly++ }
  '
}

mode=sass
case "${1:-}" in
  --install) install; exit 0 ;;
  --overlap) mode=overlap; shift; [ "${1:-}" = - ] && { overlap; exit 0; } ;;
  "" | -h | --help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
esac
[ -x "$nvdisasm" ] || { echo "no nvdisasm at $nvdisasm: run scripts/sass.sh --install first" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
src=${1:?a .cu or .cubin file}
shift
cubin "$src" "$work/k.cubin" "$@"
if [ "$mode" = overlap ]; then
  "$nvdisasm" -c "$work/k.cubin" | overlap
else
  "$nvdisasm" -c "$work/k.cubin"
fi
