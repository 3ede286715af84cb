# Shared by the Debian 12 cross toolchain files (aarch64-linux-gnu.cmake,
# arm-linux-gnueabihf.cmake), which set _fs_triplet and _fs_qemu, then include
# this: the system, the compilers, the sysroot, where CMake may look, and qemu
# to run the tests.

set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_LIBRARY_ARCHITECTURE ${_fs_triplet})
set(CMAKE_C_COMPILER ${_fs_triplet}-gcc)
set(CMAKE_CXX_COMPILER ${_fs_triplet}-g++)

if(DEFINED ENV{FRAUDSCORE_CROSS_SYSROOT})
  set(FRAUDSCORE_CROSS_SYSROOT "$ENV{FRAUDSCORE_CROSS_SYSROOT}")
elseif(NOT FRAUDSCORE_CROSS_SYSROOT)
  set(FRAUDSCORE_CROSS_SYSROOT /opt/fraudscore-cross/${_fs_triplet})
endif()
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES FRAUDSCORE_CROSS_SYSROOT)

# find_*: target files only (the sysroot also links the host's header-only
# libraries: flatbuffers, doctest, eigen3, nlohmann, CLI11). The host's
# /usr/include and /usr/lib are never searched: their glibc headers and
# libraries are x86-64's.
set(CMAKE_FIND_ROOT_PATH ${FRAUDSCORE_CROSS_SYSROOT} /usr/${_fs_triplet})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# Arch-specific headers of the target libraries (e.g. openssl/opensslconf.h).
set(CMAKE_C_STANDARD_INCLUDE_DIRECTORIES ${FRAUDSCORE_CROSS_SYSROOT}/usr/include/${_fs_triplet})
set(CMAKE_CXX_STANDARD_INCLUDE_DIRECTORIES ${FRAUDSCORE_CROSS_SYSROOT}/usr/include/${_fs_triplet})
# Let ld resolve the dependencies of the sysroot's shared libraries (libcpp-httplib -> libssl ...).
set(_fs_libdir ${FRAUDSCORE_CROSS_SYSROOT}/usr/lib/${_fs_triplet})
set(CMAKE_EXE_LINKER_FLAGS_INIT "-Wl,-rpath-link,${_fs_libdir}")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-Wl,-rpath-link,${_fs_libdir}")
set(CMAKE_MODULE_LINKER_FLAGS_INIT "-Wl,-rpath-link,${_fs_libdir}")
# pkg-config (pkg_check_modules) reads the target's .pc files.
set(ENV{PKG_CONFIG_LIBDIR} "${_fs_libdir}/pkgconfig:${FRAUDSCORE_CROSS_SYSROOT}/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_SYSROOT_DIR} "${FRAUDSCORE_CROSS_SYSROOT}")

# ctest / add_test run target executables under user-mode qemu (binfmt is not
# active). -L gives the cross libc's loader; LD_LIBRARY_PATH the sysroot's libraries.
find_program(FRAUDSCORE_QEMU ${_fs_qemu} REQUIRED)
set(CMAKE_CROSSCOMPILING_EMULATOR ${FRAUDSCORE_QEMU} -L /usr/${_fs_triplet} -E LD_LIBRARY_PATH=${_fs_libdir})
