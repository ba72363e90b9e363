#!/usr/bin/env bash
# Installs every Debian package mixbo needs to build, test, run its demo and its Slurm tests
# (MIXBO_FUZZ_DEPS=1: also what scripts/fuzz.sh needs).
# Idempotent: when everything is present it only checks (no apt-get update, ~1 s).
set -euo pipefail
packages=(
  cmake g++ make pkg-config
  libopenmpi-dev openmpi-bin
  libeigen3-dev libhdf5-dev hdf5-tools
  libboost-program-options-dev libnlopt-cxx-dev nlohmann-json3-dev
  libgtest-dev libbenchmark-dev
  slurmctld slurmd slurm-client munge
  python3 python3-h5py python3-numpy python3-matplotlib python3-sklearn
)
# scripts/fuzz.sh only: clang and its libFuzzer/sanitizer runtimes.
if [ "${MIXBO_FUZZ_DEPS:-0}" = 1 ]; then packages+=(clang-14 libclang-rt-14-dev); fi
# The real training example (examples/tiny-lm) needs PyTorch (~170 packages, ~1 GB) and the
# packages whose files are its text domains: opt in with MIXBO_WITH_TORCH=1 (its prepare.sh does).
if [ "${MIXBO_WITH_TORCH:-0}" = 1 ]; then
  packages+=(python3-torch python3-doc manpages manpages-dev groff-base libc6-dev linux-libc-dev)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
