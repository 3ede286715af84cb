# Cross toolchain: Debian 12, 32-bit Arm hard-float (armhf, arm-linux-gnueabihf), ARMv7-A + NEON, GCC 12.
#   cmake -S . -B build/cross-armhf -DCMAKE_TOOLCHAIN_FILE=toolchains/arm-linux-gnueabihf.cmake
# Target libraries come from the sysroot that scripts/install-cross-deps.sh unpacks
# (FRAUDSCORE_CROSS_SYSROOT, default /opt/fraudscore-cross/arm-linux-gnueabihf) and
# from the cross libc in /usr/arm-linux-gnueabihf; never from the host. Programs
# (flatc) are the host's. ctest runs the tests under qemu-arm.
set(CMAKE_SYSTEM_PROCESSOR armv7l)
set(_fs_triplet arm-linux-gnueabihf)
set(_fs_qemu qemu-arm)

# ARMv7-A with NEON, hard-float ABI (Debian armhf's default is Thumb-2 with
# VFPv3-D16 and no NEON). Note: ARMv7 NEON flushes denormals to zero, so GCC
# only lowers float vector-extension arithmetic to NEON where
# -funsafe-math-optimizations is on; without it such code runs on scalar VFP.
# -Wno-psabi: silence the GCC 7.1 parameter-passing notes (no ABI change within GCC 12).
set(CMAKE_C_FLAGS_INIT "-march=armv7-a -mfpu=neon -mfloat-abi=hard -Wno-psabi")
set(CMAKE_CXX_FLAGS_INIT "-march=armv7-a -mfpu=neon -mfloat-abi=hard -Wno-psabi")

include(${CMAKE_CURRENT_LIST_DIR}/linux-gnu-cross.cmake)
