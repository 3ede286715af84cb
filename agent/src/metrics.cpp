#include "metrics.h"

#include <cstdio>

namespace fraudscore_agent {

std::string prometheus_label(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

void Histogram::observe(double seconds) {
  size_t i = 0;
  while (i < kBounds.size() && seconds > kBounds[i]) ++i;
  ++counts_[i];
  sum_ += seconds;
  ++count_;
}

void Histogram::render(std::string* out, const std::string& name, const std::string& labels) const {
  char line[512];
  uint64_t cumulative = 0;
  const std::string sep = labels.empty() ? "" : ",";
  for (size_t i = 0; i <= kBounds.size(); ++i) {
    cumulative += counts_[i];
    if (i < kBounds.size())
      std::snprintf(line, sizeof line, "%s_bucket{%s%sle=\"%g\"} %llu\n", name.c_str(), labels.c_str(), sep.c_str(),
                    kBounds[i], static_cast<unsigned long long>(cumulative));
    else
      std::snprintf(line, sizeof line, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name.c_str(), labels.c_str(),
                    sep.c_str(), static_cast<unsigned long long>(cumulative));
    *out += line;
  }
  std::snprintf(line, sizeof line, "%s_sum{%s} %.9g\n%s_count{%s} %llu\n", name.c_str(), labels.c_str(), sum_,
                name.c_str(), labels.c_str(), static_cast<unsigned long long>(count_));
  *out += line;
}

void Metrics::request(const std::string& route, int status, double seconds) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++requests_[{route, status}];
  latency_[route].observe(seconds);
}

void Metrics::stage(const std::string& stage, double seconds) {
  std::lock_guard<std::mutex> lock(mutex_);
  stages_[stage].observe(seconds);
}

void Metrics::decision(const std::string& model, const std::string& decision, uint64_t n) {
  std::lock_guard<std::mutex> lock(mutex_);
  decisions_[{model, decision}] += n;
}

void Metrics::rate_limited(const std::string& model) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++rate_limited_[model];
}

std::string Metrics::render() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::string out;
  char line[512];
  out += "# HELP fraudscore_requests_total Requests served, by route and HTTP status.\n";
  out += "# TYPE fraudscore_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    std::snprintf(line, sizeof line, "fraudscore_requests_total{route=\"%s\",code=\"%d\"} %llu\n",
                  prometheus_label(key.first).c_str(), key.second, static_cast<unsigned long long>(n));
    out += line;
  }
  out += "# HELP fraudscore_request_duration_seconds Time from a parsed request to its response, by route.\n";
  out += "# TYPE fraudscore_request_duration_seconds histogram\n";
  for (const auto& [route, h] : latency_)
    h.render(&out, "fraudscore_request_duration_seconds", "route=\"" + prometheus_label(route) + "\"");
  out += "# HELP fraudscore_stage_duration_seconds Where scoring requests spend their time: parse, queue (for the model), score, store (durable commit).\n";
  out += "# TYPE fraudscore_stage_duration_seconds histogram\n";
  for (const auto& [stage, h] : stages_)
    h.render(&out, "fraudscore_stage_duration_seconds", "stage=\"" + prometheus_label(stage) + "\"");
  out += "# HELP fraudscore_decisions_total Scored transactions, by model and decision.\n";
  out += "# TYPE fraudscore_decisions_total counter\n";
  for (const auto& [key, n] : decisions_) {
    std::snprintf(line, sizeof line, "fraudscore_decisions_total{model=\"%s\",decision=\"%s\"} %llu\n",
                  prometheus_label(key.first).c_str(), prometheus_label(key.second).c_str(),
                  static_cast<unsigned long long>(n));
    out += line;
  }
  out += "# HELP fraudscore_rate_limited_total Score requests refused (429) by the per-key rate limit.\n";
  out += "# TYPE fraudscore_rate_limited_total counter\n";
  for (const auto& [model, n] : rate_limited_) {
    std::snprintf(line, sizeof line, "fraudscore_rate_limited_total{model=\"%s\"} %llu\n",
                  prometheus_label(model).c_str(), static_cast<unsigned long long>(n));
    out += line;
  }
  return out;
}

}  // namespace fraudscore_agent
