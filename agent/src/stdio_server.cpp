#include "stdio_server.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <exception>

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

}  // namespace

std::string handle_json_line(Service& service, const std::string& line) {
  nlohmann::json answer = {{"id", nullptr}};
  try {
    nlohmann::json request = nlohmann::json::parse(line);
    if (!request.is_object()) throw std::runtime_error("a request line must be a JSON object");
    if (request.contains("id")) answer["id"] = request["id"];
    const std::string op = request.value("op", std::string());
    request.erase("id");
    request.erase("op");
    std::string method = "GET", path;
    if (op == "score") method = "POST", path = "/v1/score";
    else if (op == "feedback") method = "POST", path = "/v1/feedback";
    else if (op == "models") path = "/v1/models";
    else if (op == "health") path = "/healthz";
    else if (op == "metrics") path = "/metrics";
    else throw std::runtime_error("unknown op '" + op + "' (score, feedback, models, health, metrics)");
    const Response r = service.handle(method, path, method == "POST" ? request.dump() : std::string());
    answer["status"] = r.status;
    answer["body"] = r.content_type == "application/json" ? nlohmann::json::parse(r.body) : nlohmann::json(r.body);
  } catch (const std::exception& e) {
    answer["status"] = 400;
    answer["body"] = {{"error", std::string("bad request line: ") + e.what()}, {"status", 400}};
  }
  return answer.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void serve_json_lines(Service& service, int in_fd, int out_fd, const std::atomic<bool>* stop) {
  std::string buffer;
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
      const std::string line = buffer.substr(start, newline - start);
      start = newline + 1;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      if (!write_all(out_fd, handle_json_line(service, line) + "\n")) return;
    }
    buffer.erase(0, start);
    if (eof) {
      if (buffer.find_first_not_of(" \t\r") != std::string::npos) write_all(out_fd, handle_json_line(service, buffer) + "\n");
      return;
    }
  }
}

}  // namespace fraudscore_agent
