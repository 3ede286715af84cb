// The gbdt family's entry in the build's family table (families/family.h).
#include <memory>

#include "families/family.h"
#include "families/gbdt/gbdt.h"

namespace fraudscore {

namespace {

Status build_gbdt(const FamilyContext& ctx, std::unique_ptr<Network>* out) {
  const schema::GbdtConfig* config = ctx.body.architecture_as_GbdtConfig();
  if (!config) return Status::error(FS_ERR_VALUE, "a gbdt model needs a GbdtConfig architecture");
  const GbdtDims dims{ctx.window_length(), ctx.feature_count(), config->trees(), config->max_depth(),
                      config->base_margin()};
  return build_gbdt_network(dims, ctx.tensors, out);
}

}  // namespace

extern const Family family_gbdt;
const Family family_gbdt{schema::ModelKind::Gbdt, "gbdt", &build_gbdt};

}  // namespace fraudscore
