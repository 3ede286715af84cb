// The lle_svm family in the registry: LleSvmConfig holds the LLE and SVM
// settings and the credit grade of each K-means cluster.
#include "families/family.h"
#include "families/lle_svm/lle_svm.h"

namespace fraudscore {
namespace {

Status build(const FamilyContext& ctx, std::unique_ptr<Network>* out) {
  const schema::LleSvmConfig* cfg = ctx.body.architecture_as_LleSvmConfig();
  if (!cfg) return Status::error(FS_ERR_VALUE, "an lle_svm model needs a LleSvmConfig architecture");
  LleSvmDims dims;
  dims.steps = ctx.window_length();
  dims.features = ctx.feature_count();
  dims.indicators = cfg->indicators();
  dims.neighbours = cfg->neighbours();
  dims.embedding_dim = cfg->embedding_dim();
  dims.derived_clip = cfg->derived_clip();
  dims.lle_reg = cfg->lle_reg();
  dims.gamma = cfg->gamma();
  dims.intercept = cfg->intercept();
  if (cfg->grades())
    for (const flatbuffers::String* g : *cfg->grades()) dims.grades.push_back(g->str());
  return build_lle_svm(dims, ctx.tensors, out);
}

}  // namespace

extern const Family family_lle_svm;
const Family family_lle_svm{schema::ModelKind::LleSvm, "lle_svm", &build};

}  // namespace fraudscore
