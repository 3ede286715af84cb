# Cross toolchain: Debian 12, 64-bit Arm (arm64, aarch64-linux-gnu), GCC 12.
#   cmake -S . -B build/cross-aarch64 -DCMAKE_TOOLCHAIN_FILE=toolchains/aarch64-linux-gnu.cmake
# Target libraries come from the sysroot that scripts/install-cross-deps.sh unpacks
# (FRAUDSCORE_CROSS_SYSROOT, default /opt/fraudscore-cross/aarch64-linux-gnu) and
# from the cross libc in /usr/aarch64-linux-gnu; never from the host. Programs
# (flatc) are the host's. ctest runs the tests under qemu-aarch64.
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(_fs_triplet aarch64-linux-gnu)
set(_fs_qemu qemu-aarch64)

# ARMv8-A always has Advanced SIMD (NEON) and IEEE-conforming vector floats:
# GCC's vector extensions compile to NEON with no extra flags.

include(${CMAKE_CURRENT_LIST_DIR}/linux-gnu-cross.cmake)
