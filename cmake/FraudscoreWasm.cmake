# Emscripten builds (emcmake cmake ...): the WebAssembly package and the test
# suites compiled to WebAssembly, run under node.
#
# emcc searches only its own sysroot, and adding /usr/include itself breaks it,
# so the host's header-only libraries (FlatBuffers, doctest) are reached
# through a folder of links.
set(FRAUDSCORE_HOST_HEADERS ${PROJECT_BINARY_DIR}/host-headers)
file(MAKE_DIRECTORY ${FRAUDSCORE_HOST_HEADERS})
foreach(lib flatbuffers doctest)
  if(EXISTS /usr/include/${lib} AND NOT EXISTS ${FRAUDSCORE_HOST_HEADERS}/${lib})
    file(CREATE_LINK /usr/include/${lib} ${FRAUDSCORE_HOST_HEADERS}/${lib} SYMBOLIC)
  endif()
endforeach()
set(FRAUDSCORE_FLATBUFFERS_INCLUDE ${FRAUDSCORE_HOST_HEADERS} CACHE PATH "FlatBuffers headers (a folder of links)")
set(FRAUDSCORE_DOCTEST_INCLUDE ${FRAUDSCORE_HOST_HEADERS} CACHE PATH "doctest headers (a folder of links)")

option(FRAUDSCORE_WASM_SIMD "Compile for WebAssembly SIMD128 (off: the baseline build for engines without it)" ON)
if(FRAUDSCORE_WASM_SIMD)
  add_compile_options(-msimd128)
endif()
# Test programs run under node with the host file system (golden vectors,
# model files), exit with their status, and catch exceptions (doctest).
set(FRAUDSCORE_WASM_TEST_COMPILE_OPTIONS -fexceptions)
set(FRAUDSCORE_WASM_TEST_LINK_OPTIONS -fexceptions -sNODERAWFS=1 -sEXIT_RUNTIME=1 -sALLOW_MEMORY_GROWTH=1
    -sSINGLE_FILE=1 -sENVIRONMENT=node)

function(fraudscore_wasm_test_target target)
  target_compile_options(${target} PRIVATE ${FRAUDSCORE_WASM_TEST_COMPILE_OPTIONS})
  target_link_options(${target} PRIVATE ${FRAUDSCORE_WASM_TEST_LINK_OPTIONS})
endfunction()

# emcmake passes node with --experimental-wasm-threads, an option node 20 refuses.
find_program(FRAUDSCORE_NODE node REQUIRED)
set(CMAKE_CROSSCOMPILING_EMULATOR ${FRAUDSCORE_NODE})

# The shipped .wasm should stay small (the package's goal is 100 KB of
# JavaScript and WebAssembly). Release builds use -O2, not -O3: -O3 unrolls
# the kernels' loops four times over, which quadruples their code and gains
# nothing measurable in V8. Code that runs once per model or session
# (loading and verification, the C boundary, settings) and the lle_svm path
# are compiled for size (fraudscore_wasm_optimize_for_size, in core/). emcc
# lets -Oz win over any other -O on its command line, so size is opted into
# per file, never out of.
set(CMAKE_CXX_FLAGS_RELEASE "-O2 -DNDEBUG")
function(fraudscore_wasm_optimize_for_size)
  set_source_files_properties(${ARGN} PROPERTIES COMPILE_OPTIONS -Oz)
endfunction()
