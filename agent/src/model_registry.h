// The models the agent serves: every `*.fsmodel` file in the model directory,
// each under its file name without the extension. Hot reload: poll() notices
// new and changed files (size, mtime, inode), verifies the new file
// completely and prepares it before swapping it in; a corrupt, truncated or
// wrong-kind file is refused and the old model keeps serving. A removed file's
// model keeps serving until restart. A file refused at start leaves its model
// unserved (503 for requests that need it) until a good file replaces it.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "served_model.h"

namespace fraudscore_agent {

struct ReloadStatus {
  uint64_t loads = 0;     // successful loads (the first one and reloads)
  uint64_t failures = 0;  // refused files
  std::string last_error;  // empty once a good file is served again
};

class ModelRegistry {
 public:
  // Called on a freshly loaded model before it is published (restore its saved state).
  using Prepare = std::function<bool(ServedModel& fresh, std::string* error)>;

  ModelRegistry(std::string model_dir, std::string default_model, SessionSettings settings, Prepare prepare);
  ~ModelRegistry() { stop_watching(); }

  // The first scan. Fails only if the directory cannot be read: files that are
  // refused are logged and reported (reload_status) and the agent serves the
  // rest, even none, until a good file appears.
  bool load_all(std::string* error);
  // One pass over the directory; returns how many models were swapped in.
  int poll();
  void start_watching(int interval_ms);
  void stop_watching();

  std::shared_ptr<ServedModel> get(const std::string& name) const;  // "" = the default
  std::vector<std::shared_ptr<ServedModel>> all() const;
  std::string default_name() const;
  std::map<std::string, ReloadStatus> reload_status() const;

 private:
  struct FileStamp {
    int64_t size = -1, mtime_ns = -1;
    ino_t inode = 0;
    bool operator==(const FileStamp& o) const {
      return size == o.size && mtime_ns == o.mtime_ns && inode == o.inode;
    }
  };
  bool load_file(const std::string& name, const std::string& path, std::string* error);

  const std::string dir_;
  std::string default_;
  const SessionSettings settings_;
  const Prepare prepare_;
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<ServedModel>> models_;
  std::map<std::string, FileStamp> stamps_;  // files seen, good or bad
  std::map<std::string, ReloadStatus> status_;
  bool loaded_once_ = false;  // the first scan is over (under mutex_)
  std::mutex poll_mutex_;  // one poll at a time

  std::thread watcher_;
  std::mutex watch_mutex_;
  std::condition_variable watch_cv_;
  bool watching_ = false;
};

}  // namespace fraudscore_agent
