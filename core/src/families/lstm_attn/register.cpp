// The lstm_attn family in the registry. Its second head, the enterprise's
// risk, is calibrated by the file's entity_calibration.
#include "families/family.h"
#include "families/lstm_attn/lstm_attn.h"

namespace fraudscore {
namespace {

Status build(const FamilyContext& ctx, std::unique_ptr<Network>* out) {
  const schema::LstmAttnConfig* cfg = ctx.body.architecture_as_LstmAttnConfig();
  if (!cfg) return Status::error(FS_ERR_VALUE, "an lstm_attn model needs a LstmAttnConfig architecture");
  LstmAttnDims dims{ctx.window_length(), ctx.feature_count(), cfg->lstm_hidden(), cfg->heads(), cfg->dense_units()};
  const RiskSpec& risk = ctx.model.risk;
  dims.enterprise_platt = risk.entity_platt;
  dims.enterprise_a = risk.entity_a;
  dims.enterprise_b = risk.entity_b;
  return build_lstm_attn(dims, ctx.tensors, out);
}

}  // namespace

extern const Family family_lstm_attn;
const Family family_lstm_attn{schema::ModelKind::LstmAttn, "lstm_attn", &build};

}  // namespace fraudscore
