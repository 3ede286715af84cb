// A thin C++ wrapper over the C API: RAII handles, exceptions instead of
// status codes. Header-only; it adds no behaviour of its own.
#ifndef FRAUDSCORE_FRAUDSCORE_HPP
#define FRAUDSCORE_FRAUDSCORE_HPP

#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "fraudscore/fraudscore.h"

namespace fraudscore {

class Error : public std::runtime_error {
 public:
  Error(fs_status status, const std::string& message) : std::runtime_error(message), status_(status) {}
  fs_status status() const { return status_; }

 private:
  fs_status status_;
};

inline void check(fs_status status) {
  if (status != FS_OK) throw Error(status, fs_last_error());
}

// An immutable model, shareable across threads.
class ModelHandle {
 public:
  // `options` (may be null): trusted keys for signed models (fs_load_options).
  static ModelHandle load_file(const std::string& path, const fs_load_options* options = nullptr) {
    fs_model* m = nullptr;
    check(fs_model_load_file_with(path.c_str(), options, &m));
    return ModelHandle(m);
  }
  static ModelHandle load(const void* bytes, size_t size, const fs_load_options* options = nullptr) {
    fs_model* m = nullptr;
    check(fs_model_load_with(bytes, size, options, &m));
    return ModelHandle(m);
  }

  fs_model_info info() const {
    fs_model_info i;
    check(fs_model_get_info(get(), &i));
    return i;
  }
  std::vector<std::string> column_names() const {
    std::vector<std::string> names;
    const uint32_t n = info().column_count;
    for (uint32_t i = 0; i < n; ++i) {
      const char* name = nullptr;
      fs_column_type type;
      check(fs_model_column(get(), i, &name, &type));
      names.emplace_back(name);
    }
    return names;
  }
  const fs_model* get() const { return model_.get(); }

 private:
  explicit ModelHandle(fs_model* m) : model_(m, fs_model_free) {}
  std::shared_ptr<fs_model> model_;
};

// A scoring stream with its windows; use from one thread at a time.
class SessionHandle {
 public:
  explicit SessionHandle(const ModelHandle& model, fs_session_options options = {}) : model_(model) {
    fs_session* s = nullptr;
    check(fs_session_create(model.get(), &options, &s));
    session_.reset(s);
  }
  fs_result score(const std::vector<fs_value>& row) {
    fs_result r;
    check(fs_session_score(session_.get(), row.data(), row.size(), &r));
    return r;
  }
  void reset() { check(fs_session_reset(session_.get())); }
  void feedback(const std::vector<fs_value>& row, double probability, fs_feedback label) {
    check(fs_session_feedback(session_.get(), row.data(), row.size(), probability, label));
  }
  // The dynamic-threshold state, to persist and restore.
  std::vector<uint8_t> save_thresholds() const {
    size_t size = 0, written = 0;
    check(fs_session_threshold_state_size(session_.get(), &size));
    std::vector<uint8_t> state(size);
    check(fs_session_save_thresholds(session_.get(), state.data(), state.size(), &written));
    return state;
  }
  void load_thresholds(const std::vector<uint8_t>& state) {
    check(fs_session_load_thresholds(session_.get(), state.data(), state.size()));
  }
  fs_session* get() { return session_.get(); }

 private:
  ModelHandle model_;  // keeps the model alive as long as the session
  std::unique_ptr<fs_session, void (*)(fs_session*)> session_{nullptr, fs_session_free};
};

// A text value points at the caller's characters, which must outlive the
// call it is passed to. A temporary std::string would not, so that overload is
// deleted; a literal or a named string is fine.
inline fs_value text_value(const char* s) { return fs_value{FS_VALUE_TEXT, 0.0, s, s ? std::strlen(s) : 0}; }
inline fs_value text_value(const std::string& s) { return fs_value{FS_VALUE_TEXT, 0.0, s.data(), s.size()}; }
fs_value text_value(std::string&&) = delete;
inline fs_value number_value(double x) { return fs_value{FS_VALUE_NUMBER, x, nullptr, 0}; }
inline fs_value missing_value() { return fs_value{FS_VALUE_MISSING, 0.0, nullptr, 0}; }

}  // namespace fraudscore

#endif  // FRAUDSCORE_FRAUDSCORE_HPP
