# The model schema and its signed envelope: flatc generates the C++ reader
# headers at build time, so only the .fbs files are checked in.
find_program(FRAUDSCORE_FLATC flatc REQUIRED)
find_path(FRAUDSCORE_FLATBUFFERS_INCLUDE flatbuffers/flatbuffers.h REQUIRED)

set(FRAUDSCORE_SCHEMA ${PROJECT_SOURCE_DIR}/schemas/model.fbs)
set(FRAUDSCORE_SIGNED_SCHEMA ${PROJECT_SOURCE_DIR}/schemas/signed_model.fbs)
set(FRAUDSCORE_GENERATED_DIR ${PROJECT_BINARY_DIR}/generated)
add_custom_command(
  OUTPUT ${FRAUDSCORE_GENERATED_DIR}/model_generated.h ${FRAUDSCORE_GENERATED_DIR}/signed_model_generated.h
  COMMAND ${FRAUDSCORE_FLATC} --cpp --scoped-enums -o ${FRAUDSCORE_GENERATED_DIR} ${FRAUDSCORE_SCHEMA}
          ${FRAUDSCORE_SIGNED_SCHEMA}
  DEPENDS ${FRAUDSCORE_SCHEMA} ${FRAUDSCORE_SIGNED_SCHEMA}
  COMMENT "Generating the model schema readers")
add_custom_target(fraudscore_schema DEPENDS ${FRAUDSCORE_GENERATED_DIR}/model_generated.h
                  ${FRAUDSCORE_GENERATED_DIR}/signed_model_generated.h)
