// The crnn family in the registry: its CrnnConfig fixes every tensor shape.
#include "families/crnn/crnn.h"
#include "families/family.h"

namespace fraudscore {
namespace {

Status build(const FamilyContext& ctx, std::unique_ptr<Network>* out) {
  const schema::CrnnConfig* cfg = ctx.body.architecture_as_CrnnConfig();
  if (!cfg) return Status::error(FS_ERR_VALUE, "a crnn model needs a CrnnConfig architecture");
  const CrnnDims dims{ctx.window_length(), ctx.feature_count(), cfg->conv_filters(), cfg->conv_kernel(),
                      cfg->lstm_hidden(),  cfg->attention_dim(), cfg->dense_units()};
  return build_crnn(dims, ctx.tensors, out);
}

}  // namespace

extern const Family family_crnn;
const Family family_crnn{schema::ModelKind::Crnn, "crnn", &build};

}  // namespace fraudscore
