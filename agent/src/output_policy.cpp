#include "output_policy.h"

#include <cmath>
#include <cstdlib>

namespace fraudscore_agent {

bool parse_output_policy(const std::string& text, OutputPolicy* out, std::string* error) {
  OutputPolicy p;
  if (text == "full") {
    p.mode = OutputPolicy::Mode::Full;
  } else if (text == "decision") {
    p.mode = OutputPolicy::Mode::DecisionOnly;
  } else if (text.rfind("rounded:", 0) == 0 && text.size() == 9 && text[8] >= '1' && text[8] <= '6') {
    p.mode = OutputPolicy::Mode::Rounded;
    p.decimals = text[8] - '0';
  } else {
    *error = "output '" + text + "' is not one of full, decision, rounded:N (N = 1..6 decimals)";
    return false;
  }
  *out = p;
  return true;
}

namespace {

void round_number(nlohmann::json& value, double scale) {
  if (value.is_number_float()) value = std::round(value.get<double>() * scale) / scale;
}

}  // namespace

void apply_output_policy(const OutputPolicy& policy, const NamedOutputs& outputs, nlohmann::json* result) {
  nlohmann::json& r = *result;
  if (policy.mode == OutputPolicy::Mode::Full) return;
  if (policy.mode == OutputPolicy::Mode::DecisionOnly) {
    // The decision, why (codes and texts, not their sizes), and label outputs (e.g. a credit
    // grade): each a class, never a number an attacker could climb.
    nlohmann::json kept = {{"decision", r["decision"]}};
    nlohmann::json reasons = nlohmann::json::array();
    for (const auto& reason : r["reasons"]) reasons.push_back({{"code", reason["code"]}, {"text", reason["text"]}});
    kept["reasons"] = std::move(reasons);
    for (const std::string& label : outputs.labels)
      if (r.contains(label)) kept[label] = r[label];
    r = std::move(kept);
    return;
  }
  const double scale = std::pow(10.0, policy.decimals);
  for (const char* key : {"probability", "raw_probability"})
    if (r.contains(key)) round_number(r[key], scale);
  for (const std::string& key : outputs.probabilities)
    if (r.contains(key)) round_number(r[key], scale);
  if (r["attention"].is_array())
    for (auto& weight : r["attention"]) round_number(weight, scale);
  for (auto& reason : r["reasons"]) round_number(reason["contribution"], scale);
}

}  // namespace fraudscore_agent
