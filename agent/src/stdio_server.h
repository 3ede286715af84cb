// The JSON-lines mode, for a terminal's own software that embeds the agent
// as a child process: one request per line on stdin, one answer per line on
// stdout, in order.
//
//   {"id": 7, "op": "score", "model": "crnn-on-device", "transaction": {...}}
//   -> {"id": 7, "status": 200, "body": {"model": ..., "result": {...}}}
//
// op is score, feedback (the request fields as in HTTP), models, health or
// metrics (body is then the Prometheus text as a string). "id" (a number or a
// string of at most 256 bytes) is echoed. Lines are bounded like HTTP bodies:
// length (max-body-bytes), nesting depth and value count (request_limits.h).
#pragma once

#include <atomic>
#include <string>

#include "service.h"

namespace fraudscore_agent {

// One line in, one line out (without the newline).
std::string handle_json_line(Service& service, const std::string& line);

// Serve `in_fd` to `out_fd` until end of input or until *stop is set. A line
// longer than max_line_bytes is answered with status 413 and skipped, never held.
void serve_json_lines(Service& service, int in_fd, int out_fd, const std::atomic<bool>* stop,
                      size_t max_line_bytes = 1 << 20);

}  // namespace fraudscore_agent
