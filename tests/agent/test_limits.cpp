// What one request may hold (request_limits.h): nesting depth and value count
// before parsing, string lengths per field, line length in the JSON-lines
// mode; and the feedback label's type. Each refusal is a 4xx naming the
// problem, nothing is stored, and the service keeps answering.
#include <gtest/gtest.h>
#include <unistd.h>

#include "agent_test_support.h"
#include "request_limits.h"
#include "stdio_server.h"

namespace {

using agent_test::call;
using nlohmann::json;

class Limits : public ::testing::Test {
 protected:
  void SetUp() override {
    agent_ = agent_test::start_agent(dir_);
    ASSERT_TRUE(agent_);
    good_ = agent_test::example_transactions(agent_test::describe(agent_->service(), "crnn-on-device"))[0];
    sme_ = agent_test::example_transactions(agent_test::describe(agent_->service(), "lstm_attn-sme"))[0];
  }
  void expect_refused(const std::string& path, const std::string& body, int status, const std::string& part) {
    const agent_test::Reply r = call(agent_->service(), "POST", path, body);
    EXPECT_EQ(r.status, status) << body.substr(0, 200) << " -> " << r.body.dump().substr(0, 300);
    ASSERT_TRUE(r.body.is_object() && r.body["error"].is_string()) << r.body.dump().substr(0, 300);
    const std::string error = r.body["error"];
    EXPECT_NE(error.find(part), std::string::npos) << "'" << error << "' lacks '" << part << "'";
    EXPECT_LE(error.size(), 400u) << "the message echoes too much of the request";
    EXPECT_EQ(agent_->store().audit_count(), 0u);
  }
  void expect_still_scoring() {
    EXPECT_EQ(agent_test::score(agent_->service(), "crnn-on-device", good_).status, 200);
  }
  json with(const std::string& field, const json& value) const {
    json t = good_;
    t[field] = value;
    return json{{"model", "crnn-on-device"}, {"transaction", t}};
  }
  agent_test::TempDir dir_;
  std::unique_ptr<fraudscore_agent::Agent> agent_;
  json good_, sme_;
};

std::string nested(size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

TEST_F(Limits, AFeedbackLabelThatIsNotAStringIs400) {
  for (const json& label : {json(1), json(true), json::object(), json::array({"false_alarm"}), json(nullptr)}) {
    const json body = {{"model", "lstm_attn-sme"}, {"transaction", sme_}, {"probability", 0.5}, {"label", label}};
    expect_refused("/v1/feedback", body.dump(), 400, "'label'");
  }
}

TEST_F(Limits, DeepNestingIsRefusedBeforeParsing) {
  expect_refused("/v1/score", nested(60000), 400, "nests deeper than 64");
  expect_refused("/v1/score", "{\"transaction\": " + nested(65) + "}", 400, "nests deeper than 64");
  expect_refused("/v1/feedback", "{\"label\": " + nested(60000) + "}", 400, "nests deeper");
  // 64 levels are allowed (and then refused for what they are).
  expect_refused("/v1/score", "{\"transaction\": " + nested(63) + "}", 400, "JSON object");
  expect_still_scoring();
}

TEST_F(Limits, TooManyValuesAreRefusedBeforeParsing) {
  std::string many = "{\"transactions\": [";
  for (int i = 0; i < 70000; ++i) many += i ? ",0" : "0";
  many += "]}";
  expect_refused("/v1/score", many, 400, "more than 65536 values");
  expect_still_scoring();
}

TEST_F(Limits, LongStringsAreRefusedNamingTheField) {
  const std::string id(900 * 1024, '7');
  expect_refused("/v1/score", with("nameOrig", id).dump(), 400, "'nameOrig' is longer than 256 bytes");
  expect_refused("/v1/score", with("nameDest", std::string(257, 'M')).dump(), 400, "'nameDest'");
  expect_refused("/v1/score", with("type", std::string(1000, 'T')).dump(), 400, "'type' is longer than 256 bytes");
  expect_refused("/v1/score", json{{"model", std::string(300, 'm')}, {"transaction", good_}}.dump(), 400, "'model'");
  // Unknown field names and model names are echoed cut short.
  expect_refused("/v1/score", with(std::string(5000, 'x'), 1).dump(), 400, "unknown field 'xxxx");
  expect_refused("/v1/score", json{{"model", std::string(200, 'q')}, {"transaction", good_}}.dump(), 404,
                 "unknown model 'qqqq");
  // 256 bytes are allowed.
  const agent_test::Reply ok = call(agent_->service(), "POST", "/v1/score", with("nameOrig", std::string(256, 'C')).dump());
  EXPECT_EQ(ok.status, 200) << ok.body.dump();
}

TEST(JsonShape, CountsOnlyStructureOutsideStrings) {
  fraudscore_agent::JsonLimits limits;
  limits.max_depth = 2;
  limits.max_values = 5;
  std::string error;
  EXPECT_TRUE(fraudscore_agent::check_json_shape("[[1]]", limits, &error));
  EXPECT_FALSE(fraudscore_agent::check_json_shape("[[[1]]]", limits, &error));
  EXPECT_NE(error.find("deeper than 2"), std::string::npos);
  // Brackets, commas and escaped quotes inside strings are text.
  EXPECT_TRUE(fraudscore_agent::check_json_shape(R"(["[[[[,,,,,,\"[[[[", 1])", limits, &error));
  EXPECT_TRUE(fraudscore_agent::check_json_shape(R"({"a": 1, "b": 2})", limits, &error));  // 5 values: keys count
  EXPECT_FALSE(fraudscore_agent::check_json_shape(R"({"a": 1, "b": 2, "c": 3})", limits, &error));
  EXPECT_NE(error.find("more than 5 values"), std::string::npos);
  EXPECT_EQ(fraudscore_agent::excerpt(std::string(100, 'a')), std::string(64, 'a') + "...");
  // A cut never splits a UTF-8 sequence ("é" is two bytes).
  std::string accents;
  for (int i = 0; i < 40; ++i) accents += "\xc3\xa9";
  EXPECT_EQ(fraudscore_agent::excerpt(accents), accents.substr(0, 64) + "...");
  EXPECT_EQ(fraudscore_agent::excerpt("a" + accents).substr(0, 63), ("a" + accents).substr(0, 63));
  EXPECT_EQ(fraudscore_agent::excerpt("a" + accents).size(), 63u + 3u);
}

// The JSON-lines mode over pipes: every input line gets its answer line.
std::vector<json> serve_lines(fraudscore_agent::Service& service, const std::string& input, size_t max_line) {
  int in[2], out[2];
  if (::pipe(in) != 0 || ::pipe(out) != 0) return {};
  std::thread writer([&] {
    size_t done = 0;
    while (done < input.size()) {
      const ssize_t n = ::write(in[1], input.data() + done, input.size() - done);
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    ::close(in[1]);
  });
  std::string output;
  std::thread reader([&] {
    char buf[65536];
    ssize_t n;
    while ((n = ::read(out[0], buf, sizeof buf)) > 0) output.append(buf, static_cast<size_t>(n));
  });
  fraudscore_agent::serve_json_lines(service, in[0], out[1], nullptr, max_line);
  ::close(out[1]);
  writer.join();
  reader.join();
  ::close(in[0]);
  ::close(out[0]);
  std::vector<json> answers;
  size_t start = 0, nl;
  while ((nl = output.find('\n', start)) != std::string::npos) {
    answers.push_back(json::parse(output.substr(start, nl - start)));
    start = nl + 1;
  }
  return answers;
}

TEST_F(Limits, JsonLinesSurviveDeepNestingLongLinesAndOddIds) {
  const std::string score = json{{"id", 9}, {"op", "score"}, {"transaction", good_}}.dump();
  // An object nested 60,000 deep overflowed the stack when the line was re-serialised.
  const std::string input = nested(60000) + "\n" +
                            "{\"id\": 1, \"op\": \"score\", \"transaction\": " + nested(60000) + "}\n" +
                            std::string(300000, ' ') + "x\n" +                            // over the line limit
                            json{{"id", std::string(300, 'i')}, {"op", "health"}}.dump() + "\n" +
                            json{{"id", {{"a", 1}}}, {"op", "health"}}.dump() + "\n" +
                            json{{"id", 2}, {"op", 7}}.dump() + "\n" + score + "\n" +
                            std::string(300000, 'y');  // over the limit, and no final newline
  const std::vector<json> answers = serve_lines(agent_->service(), input, 256 * 1024);
  ASSERT_EQ(answers.size(), 8u);
  EXPECT_EQ(answers[0]["status"], 400);
  EXPECT_NE(answers[0]["body"]["error"].get<std::string>().find("nests deeper"), std::string::npos);
  EXPECT_EQ(answers[1]["status"], 400);
  EXPECT_TRUE(answers[1]["id"].is_null());  // refused before the id was read
  EXPECT_EQ(answers[2]["status"], 413);
  EXPECT_EQ(answers[3]["status"], 400);
  EXPECT_NE(answers[3]["body"]["error"].get<std::string>().find("'id'"), std::string::npos);
  EXPECT_EQ(answers[4]["status"], 400);
  EXPECT_EQ(answers[5]["status"], 400);
  EXPECT_EQ(answers[5]["id"], 2);
  EXPECT_EQ(answers[6]["id"], 9);
  EXPECT_EQ(answers[6]["status"], 200);
  EXPECT_EQ(answers[7]["status"], 413);
}

}  // namespace
