# lle_svm computes in double precision over a few hundred values per row: no hot
# loop is worth its code size in WebAssembly.
if(EMSCRIPTEN)
  fraudscore_wasm_optimize_for_size(${family_sources})
endif()
