// Per-key rate limit on scoring: a token bucket for each (model, key hash).
// A local caller that scores the same account over and over is probing the
// model (searching for an amount just under the block threshold, say) or
// flooding it; a real account pays a few times a minute. Buckets refill at
// `per_minute` tokens a minute up to `burst`; a request takes one token per
// transaction from its key's bucket, all or none. Rows of global-window
// models (no key column) are not limited.
//
// Memory is bounded: past `max_tracked` buckets the full ones are dropped (a
// full bucket is the same as none), and if that is not enough all are: a
// flood of distinct keys costs the limiter its memory of them, never the
// right of a real account to be scored.
#pragma once

#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace fraudscore_agent {

struct RateLimitOptions {
  double per_minute = 600;  // 0 turns the limit off
  double burst = 100;
  size_t max_tracked = 100000;
};

class RateLimiter {
 public:
  explicit RateLimiter(RateLimitOptions options) : options_(options) {}
  bool enabled() const { return options_.per_minute > 0; }
  // One token per entry of `keys` (repeats take more) from the buckets of
  // `model`, or none if any bucket lacks them. On refusal *retry_after_s is
  // how long until the emptiest bucket would have enough (infinity if never:
  // more repeats of one key than `burst`).
  bool admit(const std::string& model, const std::vector<std::string>& keys, double now_s, double* retry_after_s);
  size_t tracked() const;

 private:
  struct Bucket {
    double tokens = 0.0, updated_s = 0.0;
  };
  void refill(Bucket& b, double now_s) const;
  void bound_memory(double now_s);

  const RateLimitOptions options_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace fraudscore_agent
