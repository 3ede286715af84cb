// A model family as a plug-in. Each family's folder (families/<name>/)
// defines one `const Family family_<name>` in its register.cpp; the build
// lists the families it holds (CMake: FRAUDSCORE_FAMILIES) and generates the
// table registry.cpp searches, so shared code never names a family and a
// WebAssembly build can carry only the families a page needs.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "model.h"
#include "model_generated.h"
#include "networks/network.h"
#include "networks/tensor_view.h"
#include "status.h"

namespace fraudscore {

// What a family's builder reads: its architecture table (body.architecture_as_<Family>Config()),
// the verified tensors, and the parts of the model already read (columns,
// features, window, risk settings: e.g. an extra output's calibration).
struct FamilyContext {
  const schema::ModelBody& body;
  const std::vector<TensorView>& tensors;
  const Model& model;
  uint32_t window_length() const { return model.window.length; }
  uint32_t feature_count() const { return static_cast<uint32_t>(model.features.size()); }
};

struct Family {
  schema::ModelKind kind;  // the model file's kind
  const char* name;        // "crnn": fs_model_info.kind, the CLI, the trainer
  // Check the architecture and every tensor, then build the network. Never throws.
  Status (*build)(const FamilyContext& context, std::unique_ptr<Network>* out);
};

// The family of a model file's kind in this build, or nullptr.
const Family* find_family(schema::ModelKind kind);
// Every family in this build, in FRAUDSCORE_FAMILIES order.
const Family* const* families(size_t* count);

}  // namespace fraudscore
