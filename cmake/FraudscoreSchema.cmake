# The model schema: flatc generates the C++ reader header at build time, so
# only schemas/model.fbs is checked in.
find_program(FRAUDSCORE_FLATC flatc REQUIRED)
find_path(FRAUDSCORE_FLATBUFFERS_INCLUDE flatbuffers/flatbuffers.h REQUIRED)

set(FRAUDSCORE_SCHEMA ${PROJECT_SOURCE_DIR}/schemas/model.fbs)
set(FRAUDSCORE_GENERATED_DIR ${PROJECT_BINARY_DIR}/generated)
add_custom_command(
  OUTPUT ${FRAUDSCORE_GENERATED_DIR}/model_generated.h
  COMMAND ${FRAUDSCORE_FLATC} --cpp --scoped-enums -o ${FRAUDSCORE_GENERATED_DIR} ${FRAUDSCORE_SCHEMA}
  DEPENDS ${FRAUDSCORE_SCHEMA}
  COMMENT "Generating the model schema reader")
add_custom_target(fraudscore_schema DEPENDS ${FRAUDSCORE_GENERATED_DIR}/model_generated.h)
