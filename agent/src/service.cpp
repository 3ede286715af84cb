#include "service.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "json_log.h"

namespace fraudscore_agent {
namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

Response json_response(int status, const nlohmann::json& body) {
  Response r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

// An error about transaction `row` of a request: a batch's message and body say which one.
Response row_error(int status, const std::string& message, size_t row, bool single) {
  if (single) return error_response(status, message);
  return error_response(status, "transaction " + std::to_string(row) + ": " + message, {{"index", row}});
}

// A result the API may carry: every number finite (JSON has no NaN; nlohmann
// would print null, and a decision next to "probability": null is a lie).
bool finite_result(const fs_result& r) {
  bool ok = std::isfinite(r.probability) && std::isfinite(r.raw_probability) && std::isfinite(r.block_threshold) &&
            std::isfinite(r.review_threshold);
  for (uint32_t t = 0; ok && r.attention && t < r.window_length; ++t) ok = std::isfinite(r.attention[t]);
  for (uint32_t i = 0; ok && i < r.reason_count; ++i) ok = std::isfinite(r.reasons[i].contribution);
  return ok;
}

}  // namespace

std::string route_name(const std::string& path) {
  if (path == "/v1/score") return "score";
  if (path == "/v1/feedback") return "feedback";
  if (path == "/v1/models") return "models";
  if (path == "/healthz") return "healthz";
  if (path == "/metrics") return "metrics";
  return "other";
}

Response error_response(int status, const std::string& message, nlohmann::json extra) {
  nlohmann::json body = {{"error", message}, {"status", status}};
  for (auto& [k, v] : extra.items()) body[k] = v;
  return json_response(status, body);
}

Response Service::handle(const std::string& method, const std::string& path, const std::string& body) {
  const Clock::time_point start = Clock::now();
  const std::string route = route_name(path);
  const bool post = method == "POST", get = method == "GET";
  Response r;
  if (route == "other") {
    r = error_response(404, "no such route: " + method + " " + path);
  } else if ((route == "score" || route == "feedback") != post || (!post && !get)) {
    r = error_response(405, "method " + method + " is not allowed on " + path);
  } else if (route == "score") {
    r = score(body);
  } else if (route == "feedback") {
    r = feedback(body);
  } else if (route == "models") {
    r = models();
  } else if (route == "healthz") {
    r = health();
  } else {
    r = metrics_text();
  }
  metrics_.request(route, r.status, seconds_since(start));
  if (r.status >= 500) JsonLog::error("request_failed", {{"route", route}, {"status", r.status}, {"body", r.body}});
  else if (r.status >= 400 && JsonLog::enabled(LogLevel::Debug))
    JsonLog::write(LogLevel::Debug, "request_refused", {{"route", route}, {"status", r.status}, {"body", r.body}});
  return r;
}

bool Service::replay(ServedModel& m, ModelShard& shard, const std::string& key, std::string* error) {
  std::vector<std::string> stored;
  if (!store_.read_window(m.name(), key, m.window_length(), &stored, error)) return false;
  RowValues row;
  for (const std::string& text : stored) {
    // A stored row the model refuses (e.g. a category a new version dropped) is skipped, not fatal.
    if (!m.row_from_stored(text, &row, error) ||
        fs_session_append(shard.session, row.values.data(), row.values.size()) != FS_OK)
      JsonLog::warn("stored_row_skipped", {{"model", m.name()}, {"key_hash", key}, {"error", fs_last_error()}});
  }
  return true;
}

bool Service::ensure_window(ServedModel& m, ModelShard& shard, const RowValues& row, std::string* error) {
  // The global window is restored in prepare(); a key the store never held has nothing to rebuild.
  if (m.info().key_column < 0 || !shard.stored_keys.may_contain(row.key)) return true;
  int has = 0;
  if (fs_session_has_window(shard.session, row.values.data(), row.values.size(), &has) != FS_OK) {
    *error = fs_last_error();
    return false;
  }
  if (has) return true;
  // Rows of this key that requests submitted but the writer has not committed
  // yet are not in the store: wait for them (rare: the key was evicted just
  // after it was used) before rebuilding the window from it.
  const auto it = shard.uncommitted_keys.find(row.key);
  if (it != shard.uncommitted_keys.end() && !store_.wait_durable(it->second, error)) return false;
  return replay(m, shard, row.key, error);
}

void Service::restore_thresholds(ServedModel& m, ModelShard& shard) {
  std::vector<uint8_t> state;
  if (m.info().dynamic_thresholds && store_.read_thresholds(m.name(), m.version(), &state)) {
    if (fs_session_load_thresholds(shard.session, state.data(), state.size()) != FS_OK)
      JsonLog::warn("threshold_state_ignored", {{"model", m.name()}, {"error", fs_last_error()}});
  }
}

bool Service::fill_stored_keys(ServedModel& m, std::string* error) {
  uint64_t count = 0;
  if (!store_.count_keys(m.name(), &count, error)) return false;
  // Each shard's filter is sized for its share of the keys the store holds now, growing after.
  const size_t shards = m.shard_count();
  for (size_t i = 0; i < shards; ++i) m.shard(i).stored_keys = StoredKeysFilter(count / shards + 1);
  return store_.for_each_key(
      m.name(), [&](const std::string& key) { m.shard(m.shard_of(key)).stored_keys.add(key); }, error);
}

bool Service::restore_session(ServedModel& m, ModelShard& shard, std::string* error) {
  store_.flush();  // every acknowledged row is in the store before the windows are rebuilt from it
  shard.uncommitted_keys.clear();
  if (fs_session_reset(shard.session) != FS_OK) {
    *error = fs_last_error();
    return false;
  }
  restore_thresholds(m, shard);
  // Keyed windows come back from the store as their keys do (ensure_window); the global one now.
  return m.info().key_column >= 0 || replay(m, shard, "", error);
}

bool Service::prepare(ServedModel& fresh, std::string* error) {
  store_.flush();  // rows scored by the old model are in the store before the new one reads them
  // Not served yet, so no request holds a shard; the locks keep the rule that they guard the shards.
  std::vector<std::unique_lock<std::mutex>> locks;
  for (size_t i = 0; i < fresh.shard_count(); ++i) locks.emplace_back(fresh.shard(i).mutex);
  for (size_t i = 0; i < fresh.shard_count(); ++i) restore_thresholds(fresh, fresh.shard(i));
  std::string detail;
  if (!fill_stored_keys(fresh, &detail)) {
    *error = "cannot read the stored keys of '" + fresh.name() + "': " + detail;
    return false;
  }
  if (fresh.info().key_column < 0 && !replay(fresh, fresh.shard(0), "", &detail)) {
    *error = "cannot restore the window of '" + fresh.name() + "': " + detail;
    return false;
  }
  return true;
}

bool Service::parse_object(const std::string& body, nlohmann::json* out, Response* failure) const {
  std::string error;
  if (!parse_json_bounded(body, options_.json, out, &error)) {
    *failure = error_response(400, error);
    return false;
  }
  if (!out->is_object()) {
    *failure = error_response(400, "the request body must be a JSON object");
    return false;
  }
  return true;
}

std::shared_ptr<ServedModel> Service::requested_model(const nlohmann::json& request, Response* failure) const {
  std::string name;
  if (request.contains("model")) {
    const nlohmann::json& field = request["model"];
    if (!field.is_string() || field.get_ref<const std::string&>().size() > kMaxStringBytes) {
      *failure = error_response(400, "'model' must be a string of at most " + std::to_string(kMaxStringBytes) + " bytes");
      return nullptr;
    }
    name = field.get<std::string>();
  }
  std::shared_ptr<ServedModel> m = registry_->get(name);
  if (m) return m;
  const std::string wanted = name.empty() ? registry_->default_name() : name;
  const auto status = registry_->reload_status();
  const auto it = status.find(wanted);
  if (it != status.end() && !it->second.last_error.empty()) {
    // Its file is there but was refused: the agent cannot serve it until a good file comes.
    *failure = error_response(503, "model '" + wanted + "' is not loaded: " + it->second.last_error);
  } else if (name.empty()) {
    *failure = error_response(503, "no default model is loaded");
  } else {
    *failure = error_response(404, "unknown model '" + excerpt(name) + "'");
  }
  return nullptr;
}

bool Service::parse_score(const std::string& body, ScoreRequest* out, Response* failure) {
  nlohmann::json request;
  if (!parse_object(body, &request, failure)) return false;
  out->model = requested_model(request, failure);
  if (!out->model) return false;
  ServedModel& m = *out->model;
  out->single = request.contains("transaction");
  if (out->single == request.contains("transactions")) {
    *failure = error_response(400, "give either 'transaction' (an object) or 'transactions' (an array)");
    return false;
  }
  const nlohmann::json& txns = out->single ? request["transaction"] : request["transactions"];
  if (!out->single && (!txns.is_array() || txns.empty())) {
    *failure = error_response(400, "'transactions' must be a non-empty array");
    return false;
  }
  const size_t n = out->single ? 1 : txns.size();
  if (n > m.max_batch()) {
    *failure = error_response(413, "at most " + std::to_string(m.max_batch()) + " transactions per request");
    return false;
  }
  for (auto it = request.begin(); it != request.end(); ++it)
    if (it.key() != "model" && it.key() != "transaction" && it.key() != "transactions") {
      *failure = error_response(400, "unknown field '" + excerpt(it.key()) + "'");
      return false;
    }
  out->rows.resize(n);
  for (size_t i = 0; i < n; ++i) {
    std::string error;
    if (!m.row_from_transaction(out->single ? txns : txns[i], hasher_, &out->rows[i], &error)) {
      *failure = row_error(400, error, i, out->single);
      return false;
    }
  }
  return true;
}

bool Service::admit(const ScoreRequest& request, Response* failure) {
  std::vector<std::string> keys;
  keys.reserve(request.rows.size());
  for (const RowValues& r : request.rows) keys.push_back(r.key);
  const double now = std::chrono::duration<double>(Clock::now().time_since_epoch()).count();
  double retry = 0.0;
  if (limiter_.admit(request.model->name(), keys, now, &retry)) return true;
  metrics_.rate_limited(request.model->name());
  if (std::isinf(retry)) {
    *failure = error_response(429, "more transactions of one key than the rate limit's burst allows in one request");
    return false;
  }
  const int after = std::max(1, static_cast<int>(std::ceil(retry)));
  *failure = error_response(429, "too many scores for this key: retry in " + std::to_string(after) + " s",
                            {{"retry_after_s", after}});
  failure->headers.emplace_back("Retry-After", std::to_string(after));
  return false;
}

Response Service::scoring_failure(ServedModel& m, const std::vector<size_t>& shards, fs_status status,
                                  const std::string& message, size_t row, bool single) {
  // A refused row (FS_ERR_INPUT) changed nothing; any other failure came after the windows moved.
  // The core's batch message says "row N: ..."; the API counts transactions (row_error says which).
  const size_t prefix = message.find(": ");
  const std::string text = single || message.rfind("row ", 0) != 0 || prefix == std::string::npos
                               ? message
                               : message.substr(prefix + 2);
  if (status == FS_ERR_INPUT) return row_error(422, text, row, single);
  for (size_t index : shards) {
    std::string restore_error;
    if (!restore_session(m, m.shard(index), &restore_error))
      JsonLog::error("session_restore_failed", {{"model", m.name()}, {"error", restore_error}});
  }
  return row_error(500, "the model could not score this transaction: " + text, row, single);
}

Response Service::score(const std::string& body) {
  const Clock::time_point start = Clock::now();
  ScoreRequest request;
  Response failure;
  if (!parse_score(body, &request, &failure) || !admit(request, &failure)) return failure;
  ServedModel& m = *request.model;
  const bool single = request.single;
  const std::vector<RowValues>& rows = request.rows;
  const size_t n = rows.size(), columns = m.columns().size();
  // Every row is checked before any session changes: a batch whose rows fall in several
  // shards is then scored in full or (but for a non-finite score) not at all.
  for (size_t i = 0; i < n; ++i)
    if (fs_model_check_row(m.model(), rows[i].values.data(), rows[i].values.size()) != FS_OK)
      return row_error(422, fs_last_error(), i, single);
  // The rows in shard order (stable, so one key's rows keep their order): `order[p]` is the
  // row at position p; each shard scores its run of positions in one call.
  std::vector<size_t> order(n), shard_of_row(n);
  for (size_t i = 0; i < n; ++i) {
    order[i] = i;
    shard_of_row[i] = m.shard_of(rows[i].key);
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return shard_of_row[a] < shard_of_row[b]; });
  std::vector<size_t> shards;  // the shards this request touches, ascending (the order they are locked in)
  for (size_t p = 0; p < n; ++p)
    if (shards.empty() || shards.back() != shard_of_row[order[p]]) shards.push_back(shard_of_row[order[p]]);
  std::vector<fs_value> flat;
  flat.reserve(n * columns);
  for (size_t p = 0; p < n; ++p) flat.insert(flat.end(), rows[order[p]].values.begin(), rows[order[p]].values.end());
  std::vector<fs_result> sorted_results(n), results(n);
  std::vector<float> attention(n * m.window_length());
  metrics_.stage("parse", seconds_since(start));

  // The store's rows are made before taking the shards' locks: only scoring,
  // the audit entries (which need the results) and the hand-over to the
  // store (whose order must be the scoring order of each key) happen under them.
  StoreBatch batch;
  batch.rows.reserve(n);
  batch.audit.reserve(n);
  for (const RowValues& r : rows) batch.rows.push_back({m.name(), r.key, r.stored.dump(), m.window_length()});
  const Clock::time_point queued = Clock::now();
  std::vector<fs_reason> reasons;  // copies: a session's reasons change with its next call
  uint64_t ticket = 0;
  double queue_seconds = 0.0, score_seconds = 0.0;
  {
    std::vector<std::unique_lock<std::mutex>> locks;
    for (size_t index : shards) locks.emplace_back(m.shard(index).mutex);
    const Clock::time_point scoring = Clock::now();
    queue_seconds = std::chrono::duration<double>(scoring - queued).count();
    // Windows rebuilt for every row before any is scored: a failure here changes nothing.
    for (size_t i = 0; i < n; ++i) {
      std::string error;
      if (!ensure_window(m, m.shard(shard_of_row[i]), rows[i], &error)) return row_error(422, error, i, single);
    }
    for (size_t first = 0; first < n;) {
      ModelShard& shard = m.shard(shard_of_row[order[first]]);
      size_t end = first;
      while (end < n && shard_of_row[order[end]] == shard_of_row[order[first]]) ++end;
      size_t failed = 0;
      const fs_status status =
          fs_session_score_batch(shard.session, &flat[first * columns], end - first, columns, &sorted_results[first],
                                 &attention[first * m.window_length()], &failed);
      if (status != FS_OK)
        return scoring_failure(m, shards, status, fs_last_error(), order[first + failed], single);
      for (size_t p = first; p < end; ++p) results[order[p]] = sorted_results[p];
      first = end;
    }
    for (size_t i = 0; i < n; ++i)
      if (!finite_result(results[i]))
        return scoring_failure(m, shards, FS_ERR_INTERNAL, "its score is not a finite number", i, single);
    size_t reason_total = 0;
    for (const fs_result& r : results) reason_total += r.reason_count;
    reasons.reserve(reason_total);
    for (fs_result& r : results) {
      const size_t first = reasons.size();
      reasons.insert(reasons.end(), r.reasons, r.reasons + r.reason_count);
      r.reasons = reasons.data() + first;
    }
    for (size_t i = 0; i < n; ++i)
      batch.audit.push_back({"score", m.name(), m.version(), rows[i].key, results[i].probability,
                             fs_decision_name(results[i].decision), fs_band_name(results[i].band)});
    size_t size = 0;
    // Dynamic thresholds live in the model's one shard.
    if (m.info().dynamic_thresholds && fs_session_threshold_state_size(m.shard(0).session, &size) == FS_OK) {
      ThresholdRecord t{m.name(), m.version(), std::vector<uint8_t>(size)};
      if (fs_session_save_thresholds(m.shard(0).session, t.state.data(), size, &size) == FS_OK) batch.thresholds = t;
    }
    ticket = store_.submit(std::move(batch));
    // Remember each key's newest ticket; forget committed ones so the maps stay small.
    for (size_t index : shards) {
      auto& uncommitted = m.shard(index).uncommitted_keys;
      if (uncommitted.size() > 4 * size_t{m.max_batch()}) {
        const uint64_t done = store_.committed();
        for (auto it = uncommitted.begin(); it != uncommitted.end();)
          it = it->second <= done ? uncommitted.erase(it) : std::next(it);
      }
    }
    for (size_t i = 0; i < n; ++i)
      if (!rows[i].key.empty()) {
        ModelShard& shard = m.shard(shard_of_row[i]);
        shard.uncommitted_keys[rows[i].key] = ticket;
        shard.stored_keys.add(rows[i].key);
      }
    score_seconds = seconds_since(scoring);
  }
  metrics_.stage("queue", queue_seconds);
  metrics_.stage("score", score_seconds);
  // Results point into our own buffers and into the model (held by `request`): JSON is built outside the lock.
  nlohmann::json out = nlohmann::json::array();
  for (size_t i = 0; i < n; ++i) {
    out.push_back(m.result_json(results[i]));
    apply_output_policy(options_.output, m.named_outputs(), &out.back());
  }

  const Clock::time_point storing = Clock::now();
  std::string error;
  if (!store_.wait_durable(ticket, &error))
    return error_response(503, "the score could not be stored durably: " + error);
  metrics_.stage("store", seconds_since(storing));
  for (size_t i = 0; i < n; ++i) metrics_.decision(m.name(), fs_decision_name(results[i].decision));

  nlohmann::json response = {{"model", m.name()}, {"version", m.version()}, {"kind", m.kind()}};
  if (single) response["result"] = std::move(out[0]);
  else response["results"] = std::move(out);
  return json_response(200, response);
}

Response Service::feedback(const std::string& body) {
  nlohmann::json request;
  Response failure;
  if (!parse_object(body, &request, &failure)) return failure;
  std::shared_ptr<ServedModel> m = requested_model(request, &failure);
  if (!m) return failure;
  for (auto it = request.begin(); it != request.end(); ++it)
    if (it.key() != "model" && it.key() != "transaction" && it.key() != "probability" && it.key() != "label")
      return error_response(400, "unknown field '" + excerpt(it.key()) + "'");
  if (!request.contains("transaction")) return error_response(400, "'transaction' is required");
  if (!request.contains("probability") || !request["probability"].is_number())
    return error_response(400, "'probability' (the score the transaction got) must be a number");
  const double p = request["probability"].get<double>();
  if (!(p >= 0.0 && p <= 1.0)) return error_response(400, "'probability' must be in [0, 1]");
  const nlohmann::json& label_field = request.contains("label") ? request["label"] : nlohmann::json();
  const std::string label = label_field.is_string() ? label_field.get<std::string>() : std::string();
  fs_feedback kind;
  if (label == "confirmed_fraud") kind = FS_FEEDBACK_CONFIRMED_FRAUD;
  else if (label == "false_alarm") kind = FS_FEEDBACK_FALSE_ALARM;
  else return error_response(400, "'label' must be the string \"confirmed_fraud\" or \"false_alarm\"");
  if (!m->info().dynamic_thresholds)
    return error_response(409, "model '" + m->name() + "' does not use dynamic thresholds; feedback has no effect");
  RowValues row;
  std::string error;
  if (!m->row_from_transaction(request["transaction"], hasher_, &row, &error)) return error_response(400, error);
  uint64_t ticket = 0;
  {
    ModelShard& shard = m->shard(m->shard_of(row.key));  // a dynamic-threshold model has one
    std::lock_guard<std::mutex> lock(shard.mutex);
    if (fs_session_feedback(shard.session, row.values.data(), row.values.size(), p, kind) != FS_OK)
      return error_response(422, fs_last_error());
    StoreBatch batch;
    batch.audit.push_back({"feedback", m->name(), m->version(), row.key, p, label, ""});
    size_t size = 0;
    fs_session_threshold_state_size(shard.session, &size);
    ThresholdRecord t{m->name(), m->version(), std::vector<uint8_t>(size)};
    if (fs_session_save_thresholds(shard.session, t.state.data(), size, &size) == FS_OK) batch.thresholds = t;
    ticket = store_.submit(std::move(batch));
  }
  if (!store_.wait_durable(ticket, &error))
    return error_response(503, "the feedback could not be stored durably: " + error);
  return json_response(200, {{"model", m->name()}, {"version", m->version()}, {"label", label}, {"recorded", true}});
}

Response Service::models() const {
  nlohmann::json list = nlohmann::json::array();
  const auto status = registry_->reload_status();
  for (const auto& m : registry_->all()) {
    nlohmann::json d = m->description();
    const auto it = status.find(m->name());
    if (it != status.end())
      d["reload"] = {{"loads", it->second.loads}, {"failures", it->second.failures},
                     {"last_error", it->second.last_error.empty() ? nlohmann::json(nullptr)
                                                                  : nlohmann::json(it->second.last_error)}};
    list.push_back(std::move(d));
  }
  nlohmann::json rejected = nlohmann::json::object();
  for (const auto& [name, s] : status)
    if (!s.last_error.empty()) rejected[name] = s.last_error;
  return json_response(200, {{"default", registry_->default_name()}, {"models", list}, {"rejected", rejected}});
}

Response Service::health() const {
  nlohmann::json names = nlohmann::json::array();
  for (const auto& m : registry_->all()) names.push_back(m->name());
  nlohmann::json rejected = nlohmann::json::object();  // files refused, whether or not an older version serves
  for (const auto& [name, s] : registry_->reload_status())
    if (!s.last_error.empty()) rejected[name] = s.last_error;
  // Healthy while requests that name no model can be scored.
  const bool ok = registry_->get("") != nullptr;
  return json_response(ok ? 200 : 503, {{"status", ok ? "ok" : "no default model"}, {"models", names},
                                        {"default", registry_->default_name()}, {"rejected", rejected},
                                        {"version", fs_version()}});
}

Response Service::metrics_text() const {
  std::string out = metrics_.render();
  char line[512];
  out += "# HELP fraudscore_model_info The model served under each name: kind and version (file checksum).\n";
  out += "# TYPE fraudscore_model_info gauge\n";
  std::string keys = "# HELP fraudscore_tracked_keys Keys whose windows are held in memory.\n"
                     "# TYPE fraudscore_tracked_keys gauge\n";
  for (const auto& m : registry_->all()) {
    std::snprintf(line, sizeof line, "fraudscore_model_info{model=\"%s\",kind=\"%s\",version=\"%s\"} 1\n",
                  prometheus_label(m->name()).c_str(), m->kind(), m->version().c_str());
    out += line;
    uint32_t count = 0;
    for (size_t i = 0; i < m->shard_count(); ++i) {
      std::lock_guard<std::mutex> lock(m->shard(i).mutex);
      uint32_t shard_keys = 0;
      fs_session_key_count(m->shard(i).session, &shard_keys);
      count += shard_keys;
    }
    std::snprintf(line, sizeof line, "fraudscore_tracked_keys{model=\"%s\"} %u\n", prometheus_label(m->name()).c_str(),
                  count);
    keys += line;
  }
  out += keys;
  out += "# HELP fraudscore_model_reloads_total Model files loaded (first loads and reloads).\n"
         "# TYPE fraudscore_model_reloads_total counter\n";
  std::string failures = "# HELP fraudscore_model_reload_failures_total Model files refused (the old model kept serving).\n"
                         "# TYPE fraudscore_model_reload_failures_total counter\n"
                         "# HELP fraudscore_model_reload_error 1 while the newest file of a model was refused.\n"
                         "# TYPE fraudscore_model_reload_error gauge\n";
  for (const auto& [name, s] : registry_->reload_status()) {
    const std::string label = prometheus_label(name);
    std::snprintf(line, sizeof line, "fraudscore_model_reloads_total{model=\"%s\"} %llu\n", label.c_str(),
                  static_cast<unsigned long long>(s.loads));
    out += line;
    std::snprintf(line, sizeof line,
                  "fraudscore_model_reload_failures_total{model=\"%s\"} %llu\nfraudscore_model_reload_error{model=\"%s\"} %d\n",
                  label.c_str(), static_cast<unsigned long long>(s.failures), label.c_str(),
                  s.last_error.empty() ? 0 : 1);
    failures += line;
  }
  out += failures;
  const StoreStats st = store_.stats();
  char store_lines[2048];
  std::snprintf(store_lines, sizeof store_lines,
                "# HELP fraudscore_store_bytes Size of the state database and its WAL.\n"
                "# TYPE fraudscore_store_bytes gauge\nfraudscore_store_bytes %lld\n"
                "# HELP fraudscore_store_commits_total Group commits (each makes many requests durable).\n"
                "# TYPE fraudscore_store_commits_total counter\nfraudscore_store_commits_total %llu\n"
                "# HELP fraudscore_store_batches_total Request batches committed.\n"
                "# TYPE fraudscore_store_batches_total counter\nfraudscore_store_batches_total %llu\n"
                "# HELP fraudscore_store_commit_seconds_total Time spent committing.\n"
                "# TYPE fraudscore_store_commit_seconds_total counter\nfraudscore_store_commit_seconds_total %.6f\n"
                "# HELP fraudscore_store_failed_commits_total Commits that failed (their requests got 503).\n"
                "# TYPE fraudscore_store_failed_commits_total counter\nfraudscore_store_failed_commits_total %llu\n",
                static_cast<long long>(store_.size_bytes()), static_cast<unsigned long long>(st.commits),
                static_cast<unsigned long long>(st.batches), st.commit_seconds,
                static_cast<unsigned long long>(st.failed_commits));
  out += store_lines;
  Response r;
  r.body = std::move(out);
  r.content_type = "text/plain; version=0.0.4";
  return r;
}

}  // namespace fraudscore_agent
