// Counters and latency histograms for GET /metrics (Prometheus text format
// 0.0.4). Labels carry model names, routes and decisions, never identifiers.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace fraudscore_agent {

class Histogram {
 public:
  static constexpr std::array<double, 13> kBounds{0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                  0.01,    0.025,  0.05,    0.1,    0.25,  1.0};
  void observe(double seconds);
  // Lines for `name{labels,le=...}` buckets, _sum and _count.
  void render(std::string* out, const std::string& name, const std::string& labels) const;

 private:
  std::array<uint64_t, kBounds.size() + 1> counts_{};
  double sum_ = 0.0;
  uint64_t count_ = 0;
};

class Metrics {
 public:
  // A finished request: its route ("score", "feedback", ...), HTTP status and duration.
  void request(const std::string& route, int status, double seconds);
  // Where a scoring request's time went: "parse" (JSON and rows), "queue"
  // (waiting for the model's session), "score" (the core and the rows for the
  // store, under the model's lock), "store" (waiting for the durable commit).
  void stage(const std::string& stage, double seconds);
  void decision(const std::string& model, const std::string& decision, uint64_t n = 1);
  // A score request refused by the per-key rate limit.
  void rate_limited(const std::string& model);

  // Everything counted so far, as Prometheus text.
  std::string render() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;
  std::map<std::string, Histogram> latency_;
  std::map<std::string, Histogram> stages_;
  std::map<std::pair<std::string, std::string>, uint64_t> decisions_;
  std::map<std::string, uint64_t> rate_limited_;
};

// Escape a label value for the text format.
std::string prometheus_label(const std::string& value);

}  // namespace fraudscore_agent
