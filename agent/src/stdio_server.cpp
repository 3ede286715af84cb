#include "stdio_server.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <exception>

#include "request_limits.h"

namespace fraudscore_agent {
namespace {

bool write_all(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

std::string dump(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

std::string refused_line(nlohmann::json answer, int status, const std::string& message) {
  answer["status"] = status;
  answer["body"] = {{"error", "bad request line: " + message}, {"status", status}};
  return dump(answer);
}

bool valid_id(const nlohmann::json& id) {
  return id.is_null() || id.is_number() || (id.is_string() && id.get_ref<const std::string&>().size() <= kMaxStringBytes);
}

// The HTTP method and path of an op; false for an unknown op.
bool route_of_op(const std::string& op, std::string* method, std::string* path) {
  *method = "GET";
  if (op == "score") *method = "POST", *path = "/v1/score";
  else if (op == "feedback") *method = "POST", *path = "/v1/feedback";
  else if (op == "models") *path = "/v1/models";
  else if (op == "health") *path = "/healthz";
  else if (op == "metrics") *path = "/metrics";
  else return false;
  return true;
}

bool blank(const std::string& s) { return s.find_first_not_of(" \t\r") == std::string::npos; }

}  // namespace

std::string handle_json_line(Service& service, const std::string& line) {
  nlohmann::json answer = {{"id", nullptr}};
  nlohmann::json request;
  std::string error;
  if (!parse_json_bounded(line, service.json_limits(), &request, &error)) return refused_line(answer, 400, error);
  if (!request.is_object()) return refused_line(answer, 400, "a request line must be a JSON object");
  if (request.contains("id")) {
    if (!valid_id(request["id"]))
      return refused_line(answer, 400,
                          "'id' must be a number or a string of at most " + std::to_string(kMaxStringBytes) + " bytes");
    answer["id"] = request["id"];
  }
  const nlohmann::json op = request.contains("op") ? request["op"] : nlohmann::json("");
  std::string method, path;
  if (!op.is_string() || !route_of_op(op.get<std::string>(), &method, &path))
    return refused_line(answer, 400,
                        "unknown op '" + excerpt(op.is_string() ? op.get<std::string>() : op.dump()) +
                            "' (score, feedback, models, health, metrics)");
  request.erase("id");
  request.erase("op");
  try {
    const Response r = service.handle(method, path, method == "POST" ? request.dump() : std::string());
    answer["status"] = r.status;
    answer["body"] = r.content_type == "application/json" ? nlohmann::json::parse(r.body) : nlohmann::json(r.body);
  } catch (const std::exception& e) {  // not expected: the service answers errors itself
    return refused_line(answer, 500, std::string("internal error: ") + e.what());
  }
  return dump(answer);
}

void serve_json_lines(Service& service, int in_fd, int out_fd, const std::atomic<bool>* stop, size_t max_line_bytes) {
  std::string buffer;
  bool discarding = false;  // inside a line longer than max_line_bytes: drop it up to its newline
  const std::string too_long = refused_line({{"id", nullptr}}, 413,
                                            "the line exceeds " + std::to_string(max_line_bytes) + " bytes");
  char chunk[65536];
  for (;;) {
    if (stop && stop->load()) return;
    pollfd p{in_fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, 200);
    if (ready < 0 && errno != EINTR) return;
    if (ready <= 0) continue;
    const ssize_t n = ::read(in_fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    const bool eof = n <= 0;
    if (!eof) buffer.append(chunk, static_cast<size_t>(n));
    size_t start = 0, newline;
    while ((newline = buffer.find('\n', start)) != std::string::npos) {
      std::string answer;
      if (discarding) answer = too_long, discarding = false;
      else if (newline - start > max_line_bytes) answer = too_long;
      else if (!blank(buffer.substr(start, newline - start)))
        answer = handle_json_line(service, buffer.substr(start, newline - start));
      start = newline + 1;
      if (!answer.empty() && !write_all(out_fd, answer + "\n")) return;
    }
    buffer.erase(0, start);
    if (buffer.size() > max_line_bytes) {
      discarding = true;  // answered once its newline (or the end of input) comes
      buffer.clear();
    }
    if (eof) {
      if (discarding) write_all(out_fd, too_long + "\n");
      else if (!blank(buffer)) write_all(out_fd, handle_json_line(service, buffer) + "\n");
      return;
    }
  }
}

}  // namespace fraudscore_agent
