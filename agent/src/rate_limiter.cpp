#include "rate_limiter.h"

#include <algorithm>
#include <limits>
#include <map>

namespace fraudscore_agent {

void RateLimiter::refill(Bucket& b, double now_s) const {
  b.tokens = std::min(options_.burst, b.tokens + (now_s - b.updated_s) * options_.per_minute / 60.0);
  b.updated_s = now_s;
}

bool RateLimiter::admit(const std::string& model, const std::vector<std::string>& keys, double now_s,
                        double* retry_after_s) {
  if (!enabled()) return true;
  std::map<std::string, double> wanted;  // bucket -> tokens this request takes from it
  for (const std::string& key : keys)
    if (!key.empty()) wanted[model + '\n' + key] += 1.0;
  std::lock_guard<std::mutex> lock(mutex_);
  double wait = 0.0;
  for (const auto& [name, n] : wanted) {
    auto it = buckets_.find(name);
    if (it == buckets_.end()) it = buckets_.emplace(name, Bucket{options_.burst, now_s}).first;
    refill(it->second, now_s);
    if (it->second.tokens < n)
      wait = std::max(wait, n > options_.burst ? std::numeric_limits<double>::infinity()
                                               : (n - it->second.tokens) * 60.0 / options_.per_minute);
  }
  if (wait > 0.0) {
    *retry_after_s = wait;
    return false;
  }
  for (const auto& [name, n] : wanted) buckets_[name].tokens -= n;
  bound_memory(now_s);
  return true;
}

void RateLimiter::bound_memory(double now_s) {
  if (buckets_.size() <= options_.max_tracked) return;
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    refill(it->second, now_s);
    it = it->second.tokens >= options_.burst ? buckets_.erase(it) : std::next(it);
  }
  if (buckets_.size() > options_.max_tracked) buckets_.clear();
}

size_t RateLimiter::tracked() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return buckets_.size();
}

}  // namespace fraudscore_agent
