#include "model_registry.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iterator>

#include "json_log.h"

namespace fraudscore_agent {
namespace {

constexpr const char* kExtension = ".fsmodel";

bool read_bytes(const std::string& path, std::vector<uint8_t>* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

}  // namespace

ModelRegistry::ModelRegistry(std::string model_dir, std::string default_model, SessionSettings settings,
                             Prepare prepare)
    : dir_(std::move(model_dir)), default_(std::move(default_model)), settings_(settings),
      prepare_(std::move(prepare)) {}

bool ModelRegistry::load_all(std::string* error) {
  DIR* d = ::opendir(dir_.c_str());
  if (!d) {
    *error = "cannot open model directory '" + dir_ + "'";
    return false;
  }
  ::closedir(d);
  poll();
  // A refused or missing model is not fatal: exiting would only restart into the same
  // files (a crash loop). The agent serves what loaded, reports the rest (health,
  // /v1/models, logs) and picks up a good file when one is put in place.
  std::lock_guard<std::mutex> lock(mutex_);
  loaded_once_ = true;
  if (default_.empty() && !models_.empty()) default_ = models_.begin()->first;
  if (!models_.count(default_)) {
    JsonLog::error("default_model_not_loaded",
                   {{"dir", dir_}, {"default", default_}, {"loaded", models_.size()},
                    {"error", status_.count(default_) ? status_[default_].last_error : "no such file"}});
  }
  return true;
}

int ModelRegistry::poll() {
  std::lock_guard<std::mutex> poll_lock(poll_mutex_);
  DIR* d = ::opendir(dir_.c_str());
  if (!d) {
    JsonLog::error("model_dir_unreadable", {{"dir", dir_}});
    return 0;
  }
  std::vector<std::string> files;
  while (const dirent* e = ::readdir(d)) {
    const std::string file = e->d_name;
    const size_t ext = std::char_traits<char>::length(kExtension);
    if (file.size() > ext && file.compare(file.size() - ext, ext, kExtension) == 0 && file[0] != '.')
      files.push_back(file);
  }
  ::closedir(d);
  std::sort(files.begin(), files.end());
  int swapped = 0;
  for (const std::string& file : files) {
    const std::string path = dir_ + "/" + file;
    const std::string name = file.substr(0, file.size() - std::char_traits<char>::length(kExtension));
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    FileStamp stamp;
    stamp.size = st.st_size;
    stamp.mtime_ns = int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec;
    stamp.inode = st.st_ino;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = stamps_.find(name);
      if (it != stamps_.end() && it->second == stamp) continue;
      stamps_[name] = stamp;
    }
    std::string error;
    if (load_file(name, path, &error)) {
      ++swapped;
    } else {
      std::lock_guard<std::mutex> lock(mutex_);
      ReloadStatus& s = status_[name];
      ++s.failures;
      s.last_error = error;
      const bool serving = models_.count(name) != 0;
      JsonLog::error("model_rejected", {{"model", name}, {"file", path}, {"error", error},
                                        {"serving", serving ? models_[name]->version() : "none"}});
    }
  }
  return swapped;
}

bool ModelRegistry::load_file(const std::string& name, const std::string& path, std::string* error) {
  std::vector<uint8_t> bytes;
  if (!read_bytes(path, &bytes)) {
    *error = "cannot read '" + path + "'";
    return false;
  }
  std::shared_ptr<ServedModel> fresh = ServedModel::load(name, path, bytes, settings_, error);
  if (!fresh) return false;
  std::shared_ptr<ServedModel> previous = get(name);
  if (previous && previous->version() == fresh->version()) return true;  // touched, same content
  if (previous && std::string(previous->kind()) != fresh->kind()) {
    *error = std::string("a ") + fresh->kind() + " model cannot replace the " + previous->kind() + " model '" + name +
             "'";
    return false;
  }
  if (prepare_ && !prepare_(*fresh, error)) return false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    models_[name] = fresh;
    if (default_.empty() && loaded_once_) default_ = name;  // none loaded at start: the first that does
    ReloadStatus& s = status_[name];
    ++s.loads;
    s.last_error.clear();
  }
  JsonLog::info(previous ? "model_reloaded" : "model_loaded",
                {{"model", name}, {"kind", fresh->kind()}, {"version", fresh->version()},
                 {"previous_version", previous ? previous->version() : ""}, {"file", path}});
  return true;
}

void ModelRegistry::start_watching(int interval_ms) {
  std::lock_guard<std::mutex> lock(watch_mutex_);
  if (watching_ || interval_ms <= 0) return;
  watching_ = true;
  watcher_ = std::thread([this, interval_ms] {
    std::unique_lock<std::mutex> l(watch_mutex_);
    while (watching_) {
      if (watch_cv_.wait_for(l, std::chrono::milliseconds(interval_ms), [&] { return !watching_; })) break;
      l.unlock();
      poll();
      l.lock();
    }
  });
}

void ModelRegistry::stop_watching() {
  {
    std::lock_guard<std::mutex> lock(watch_mutex_);
    watching_ = false;
    watch_cv_.notify_all();
  }
  if (watcher_.joinable()) watcher_.join();
}

std::shared_ptr<ServedModel> ModelRegistry::get(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = models_.find(name.empty() ? default_ : name);
  return it == models_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<ServedModel>> ModelRegistry::all() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::shared_ptr<ServedModel>> out;
  for (const auto& [name, m] : models_) out.push_back(m);
  return out;
}

std::string ModelRegistry::default_name() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return default_;
}

std::map<std::string, ReloadStatus> ModelRegistry::reload_status() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return status_;
}

}  // namespace fraudscore_agent
