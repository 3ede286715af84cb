// Writes the fuzzers' seed corpora (checked in under tests/fuzz/corpus/):
//   fuzz_model_load/, fuzz_model_checksummed/, fuzz_model_structured/:
//       one tiny model file of each kind (a few KB each);
//   fuzz_agent_request/: a score request (single and batch) and a feedback
//       request for each tiny model, and the GET routes;
//   fuzz_score/: for each model slot, a run of plain rows and a mix of calls;
//   fuzz_csv_reader/: a few edge cases and the heads of examples/*.csv.
// Usage: fuzz_seed_gen CORPUS_DIR [REPO_DIR]
#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "model_builder.h"

namespace {

using namespace fraudscore_fuzz;

void write(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) {
    std::fprintf(stderr, "cannot write %s\n", path.c_str());
    std::exit(1);
  }
}

std::string as_string(const std::vector<uint8_t>& v) { return std::string(v.begin(), v.end()); }

// The first `lines` lines of a file.
std::string head(const std::string& path, int lines) {
  std::ifstream in(path);
  std::string out, line;
  for (int i = 0; i < lines && std::getline(in, line); ++i) out += line + "\n";
  return out;
}

struct Requests {
  const char* model;
  const char* txn_a;
  const char* txn_b;
};

const Requests kRequests[] = {
    {"crnn",
     R"({"step": 1, "type": "TRANSFER", "amount": 181.0, "nameOrig": "C1305486145", "oldbalanceOrg": 181.0, "nameDest": "C553264065"})",
     R"({"step": 2, "type": "PAYMENT", "amount": "9839.64", "nameOrig": "C1231006815", "oldbalanceOrg": null, "nameDest": "M1979787155"})"},
    {"crnn_perkey_dynamic",
     R"({"step": 1, "type": "CASH_OUT", "amount": 229133.94, "nameOrig": "C905080434", "oldbalanceOrg": 15325.0, "nameDest": "C476402209"})",
     R"({"step": 30, "type": "DEBIT", "amount": 5337.77, "nameOrig": "C905080434", "oldbalanceOrg": 41720.0, "nameDest": "C195600860"})"},
    {"lstm_attn",
     R"({"enterprise_id": "E17", "amount": 12000.5, "delay_days": 3, "counterparty": "supplier", "sector": "retail", "day": 40})",
     R"({"enterprise_id": "E17", "amount": 300, "delay_days": -2, "counterparty": "unknown-co", "sector": "manufacturing", "day": 41})"},
    {"lle_svm",
     R"({"company": "600001", "year": 2018, "x1": 0.12, "x2": 1.5, "x3": -0.3})",
     R"({"company": "600001", "year": 2019, "x1": 0.4, "x2": 0.0, "x3": 2.5})"},
    {"gbdt",
     R"({"step": 3, "type": "TRANSFER", "amount": 215310.3, "nameOrig": "C1670993182", "oldbalanceOrg": 705.0, "nameDest": "C1100439041"})",
     R"({"step": 4, "type": "CASH_OUT", "amount": "311685.89", "nameOrig": "C1670993182", "oldbalanceOrg": null, "nameDest": "M1176932104"})"},
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR [REPO_DIR]\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  const std::string repo = argc > 2 ? argv[2] : "";
  mkdir(dir.c_str(), 0755);
  for (const char* harness : {"fuzz_model_load", "fuzz_model_checksummed", "fuzz_model_structured"}) {
    mkdir((dir + "/" + harness).c_str(), 0755);
    for (TinyKind kind : kTinyKinds)
      write(dir + "/" + harness + "/" + tiny_kind_name(kind) + ".fsmodel", as_string(tiny_model_bytes(kind)));
  }

  const std::string agent = dir + "/fuzz_agent_request";
  mkdir(agent.c_str(), 0755);
  // The first byte picks the route (fuzz_agent_request.cpp): 0 score, 160 feedback, 224.. the GET routes.
  for (const Requests& r : kRequests) {
    const std::string m = r.model;
    write(agent + "/score_" + m, std::string(1, '\0') + R"({"model": ")" + m + R"(", "transaction": )" + r.txn_a + "}");
    write(agent + "/batch_" + m,
          std::string(1, '\0') + R"({"model": ")" + m + R"(", "transactions": [)" + r.txn_a + ", " + r.txn_b + "]}");
    write(agent + "/feedback_" + m, std::string(1, '\xa0') + R"({"model": ")" + m + R"(", "transaction": )" + r.txn_b +
                                        R"(, "probability": 0.42, "label": "confirmed_fraud"})");
  }
  write(agent + "/models", std::string(1, '\xe0'));
  write(agent + "/healthz", std::string(1, '\xe1'));
  write(agent + "/metrics", std::string(1, '\xe2'));

  const std::string score = dir + "/fuzz_score";
  mkdir(score.c_str(), 0755);
  // Bytes below 8 make fuzz_score choose plain values only (value classes 0-7), so the seeds
  // score ordinary rows with every call; the fuzzer brings the odd values.
  // FuzzedDataProvider takes integers from the end: the last byte picks the model (kTinyKindCount
  // tiny ones; a byte b picks b % count, so bytes below 4 pick what they did before gbdt came).
  std::mt19937 rng(7);
  const int kinds = static_cast<int>(kTinyKindCount);
  for (int i = 0; i < 2 * kinds; ++i) {
    std::string bytes(192, '\0');
    if (i >= kinds)
      for (char& c : bytes) c = static_cast<char>(rng() % 8);
    bytes.back() = static_cast<char>(i % kinds);
    write(score + "/" + tiny_kind_name(kTinyKinds[i % kinds]) + (i < kinds ? "_plain" : "_mixed"), bytes);
  }

  const std::string csv = dir + "/fuzz_csv_reader";
  mkdir(csv.c_str(), 0755);
  write(csv + "/quoted", "a,\"b,\"\"c\"\"\",d\r\n\"multi\nline\",,\"\"\n");
  write(csv + "/no_final_newline", "x,y\n1,2");
  write(csv + "/empty_lines", "\n\n,\n");
  if (!repo.empty())
    for (const char* name : {"transactions", "sme_payments", "company_years"})
      write(csv + "/" + name + ".csv", head(repo + "/examples/" + name + ".csv", 6));
  return 0;
}
