// What a score response tells its caller (agent/README.md, "Output hardening").
// A deployment that lets untrusted code call the agent can answer with less
// than the full result, so that each probe tells an attacker less about the
// model: rounded numbers, or the decision alone. Decisions are always made on
// the unrounded probability; the audit log keeps it in full.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace fraudscore_agent {

struct OutputPolicy {
  enum class Mode { Full, Rounded, DecisionOnly };
  Mode mode = Mode::Full;
  int decimals = 2;  // Rounded: digits after the decimal point (1..6)
};

// "full", "decision" or "rounded:N" (N in 1..6). False with *error naming the text.
bool parse_output_policy(const std::string& text, OutputPolicy* out, std::string* error);

// The model's named outputs as a result object carries them (ServedModel::result_json):
// probabilities are numbers, labels are classes.
struct NamedOutputs {
  std::vector<std::string> probabilities, labels;
};

// Reduce one result object (ServedModel::result_json) to what the policy allows, in place.
void apply_output_policy(const OutputPolicy& policy, const NamedOutputs& outputs, nlohmann::json* result);

}  // namespace fraudscore_agent
